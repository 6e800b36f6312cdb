/**
 * The engine on a host's main thread: the store on the core's connection, the
 * event dispatcher, approvals, the master switch, crash recovery, and either a
 * Bree worker pool (hosts that serve) or an inline executor (tests, CLI --wait).
 */
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Core } from '../core';
import type { EventName } from '../../../shared/api';
import { ApiError } from '../../../shared/api';
import { compiled, loadDefinition } from './compile';
import { compileExpression, MAIN_THREAD_LIMITS } from './expr';
import { Executor } from './executor';
import type { Resume } from './registry';
import { EngineStore, type StartRunOptions, type StartRunResult } from './store';
import { defaultJobsDir, WorkerPool } from './pool';
import { scrubValue } from '../secrets/scrub';
import { DEFAULT_STEP_TIMEOUT_MS, DEFAULT_WORKER_HEAP_MB, ENSURE_TIMER_MARGIN_MS, STOP_GRACE_MS } from './pool-limits';
import { durationMs, Duration } from '../../../shared/contract/workflow';
import { triggerTakesImported } from './triggers/imported';
import { BUSY_TIMEOUT_MS, holdWriteIntent } from '../db/open';

/** Events read and dispatched per transaction, and how long one dispatchEvents call may go on through a backlog. */
const DISPATCH_BATCH = 500;
const DISPATCH_BUDGET_MS = 500;

export interface DispatchResult {
  processed: number;
  startedRuns: string[];
  resumedSteps: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An entry of the group commit: a run to start (`o`, `check`) or another domain's write (`write`). */
interface GroupedWrite {
  o: StartRunOptions | null;
  check: (() => boolean) | undefined;
  write?: () => unknown;
  resolve: (r: unknown) => void;
  reject: (e: unknown) => void;
}

export class Engine {
  readonly instanceId = `i_${randomBytes(5).toString('hex')}`;
  readonly store: EngineStore;
  /** Main-thread executor (inline mode, drain()). */
  readonly executor: Executor;
  mode: 'off' | 'inline' | 'pool' = 'off';
  pool: WorkerPool | null = null;
  private loop: { timer: NodeJS.Timeout | null; running: boolean; stopped: boolean } | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private dispatching: Promise<DispatchResult> | null = null;
  /** Options for the pool (tests point jobsDir at a copied build, set a small heap limit …). */
  poolOptions: { jobsDir?: string; workers?: number; idleExitMs?: number; lateStartMs?: number; heapMb?: number; spares?: number } = {};

  constructor(readonly core: Core) {
    const emit = (name: EventName, payload: unknown) => core.bus.emit(name, payload as never);
    this.store = new EngineStore(core.db, () => core.now(), emit, core.nodes);
    this.executor = new Executor({
      env: core,
      nodes: core.nodes,
      db: core.db,
      orm: core.orm,
      workerId: `${this.instanceId}:main`,
      clock: () => core.now(),
      emit,
      secrets: core.secrets,
      log: core.log,
    });
    // Events appended from now on are dispatched; older ones (before the engine existed) are not.
    this.cursor();
  }

  /** The engine's clock is the core's (ms since epoch). Tests inject a fake one. */
  get clock(): () => number {
    return this.core.clock;
  }
  set clock(fn: () => number) {
    this.core.clock = fn;
  }
  now(): number {
    return this.core.now();
  }

  get paused(): boolean {
    return this.core.setting<boolean>('engine.paused', false) === true;
  }

  setPaused(paused: boolean): void {
    this.core.setSetting('engine.paused', paused);
    this.pool?.broadcast({ type: paused ? 'pause' : 'resume' });
    if (paused) this.executor.release();
    this.wake();
  }

  /** Raise an escalation (at most once per `key`); returns its id, or null when the key was raised before. */
  raiseEscalation(e: { severity: 'info' | 'warning' | 'critical'; title: string; detail: string; runId?: string | null; workflowId?: string | null; key?: string }): string | null {
    return this.store.raiseEscalation(e);
  }

  // ---- lifecycle ---------------------------------------------------------

