/**
 * The runner of the engine's state machine: every durable transition in one
 * IMMEDIATE transaction. It reads what the pure logic (advance.ts) needs
 * through the repository (repo/), asks it what happens, and applies the
 * answer through the repository; it owns the transactions and the push
 * events (raised inside a transaction, sent only after it commits). Used by
 * the main thread and by every Bree worker (each with its own connection).
 */
import { randomBytes } from 'node:crypto';
import { ApiError, type EventName, type RunError, type RunStatus } from '../../../shared/api';
import { durationMs } from '../../../shared/contract/workflow';
import type { Sqlite } from '../db/open';
import { compiled, type CNode, type CompiledGraph } from './compile';
import type { NodeRegistry, Resume, Suspend } from './registry';
import { scrubText, scrubValue } from '../secrets/scrub';
import { scrubStepResult } from './scrub';
import { advance, runOutput, settleRun, stepTransition, subworkflowDepthRefusal, type AdvanceCommand, type Arrival, type StepState, type StepView } from './advance';
import { engineRepo, type ChildRun, type EngineRepo, type StepStateRow } from './repo';
import type { ClaimedStep, Effect, Emit, RunInfo, StartRunOptions, StartRunResult, StepError, StepResult } from './types';

export type { ClaimedStep, Effect, Emit, RunInfo, StartRunOptions, StartRunResult, StepError, StepOutcome, StepResult } from './types';
export { edgeTaken, formatBytes } from './advance';

// Random bytes for ids are drawn 3 KB at a time (one syscall per 512 ids instead of one per id).
let idPool = Buffer.alloc(0);
let idOff = 0;
export function newId(prefix: string): string {
  if (idOff + 6 > idPool.length) {
    idPool = randomBytes(6 * 512);
    idOff = 0;
  }
  const r = idPool.toString('hex', idOff, idOff + 6);
  idOff += 6;
  return `${prefix}_${Date.now().toString(36)}${r}`;
}

const J = (v: unknown): string => JSON.stringify(v === undefined ? null : v);

/** Default of the setting engine.subworkflowDepth: sub-workflow levels below a top-level run. */
export const DEFAULT_SUBWORKFLOW_DEPTH = 10;
/** Default of the setting engine.maxStepOutputBytes (1 MiB). */
export const DEFAULT_MAX_STEP_OUTPUT_BYTES = 1024 * 1024;
/** Step error messages longer than this (in characters) are truncated. */
export const MAX_ERROR_CHARS = 64 * 1024;

const ACTIVE_RUN = new Set(['queued', 'running', 'waiting']);
const WAITING: StepState = { status: 'waiting', branch: null, output: null };

/**
 * The state machine's view of a run's steps (advance.ts StepView): read from the store on first use,
 * once per run and commit (a chain of single-input nodes never reads it). Decisions recorded before
 * the read are laid over it: they may not be applied yet when it happens.
 */
class RunSteps implements StepView {
  private map: Map<string, StepState> | null = null;
  private early: Map<string, StepState> | null = null;

  constructor(private readonly read: () => StepStateRow[]) {}

  get(nodeId: string): StepState | undefined {
    if (!this.map) {
      const m = new Map<string, StepState>();
      for (const r of this.read()) m.set(r.nodeId, r);
      if (this.early) for (const [k, v] of this.early) m.set(k, v);
      this.early = null;
      this.map = m;
    }
    return this.map.get(nodeId);
  }

  set(nodeId: string, state: StepState): void {
    if (this.map) this.map.set(nodeId, state);
    else (this.early ??= new Map()).set(nodeId, state);
  }
}

/** One run's share of a commit. */
interface RunWork {
  run: RunInfo;
  cg: CompiledGraph;
  steps: RunSteps;
  /** The commit made a step of it ready or running (the run is woken). */
  madeActive: boolean;
  /** A step failed without an error edge: the run fails. */
  failed: RunError | null;
}

export class EngineStore {
  private pending: [EventName, unknown][] = [];
  private depth = 0;
  /** Counts events appended by this store (workers tell the main thread to dispatch). */
  eventsInserted = 0;
  /** The engine's tables, by table (typed methods; the SQL is the repository's). */
  readonly repo: EngineRepo;
  /** Told when an outermost transaction begins (true) and ends (a worker's watchdog record, inflight.ts). */
  onTx: ((inside: boolean) => void) | null = null;

  constructor(
    private readonly db: Sqlite,
    public clock: () => number,
    private readonly emitNow: Emit,
    readonly nodes: NodeRegistry,
  ) {
    this.repo = engineRepo(db);
  }

