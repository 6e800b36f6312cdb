/**
 * The worker pool: Bree (root: false, absolute job paths) running N
 * dispatcher workers (out/main/jobs/dispatcher.js). Each claims ready steps in
 * batches and commits them together; workers post push events, log lines and
 * secret requests to the main thread, which re-emits events on core.bus.
 * A worker with nothing to do for idleExitMs (and no timer due within
 * RETIRE_TIMER_MARGIN_MS) retires, so an idle server does not keep N V8 heaps;
 * wake() (new work) and the engine's heartbeat (ready steps, a timer due within
 * ENSURE_TIMER_MARGIN_MS) start it again. A crashed worker is restarted at once.
 *
 * Runaway work is bounded here (docs/engine.md, "Runaway steps"). Each worker
 * writes the steps it runs (id, deadline) and its event loop's heartbeat to
 * shared memory (inflight.ts); a watchdog on the main thread reads it:
 * - a step still running KILL_GRACE_MS past its deadline means the worker is
 *   stuck in it (a never-ending expression, a catastrophic regex): the worker
 *   thread is ended, that step fails "timed out after N s in node …" (not
 *   retried), the other steps of its batch (not committed) are handed back,
 *   and a fresh worker starts;
 * - a worker whose event loop has not turned for STALL_MS gets a spare worker
 *   beside it (at most N spares), and the steps it holds but is not running
 *   (batch-mates that already ran, successors waiting their turn) are handed
 *   back, so other runs go on meanwhile;
 * - a running step that was cancelled (runs.cancel, run timeout) is aborted in
 *   its worker, and the worker is ended if it does not let go;
 * - workers have a heap limit (resourceLimits); a worker that dies (out of
 *   memory, crash) hands its running steps back with a death counted on each:
 *   such a step runs alone, one at a time, and fails with the cause when its
 *   worker dies a second time, instead of being handed back for ever;
 * - stop() gives the workers STOP_GRACE_MS, then ends the ones still busy.
 */
import type Bree from 'bree';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { EventName } from '../../../shared/api';
import { backupToRestore } from '../backup';
import { lazyRequire } from '../lazy';
import { CorruptDatabaseError, writeIntentOf } from '../db/open';
import type { Engine } from './engine';
import { processSecrets } from '../secrets/scrub';
import { timeoutMessage } from './executor';
import { InflightReader, inflightBuffer, type InflightStep } from './inflight';
import {
  ABORT_GRACE_MS,
  DEFAULT_IDLE_EXIT_MS,
  DEFAULT_WORKER_HEAP_MB,
  KILL_GRACE_MS,
  ORPHAN_CHECK_MS,
  SPARE_IDLE_EXIT_MS,
  STALL_MS,
  STOP_GRACE_MS,
  WATCHDOG_MS,
  WORKERS_AFTER_START_MS,
  WORKER_DEATHS_TO_FAIL,
} from './pool-limits';
import type { StepError } from './store';

export type ToWorker =
  | { type: 'wake' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'secret'; id: number; value: string | null }
  /** Secret values the main thread learned (the worker's scrubber replaces them in what it commits). */
  | { type: 'secrets'; entries: [string | null, string][] }
  /** These steps were cancelled meanwhile: abort them. */
  | { type: 'abort'; steps: number[] };
export type FromWorker =
  | { type: 'bus'; events: [EventName, unknown][] }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> }
  | { type: 'secret'; id: number; name: string }
  | { type: 'events' }
  | { type: 'retired' }
  /** A pass met a damaged store (SQLITE_CORRUPT, stored JSON that does not parse). */
  | { type: 'damaged'; detail: string };


export interface WorkerData {
  dbFile: string;
  nativeBinding?: string;
  workerId: string;
  paused: boolean;
  idleExitMs?: number;
  /** The main thread's known secret values [name, value] when the worker starts (for its scrubber). */
  secrets?: [string | null, string][];
  /** The steps it runs and its heartbeat, shared with the main thread (inflight.ts). A new one per start. */
  inflight: SharedArrayBuffer;
  /** The main thread's write-intent counter (db/open.ts): this worker lets the main thread's transactions go first. */
  writeIntent?: SharedArrayBuffer;
  /** Step timeout when a node sets none (setting engine.stepTimeout). */
  stepTimeoutMs?: number;
}