  /** Start executing: a Bree pool (mode "pool") or the main thread (mode "inline"). */
  async start(mode: 'inline' | 'pool'): Promise<void> {
    if (this.mode !== 'off') return;
    this.executor.stepTimeoutMs = this.stepTimeoutMs();
    this.registerInstance();
    this.recover();
    this.heartbeat = setInterval(() => {
      try {
        this.store.repo.state.heartbeat(this.instanceId, Date.now());
        this.recover();
        // Retired (idle) workers are started again before a timer is due, and whenever steps are ready.
        if (this.pool && this.hasWorkSoon()) this.pool.ensure();
        void this.dispatchEvents().catch((e: unknown) => this.core.log.error('event dispatch failed', { error: e as Error }));
      } catch (e) {
        this.core.log.error('engine heartbeat failed', { error: e as Error });
      }
    }, 2000);
    this.heartbeat.unref();
    if (mode === 'pool') {
      const workers = this.poolOptions.workers ?? Number(this.core.setting('engine.workers', availableParallelism()));
      const heapMb = this.poolOptions.heapMb ?? Number(this.core.setting('engine.workerHeapMb', DEFAULT_WORKER_HEAP_MB));
      this.pool = new WorkerPool(this, {
        workers: Math.max(1, Math.floor(workers) || 1),
        heapMb: Number.isFinite(heapMb) && heapMb >= 16 ? Math.floor(heapMb) : DEFAULT_WORKER_HEAP_MB,
        stepTimeoutMs: this.executor.stepTimeoutMs,
        ...(this.poolOptions.jobsDir ? { jobsDir: this.poolOptions.jobsDir } : {}),
        ...(this.poolOptions.idleExitMs !== undefined ? { idleExitMs: this.poolOptions.idleExitMs } : {}),
        ...(this.poolOptions.lateStartMs !== undefined ? { lateStartMs: this.poolOptions.lateStartMs } : {}),
        ...(this.poolOptions.spares !== undefined ? { spares: this.poolOptions.spares } : {}),
      });
      await this.pool.start();
      this.mode = 'pool';
    } else {
      this.mode = 'inline';
      this.loop = { timer: null, running: false, stopped: false };
      this.wake();
    }
  }

  /**
   * For `baton run start --wait` without a running host: one worker thread (a runaway step is ended like
   * under `baton serve`), or the main thread when the built worker file is missing (no such protection).
   */
  async startStandalone(): Promise<void> {
    let pool = true;
    try {
      if (!this.poolOptions.jobsDir) defaultJobsDir();
    } catch {
      pool = false;
    }
    if (pool) this.poolOptions = { workers: 1, ...this.poolOptions };
    await this.start(pool ? 'pool' : 'inline');
  }

  /** The step timeout when a node sets none (setting engine.stepTimeout, a duration such as "60s"). */
  stepTimeoutMs(): number {
    const v = Duration.safeParse(this.core.setting<unknown>('engine.stepTimeout', null));
    const ms = v.success ? durationMs(v.data) : DEFAULT_STEP_TIMEOUT_MS;
    return ms > 0 ? ms : DEFAULT_STEP_TIMEOUT_MS;
  }

  /** Cancel a run: its steps, timers, approvals and child runs; a step running in a worker is aborted (or its worker ended). */
  cancelRun(runId: string): boolean {
    const done = this.store.cancelRun(runId);
    this.wake();
    this.pool?.scanSoon();
    return done;
  }

  /**
   * Stop executing. Workers get `graceMs` to finish their batch; the ones still busy (stuck in a step,
   * waiting on the network) are ended and their steps handed back.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.loop) {
      this.loop.stopped = true;
      if (this.loop.timer) clearTimeout(this.loop.timer);
      while (this.loop.running) await new Promise((r) => setTimeout(r, 5));
      this.loop = null;
    }
    if (this.pool) {
      await this.pool.stop(graceMs);
      this.pool = null;
    }
    if (this.mode !== 'off' && this.core.db.open) {
      this.executor.release();
      this.store.repo.state.removeInstance(this.instanceId);
    }
    this.mode = 'off';
  }

  private registerInstance(): void {
    this.store.repo.state.registerInstance(this.instanceId, process.pid, Date.now());
  }

  /** Steps claimed by dead engines (killed process, stale heartbeat) become ready again. */
  recover(): number {
    const repo = this.store.repo;
    let n = 0;
    for (const r of repo.state.otherInstances(this.instanceId)) {
      const dead = (r.pid !== process.pid && !alive(r.pid)) || r.heartbeatAt < Date.now() - 15_000;
      if (!dead) continue;
      this.store.tx(() => {
        n += repo.steps.releaseInstance(r.id);
        repo.state.removeInstance(r.id);
      });
    }
    // Steps claimed by no known engine (a CLI --wait that was killed before registering …).
    n += repo.steps.releaseOrphans();
    if (n) {
      this.core.log.warn('recovered steps of a stopped engine', { steps: n });
      this.wake();
    }
    return n;
  }

  /** Ready steps, or a timer due within ENSURE_TIMER_MARGIN_MS. */
  hasWorkSoon(): boolean {
    if (this.paused) return false;
    if (this.store.readyCount() > 0) return true;
    const next = this.store.nextTimerAt();
    return next !== null && next - Date.now() < ENSURE_TIMER_MARGIN_MS;
  }

