/**
 * The engine's benchmark driver, built as out/main/engine-bench.js and called by
 * bench/engine.mjs (`npm run bench`). It opens a real core on a temp data
 * folder with the Bree worker pool (host "server", all workers) and measures:
 * - throughput of a 5-step no-I/O workflow (condition -> set -> 2 parallel sets -> join);
 * - lateness of 1,000 durable timers (wait until T, then a step reads the clock);
 * - draining 10,000 overdue timers after a simulated sleep (due times moved an hour back while paused);
 * - resident memory idle (once the started pool stops growing) and under the throughput load.
 * Lives outside the engine (the kernel) because it composes a whole core.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBaton } from '../index';
import { EnvSecretStore } from '../secrets';
import { engineOf } from '../engine';

export interface EngineBenchOptions {
  quick?: boolean;
  workers?: number;
  /** Override the built jobs folder (default: next to this file). */
  jobsDir?: string;
  /** Measure the throughput only (no timers, no idle memory): for profiling the hot path. */
  throughputOnly?: boolean;
  /** Runs of the throughput load (default 10,000; 2,000 quick). */
  runs?: number;
  /** Progress lines (phase, counts while waiting). */
  progress?: (line: string) => void;
}

export interface EngineBenchResult {
  workers: number;
  /** cpuUsPerStep: CPU time of the whole process (main thread and workers, process.cpuUsage) per step during the load:
   * on a loaded machine it moves far less than steps/s. */
  throughput: { runs: number; seconds: number; runsPerSec: number; stepsPerSec: number; startPerSec: number; cpuUsPerStep: number };
  timers: { count: number; p50: number; p99: number; max: number };
  /** firedSeconds: every timer fired (its step ready); seconds: every woken run finished. */
  drain: { count: number; firedSeconds: number; seconds: number };
  /** idleMb: the idle server once its workers retired (no work for engine idleExitMs), measured after the load;
   * startedMb: just after start, with every worker loaded; loadMb: peak under the throughput load. */
  rss: { idleMb: number; startedMb: number; loadMb: number };
}

const FIVE_STEP = {
  id: 'bench-five',
  name: 'bench: 5 steps, no I/O',
  trigger: { type: 'manual' },
  nodes: [
    { id: 'check', type: 'condition', params: { if: 'input.n >= 0' } },
    { id: 'prep', type: 'set', params: { values: { n: '=input.n', doubled: '=input.n * 2' } } },
    { id: 'left', type: 'set', params: { values: { side: 'left' } } },
    { id: 'right', type: 'set', params: { values: { side: 'right' } } },
    { id: 'done', type: 'join', params: { mode: 'all' } },
  ],
  edges: [
    { from: 'check', to: 'prep', branch: 'true' },
    { from: 'prep', to: 'left' },
    { from: 'prep', to: 'right' },
    { from: 'left', to: 'done' },
    { from: 'right', to: 'done' },
  ],
};

const TIMER = {
  id: 'bench-timer',
  name: 'bench: one durable timer',
  trigger: { type: 'manual' },
  nodes: [
    { id: 'sleep', type: 'wait', params: { until: '=input.until' } },
    { id: 'woke', type: 'set', params: { values: { at: '=$millis()' } } },
  ],
  edges: [{ from: 'sleep', to: 'woke' }],
};

