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
import { backupToRestore } from '../backup';
import { CorruptDatabaseError } from '../db/open';
import type { Engine } from './engine';
import { DEFAULT_IDLE_EXIT_MS } from './pool-limits';
import { processSecrets } from '../secrets/scrub';

export type ToWorker =
  | { type: 'wake' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'secret'; id: number; value: string | null }
  /** Secret values the main thread learned (the worker's scrubber replaces them in what it commits). */
  | { type: 'secrets'; entries: [string | null, string][] };
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
  private offSecrets: (() => void) | null = null;
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
          secrets: processSecrets.entries(),
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
    // Every secret value the main thread learns (a step asked for it, a secret was stored) reaches every
    // worker's scrubber, so a value one worker used and another worker's remote echoes is still replaced.
    this.offSecrets = processSecrets.onAdd((n, value) => this.broadcast({ type: 'secrets', entries: [[n, value]] }));
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

  /** A worker died (crash, kill): hand its claimed steps back and start it again. */
  private onExit(name: string): void {
    const i = Number(name.split('-').pop());
    const core = this.engine.core;
    if (core.db.open) {
      const n = this.engine.store.releaseClaims(this.workerId(i));
      if (n) core.log.warn('engine worker stopped with claimed steps; handed back', { worker: name, steps: n });
    }
    if (this.stopping || !this.bree) return;
    // A worker that died because the data folder or database is gone is not restarted
    // (it would die again at once): the core reports the loss and the host stops.
    if (!core.storeIsThere()) return;
    if (this.retired.has(name)) {
      // Work may have come in while it was retiring (its wake message was lost with it).
      if (core.db.open && this.engine.hasWorkSoon()) this.ensure();
      return;
    }
    setTimeout(() => {
      if (!this.stopping && this.bree && !this.worker(name)) this.runWorker(name);
    }, 100).unref();
  }

  private runWorker(name: string): void {
    if (!this.bree) return;
    // The pause switch may have changed since the pool started: a (re)started worker reads it now.
    const job = (this.bree.config.jobs as { name: string; worker?: { workerData?: WorkerData } }[]).find((j) => j.name === name);
    if (job?.worker?.workerData) {
      job.worker.workerData.paused = this.engine.paused;
      job.worker.workerData.secrets = processSecrets.entries();
    }
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
    this.offSecrets?.();
    this.offSecrets = null;
    if (this.bree) await this.bree.stop();
    this.bree = null;
  }
}