export interface PoolOptions {
  workers: number;
  jobsDir?: string;
  /** A pool that starts with nothing to do starts its workers this long after (default WORKERS_AFTER_START_MS), or at the first work. */
  lateStartMs?: number;
  idleExitMs?: number;
  /** Heap limit per worker thread, MB (setting engine.workerHeapMb). */
  heapMb?: number;
  /** Step timeout when a node sets none, ms (setting engine.stepTimeout). */
  stepTimeoutMs?: number;
  /** Spare workers started beside stuck ones (default: as many as workers). */
  spares?: number;
}

/** Why the pool ended a worker itself (anything else is a crash). */
type Planned =
  | { reason: 'retired' | 'stop' | 'stop-forced' | 'cancel' }
  | { reason: 'timeout'; timeouts: InflightStep[] };

/** What an ended worker left behind, read at its exit (settled then, or later when the store was busy). */
interface ExitFacts {
  now: number;
  running: InflightStep[];
  planned: Planned | null;
  cause: { code: string; text: string } | null;
}

interface Settled {
  failed: { stepId: number; runId: string; nodeId: string; message: string }[];
  suspects: number;
  handedBack: number;
}

interface WorkerState {
  name: string;
  workerId: string;
  spare: boolean;
  reader: InflightReader;
  buf: SharedArrayBuffer;
  planned: Planned | null;
  error: (Error & { code?: string }) | null;
  exitCode: number | null;
  /** Steps seen past their deadline + grace at the last scan (step id -> deadline): acted on when seen twice. */
  overdue: Map<number, number>;
  /** Cancelled steps the worker was told to abort (step id -> when). */
  aborts: Map<number, number>;
  /** The spare started while this worker is stuck. */
  coveredBy: string | null;
}

/** Where the built job files are: next to the built core (out/main/jobs), found from this module's own location. */
export function defaultJobsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'jobs'), join(here, 'jobs'), resolve(here, '..', '..', '..', 'out', 'main', 'jobs')];
  for (const c of candidates) if (existsSync(join(c, 'dispatcher.js'))) return c;
  throw new Error(`The built worker file jobs/dispatcher.js was not found (looked in ${candidates.join(', ')}). Build first: npx electron-vite build`);
}

/**
 * Bree decides with is-invalid-path whether a job path is a file or code to
 * eval: an install path with parentheses ("C:\\Program Files (x86)\\…") is
 * taken for code and the worker dies with a SyntaxError. Our job paths are
 * always absolute files (checked before start), so workers are created from
 * the file, never eval'd.
 */
interface FileBree extends Bree {
  onWorker: ((name: string, w: Worker) => void) | null;
}
type FileBreeCtor = new (config: ConstructorParameters<typeof Bree>[0]) => FileBree;

// Bree (and its dependencies) load when the pool starts, not with the engine's module.
const breeLib = lazyRequire<typeof Bree>('bree');
let FileBreeClass: FileBreeCtor | null = null;
function fileBreeClass(): FileBreeCtor {
  FileBreeClass ??= class extends breeLib() {
    onWorker: ((name: string, w: Worker) => void) | null = null;
    override createWorker = (filename: string, options: Partial<WorkerOptions>): Worker => {
      const w = new Worker(filename, { ...options, eval: false });
      this.onWorker?.((options.workerData as { job?: { name?: string } } | undefined)?.job?.name ?? '', w);
      return w;
    };
  };
  return FileBreeClass;
}

export class WorkerPool {
  private bree: FileBree | null = null;
  private stopping = false;
  private wakePending = false;
  private watchdog: NodeJS.Timeout | null = null;
  /** The workers' first start when the pool started with nothing to do (start()). */
  private lateStart: NodeJS.Timeout | null = null;
  private scanPending = false;
  /** Workers that retired for lack of work (not crashed): started again by ensure(). */
  private readonly retired = new Set<string>();
  /** Stopped workers whose steps could not be settled yet (the store was busy): not restarted until they are. */
  private readonly unreleased = new Set<string>();
  private offSecrets: (() => void) | null = null;
  private readonly states = new Map<string, WorkerState>();
  readonly jobsDir: string;
  readonly heapMb: number;
  readonly spares: number;