  get nowIso(): string {
    return new Date(this.clock()).toISOString();
  }

  emit(name: EventName, payload: unknown): void {
    if (this.depth > 0) this.pending.push([name, payload]);
    else this.emitNow(name, payload);
  }

  /** An IMMEDIATE transaction (no lock upgrade deadlocks); events raised inside go out after the commit. */
  tx<T>(fn: () => T): T {
    if (this.depth > 0) {
      this.depth++;
      try {
        return fn();
      } finally {
        this.depth--;
      }
    }
    this.depth = 1;
    let out: T;
    this.onTx?.(true);
    try {
      out = this.db.transaction(fn).immediate();
    } catch (e) {
      this.depth = 0;
      this.pending = [];
      throw e;
    } finally {
      this.onTx?.(false);
    }
    this.depth = 0;
    const events = this.pending;
    this.pending = [];
    for (const [n, p] of events) this.emitNow(n, p);
    return out;
  }

  /**
   * tx() without waiting for the write lock: undefined (nothing done) when another connection holds it,
   * so an event loop with other work (the HTTP server) can try again later instead of sleeping in
   * SQLite's busy handler. The busy timeout applies again from the BEGIN on.
   */
  tryTx<T>(fn: () => T): { value: T } | undefined {
    if (this.depth > 0) return { value: this.tx(fn) };
    this.busyTimeoutMs ??= Number(this.db.pragma('busy_timeout', { simple: true }));
    let restored = false;
    const restore = () => {
      if (restored) return;
      restored = true;
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    };
    this.db.pragma('busy_timeout = 0');
    try {
      return {
        value: this.tx(() => {
          restore();
          return fn();
        }),
      };
    } catch (e) {
      if (!restored && (e as { code?: string }).code === 'SQLITE_BUSY') return undefined;
      throw e;
    } finally {
      restore();
    }
  }
  private busyTimeoutMs: number | undefined;

  private graph(run: Pick<RunInfo, 'workflowId' | 'version' | 'scope'>): CompiledGraph {
    return compiled(this.nodes, this.db, run.workflowId, run.version, run.scope);
  }

  // ---- runs -------------------------------------------------------------

  startRunTx(o: StartRunOptions): StartRunResult {
    const wf = this.repo.workflows.head(o.workflow);
    if (!wf) throw new ApiError('not_found', `No workflow "${o.workflow}". Import it first: baton workflow import FILE.json`);
    const scope = o.scope ?? '';
    const version = o.version ?? wf.version;
    const cg = compiled(this.nodes, this.db, wf.id, version, scope);
    const settings = cg.definition.settings;
    if (o.idempotencyKey) {
      const ex = this.repo.runs.byIdempotencyKey(wf.id, o.idempotencyKey);
      if (ex) return { runId: ex.id, deduplicated: true, status: ex.status };
    }
    if (o.subject && !settings.reenroll && !scope) {
      const ex = this.repo.runs.activeForSubject(wf.id, o.subject);
      if (ex) return { runId: ex.id, deduplicated: true, status: ex.status };
    }
    let status: RunStatus = 'running';
    if (!scope && settings.concurrency !== undefined && this.repo.runs.activeCount(wf.id) >= settings.concurrency) status = 'queued';
    const now = this.clock();
    const id = newId('r');
    const iso = new Date(now).toISOString();
    // A run that starts now is inserted running (started_at, deadline) in one write; a queued one is activated later.
    const deadline = status === 'running' ? this.deadlineOf(cg, now) : null;
    const input = scrubValue(o.input ?? {});
    this.repo.runs.insert({
      id,
      workflowId: wf.id,
      version,
      scope,
      status: status === 'queued' ? 'queued' : 'running',
      input,
      trigger: o.trigger ?? { type: 'manual' },
      subject: o.subject ?? null,
      idempotencyKey: o.idempotencyKey ?? null,
      parentRunId: o.parentRunId ?? null,
      parentStepId: o.parentStepId ?? null,
      createdAt: iso,
      seq: now,
      startedAt: status === 'running' ? iso : null,
      deadline,
    });
    if (status === 'running') this.createEntrySteps(id, cg, input, now, deadline);
    this.emit('run.updated', { id, workflowId: wf.id, status, phase: null, at: new Date(now).toISOString() });
    return { runId: id, deduplicated: false, status };
  }

