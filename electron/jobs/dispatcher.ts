/**
 * Bree worker: the engine's dispatcher thread. Opens its own SQLite connection,
 * then loops: fire due timers, claim a batch of ready steps, run them, commit
 * them together, follow the chains; sleep until the next timer or a wake
 * message. Push events and log lines go to the main thread. The steps it runs
 * and its event loop's heartbeat are written to memory shared with the main
 * thread (inflight.ts), whose watchdog ends this thread if a step outruns its
 * timeout while the thread is stuck in it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isCorruption, StoredDataError } from '../core/db/integrity';
import { openWorkerStore } from '../core/db/open';
import { Executor } from '../core/engine/executor';
import { threadEnv } from '../core/env';
import { threadNodes } from '../core/nodes';
import { InflightWriter } from '../core/engine/inflight';
import type { EventName } from '../../shared/api';
import type { FromWorker, ToWorker, WorkerData } from '../core/engine/pool';
import { RETIRE_TIMER_MARGIN_MS } from '../core/engine/pool-limits';
import { registerSecretValue } from '../core/secrets/scrub';

const wd = workerData as WorkerData;
if (!parentPort) throw new Error('dispatcher.js runs as a Bree worker thread');
const port = parentPort;
const post = (m: FromWorker) => port.postMessage(m);

// This thread's scrubber knows every secret the main thread knows (and is told of new ones).
for (const [name, value] of wd.secrets ?? []) registerSecretValue(value, name);
const inflight = new InflightWriter(wd.inflight);
// The heartbeat of this thread's event loop: a stuck expression stops it (microtasks or a regex never yield).
inflight.tick();
const ticker = setInterval(() => inflight.tick(), 250);
ticker.unref();

const { db, orm } = openWorkerStore(wd.dbFile, wd.nativeBinding, wd.writeIntent);
let paused = wd.paused;
let stopping = false;
/** An idle worker retires (its heap is freed); the pool starts it again when there is work or a timer is near. */
const idleExitMs = wd.idleExitMs ?? 0;
let lastWork = Date.now();
let retired = false;
let wakeUp: (() => void) | null = null;
const wake = () => {
  const w = wakeUp;
  wakeUp = null;
  w?.();
};
// Push events go to the main thread in one message per tick (a commit of 256 steps raises hundreds).
let busQueue: [EventName, unknown][] = [];
const flushBus = () => {
  const events = busQueue;
  busQueue = [];
  if (events.length) post({ type: 'bus', events });
};
let secretSeq = 0;
const secretWaiters = new Map<number, { name: string; resolve: (v: string | null) => void }>();

const emit = (name: EventName, payload: unknown) => {
  if (!busQueue.length) setImmediate(flushBus);
  busQueue.push([name, payload]);
};
const secrets = {
  get: (name: string) =>
    new Promise<string | null>((resolve) => {
      const id = ++secretSeq;
      secretWaiters.set(id, { name, resolve });
      post({ type: 'secret', id, name });
    }),
};
const log = {
  info: (msg: string, fields?: Record<string, unknown>) => post({ type: 'log', level: 'info', msg, ...(fields ? { fields } : {}) }),
  warn: (msg: string, fields?: Record<string, unknown>) => post({ type: 'log', level: 'warn', msg, ...(fields ? { fields } : {}) }),
  error: (msg: string, fields?: Record<string, unknown>) => post({ type: 'log', level: 'error', msg, ...(fields ? { fields } : {}) }),
};
// Domain code in nodes that appends event rows (a CRM write) asks the main thread to dispatch them.
let appended = false;
const env = threadEnv({
  db,
  orm,
  now: Date.now,
  secrets,
  log,
  emit,
  eventsAppended: () => {
    if (appended) return;
    appended = true;
    setImmediate(() => {
      appended = false;
      post({ type: 'events' });
    });
  },
});

const exec = new Executor({
  env,
  nodes: threadNodes(),
  db,
  orm,
  workerId: wd.workerId,
  clock: Date.now,
  inflight,
  ...(wd.stepTimeoutMs ? { stepTimeoutMs: wd.stepTimeoutMs } : {}),
  emit,
  secrets,
  log,
});

port.on('message', (m: ToWorker | 'cancel') => {
  if (m === 'cancel') {
    stopping = true;
    wake();
  } else if (m.type === 'wake') wake();
  else if (m.type === 'pause') {
    paused = true;
    wake();
  } else if (m.type === 'resume') {
    paused = false;
    wake();
  } else if (m.type === 'secret') {
    const w = secretWaiters.get(m.id);
    secretWaiters.delete(m.id);
    if (w) {
      registerSecretValue(m.value, w.name);
      w.resolve(m.value);
    }
  } else if (m.type === 'secrets') {
    for (const [name, value] of m.entries) registerSecretValue(value, name);
  } else if (m.type === 'abort') exec.abortSteps(m.steps);
});

async function main(): Promise<void> {
  while (!stopping) {
    let n = 0;
    if (!paused) {
      const before = exec.store.eventsInserted;
      try {
        n = await exec.pass();
      } catch (e) {
        // Damage is named once (logged a minute apart, escalated by the main thread), not logged every pass.
        if (isCorruption(e)) post({ type: 'damaged', detail: e instanceof StoredDataError ? `${e.where} is not valid JSON` : (e as Error).message });
        else post({ type: 'log', level: 'error', msg: 'engine worker pass failed', fields: { error: (e as Error).message } });
      }
      if (exec.store.eventsInserted !== before) post({ type: 'events' });
    } else if (exec.hasCarry) exec.release();
    if (stopping) break;
    if (n > 0 || exec.hasCarry) {
      lastWork = Date.now();
      await new Promise((r) => setImmediate(r));
      continue;
    }
    const next = paused ? null : exec.store.nextTimerAt();
    if (idleExitMs > 0 && Date.now() - lastWork >= idleExitMs && (next === null || next - Date.now() > RETIRE_TIMER_MARGIN_MS) && (paused || exec.store.readyCount() === 0)) {
      retired = true;
      break;
    }
    // New work announced in shared memory since the pass (the main thread posts no message to a busy worker).
    if (inflight.sleep()) continue;
    const delay = Math.max(0, Math.min(500, next === null ? 500 : next - Date.now()));
    // Woken by the main thread's announcement (shared memory), a message (pause, resume, stop) or the timer.
    await new Promise<void>((resolve) => {
      wakeUp = resolve;
      void inflight.waitWake(delay).then(resolve);
    });
    wakeUp = null;
    inflight.awake();
  }
  exec.release();
  clearInterval(ticker);
  db.close();
  flushBus();
  if (retired) post({ type: 'retired' });
  port.postMessage('cancelled');
  // Nothing keeps the thread alive any more: it exits on its own (Bree's own
  // "terminate on 'cancelled'" listener can miss the message, see pool.ts).
  port.removeAllListeners('message');
}

void main();