  /** New work exists: wake the workers / the inline loop. */
  wake(): void {
    if (this.pool) this.pool.wake();
    if (this.loop && !this.loop.stopped) {
      if (this.loop.timer) clearTimeout(this.loop.timer);
      this.loop.timer = setTimeout(() => void this.inlineTick(), 0);
    }
  }

  private async inlineTick(): Promise<void> {
    const loop = this.loop;
    if (!loop || loop.stopped || loop.running) return;
    loop.running = true;
    let didWork = 0;
    try {
      if (!this.paused) {
        didWork = await this.executor.pass();
        const d = await this.dispatchEvents();
        didWork += d.processed;
      }
    } catch (e) {
      this.core.log.error('engine pass failed', { error: e as Error });
    } finally {
      loop.running = false;
    }
    if (loop.stopped) return;
    const next = this.store.nextTimerAt();
    const delay = didWork || this.executor.hasCarry ? 0 : Math.max(0, Math.min(1000, next === null ? 1000 : next - this.now()));
    loop.timer = setTimeout(() => void this.inlineTick(), delay);
  }

  /**
   * Run everything that can run now on the main thread until nothing is ready:
   * steps, due timers (by the engine clock) and events. For tests and CLI --wait.
   */
  async drain(maxPasses = 10_000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxPasses; i++) {
      if (this.paused) return total;
      const n = await this.executor.pass(10_000);
      const d = await this.dispatchEvents();
      total += n;
      if (n === 0 && d.processed === 0 && this.store.readyCount() === 0) {
        const next = this.store.nextTimerAt();
        if (next === null || next > this.now()) return total;
      }
    }
    return total;
  }

  // ---- runs and events -----------------------------------------------------

  startRun(o: StartRunOptions): StartRunResult {
    const r = this.store.tx(() => this.store.startRunTx(o));
    if (!r.deduplicated) this.wake();
    return r;
  }

  /**
   * Group commit: starts asked for in the same turn of the event loop (requests that arrived
   * together: a webhook burst) are written in ONE immediate transaction, each in its own savepoint
   * (one that fails leaves the others alone); each promise settles only after that commit, so a
   * caller answered "accepted" has its run stored. `check` runs inside the transaction before the
   * start: it may refuse it (the caller's cached view of the workflow is stale) by returning false,
   * then the promise resolves to null and nothing is written for it.
   */
  startRunGrouped(o: StartRunOptions, check?: () => boolean): Promise<StartRunResult | null> {
    return new Promise((resolve, reject) => {
      this.startQueue.push({ o, check, resolve: resolve as (r: unknown) => void, reject });
      if (this.startQueue.length === 1 && !this.startWaiting) setImmediate(() => this.flushStarts());
    });
  }