  private deadlineOf(cg: CompiledGraph, now: number): number | null {
    const t = cg.definition.settings.timeout;
    return !cg.scope && t !== undefined ? now + durationMs(t) : null;
  }

  /** A queued run may start: running, its entry steps ready. */
  private activate(runId: string, cg: CompiledGraph, input: unknown, now: number): void {
    const deadline = this.deadlineOf(cg, now);
    this.repo.runs.activate(runId, new Date(now).toISOString(), deadline);
    this.createEntrySteps(runId, cg, input, now, deadline);
  }

  private createEntrySteps(runId: string, cg: CompiledGraph, input: unknown, now: number, deadline: number | null): void {
    const inputJson = J(input);
    const iso = new Date(now).toISOString();
    for (const e of cg.entries) this.repo.steps.insertReady(runId, e, inputJson, iso);
    if (deadline !== null) this.repo.timers.insert(deadline, 'run_timeout', runId, null);
  }

  runInfo(id: string): RunInfo | undefined {
    return this.repo.runs.info(id);
  }

  /** The facts of several runs in one query (an executor's batch of first steps). */
  runInfos(ids: string[]): RunInfo[] {
    return this.repo.runs.infos(ids);
  }

  // ---- steps ------------------------------------------------------------

  /**
   * Claim up to `limit` ready steps for `workerId`; a step whose worker died running it (deaths > 0) is
   * claimed alone (`suspects`: false for the commit's top-up, which joins a batch).
   */
  claim(workerId: string, limit: number, suspects = true): ClaimedStep[] {
    // Nothing ready (a worker woken for work another one took): known from a read, without the write lock.
    if (this.depth === 0 && !this.repo.steps.anyReady()) return [];
    const now = this.clock();
    return this.tx(() => {
      if (suspects) {
        const one = this.repo.steps.claimSuspect(workerId, now);
        if (one.length) return one;
      }
      return this.repo.steps.claim(workerId, now, limit);
    });
  }

  releaseClaims(workerId: string): number {
    return this.repo.steps.releaseClaims(workerId);
  }

  /**
   * Hand back the steps `workerId` holds except `keep`: a stuck worker's steps that already ran (their
   * results wait for the stuck one, uncommitted) or wait their turn. Run again elsewhere; should the
   * worker get unstuck, its commit of them is dropped (claimed_by no longer matches).
   */
  releaseClaimsExcept(workerId: string, keep: number[]): number {
    return this.repo.steps.releaseClaimsExcept(workerId, keep);
  }

  /** Of these step ids, the ones running, with who claimed them (the pool's watchdog: cancelled meanwhile?). */
  runningOwners(stepIds: number[]): Map<number, string | null> {
    if (!stepIds.length) return new Map();
    return this.repo.steps.runningOwners(stepIds);
  }

  /** A worker died while running these steps (still claimed by it): count it. Returns each step's deaths so far. */
  noteDeaths(workerId: string, stepIds: number[]): { id: number; deaths: number }[] {
    if (!stepIds.length) return [];
    return this.tx(() => this.repo.steps.noteDeaths(stepIds, workerId));
  }

  /**
   * Fail steps still claimed by `workerId` whose worker was ended or died running them (timed out, died
   * twice): committed like a node error that is not retried, so error edges, the run's failure, its
   * escalation and error workflow apply as usual. Successors made here are claimed by `workerId`: release
   * its claims afterwards. Returns the failed steps.
   */
  failClaimed(workerId: string, failures: Map<number, (node: { id: string; type: string | undefined }) => StepError>): { stepId: number; runId: string; nodeId: string; message: string }[] {
    if (!failures.size) return [];
    return this.tx(() => {
      const now = this.clock();
      const claimed = this.repo.steps.claimedBy([...failures.keys()], workerId, now);
      if (!claimed.length) return [];
      const runs = new Map(this.runInfos([...new Set(claimed.map((s) => s.runId))]).map((r) => [r.id, r]));
      const results: StepResult[] = [];
      const out: { stepId: number; runId: string; nodeId: string; message: string }[] = [];
      for (const step of claimed) {
        const run = runs.get(step.runId);
        const make = failures.get(step.id);
        if (!run || !make) continue;
        let type: string | undefined;
        try {
          type = this.graph(run).nodes.get(step.nodeId)?.type;
        } catch {
          type = undefined;
        }
        const error = { ...make({ id: step.nodeId, type }), nodeId: step.nodeId, retryable: false };
        results.push({ step, run, outcome: { kind: 'error', error }, effects: [], finishedAt: now });
        out.push({ stepId: step.id, runId: step.runId, nodeId: step.nodeId, message: error.message });
      }
      this.commit(results, workerId, 0);
      return out;
    });
  }

