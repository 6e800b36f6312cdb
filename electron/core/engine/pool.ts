/**
 * The worker pool: Bree (root: false, absolute job paths) running N
 * dispatcher workers (out/main/jobs/dispatcher.js). Each claims ready steps in
 * batches and commits them together; workers post push events, log lines and
 * secret requests to the main thread, which re-emits events on core.bus.
 * A worker with nothing to do for idleExitMs (and no timer due within
 * RETIRE_TIMER_MARGIN_MS) retires, so an idle server does not keep N V8 heaps;
 * wake() (new work) and the engine's heartbeat (ready steps, a timer due within
 * ENSURE_TIMER_MARGIN_MS) start it again. A crashed worker is restarted at once.
 */
import Bree from 'bree';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { EventName } from '../../../shared/api';
import type { Engine } from './engine';
import { DEFAULT_IDLE_EXIT_MS } from './pool-limits';

export type ToWorker = { type: 'wake' } | { type: 'pause' } | { type: 'resume' } | { type: 'secret'; id: number; value: string | null };
export type FromWorker =
  | { type: 'bus'; events: [EventName, unknown][] }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> }
  | { type: 'secret'; id: number; name: string }
  | { type: 'events' }
  | { type: 'retired' };


export interface WorkerData {
  dbFile: string;
  nativeBinding?: string;
  workerId: string;
  paused: boolean;
  idleExitMs?: number;
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
class FileBree extends Bree {
  override createWorker = (filename: string, options: Partial<WorkerOptions>): Worker => new Worker(filename, { ...options, eval: false });
}

export class WorkerPool {
  private bree: Bree | null = null;
  private stopping = false;
  private wakePending = false;
  /** Workers that retired for lack of work (not crashed): started again by ensure(). */
  private readonly retired = new Set<string>();
  /** Stopped workers whose claimed steps could not be handed back yet (the store was busy): not restarted until they are. */
  private readonly unreleased = new Set<string>();
  readonly jobsDir: string;

  constructor(
    private readonly engine: Engine,
    private readonly opts: { workers: number; jobsDir?: string; idleExitMs?: number },
  ) {
    this.jobsDir = opts.jobsDir ?? defaultJobsDir();
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
    const jobs = Array.from({ length: this.opts.workers }, (_, i) => ({
      name: `engine-worker-${i}`,
      path,
      worker: {
        workerData: {
          dbFile: core.dbFile,
          ...(core.opts.nativeBinding ? { nativeBinding: core.opts.nativeBinding } : {}),
          workerId: this.workerId(i),
          paused: this.engine.paused,
          idleExitMs: this.opts.idleExitMs ?? DEFAULT_IDLE_EXIT_MS,
        } satisfies WorkerData,
      },
    }));
    this.bree = new FileBree({
      root: false,
      jobs,
      logger: quiet as never,
      doRootCheck: false,
      workerMessageHandler: ({ name, message }: { name: string; message: unknown }) => this.onMessage(name, message as FromWorker | string),
      errorHandler: (error: unknown, meta: { name?: string }) => core.log.error('engine worker error', { worker: meta?.name, error: error as Error }),
    } as never);
    this.bree.on('worker deleted', (name: string) => this.onExit(name));
    for (const j of jobs) await this.bree.run(j.name);
  }

  private onMessage(name: string, m: FromWorker | string): void {
    // Bree's stop() ends a worker with a once('message') listener that takes whatever message comes
    // first: a push event still in flight eats it and stop() waited for ever. The 'cancelled' the
    // dispatcher posts last ends the worker here whichever listener sees it.
    if (m === 'cancelled') {
      void this.worker(name)?.terminate();
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    const core = this.engine.core;
    if (m.type === 'retired') this.retired.add(name);
    else if (m.type === 'bus') for (const [n, p] of m.events) core.bus.emit(n, p as never);
    else if (m.type === 'log') core.log[m.level](m.msg, { worker: name, ...m.fields });
    else if (m.type === 'events') void this.engine.dispatchEvents().catch((e: unknown) => core.log.error('event dispatch failed', { error: e as Error }));
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

  /** A worker died (crash, kill): hand its claimed steps back and start it again. */
  private onExit(name: string): void {
    const core = this.engine.core;
    if (core.db.open && !this.releaseClaimsOf(name)) return;
    if (this.stopping || !this.bree) return;
    if (this.retired.has(name)) {
      // Work may have come in while it was retiring (its wake message was lost with it).
      if (core.db.open && this.engine.hasWorkSoon()) this.ensure();
      return;
    }
    setTimeout(() => {
      if (!this.stopping && this.bree && !this.worker(name)) this.runWorker(name);
    }, 100).unref();
  }

  /**
   * Hand a stopped worker's claimed steps back. Another process may hold the store's
   * write lock past the busy timeout: then this is tried again a little later (never
   * thrown out of Bree's exit event, which would end the server) and the worker,
   * whose id names the claims, is restarted only once they are handed back.
   */
  private releaseClaimsOf(name: string, attempt = 1): boolean {
    const core = this.engine.core;
    try {
      const n = this.engine.store.releaseClaims(this.workerId(Number(name.split('-').pop())));
      if (n) core.log.warn('engine worker stopped with claimed steps; handed back', { worker: name, steps: n });
      this.unreleased.delete(name);
      return true;
    } catch (e) {
      this.unreleased.add(name);
      core.log.warn('could not hand back a stopped engine worker\'s steps yet (the store is busy); trying again', { worker: name, attempt, error: e as Error });
      setTimeout(() => {
        if (!core.db.open) return;
        if (this.releaseClaimsOf(name, attempt + 1) && !this.stopping && this.bree && !this.worker(name) && !this.retired.has(name)) this.runWorker(name);
      }, Math.min(10_000, 500 * attempt)).unref();
      return false;
    }
  }

  private runWorker(name: string): void {
    if (!this.bree || this.unreleased.has(name)) return;
    // The pause switch may have changed since the pool started: a (re)started worker reads it now.
    const job = (this.bree.config.jobs as { name: string; worker?: { workerData?: WorkerData } }[]).find((j) => j.name === name);
    if (job?.worker?.workerData) job.worker.workerData.paused = this.engine.paused;
    void this.bree.run(name);
  }

  /** Start the workers that retired (there is work, or a timer is near). */
  ensure(): void {
    if (this.stopping || !this.bree || this.retired.size === 0 || this.engine.paused) return;
    for (const name of [...this.retired]) {
      if (this.worker(name)) continue;
      this.retired.delete(name);
      this.runWorker(name);
    }
  }

  /** Live worker threads (tests, memory figures). */
  get live(): number {
    return ((this.bree?.workers as Map<string, Worker> | undefined) ?? new Map()).size;
  }

  /** Debounced: one wake message per tick to every worker. */
  wake(): void {
    this.ensure();
    if (this.wakePending) return;
    this.wakePending = true;
    setImmediate(() => {
      this.wakePending = false;
      this.broadcast({ type: 'wake' });
    });
  }

  broadcast(msg: ToWorker): void {
    for (const w of ((this.bree?.workers as Map<string, Worker> | undefined) ?? new Map<string, Worker>()).values()) w.postMessage(msg);
  }

  /** Test hook: kill one worker thread abruptly. */
  async kill(index: number): Promise<void> {
    await this.worker(`engine-worker-${index}`)?.terminate();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.bree) await this.bree.stop();
    this.bree = null;
  }
}