const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssNow(): number {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
  return process.memoryUsage().rss;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export async function runEngineBench(opts: EngineBenchOptions = {}): Promise<EngineBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-engine-'));
  const workers = opts.workers ?? availableParallelism();
  const core = await openBaton({ dataDir: dir, host: 'server', secrets: new EnvSecretStore({}, 'bench'), logLevel: 'warn' });
  try {
    core.setSetting('engine.workers', workers);
    const engine = engineOf(core);
    if (opts.jobsDir) engine.poolOptions.jobsDir = opts.jobsDir;
    await core.call('workflows.import', { definition: FIVE_STEP });
    await core.call('workflows.import', { definition: TIMER });
    await core.start();
    // Idle = the steady state of a started server: the worker threads take a second or more to load
    // their modules (a fixed 500 ms caught them half loaded, 20-30 MB under the real figure under load).
    // Wait until the resident size stops growing (two samples 250 ms apart within 0.5 MB, >= 1 s after start).
    const startedAt = Date.now();
    let idle = rssNow();
    for (;;) {
      await sleep(250);
      const now = rssNow();
      const steady = Math.abs(now - idle) < 512 * 1024 && Date.now() - startedAt >= 1000;
      idle = now;
      if (steady || Date.now() - startedAt > 10_000) break;
    }

    const count = (sql: string, ...args: unknown[]) => (core.db.prepare(sql).get(...args) as { n: number }).n;
    const state = () =>
      JSON.stringify({
        runs: core.db.prepare('SELECT status, COUNT(*) AS n FROM runs GROUP BY status').all(),
        steps: core.db.prepare('SELECT status, COUNT(*) AS n FROM steps GROUP BY status').all(),
        timers: count('SELECT COUNT(*) AS n FROM timers'),
      });
    const waitFor = async (what: string, pred: () => boolean, limitMs: number) => {
      const t = Date.now();
      let said = t;
      while (!pred()) {
        if (Date.now() - t > limitMs) throw new Error(`timed out after ${limitMs} ms waiting for ${what}: ${state()}`);
        if (opts.progress && Date.now() - said > 2000) {
          said = Date.now();
          opts.progress(`waiting for ${what}: ${state()}`);
        }
        await sleep(5);
      }
    };

    // ---- throughput ------------------------------------------------------
    const N = opts.runs ?? (opts.quick ? 2000 : 10_000);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    // Runs arrive in bursts of 500 per transaction (as from an import or an event storm), while the workers run them.
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < N; i += 500) {
      engine.store.tx(() => {
        for (let j = i; j < Math.min(N, i + 500); j++) engine.store.startRunTx({ workflow: 'bench-five', input: { n: j }, trigger: { type: 'api' } });
      });
      engine.wake();
      await new Promise((r) => setImmediate(r));
    }
    const started = performance.now();
    // Polled every 5 ms on the main thread, inside the measured CPU time: a read of one index entry (is any
    // run still active?), not a count of the succeeded ones (a scan of up to N entries each time, which
    // added ~10 µs of CPU per step to the figure).
    const active = core.db.prepare(`SELECT 1 AS y FROM runs WHERE workflow_id = 'bench-five' AND status IN ('queued', 'running', 'waiting') LIMIT 1`);
    await waitFor('the 5-step runs', () => active.get() === undefined, 120_000);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const succeeded = count(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = 'bench-five' AND status = 'succeeded'`);
    if (succeeded !== N) throw new Error(`${N - succeeded} of the ${N} 5-step runs did not succeed: ${state()}`);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const throughput = { runs: N, seconds, runsPerSec: N / seconds, stepsPerSec: (5 * N) / seconds, startPerSec: N / ((started - t0) / 1000), cpuUsPerStep: (cpu.user + cpu.system) / (5 * N) };
    if (opts.throughputOnly) return { workers, throughput, timers: { count: 0, p50: NaN, p99: NaN, max: NaN }, drain: { count: 0, firedSeconds: NaN, seconds: NaN }, rss: { idleMb: mb(idle), startedMb: mb(idle), loadMb: mb(peak) } };

    // ---- timer lateness --------------------------------------------------
    const T = 1000;
    const base = Date.now() + 1000;
    const runIds: { id: string; until: number }[] = [];
    for (let i = 0; i < T; i++) {
      const until = base + Math.floor((i / T) * 2000);
      runIds.push({ id: engine.startRun({ workflow: 'bench-timer', input: { until: new Date(until).toISOString() }, trigger: { type: 'api' } }).runId, until });
    }
    await waitFor('the timer runs', () => count(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = 'bench-timer' AND status = 'succeeded'`) >= T, 60_000);
    const outStmt = core.db.prepare(`SELECT output FROM steps WHERE run_id = ? AND node_id = 'woke'`);
    const late = runIds
      .map(({ id, until }) => {
        const row = outStmt.get(id) as { output: string } | undefined;
        return row ? (JSON.parse(row.output) as { at: number }).at - until : NaN;
      })
      .filter((x) => Number.isFinite(x))
      .sort((a, b) => a - b);
    const timers = { count: late.length, p50: pct(late, 50), p99: pct(late, 99), max: late[late.length - 1] ?? NaN };

    // ---- overdue timers after a simulated sleep ---------------------------
    const D = opts.quick ? 2000 : 10_000;
    const far = Date.now() + 3_600_000;
    core.db.exec(`DELETE FROM runs`);
    for (let i = 0; i < D; i++) engine.startRun({ workflow: 'bench-timer', input: { until: new Date(far).toISOString() }, trigger: { type: 'api' } });
    await waitFor('the overdue timers to be set', () => count(`SELECT COUNT(*) AS n FROM timers`) >= D, 120_000);
    await core.call('engine.pauseAll', {});
    // The laptop slept through the due time: every timer is an hour overdue when it wakes.
    core.db.prepare('UPDATE timers SET due_at = due_at - 7200000').run();
    const d0 = performance.now();
    await core.call('engine.resumeAll', {});
    await waitFor('the overdue timers to fire', () => count(`SELECT COUNT(*) AS n FROM timers`) === 0, 120_000);
    const fired = (performance.now() - d0) / 1000;
    await waitFor('the woken runs to finish', () => count(`SELECT COUNT(*) AS n FROM runs WHERE status = 'succeeded'`) >= D, 120_000);
    const drain = { count: D, firedSeconds: fired, seconds: (performance.now() - d0) / 1000 };

    // ---- idle: nothing to do any more, the workers retire as in a real server ----
    core.db.exec(`DELETE FROM runs`);
    await waitFor('the idle workers to retire', () => (engine.pool?.live ?? 0) === 0, 60_000);
    await sleep(500);
    const retiredIdle = rssNow();

    return { workers, throughput, timers, drain, rss: { idleMb: mb(retiredIdle), startedMb: mb(idle), loadMb: mb(peak) } };
  } finally {
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