  /**
   * Commit a batch of step results in one transaction. Returns successor steps claimed for `workerId` (run them next)
   * and, up to `fill` steps in all, other ready steps claimed in the same transaction (one write lock, not two).
   */
  commit(results: StepResult[], workerId: string, fill = 0): ClaimedStep[] {
    return this.tx(() => {
      const chained: ClaimedStep[] = [];
      const work = new Map<string, RunWork>();
      for (const r of results) {
        let w = work.get(r.run.id);
        if (!w) {
          const runId = r.run.id;
          w = { run: r.run, cg: this.graph(r.run), steps: new RunSteps(() => this.repo.steps.states(runId)), madeActive: false, failed: null };
          work.set(runId, w);
        }
        // Secrets (as echoed by a remote, in any encoded form) never reach the database or a push event.
        this.commitOne(scrubStepResult(r), w, workerId, chained);
      }
      const toWake: string[] = [];
      for (const w of work.values()) if (this.settle(w)) toWake.push(w.run.id);
      // Runs that got new steps are woken (if they were waiting) in one statement.
      if (toWake.length) for (const r of this.repo.runs.wakeMany(toWake)) this.emitRun(r.id, r.workflowId, 'running');
      if (fill > chained.length) chained.push(...this.claim(workerId, fill - chained.length, false));
      return chained;
    });
  }

  /** Record one step's outcome (as stepTransition decides) and, when it ended, its successors (as advance decides). */
  private commitOne(r: StepResult, w: RunWork, workerId: string, chained: ClaimedStep[]): void {
    const { step } = r;
    const cn = w.cg.nodes.get(step.nodeId);
    if (!cn) return;
    let outcome = r.outcome;
    if (outcome.kind === 'suspend' && outcome.suspend.children?.some((c) => !c.body)) {
      const refused = this.childRefusal(w.run, outcome.suspend.children);
      if (refused) outcome = { kind: 'error', error: { ...refused, nodeId: step.nodeId, retryable: false } };
    }
    const t = stepTransition(cn, w.run, step, outcome, r.finishedAt);
    const steps = this.repo.steps;
    switch (t.kind) {
      case 'succeed': {
        const a = t.arrival;
        if (!steps.finish(step.id, workerId, { status: 'succeeded', output: a.outputJson, branch: a.branch, error: null, finishedAt: t.finishedAt, attempts: t.attempts, history: t.history })) return;
        this.applyEffects(r.effects, w.run);
        w.steps.set(step.nodeId, { status: 'succeeded', branch: a.branch, output: a.outputJson });
        this.advance(w, cn, a, workerId, chained);
        return;
      }
      case 'suspend': {
        if (!steps.suspend(step.id, workerId, t)) return;
        this.applyEffects(r.effects, w.run);
        const iso = new Date(r.finishedAt).toISOString();
        if (t.approval) {
          this.repo.approvals.deleteDecided(step.id);
          const id = newId('a');
          const a = t.approval;
          this.repo.approvals.insert({
            id,
            runId: w.run.id,
            stepId: step.id,
            workflowId: w.run.workflowId,
            nodeId: step.nodeId,
            title: a.title,
            payload: a.payload,
            confidence: a.confidence ?? null,
            reason: a.reason ?? null,
            expiresAt: t.timer ? new Date(t.timer.due).toISOString() : null,
            createdAt: iso,
          });
          if (t.timer) this.repo.timers.insert(t.timer.due, 'approval', w.run.id, step.id, { approvalId: id });
          this.emit('approval.created', { id, runId: w.run.id, workflowId: w.run.workflowId, title: a.title, createdAt: iso });
          this.emitApprovalCount();
        } else if (t.timer) {
          this.repo.timers.insert(t.timer.due, 'resume', w.run.id, step.id);
        }
        for (const c of t.children) this.startRunTx(c);
        w.steps.set(step.nodeId, WAITING);
        return;
      }
      case 'retry': {
        if (!steps.waitForRetry(step.id, workerId, t)) return;
        this.repo.timers.insert(t.due, 'retry', w.run.id, step.id);
        w.steps.set(step.nodeId, WAITING);
        return;
      }
      case 'fail': {
        const edge = t.errorEdge;
        const end = { status: 'failed', error: J(t.error), finishedAt: t.finishedAt, attempts: t.attempts, history: t.history } as const;
        if (!steps.finish(step.id, workerId, { ...end, output: edge?.outputJson ?? null, branch: edge ? 'error' : null })) return;
        w.steps.set(step.nodeId, { status: 'failed', branch: edge ? 'error' : null, output: edge?.outputJson ?? null });
        if (edge) this.advance(w, cn, edge, workerId, chained);
        else w.failed = t.error;
        return;
      }
    }
  }