  /**
   * Another domain's write joins the same group commit (a form post: its contact, event and score):
   * `write` runs inside the group's transaction in its own savepoint, and the promise settles with its
   * value after the commit (rejects with what it threw, or with the commit's error).
   */
  writeGrouped<T>(write: () => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.startQueue.push({ o: null, write, check: undefined, resolve: resolve as (r: unknown) => void, reject });
      if (this.startQueue.length === 1 && !this.startWaiting) setImmediate(() => this.flushStarts());
    });
  }

  /** A group commit waits for a worker's write lock (without blocking the event loop) since this time (ms). */
  private startWaiting: number | null = null;
  private releaseIntent: (() => void) | null = null;

  private startQueue: GroupedWrite[] = [];

  private startOne: ((b: GroupedWrite) => unknown) | null = null;

  private flushStarts(): void {
    const batch = this.startQueue;
    if (!batch.length) return;
    if (!this.core.db.open) {
      this.releaseIntent?.();
      this.releaseIntent = null;
      this.startQueue = [];
      this.startWaiting = null;
      for (const b of batch) b.reject(new ApiError('unavailable', 'Baton is shutting down: nothing was stored. Send it again once it is back.'));
      return;
    }
    const out: ({ ok: true; r: unknown } | { ok: false; e: unknown })[] = [];
    // A savepoint per start (better-sqlite3 nests a transaction function as one): a start that throws rolls back only its own writes.
    const one = (this.startOne ??= this.core.db.transaction((b: GroupedWrite) => (b.write ? b.write() : b.check && !b.check() ? null : this.store.startRunTx(b.o!))));
    const write = () => {
      for (const b of batch) {
        try {
          out.push({ ok: true, r: one(b) });
        } catch (e) {
          out.push({ ok: false, e });
        }
      }
    };
    try {
      // A worker holds the write lock: the requests of the batch wait for it, the event loop does not (the
      // requests arriving meanwhile join the batch); after the busy timeout, the ordinary wait (then 503).
      const waited = this.startWaiting === null ? 0 : Date.now() - this.startWaiting;
      if (waited < BUSY_TIMEOUT_MS) {
        if (!this.store.tryTx(write)) {
          // The workers let it go first (db/open.ts, write intent) while the batch waits.
          this.startWaiting ??= Date.now();
          this.releaseIntent ??= holdWriteIntent(this.core.db);
          setTimeout(() => this.flushStarts(), 1);
          return;
        }
      } else this.store.tx(write);
    } catch (e) {
      this.releaseIntent?.();
      this.releaseIntent = null;
      this.startWaiting = null;
      this.startQueue = [];
      // The commit itself failed (busy past the timeout, disk full): nothing of the batch is stored.
      for (const b of batch) b.reject(e);
      return;
    }
    this.releaseIntent?.();
    this.releaseIntent = null;
    this.startWaiting = null;
    this.startQueue = [];
    let started = 0;
    batch.forEach((b, i) => {
      const x = out[i]!;
      if (x.ok) {
        if (!b.write && x.r && !(x.r as StartRunResult).deduplicated) started++;
        b.resolve(x.r);
      } else b.reject(x.e);
    });
    if (started) this.wake();
  }

  /** Append an event; the dispatcher starts matching workflows and resumes waiting steps. */
  publish(type: string, data: unknown, subject?: { type: string; id: string }): number {
    const id = this.store.tx(() => this.store.insertEvent(type, data, subject));
    this.wake();
    return id;
  }

  /** Process events past the cursor (serialised; a second caller waits for the running pass). */
  async dispatchEvents(): Promise<DispatchResult> {
    if (this.dispatching) await this.dispatching.catch(() => undefined);
    this.dispatching = this.dispatchBacklog();
    try {
      return await this.dispatching;
    } finally {
      this.dispatching = null;
    }
  }

  /**
   * Batches of events until the backlog is done or DISPATCH_BUDGET_MS are spent (the rest goes on at
   * the next call: heartbeat, wake), yielding between batches: a burst of thousands of events (an
   * import, demo data) is dispatched in seconds, not 500 per heartbeat.
   */
  private async dispatchBacklog(): Promise<DispatchResult> {
    const t0 = Date.now();
    const total: DispatchResult = { processed: 0, startedRuns: [], resumedSteps: 0 };
    for (;;) {
      const r = await this.dispatchOnce();
      total.processed += r.processed;
      total.startedRuns.push(...r.startedRuns);
      total.resumedSteps += r.resumedSteps;
      if (r.processed < DISPATCH_BATCH || Date.now() - t0 >= DISPATCH_BUDGET_MS) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private cursor(): number {
    return this.store.repo.state.eventCursor();
  }

  private async dispatchOnce(): Promise<DispatchResult> {
    const db = this.core.db;
    const repo = this.store.repo;
    const from = this.cursor();
    const events = repo.events.after(from, DISPATCH_BATCH);
    if (!events.length) return { processed: 0, startedRuns: [], resumedSteps: 0 };
    // Each event trigger starts after its workflow's events_from mark (set when it was enabled or its
    // trigger changed): events recorded before are never dispatched to it (workflows.backfill runs them
    // on request). Read after the events, so a workflow enabled meanwhile has a mark at or past `last`.
    const triggers = repo.workflows.eventTriggers();
    const starts: { eventId: number; opts: StartRunOptions }[] = [];
    const resumes: { stepId: number; resume: Resume }[] = [];
    for (const event of events) {
      for (const t of triggers) {
        if (t.event !== event.type || event.id <= t.eventsFrom) continue;
        const def = loadDefinition(db, t.id, t.version);
        // Rows of a bulk import (data.importId) start only triggers that opt in (includeImported).
        if (def.trigger.type === 'event' && !triggerTakesImported(def.trigger, event.data)) continue;
        const filter = def.trigger.type === 'event' ? def.trigger.filter : undefined;
        if (filter && !(await this.test(filter, { event }))) continue;
        starts.push({ eventId: event.id, opts: eventRunOptions(t.id, event) });
      }
      for (const { id, spec } of repo.steps.waitingForEvent(event.type)) {
        if (spec.match && !Object.entries(spec.match).every(([path, v]) => deepEqual(getPath(event, path), v))) continue;
        if (spec.filter && !(await this.test(spec.filter, { event }))) continue;
        if (resumes.some((r) => r.stepId === id)) continue;
        resumes.push({ stepId: id, resume: { kind: 'event', event } });
      }
    }
    const last = (events[events.length - 1] as { id: number }).id;
    const startedRuns: string[] = [];
    let resumedSteps = 0;
    this.store.tx(() => {
      if (repo.state.eventCursor() !== from) return; // another dispatcher did this batch
      // Checked again in the write transaction: a workflow disabled, or re-enabled (a new mark), since the triggers were read.
      const marks = new Map<string, number | null>();
      for (const { eventId, opts } of starts) {
        if (!marks.has(opts.workflow)) marks.set(opts.workflow, repo.workflows.eventsFromIfEnabled(opts.workflow));
        const from = marks.get(opts.workflow);
        if (from === null || from === undefined || eventId <= from) continue;
        try {
          const r = this.store.startRunTx(opts);
          if (!r.deduplicated) startedRuns.push(r.runId);
        } catch (e) {
          this.core.log.error('event trigger could not start a run', { workflow: opts.workflow, error: e as Error });
        }
      }
      for (const r of resumes) if (this.store.resumeWaiting(r.stepId, r.resume)) resumedSteps++;
      repo.state.setEventCursor(last);
    });
    if (startedRuns.length || resumedSteps) this.wake();
    return { processed: events.length, startedRuns, resumedSteps };
  }

  private async test(filter: string, scope: unknown): Promise<boolean> {
    try {
      // On the main thread: JSONata's own time and depth limits end a runaway filter (no watchdog here).
      return Boolean(await compileExpression(filter, MAIN_THREAD_LIMITS).evaluate(scope, this.core.clock));
    } catch (e) {
      this.core.log.warn('event filter failed', { filter, error: e as Error });
      return false;
    }
  }

  // ---- approvals -------------------------------------------------------------

  decide(id: string, decision: 'approve' | 'reject', opts: { payload?: unknown; reason?: string; by?: string }): { alreadyDecided: boolean; message: string } {
    opts = scrubValue(opts); // an edited payload or a reason is stored like run data: no secret value in it
    const repo = this.store.repo;
    const res = this.store.tx(() => {
      const a = repo.approvals.get(id);
      if (!a) throw new ApiError('not_found', `No approval "${id}". List them with: baton approvals list`);
      if (a.status !== 'pending') {
        const who = a.decidedBy ? ` by ${a.decidedBy}` : '';
        return { alreadyDecided: true, message: `Approval ${id} was already ${a.status}${who} at ${a.decidedAt}; this ${decision} was not applied.` };
      }
      const status = decision === 'approve' ? 'approved' : 'rejected';
      const iso = this.store.nowIso;
      const by = opts.by ?? 'operator';
      const decidedPayload = decision === 'approve' && opts.payload !== undefined ? opts.payload : null;
      repo.approvals.decide(id, { status, decidedPayload, by, at: iso, reason: opts.reason ?? null });
      const resume: Resume = {
        kind: 'approval',
        status,
        payload: decidedPayload ?? a.payload,
        reason: opts.reason ?? null,
        decidedBy: by,
        decidedAt: iso,
        approvalId: id,
      };
      // A pending approval's step is waiting: it goes on with the decision (its expiry timer goes).
      this.store.resumeWaiting(a.stepId, resume);
      this.store.insertEvent('approval.decided', { approvalId: id, runId: a.runId, status, decidedBy: by }, { type: 'approval', id });
      this.store.emit('approval.decided', { id, runId: a.runId, status, decidedBy: by, decidedAt: iso });
      this.store.emitApprovalCount();
      return { alreadyDecided: false, message: `Approval ${id} ${status}.` };
    });
    if (!res.alreadyDecided) this.wake();
    return res;
  }

  /** Delete finished runs older than `days` (never an active run, nor a child of one). */
  prune(days: number): number {
    const cutoff = new Date(this.now() - days * 86_400_000).toISOString();
    return this.store.tx(() => this.store.repo.runs.prune(cutoff));
  }

  /** Compile a version now (import checks it runs). */
  compile(workflowId: string, version: number): void {
    compiled(this.core.nodes, this.core.db, workflowId, version);
  }
}

/** How an event starts a run of an event-triggered workflow (the dispatcher and workflows.backfill alike). */
export function eventRunOptions(workflow: string, event: { id: number; type: string; data: unknown; subject: { type: string; id: string } | null }, detail: Record<string, unknown> = {}): StartRunOptions {
  return {
    workflow,
    input: event.data ?? {},
    trigger: { type: 'event', detail: { eventId: event.id, type: event.type, ...detail } },
    idempotencyKey: `event:${event.id}`,
    subject: event.subject?.id ?? null,
  };
}

function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