  constructor(
    private readonly engine: Engine,
    private readonly opts: PoolOptions,
  ) {
    this.jobsDir = opts.jobsDir ?? defaultJobsDir();
    this.heapMb = opts.heapMb ?? DEFAULT_WORKER_HEAP_MB;
    this.spares = Math.max(0, opts.spares ?? opts.workers);
  }

  get size(): number {
    return this.opts.workers;
  }

  private workerId(i: number): string {
    return `${this.engine.instanceId}:w${i}`;
  }

  async start(): Promise<void> {
    const core = this.engine.core;
    const path = join(this.jobsDir, 'dispatcher.js');
    if (!existsSync(path)) throw new Error(`Worker file not found: ${path}. Build first: npx electron-vite build`);
    const quiet = {
      info: () => undefined,
      warn: (...a: unknown[]) => core.log.warn('bree', { detail: String(a[0]) }),
      error: (...a: unknown[]) => core.log.error('bree', { detail: String(a[0]) }),
    };
    const idle = this.opts.idleExitMs ?? DEFAULT_IDLE_EXIT_MS;
    const jobs = Array.from({ length: this.opts.workers + this.spares }, (_, i) => {
      const name = `engine-worker-${i}`;
      const spare = i >= this.opts.workers;
      const buf = inflightBuffer();
      this.states.set(name, {
        name,
        workerId: this.workerId(i),
        spare,
        buf,
        reader: new InflightReader(buf),
        planned: null,
        error: null,
        exitCode: null,
        overdue: new Map(),
        aborts: new Map(),
        coveredBy: null,
      });
      return {
        name,
        path,
        worker: {
          workerData: {
            dbFile: core.dbFile,
            ...(core.opts.nativeBinding ? { nativeBinding: core.opts.nativeBinding } : {}),
            workerId: this.workerId(i),
            paused: this.engine.paused,
            idleExitMs: spare ? (idle > 0 ? Math.min(idle, SPARE_IDLE_EXIT_MS) : SPARE_IDLE_EXIT_MS) : idle,
            inflight: buf,
            ...(writeIntentOf(core.db) ? { writeIntent: writeIntentOf(core.db) } : {}),
            secrets: processSecrets.entries(),
            ...(this.opts.stepTimeoutMs ? { stepTimeoutMs: this.opts.stepTimeoutMs } : {}),
          } satisfies WorkerData,
          resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
        },
      };
    });
    this.bree = new (fileBreeClass())({
      root: false,
      jobs,
      logger: quiet as never,
      doRootCheck: false,
      workerMessageHandler: ({ name, message }: { name: string; message: unknown }) => this.onMessage(name, message as FromWorker | string),
      // A worker's error event (out of memory, an uncaught exception): kept for its exit, which logs it
      // (Bree also calls this for every exit with a non-zero code: the pool's own terminate() included).
      errorHandler: (error: unknown, meta: { name?: string }) => {
        const st = meta?.name ? this.states.get(meta.name) : undefined;
        if (st && !/exited with code/.test(String((error as Error)?.message))) st.error ??= error as Error;
      },
    } as never);
    this.bree.onWorker = (name, w) => {
      w.once('exit', (code) => {
        const st = this.states.get(name);
        if (st) st.exitCode = code;
      });
    };
    this.bree.on('worker deleted', (name: string) => this.onExit(name));
    // Every secret value the main thread learns (a step asked for it, a secret was stored) reaches every
    // worker's scrubber, so a value one worker used and another worker's remote echoes is still replaced.
    this.offSecrets = processSecrets.onAdd((n, value) => this.broadcast({ type: 'secrets', entries: [[n, value]] }));
    if (this.engine.hasWorkSoon()) for (let i = 0; i < this.opts.workers; i++) await this.runWorker(`engine-worker-${i}`);
    else {
      // Nothing to do yet: the workers start a moment later, so a starting host answers its first
      // requests before N threads load the engine beside it (docs/bench.md, "Memory and start"), or
      // at once when work comes first (ensure(), as for workers that retired while idle).
      for (let i = 0; i < this.opts.workers; i++) this.retired.add(`engine-worker-${i}`);
      this.lateStart = setTimeout(() => {
        this.lateStart = null;
        this.ensure();
      }, this.opts.lateStartMs ?? WORKERS_AFTER_START_MS);
      this.lateStart.unref();
    }
    this.watchdog = setInterval(() => this.scan(false), WATCHDOG_MS);
    this.watchdog.unref();
  }