  /** The successors of a node that ended (advance.ts), unless its run already failed in this commit. */
  private advance(w: RunWork, cn: CNode, src: Arrival, workerId: string, chained: ClaimedStep[]): void {
    if (w.failed) return;
    for (const c of advance(w.cg, w.steps, cn, src)) this.apply(w, c, workerId, chained);
  }

  private apply(w: RunWork, c: AdvanceCommand, workerId: string, chained: ClaimedStep[]): void {
    const runId = w.run.id;
    if (c.kind === 'create') {
      // Claimed at once by this worker: it runs next, without a round trip.
      const now = this.clock();
      const id = this.repo.steps.insertClaimed(runId, c.nodeId, c.inputJson ?? J(c.input), new Date(now).toISOString(), workerId);
      if (id === null) return;
      w.madeActive = true;
      chained.push({ id, runId, nodeId: c.nodeId, input: c.input, attempts: 0, history: [], state: null, resume: undefined, startedAt: now });
    } else if (c.kind === 'skip') {
      this.repo.steps.insertSkipped(runId, c.nodeId, this.nowIso);
    } else {
      const id = this.repo.steps.stop(runId, c.nodeId, this.nowIso, c.message);
      if (id === undefined) return;
      this.repo.timers.deleteForStep(id);
      this.repo.approvals.cancelForStep(id, this.nowIso);
    }
  }

  /** Settle a run after its steps were committed. True: it got new steps (the caller wakes it). */
  private settle(w: RunWork): boolean {
    if (w.failed) {
      this.failRun(w.run.id, w.failed);
      return false;
    }
    if (w.madeActive) return true;
    // One read of the run's steps serves both the "is anything left?" count and the run's output.
    const rows = this.repo.steps.states(w.run.id);
    const d = settleRun(rows);
    if (d.kind === 'finish') this.finishRun(w.run.id, 'succeeded', null, w.cg, { run: w.run, steps: rows });
    else if (this.repo.runs.setActiveStatus(w.run.id, d.status)) this.emitRun(w.run.id, w.run.workflowId, d.status);
    return false;
  }

  emitRun(id: string, workflowId: string, status: string): void {
    this.emit('run.updated', { id, workflowId, status, at: this.nowIso });
  }

  emitApprovalCount(): void {
    this.emit('approvals.count', { pending: this.repo.approvals.pendingCount() });
  }

  /**
   * Finish a run: output, timers, parent wake-up, queue promotion, failure escalation and error workflow.
   * `known`: the committer already has the run's immutable facts and its steps read in this transaction
   * (saves reading them again); whether the run is still active is decided by the guarded UPDATE either way.
   */
  finishRun(runId: string, status: 'succeeded' | 'failed' | 'cancelled', error: RunError | null, cg?: CompiledGraph, known?: { run: RunInfo; steps: readonly StepStateRow[] }): boolean {
    // The active descendants of a run that did not succeed are cancelled with it: iteratively (a chain of
    // sub-workflow runs thousands deep, or thousands of children, must not overflow the call stack).
    const descendants: { id: string; parent: string; status: string }[] = [];
    const done = this.finishOne(runId, status, error, descendants, cg, known);
    while (descendants.length) {
      const c = descendants.pop() as (typeof descendants)[number];
      this.finishOne(c.id, 'cancelled', { message: `parent run ${c.parent} ${c.status}` }, descendants);
    }
    return done;
  }

  private finishOne(
    runId: string,
    status: 'succeeded' | 'failed' | 'cancelled',
    error: RunError | null,
    descendants: { id: string; parent: string; status: string }[],
    cg?: CompiledGraph,
    known?: { run: RunInfo; steps: readonly StepStateRow[] },
  ): boolean {
    let run: Pick<RunInfo, 'workflowId' | 'version' | 'scope' | 'parentRunId' | 'parentStepId'>;
    if (known) run = known.run;
    else {
      const head = this.repo.runs.head(runId);
      if (!head || !ACTIVE_RUN.has(head.status)) return false;
      run = head;
    }
    const g = cg ?? this.graph(run);
    let outputJson = 'null';
    if (status === 'succeeded') {
      const succeeded = known ? known.steps.filter((r) => r.status === 'succeeded') : this.repo.steps.succeeded(runId);
      const out = runOutput(g, succeeded, () => this.maxStepOutputBytes());
      if ('error' in out) {
        status = 'failed';
        error = out.error;
      } else outputJson = out.outputJson;
    }
    const iso = this.nowIso;
    if (!this.repo.runs.finish(runId, status, outputJson, error, iso)) return false;
    this.repo.timers.deleteForRun(runId);
    if (status !== 'succeeded') {
      this.repo.steps.cancelActive(runId, iso);
      if (this.repo.approvals.cancelForRun(runId, iso).length) this.emitApprovalCount();
      for (const id of this.repo.runs.activeChildren(runId)) descendants.push({ id, parent: runId, status });
    }
    this.emitRun(runId, run.workflowId, status);
    if (run.parentStepId !== null) {
      const parentRunId = this.repo.steps.wakeParent(run.parentStepId);
      if (parentRunId && this.repo.runs.wake(parentRunId)) this.emit('run.updated', { id: parentRunId, workflowId: run.workflowId, status: 'running', at: iso });
    }
    const settings = g.definition.settings;
    if (!run.scope && settings.concurrency !== undefined) this.promoteQueued(run.workflowId, settings.concurrency);
    if (status === 'failed' && !run.scope && run.parentRunId === null) {
      const name = g.definition.name;
      if (settings.escalateOnFailure !== 'none') {
        this.raiseEscalation({
          severity: settings.escalateOnFailure,
          title: `Run of "${name}" failed`,
          detail: `${error?.nodeId ? `Step ${error.nodeId}: ` : ''}${error?.message ?? 'failed'} (run ${runId})`,
          runId,
          workflowId: run.workflowId,
          key: `run-failed:${runId}`,
        });
      }
      this.insertEvent('run.failed', { runId, workflowId: run.workflowId, error }, { type: 'run', id: runId });
      if (settings.errorWorkflow) {
        try {
          this.startRunTx({
            workflow: settings.errorWorkflow,
            input: { failedRun: { id: runId, workflowId: run.workflowId, workflowName: name, error } },
            trigger: { type: 'error', detail: { runId } },
            idempotencyKey: `error:${runId}`,
          });
        } catch (e) {
          this.raiseEscalation({
            severity: 'critical',
            title: `Error workflow "${settings.errorWorkflow}" could not start`,
            detail: `${(e as Error).message} (for failed run ${runId} of ${run.workflowId})`,
            runId,
            workflowId: run.workflowId,
            key: `error-wf:${runId}`,
          });
        }
      }
    }
    return true;
  }

  /**
   * Why the sub-workflow children of a suspending step may not start, or null: a target that does not exist or is
   * disabled, or a start that would nest sub-workflow runs deeper than the setting engine.subworkflowDepth (a
   * workflow that calls itself, directly or through others, with a target the import could not see: an expression).
   * forEach bodies are not sub-workflow levels (the definition bounds them).
   */
  private childRefusal(run: RunInfo, children: NonNullable<Suspend['children']>): { message: string; code: string } | null {
    const targets = [...new Set(children.filter((c) => !c.body).map((c) => c.workflow ?? run.workflowId))];
    for (const t of targets) {
      const wf = this.repo.workflows.head(t);
      if (!wf) return { message: `no workflow "${t}" to run as a sub-workflow (import it first: baton workflow import FILE.json)`, code: 'subworkflow_missing' };
      if (!wf.enabled) {
        return { message: `workflow "${t}" is disabled: a disabled workflow starts no sub-workflow runs (enable it with: baton workflow enable ${t})`, code: 'subworkflow_disabled' };
      }
    }
    const limit = this.subworkflowDepth();
    const cap = (limit + 2) * 25;
    return subworkflowDepthRefusal(this.repo.runs.ancestry(run.id, cap), cap, limit, targets[0] as string);
  }

  /** The setting engine.subworkflowDepth (read when a sub-workflow starts, so a change applies at once, in every worker). */
  subworkflowDepth(): number {
    return this.intSetting('engine.subworkflowDepth', DEFAULT_SUBWORKFLOW_DEPTH);
  }

  /** The setting engine.maxStepOutputBytes (the executor caches it; a run's combined output reads it when it has several parts). */
  maxStepOutputBytes(): number {
    return this.intSetting('engine.maxStepOutputBytes', DEFAULT_MAX_STEP_OUTPUT_BYTES);
  }