  private onMessage(name: string, m: FromWorker | string): void {
    // Bree's stop() ends a worker with a once('message') listener that takes whatever message comes
    // first: a push event still in flight eats it and stop() waited for ever. The 'cancelled' the
    // dispatcher posts last ends the worker here whichever listener sees it.
    if (m === 'cancelled') {
      const st = this.states.get(name);
      if (st && !st.planned) st.planned = { reason: this.retired.has(name) || st.spare ? 'retired' : 'stop' };
      void this.worker(name)?.terminate();
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    const core = this.engine.core;
    if (m.type === 'retired') {
      if (!this.states.get(name)?.spare) this.retired.add(name);
      const st = this.states.get(name);
      if (st) st.planned = { reason: 'retired' };
    } else if (m.type === 'bus') for (const [n, p] of m.events) core.bus.emit(n, p as never);
    else if (m.type === 'log') core.log[m.level](m.msg, { worker: name, ...m.fields });
    else if (m.type === 'damaged') core.damage(new CorruptDatabaseError(core.dbFile, m.detail, backupToRestore(core.dataDir)));
    else if (m.type === 'events') core.eventsAppended();
    else if (m.type === 'secret') {
      void core.secrets
        .get(m.name)
        .catch(() => null)
        .then((value) => this.worker(name)?.postMessage({ type: 'secret', id: m.id, value } satisfies ToWorker));
    }
  }

  private worker(name: string): Worker | undefined {
    return (this.bree?.workers as Map<string, Worker> | undefined)?.get(name);
  }

  private get workers(): Map<string, Worker> {
    return (this.bree?.workers as Map<string, Worker> | undefined) ?? new Map<string, Worker>();
  }

  /** End a worker the pool decided to end (stuck in a step, running a cancelled step). */
  private end(name: string, planned: Planned): void {
    const st = this.states.get(name);
    const w = this.worker(name);
    if (!st || !w || st.planned) return;
    st.planned = planned;
    void w.terminate();
  }

  /**
   * A worker ended (retired, stopped, ended by the watchdog, crashed): settle the steps it held, log it,
   * start it again. Runs after Bree forgot the worker, so a restart is possible from here.
   */
  private onExit(name: string): void {
    const st = this.states.get(name);
    if (!st) return;
    // Still readable: the memory is ours, the thread is gone.
    const running = st.reader.running();
    const planned = st.planned;
    const cause = planned ? null : this.causeOf(st);
    st.coveredBy = null;
    this.afterExit(st, { now: Date.now(), running, planned, cause }, 1);
  }

  /**
   * Settle an ended worker's steps, then restart it. Another process may hold the store's write lock
   * past the busy timeout (a CLI import next to `baton serve`): then the settling is tried again a
   * little later (never thrown out of Bree's exit event, which would end the server), and the worker,
   * whose id names the claims, is restarted only once they are settled (a restarted worker would
   * never see the old claims, and their steps would stay `running` until the next host start).
   */
  private afterExit(st: WorkerState, exit: ExitFacts, attempt: number): void {
    const core = this.engine.core;
    const { planned, cause } = exit;
    let settled: Settled = { failed: [], suspects: 0, handedBack: 0 };
    if (core.db.open) {
      try {
        settled = this.settle(st, exit);
        this.unreleased.delete(st.name);
      } catch (e) {
        this.unreleased.add(st.name);
        core.log.warn("could not hand back a stopped engine worker's steps yet (the store is busy); trying again", { worker: st.name, attempt, error: e as Error });
        setTimeout(
          () => {
            if (core.db.open) this.afterExit(st, exit, attempt + 1);
            else this.unreleased.delete(st.name);
          },
          Math.min(10_000, 500 * attempt),
        ).unref();
        return;
      }
    }
    const { failed, handedBack } = settled;
    this.logExit(st, planned, cause, { running: exit.running.length, ...settled });
    if (this.stopping || !this.bree) return;
    // A worker that died because the data folder or database is gone is not restarted
    // (it would die again at once): the core reports the loss and the host stops.
    if (!core.storeIsThere()) return;
    if (planned?.reason === 'retired') {
      // Work may have come in while it was retiring (its wake message was lost with it).
      if (core.db.open && this.engine.hasWorkSoon()) this.ensure();
      return;
    }
    if (!st.spare) {
      // A crash restarts after a pause (no tight loop if it dies at once); a worker the pool ended, at once.
      setTimeout(
        () => {
          if (!this.stopping && this.bree && !this.worker(st.name)) void this.runWorker(st.name);
        },
        cause ? 100 : 0,
      ).unref();
    }
    if (handedBack || failed.length) this.wake();
  }

  /** One transaction: fail the ended worker's steps past their deadline (or that killed it twice), hand the rest back. */
  private settle(st: WorkerState, { now, running, planned, cause }: ExitFacts): Settled {
    const store = this.engine.store;
    let failed: Settled['failed'] = [];
    let suspects = 0;
    let handedBack = 0;
    store.tx(() => {
      // A step past its deadline fails as timed out, whatever ended the worker (it is not run again).
      const timeouts = new Map<number, InflightStep>();
      if (planned?.reason === 'timeout') for (const s of planned.timeouts) timeouts.set(s.stepId, s);
      for (const s of running) if (s.deadline <= now) timeouts.set(s.stepId, s);
      const fails = new Map<number, (node: { id: string; type: string | undefined }) => StepError>();
      const stopped = planned?.reason === 'timeout' ? ': its worker was stuck in it and was stopped' : '';
      for (const s of timeouts.values()) fails.set(s.stepId, (node) => ({ message: timeoutMessage(s.limitMs, node) + stopped, code: 'timeout', retryable: false }));
      if (cause) {
        // A crash: every step it was running is a suspect; one whose worker died before fails now.
        const others = running.filter((s) => !timeouts.has(s.stepId)).map((s) => s.stepId);
        for (const d of store.noteDeaths(st.workerId, others)) {
          if (d.deaths >= WORKER_DEATHS_TO_FAIL) {
            fails.set(d.id, (node) => ({
              message: `the worker running node "${node.id}"${node.type ? ` (${node.type})` : ''} died ${d.deaths} times while running it: ${cause.text}`,
              code: cause.code,
              retryable: false,
            }));
          } else suspects++;
        }
      }
      failed = store.failClaimed(st.workerId, fails);
      handedBack = store.releaseClaims(st.workerId);
    });
    return { failed, suspects, handedBack };
  }

  private causeOf(st: WorkerState): { code: string; text: string } {
    const e = st.error;
    if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') return { code: 'out_of_memory', text: `out of memory (worker heap limit ${this.heapMb} MB, setting engine.workerHeapMb)` };
    if (e) return { code: 'worker_crashed', text: `it crashed: ${e.message}` };
    return { code: 'worker_crashed', text: `it exited unexpectedly (exit code ${st.exitCode ?? 'unknown'})` };
  }

  private logExit(
    st: WorkerState,
    planned: Planned | null,
    cause: { code: string; text: string } | null,
    r: { running: number; failed: { stepId: number; runId: string; nodeId: string; message: string }[]; suspects: number; handedBack: number },
  ): void {
    const log = this.engine.core.log;
    const fields = {
      worker: st.name,
      ...(r.failed.length ? { failed: r.failed } : {}),
      ...(r.suspects ? { suspects: r.suspects } : {}),
      ...(r.handedBack ? { handedBack: r.handedBack } : {}),
    };
    if (cause) {
      log.error('engine worker crashed', { ...fields, cause: cause.text, ...(st.error ? { error: st.error } : {}), exitCode: st.exitCode, running: r.running });
      return;
    }
    const reason = planned?.reason ?? 'stop';
    if (reason === 'timeout') log.warn('engine worker stopped: a step ran past its timeout', fields);
    else if (reason === 'cancel') log.info('engine worker stopped: it was running a cancelled step', fields);
    else if (reason === 'stop-forced') log.info('engine worker stopped: still busy after the stop grace', fields);
    else log.debug('engine worker stopped', { ...fields, reason });
  }

  /**
   * The watchdog (every WATCHDOG_MS; at once after a cancel): end workers stuck past a step's deadline,
   * start spares beside stuck workers, abort cancelled steps and end the workers that hold on to them.
   */
  private scan(checkAll: boolean): void {
    if (this.stopping || !this.bree) return;
    const now = Date.now();
    const check: { st: WorkerState; s: InflightStep; stalled: boolean }[] = [];
    for (const [name] of this.workers) {
      const st = this.states.get(name);
      if (!st || st.planned) continue;
      const running = st.reader.running();
      if (!running.length) {
        if (st.overdue.size) st.overdue = new Map();
        if (st.aborts.size) st.aborts.clear();
        st.coveredBy = null;
        continue;
      }
      // Past the deadline and the grace, seen twice with the same deadline (never a torn read).
      const overdue = running.filter((s) => now > s.deadline + KILL_GRACE_MS);
      const confirmed = overdue.filter((s) => st.overdue.get(s.stepId) === s.deadline);
      st.overdue = new Map(overdue.map((s) => [s.stepId, s.deadline]));
      if (confirmed.length) {
        this.end(name, { reason: 'timeout', timeouts: confirmed });
        continue;
      }
      // A worker in a store transaction (waiting for the write lock behind the other workers, the main
      // thread or another process, or committing a large batch) is not stuck: a spare would wait for the
      // same lock, and handing back its claims would only waste the work it is committing.
      const stalled = now - st.reader.lastTick > STALL_MS && st.reader.inStoreSince === 0;
      if (stalled) {
        this.cover(st);
        this.handBackHeld(st, running);
      } else st.coveredBy = null;
      for (const s of running) if (checkAll || now - s.startedAt > ORPHAN_CHECK_MS) check.push({ st, s, stalled });
    }
    if (!check.length || !this.engine.core.db.open) return;
    let owners: Map<number, string | null>;
    try {
      owners = this.engine.store.runningOwners(check.map((c) => c.s.stepId));
    } catch {
      return; // the database is busy: the next scan looks again
    }
    const asks = new Map<WorkerState, number[]>();
    for (const { st, s, stalled } of check) {
      if (owners.get(s.stepId) === st.workerId || st.planned) continue;
      // Cancelled (or otherwise taken from this worker) while it still runs it.
      const asked = st.aborts.get(s.stepId);
      if (stalled || (asked !== undefined && now - asked > ABORT_GRACE_MS)) {
        this.end(st.name, { reason: 'cancel' });
        continue;
      }
      if (asked === undefined) {
        st.aborts.set(s.stepId, now);
        asks.set(st, [...(asks.get(st) ?? []), s.stepId]);
      }
    }
    for (const [st, steps] of asks) this.worker(st.name)?.postMessage({ type: 'abort', steps } satisfies ToWorker);
  }

  /**
   * A stuck worker's other steps (its batch-mates that already ran, successors waiting their turn) would
   * wait for the stuck one: they run again elsewhere now. Only steps it is not running are taken; which
   * running one is the culprit is not known until its deadline.
   */
  private handBackHeld(st: WorkerState, running: InflightStep[]): void {
    const core = this.engine.core;
    if (!core.db.open) return;
    let n = 0;
    try {
      n = this.engine.store.releaseClaimsExcept(st.workerId, running.map((s) => s.stepId));
    } catch {
      return; // the database is busy: the next scan tries again
    }
    if (!n) return;
    core.log.info('engine worker stuck: its other steps run elsewhere', { worker: st.name, steps: n });
    this.wake();
  }

  /** Look at the running steps now (after a cancel), not at the next tick. */
  scanSoon(): void {
    if (this.scanPending) return;
    this.scanPending = true;
    setImmediate(() => {
      this.scanPending = false;
      this.scan(true);
    });
  }

  /** A worker is stuck: start a spare beside it (if one is free), so other runs go on meanwhile. */
  private cover(st: WorkerState): void {
    if (st.coveredBy && this.worker(st.coveredBy)) return;
    st.coveredBy = null;
    const covering = new Set([...this.states.values()].map((s) => s.coveredBy));
    const spare = [...this.states.values()].find((s) => s.spare && !this.worker(s.name) && !covering.has(s.name) && !this.unreleased.has(s.name));
    if (!spare || this.engine.paused) return;
    st.coveredBy = spare.name;
    this.engine.core.log.info('engine worker busy for more than a second: started a spare worker', { worker: st.name, spare: spare.name });
    void this.runWorker(spare.name);
  }

  private async runWorker(name: string): Promise<void> {
    // A worker whose last steps are not settled yet starts once they are (afterExit).
    if (!this.bree || this.unreleased.has(name)) return;
    const st = this.states.get(name);
    // A fresh shared table per start: the last one stays readable for the exit of the thread that had it.
    const job = (this.bree.config.jobs as { name: string; worker?: { workerData?: WorkerData } }[]).find((j) => j.name === name);
    if (st && job?.worker?.workerData) {
      st.buf = inflightBuffer();
      st.reader = new InflightReader(st.buf);
      job.worker.workerData.inflight = st.buf;
    }
    if (st) {
      st.planned = null;
      st.error = null;
      st.exitCode = null;
      st.overdue = new Map();
      st.aborts.clear();
    }
    // The pause switch may have changed since the pool started: a (re)started worker reads it now.
    if (job?.worker?.workerData) {
      job.worker.workerData.paused = this.engine.paused;
      job.worker.workerData.secrets = processSecrets.entries();
    }
    await this.bree.run(name);
  }

  /** Start the workers that retired (there is work, or a timer is near). */
  ensure(): void {
    if (this.stopping || !this.bree || this.retired.size === 0 || this.engine.paused) return;
    for (const name of [...this.retired]) {
      if (this.worker(name) || this.unreleased.has(name)) continue;
      this.retired.delete(name);
      void this.runWorker(name);
    }
  }

  /** Live worker threads, spares included (tests, memory figures). */
  get live(): number {
    return this.workers.size;
  }

  /**
   * Debounced: once per tick every worker is told of new work through memory shared with it
   * (inflight.ts): a flag an awake worker reads before it would sleep (no message, no system call: a
   * busy worker costs nothing per request), and Atomics.notify for a sleeping one (as the wake
   * message did before, without a message to serialise).
   */
  wake(): void {
    this.ensure();
    if (this.wakePending) return;
    this.wakePending = true;
    setImmediate(() => {
      this.wakePending = false;
      for (const [name, w] of this.workers) {
        const st = this.states.get(name);
        if (!st) w.postMessage({ type: 'wake' } satisfies ToWorker);
        else if (st.reader.announce()) st.reader.notify();
      }
    });
  }

  broadcast(msg: ToWorker): void {
    for (const w of this.workers.values()) w.postMessage(msg);
  }

  /** Test hook: kill one worker thread abruptly (the pool takes it for a crash). */
  async kill(index: number): Promise<void> {
    await this.worker(`engine-worker-${index}`)?.terminate();
  }

  /**
   * Stop: every worker is asked to finish its batch and exit; the ones still busy after `graceMs` (stuck
   * in a step, or waiting on the network) are ended. Steps they held are handed back (or fail when past
   * their deadline) by onExit.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    this.offSecrets?.();
    this.offSecrets = null;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    if (this.lateStart) clearTimeout(this.lateStart);
    this.lateStart = null;
    if (!this.bree) return;
    const workers = this.workers;
    const gone = async (ms: number) => {
      const t0 = Date.now();
      while (workers.size > 0 && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 10));
    };
    for (const [name, w] of workers) {
      const st = this.states.get(name);
      if (st && !st.planned) st.planned = { reason: 'stop' };
      w.postMessage('cancel');
    }
    await gone(graceMs);
    if (workers.size > 0) {
      for (const [name, w] of workers) {
        const st = this.states.get(name);
        if (st) st.planned = { reason: 'stop-forced' };
        void w.terminate();
      }
      await gone(5_000);
    }
    this.bree = null;
  }
}