  private intSetting(key: string, fallback: number): number {
    const v = Number(this.repo.state.setting(key));
    return Number.isInteger(v) && v >= 1 ? v : fallback;
  }

  private promoteQueued(workflowId: string, limit: number): void {
    const active = this.repo.runs.activeCount(workflowId);
    if (active >= limit) return;
    for (const id of this.repo.runs.queued(workflowId, limit - active)) {
      const info = this.runInfo(id) as RunInfo;
      this.activate(id, this.graph(info), info.input, this.clock());
      this.emitRun(id, workflowId, 'running');
    }
  }

  failRun(runId: string, error: RunError): boolean {
    return this.finishRun(runId, 'failed', error);
  }

  cancelRun(runId: string): boolean {
    return this.tx(() => this.finishRun(runId, 'cancelled', { message: 'cancelled', code: 'cancelled' }));
  }

  /** Failed or cancelled run: its failed and cancelled steps become ready again (finished steps are kept). */
  retryRun(runId: string): void {
    this.tx(() => {
      const run = this.repo.runs.head(runId);
      if (!run) throw new ApiError('not_found', `No run "${runId}".`);
      if (run.status !== 'failed' && run.status !== 'cancelled') {
        throw new ApiError('conflict', `Run ${runId} is ${run.status}; only a failed or cancelled run can be retried.`);
      }
      const n = this.repo.steps.reopenFailed(runId);
      this.repo.runs.reopen(runId);
      if (n === 0) {
        // Nothing to redo (e.g. it failed before any step): start from the entry nodes.
        const info = this.runInfo(runId) as RunInfo;
        for (const e of this.graph(info).entries) this.repo.steps.insertReady(runId, e, J(info.input), this.nowIso);
      }
      this.emitRun(runId, run.workflowId, 'running');
    });
  }

  /**
   * A waiting step goes on with `resume` (an event it waited for arrived, a person decided its approval): it is
   * ready, its timers are gone, its run is woken. False when it was not waiting (nothing changes). In the
   * caller's transaction.
   */
  resumeWaiting(stepId: number, resume: Resume): boolean {
    const runId = this.repo.steps.resume(stepId, resume);
    if (!runId) return false;
    this.repo.timers.deleteForStep(stepId);
    if (this.repo.runs.wake(runId)) {
      const info = this.runInfo(runId);
      if (info) this.emitRun(runId, info.workflowId, 'running');
    }
    return true;
  }

  // ---- timers -----------------------------------------------------------

  /**
   * Fire due timers: in transactions of at most `batch` timers, until none is due or `budgetMs` is spent
   * (a laptop waking from sleep finds thousands overdue; they are fired before any step runs, not 500 per pass).
   * Each timer is deleted in the same transaction as its effect, so a crash fires it again or not at all.
   */
  fireTimers(batch = 2000, budgetMs = 200): number {
    // Most passes find no timer due: a read says so without taking the write lock (a BEGIN IMMEDIATE per
    // pass, which the other workers and the main thread's group commit would wait for).
    const next = this.repo.timers.nextDueAt();
    if (next === null || next > this.clock()) return 0;
    const t0 = Date.now();
    let total = 0;
    for (;;) {
      const n = this.fireTimerBatch(batch);
      total += n;
      if (n < batch || Date.now() - t0 >= budgetMs) return total;
    }
  }

  /** One transaction: take up to `limit` due timers and apply them, set-based for the common kinds (resume, retry). */
  fireTimerBatch(limit: number): number {
    return this.tx(() => {
      const rows = this.repo.timers.takeDue(this.clock(), limit);
      if (!rows.length) return 0;
      const resumes: number[] = [];
      const retries: number[] = [];
      const woken = new Set<string>();
      for (const t of rows) {
        if (t.kind === 'resume' && t.stepId !== null) resumes.push(t.stepId);
        else if (t.kind === 'retry' && t.stepId !== null) retries.push(t.stepId);
        else if (t.kind === 'approval' && t.stepId !== null) {
          const { approvalId } = t.payload as { approvalId: string };
          const a = this.repo.approvals.expire(approvalId, this.nowIso);
          if (a) {
            const resume: Resume = { kind: 'approval', status: 'expired', payload: a.payload, reason: null, decidedBy: null, decidedAt: a.decidedAt, approvalId: a.id };
            const runId = this.repo.steps.resume(t.stepId, resume);
            if (runId) woken.add(runId);
            this.insertEvent('approval.decided', { approvalId: a.id, runId: a.runId, status: 'expired' }, { type: 'approval', id: a.id });
            this.emit('approval.decided', { id: a.id, runId: a.runId, status: 'expired', decidedBy: null, decidedAt: a.decidedAt });
            this.emitApprovalCount();
          }
        } else if (t.kind === 'run_timeout') {
          const info = this.runInfo(t.runId);
          const cg = info && this.graph(info);
          const limitText = cg?.definition.settings.timeout !== undefined ? String(cg.definition.settings.timeout) : '';
          this.failRun(t.runId, { message: `the run timed out (settings.timeout ${limitText})`, code: 'run_timeout' });
        }
      }
      if (resumes.length) for (const id of this.repo.steps.resumeMany(resumes, { kind: 'timer' })) woken.add(id);
      if (retries.length) for (const id of this.repo.steps.retryDue(retries)) woken.add(id);
      if (woken.size) for (const r of this.repo.runs.wakeMany([...woken])) this.emitRun(r.id, r.workflowId, 'running');
      return rows.length;
    });
  }

  nextTimerAt(): number | null {
    return this.repo.timers.nextDueAt();
  }

  readyCount(): number {
    return this.repo.steps.readyCount();
  }

  // ---- effects ----------------------------------------------------------

  applyEffects(effects: Effect[], run: RunInfo): void {
    if (!effects.length) return;
    const iso = this.nowIso;
    effects.forEach((e, i) => {
      // A node may give its own key (one escalation per day and cause, whatever the run): else one per run, node effect and title.
      if (e.kind === 'escalation') this.raiseEscalation({ ...e, runId: run.id, workflowId: run.workflowId, key: e.key ?? `node:${run.id}:${i}:${e.title}` });
      else if (e.kind === 'event') this.insertEvent(e.type, e.data, e.subject);
      else if (e.kind === 'phase') {
        this.repo.runs.setPhase(run.id, e.phase);
        this.emit('run.updated', { id: run.id, workflowId: run.workflowId, status: 'running', phase: e.phase, at: iso });
      } else if (e.kind === 'response') this.recordResponse(run, e, iso);
    });
  }

  /** A respond node's answer, for the top-level run; the first one wins. The commit then tells the waiting route. */
  private recordResponse(run: RunInfo, e: Extract<Effect, { kind: 'response' }>, iso: string): void {
    const root = run.parentRunId === null ? { id: run.id, workflowId: run.workflowId } : (this.repo.runs.root(run.id) ?? { id: run.id, workflowId: run.workflowId });
    if (this.repo.responses.insert({ runId: root.id, fromRunId: run.id, nodeId: e.nodeId, status: e.status, headers: e.headers, body: e.body, redirect: e.redirect, at: iso })) {
      this.emit('run.responded', { id: root.id, workflowId: root.workflowId, nodeId: e.nodeId, status: e.status, at: iso });
    }
  }

  raiseEscalation(e: { severity: string; title: string; detail: string; runId?: string | null; workflowId?: string | null; key?: string; pinned?: boolean | undefined }): string | null {
    e = { ...e, title: scrubText(e.title), detail: scrubText(e.detail) };
    const id = newId('e');
    const iso = this.nowIso;
    const inserted = this.repo.escalations.insert({
      id,
      severity: e.severity,
      title: e.title,
      detail: e.detail,
      runId: e.runId ?? null,
      workflowId: e.workflowId ?? null,
      key: e.key ?? null,
      createdAt: iso,
      pinned: Boolean(e.pinned),
    });
    if (!inserted) return null;
    this.emit('escalation.raised', {
      id,
      severity: e.severity,
      title: e.title,
      detail: e.detail,
      createdAt: iso,
      ...(e.runId ? { runId: e.runId } : {}),
      ...(e.workflowId ? { workflowId: e.workflowId } : {}),
      ...(e.pinned ? { pinned: true } : {}),
    });
    return id;
  }

  /** Append a domain event (the dispatcher starts/resumes runs from it after the commit). */
  insertEvent(type: string, data: unknown, subject?: { type: string; id: string } | null): number {
    const id = this.repo.events.insert(this.nowIso, type, subject, scrubValue(data ?? null));
    this.eventsInserted++;
    return id;
  }

  childRuns(stepId: number, runId: string): ChildRun[] {
    return this.repo.runs.children(stepId, runId);
  }

  stepOutputs(runId: string): Record<string, unknown> {
    return this.repo.steps.outputs(runId);
  }
}
