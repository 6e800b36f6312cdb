/**
 * The engine's durable state transitions, all synchronous SQLite work in
 * IMMEDIATE transactions with prepared statements. Used by the main thread and
 * by every Bree worker (each with its own connection). Push events raised
 * inside a transaction are sent only after it commits.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, type EventName, type RunError, type RunStatus, type RunTrigger } from '../../../shared/api';
import { durationMs } from '../../../shared/contract/workflow';
import type { Sqlite } from '../db/open';
import { compiled, type CNode, type CompiledGraph } from './compile';
import type { NodeRegistry, Resume, Suspend } from './registry';
import { scrubText, scrubValue } from '../secrets/scrub';
import { scrubStepResult } from './scrub';
import { parseStoredOrNull } from '../db/integrity';

export type Emit = (name: EventName, payload: unknown) => void;

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
/** A JSON column of the engine's tables (runs, steps, timers, approvals): damage throws StoredDataError. */
const P = (s: string | null | undefined): unknown => parseStoredOrNull(s, 'an engine record (runs, steps, timers or approvals)');

export interface StartRunOptions {
  workflow: string;
  input?: unknown;
  trigger?: RunTrigger;
  idempotencyKey?: string | undefined;
  subject?: string | null | undefined;
  parentRunId?: string;
  parentStepId?: number;
  /** forEach body runs: the body path and the parent's version. */
  scope?: string;
  version?: number;
}
export interface StartRunResult {
  runId: string;
  deduplicated: boolean;
  status: RunStatus;
}

/** Immutable facts of a run, cached by executors. */
export interface RunInfo {
  id: string;
  workflowId: string;
  version: number;
  scope: string;
  input: unknown;
  trigger: unknown;
  subject: string | null;
  createdAt: string;
  parentRunId: string | null;
  parentStepId: number | null;
}

export interface ClaimedStep {
  id: number;
  runId: string;
  nodeId: string;
  input: unknown;
  attempts: number;
  history: unknown[];
  state: unknown;
  resume: Resume | undefined;
  startedAt: number;
}

export type Effect =
  | { kind: 'escalation'; severity: 'info' | 'warning' | 'critical'; title: string; detail: string; pinned?: boolean | undefined; key?: string | undefined }
  | { kind: 'event'; type: string; data?: unknown; subject?: { type: string; id: string } }
  | { kind: 'phase'; phase: string }
  /** A respond node's answer for the caller waiting on the top-level run (engine/respond.ts). */
  | { kind: 'response'; nodeId: string; status: number; headers: Record<string, string>; body: string | null; redirect: string | null };

export interface StepError extends RunError {
  retryable: boolean;
  retryAfterMs?: number;
}

export type StepOutcome =
  | { kind: 'done'; output: string; outputValue: unknown; branch: string | null }
  | { kind: 'suspend'; suspend: Suspend }
  | { kind: 'error'; error: StepError };

export interface StepResult {
  step: ClaimedStep;
  run: RunInfo;
  outcome: StepOutcome;
  effects: Effect[];
  finishedAt: number;
}

type StepRow = { id: number; node_id: string; status: string; branch: string | null; output: string | null };

/** How a node ended, as its successors see it. */
interface AdvanceSource {
  status: string;
  branch: string | null;
  output: unknown;
  outputJson: string | null;
}
const SKIPPED: AdvanceSource = { status: 'skipped', branch: null, output: null, outputJson: null };

/** Default of the setting engine.subworkflowDepth: sub-workflow levels below a top-level run. */
export const DEFAULT_SUBWORKFLOW_DEPTH = 10;
/** Default of the setting engine.maxStepOutputBytes (1 MiB). */
export const DEFAULT_MAX_STEP_OUTPUT_BYTES = 1024 * 1024;
/** Step error messages longer than this (in characters) are truncated. */
export const MAX_ERROR_CHARS = 64 * 1024;

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

interface RunWork {
  run: RunInfo;
  cg: CompiledGraph;
  steps?: Map<string, StepRow>;
  madeActive: boolean;
  failed: RunError | null;
}

const ACTIVE = "('ready','running','waiting')";

/** The slice of better-sqlite3's Statement the engine uses (named here so declarations can name it). */
export interface Stmt {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

function prepareStatements(db: Sqlite) {
  const q = (sql: string): Stmt => db.prepare(sql) as unknown as Stmt;
  return {
    wf: q('SELECT id, name, enabled, current_version AS version FROM workflows WHERE id = ?'),
    runByIdem: q('SELECT id, status FROM runs WHERE workflow_id = ? AND idempotency_key = ?'),
    runBySubject: q(`SELECT id, status FROM runs WHERE workflow_id = ? AND subject = ? AND scope = '' AND status IN ('queued','running','waiting') LIMIT 1`),
    activeCount: q(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = ? AND scope = '' AND status IN ('running','waiting')`),
    insertRun: q(`INSERT INTO runs (id, workflow_id, version, scope, status, input, trigger, subject, idempotency_key, parent_run_id, parent_step_id, created_at, seq, started_at, deadline)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    activate: q(`UPDATE runs SET status = 'running', started_at = ?, deadline = ? WHERE id = ?`),
    insertStep: q(`INSERT OR IGNORE INTO steps (run_id, node_id, status, input, created_at, claimed_by, started_at, finished_at, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertTimer: q('INSERT INTO timers (due_at, kind, run_id, step_id, payload) VALUES (?, ?, ?, ?, ?)'),
    runInfo: q('SELECT id, workflow_id, version, scope, input, trigger, subject, created_at, parent_run_id, parent_step_id FROM runs WHERE id = ?'),
    runInfos: q('SELECT id, workflow_id, version, scope, input, trigger, subject, created_at, parent_run_id, parent_step_id FROM runs WHERE id IN (SELECT value FROM json_each(?))'),
    runRow: q('SELECT * FROM runs WHERE id = ?'),
    claim: q(`UPDATE steps SET status = 'running', claimed_by = ?, started_at = ?, wake = 0
      WHERE id IN (SELECT id FROM steps WHERE status = 'ready' AND deaths = 0 ORDER BY id LIMIT ?)
      RETURNING id, run_id, node_id, input, attempts, history, state, resume`),
    // A step whose worker died running it runs alone, and only while no other such step runs (pool-wide).
    claimSuspect: q(`UPDATE steps SET status = 'running', claimed_by = ?, started_at = ?, wake = 0
      WHERE id = (SELECT id FROM steps INDEXED BY steps_suspect WHERE deaths > 0 AND status = 'ready' ORDER BY id LIMIT 1)
        AND NOT EXISTS (SELECT 1 FROM steps INDEXED BY steps_suspect WHERE deaths > 0 AND status = 'running')
      RETURNING id, run_id, node_id, input, attempts, history, state, resume`),
    claimedRows: q(`SELECT id, run_id, node_id, input, attempts, history, state, resume, started_at FROM steps
      WHERE id IN (SELECT value FROM json_each(?)) AND status = 'running' AND claimed_by = ?`),
    noteDeaths: q(`UPDATE steps SET deaths = deaths + 1 WHERE id IN (SELECT value FROM json_each(?)) AND status = 'running' AND claimed_by = ? RETURNING id, deaths`),
    runningOwners: q(`SELECT id, claimed_by FROM steps WHERE id IN (SELECT value FROM json_each(?)) AND status = 'running'`),
    stepDone: q(`UPDATE steps SET status = ?, output = ?, branch = ?, error = ?, finished_at = ?, attempts = ?, history = ?, claimed_by = NULL, wait_event = NULL, waiting_for = NULL
      WHERE id = ? AND status = 'running' AND claimed_by = ?`),
    stepRetry: q(`UPDATE steps SET status = 'waiting', error = ?, attempts = ?, history = ?, waiting_for = ?, claimed_by = NULL, wait_event = NULL
      WHERE id = ? AND status = 'running' AND claimed_by = ?`),
    stepSuspend: q(`UPDATE steps SET status = CASE WHEN wake = 1 THEN 'ready' ELSE 'waiting' END, wake = 0, resume = CASE WHEN wake = 1 THEN '{"kind":"child"}' ELSE NULL END,
      state = ?, wait_event = ?, waiting_for = ?, claimed_by = NULL WHERE id = ? AND status = 'running' AND claimed_by = ?`),
    runSteps: q('SELECT id, node_id, status, branch, output FROM steps WHERE run_id = ?'),
    setRunStatus: q(`UPDATE runs SET status = ? WHERE id = ? AND status IN ('running','waiting') AND status <> ?`),
    wakeRun: q(`UPDATE runs SET status = 'running' WHERE id = ? AND status = 'waiting'`),
    wakeRuns: q(`UPDATE runs SET status = 'running' WHERE id IN (SELECT value FROM json_each(?)) AND status = 'waiting' RETURNING id, workflow_id`),
    succeededOutputs: q(`SELECT node_id, output FROM steps WHERE run_id = ? AND status = 'succeeded'`),
    finishRun: q(`UPDATE runs SET status = ?, output = ?, error = ?, finished_at = ? WHERE id = ? AND status IN ('queued','running','waiting')`),
    deleteRunTimers: q('DELETE FROM timers WHERE run_id = ?'),
    deleteStepTimers: q('DELETE FROM timers WHERE step_id = ?'),
    cancelActiveSteps: q(`UPDATE steps SET status = 'cancelled', claimed_by = NULL, finished_at = ?, wait_event = NULL, waiting_for = NULL WHERE run_id = ? AND status IN ${ACTIVE}`),
    cancelApprovals: q(`UPDATE approvals SET status = 'cancelled', decided_at = ? WHERE run_id = ? AND status = 'pending' RETURNING id`),
    activeChildren: q(`SELECT id FROM runs WHERE parent_run_id = ? AND status IN ('queued','running','waiting')`),
    wakeStep: q(`UPDATE steps SET wake = CASE WHEN status = 'running' THEN 1 ELSE wake END,
      resume = CASE WHEN status = 'waiting' THEN '{"kind":"child"}' ELSE resume END,
      status = CASE WHEN status = 'waiting' THEN 'ready' ELSE status END WHERE id = ? RETURNING run_id`),
    queued: q(`SELECT id, input FROM runs WHERE workflow_id = ? AND scope = '' AND status = 'queued' ORDER BY seq LIMIT ?`),
    insertEscalation: q(`INSERT OR IGNORE INTO escalations (id, severity, title, detail, run_id, workflow_id, key, created_at, pinned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertEvent: q('INSERT INTO events (at, type, subject_type, subject_id, data) VALUES (?, ?, ?, ?, ?)'),
    insertApproval: q(`INSERT INTO approvals (id, run_id, step_id, workflow_id, node_id, title, payload, confidence, reason, status, expires_at, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`),
    deleteCancelledApproval: q(`DELETE FROM approvals WHERE step_id = ? AND status <> 'pending'`),
    pendingApprovals: q(`SELECT COUNT(*) AS n FROM approvals WHERE status = 'pending'`),
    dueTimers: q(`DELETE FROM timers WHERE id IN (SELECT id FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?) RETURNING *`),
    nextTimer: q('SELECT MIN(due_at) AS t FROM timers'),
    resumeStep: q(`UPDATE steps SET status = 'ready', resume = ? WHERE id = ? AND status = 'waiting' RETURNING run_id`),
    resumeSteps: q(`UPDATE steps SET status = 'ready', resume = ? WHERE id IN (SELECT value FROM json_each(?)) AND status = 'waiting' RETURNING run_id`),
    retryReadySteps: q(`UPDATE steps SET status = 'ready' WHERE id IN (SELECT value FROM json_each(?)) AND status = 'waiting' RETURNING run_id`),
    expireApproval: q(`UPDATE approvals SET status = 'expired', decided_at = ? WHERE id = ? AND status = 'pending' RETURNING *`),
    setPhase: q('UPDATE runs SET phase = ? WHERE id = ?'),
    childRuns: q('SELECT id, status, input, output, error FROM runs WHERE parent_step_id = ? AND parent_run_id = ? ORDER BY seq'),
    releaseClaims: q(`UPDATE steps SET status = 'ready', claimed_by = NULL WHERE status = 'running' AND claimed_by = ?`),
    releaseClaimsExcept: q(`UPDATE steps SET status = 'ready', claimed_by = NULL WHERE status = 'running' AND claimed_by = ? AND id NOT IN (SELECT value FROM json_each(?))`),
    outboxGet: q('SELECT status, response, sends FROM outbox WHERE key = ?'),
    outboxInsert: q(`INSERT OR IGNORE INTO outbox (key, run_id, node_id, kind, request, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)`),
    outboxSending: q('UPDATE outbox SET sends = sends + 1 WHERE key = ?'),
    outboxDone: q('UPDATE outbox SET status = ?, response = ?, sent_at = ? WHERE key = ?'),
    readyCount: q(`SELECT COUNT(*) AS n FROM steps WHERE status = 'ready'`),
    setting: q('SELECT value FROM settings WHERE key = ?'),
    // The top-level run above a forEach body or sub-workflow run (a respond node answers for it).
    rootRun: q(`WITH RECURSIVE up(id, workflow_id, parent_run_id, n) AS (
        SELECT id, workflow_id, parent_run_id, 0 FROM runs WHERE id = ?
        UNION ALL SELECT r.id, r.workflow_id, r.parent_run_id, up.n + 1 FROM runs r JOIN up ON r.id = up.parent_run_id WHERE up.n < 10000)
      SELECT id, workflow_id FROM up ORDER BY n DESC LIMIT 1`),
    insertResponse: q(`INSERT OR IGNORE INTO run_responses (run_id, from_run_id, node_id, status, headers, body, redirect, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    // The ancestry of a run, itself first, at most ? rows (a sub-workflow start checks the depth limit).
    ancestry: q(`WITH RECURSIVE up(id, workflow_id, scope, parent_run_id, n) AS (
        SELECT id, workflow_id, scope, parent_run_id, 0 FROM runs WHERE id = ?
        UNION ALL SELECT r.id, r.workflow_id, r.scope, r.parent_run_id, up.n + 1 FROM runs r JOIN up ON r.id = up.parent_run_id WHERE up.n + 1 < ?)
      SELECT workflow_id, scope FROM up ORDER BY n`),
  };
}
type Statements = { [K in keyof ReturnType<typeof prepareStatements>]: Stmt };

export class EngineStore {
  private pending: [EventName, unknown][] = [];
  private depth = 0;
  /** Counts events appended by this store (workers tell the main thread to dispatch). */
  eventsInserted = 0;
  readonly s: Statements;

  constructor(
    readonly db: Sqlite,
    public clock: () => number,
    private readonly emitNow: Emit,
    readonly nodes: NodeRegistry,
  ) {
    this.s = prepareStatements(db);
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
    try {
      out = this.db.transaction(fn).immediate();
    } catch (e) {
      this.depth = 0;
      this.pending = [];
      throw e;
    }
    this.depth = 0;
    const events = this.pending;
    this.pending = [];
    for (const [n, p] of events) this.emitNow(n, p);
    return out;
  }

  // ---- runs -------------------------------------------------------------

  startRunTx(o: StartRunOptions): StartRunResult {
    const wf = this.s.wf.get(o.workflow) as { id: string; name: string; enabled: number; version: number } | undefined;
    if (!wf) throw new ApiError('not_found', `No workflow "${o.workflow}". Import it first: baton workflow import FILE.json`);
    const scope = o.scope ?? '';
    const version = o.version ?? wf.version;
    const cg = compiled(this.nodes, this.db, wf.id, version, scope);
    const settings = cg.definition.settings;
    if (o.idempotencyKey) {
      const ex = this.s.runByIdem.get(wf.id, o.idempotencyKey) as { id: string; status: string } | undefined;
      if (ex) return { runId: ex.id, deduplicated: true, status: ex.status as RunStatus };
    }
    if (o.subject && !settings.reenroll && !scope) {
      const ex = this.s.runBySubject.get(wf.id, o.subject) as { id: string; status: string } | undefined;
      if (ex) return { runId: ex.id, deduplicated: true, status: ex.status as RunStatus };
    }
    let status: RunStatus = 'running';
    if (!scope && settings.concurrency !== undefined) {
      const n = (this.s.activeCount.get(wf.id) as { n: number }).n;
      if (n >= settings.concurrency) status = 'queued';
    }
    const now = this.clock();
    const id = newId('r');
    const iso = new Date(now).toISOString();
    // A run that starts now is inserted running (started_at, deadline) in one write; a queued one is activated later.
    const deadline = status === 'running' ? this.deadlineOf(cg, now) : null;
    const input = scrubValue(o.input ?? {});
    this.s.insertRun.run(id, wf.id, version, scope, status === 'queued' ? 'queued' : 'running', J(input), J(o.trigger ?? { type: 'manual' }),
      o.subject ?? null, o.idempotencyKey ?? null, o.parentRunId ?? null, o.parentStepId ?? null, iso, now, status === 'running' ? iso : null, deadline);
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
    this.s.activate.run(new Date(now).toISOString(), deadline, runId);
    this.createEntrySteps(runId, cg, input, now, deadline);
  }

  private createEntrySteps(runId: string, cg: CompiledGraph, input: unknown, now: number, deadline: number | null): void {
    const inputJson = J(input);
    const iso = new Date(now).toISOString();
    for (const e of cg.entries) this.s.insertStep.run(runId, e, 'ready', inputJson, iso, null, null, null, null);
    if (deadline !== null) this.s.insertTimer.run(deadline, 'run_timeout', runId, null, null);
  }

  runInfo(id: string): RunInfo | undefined {
    const r = this.s.runInfo.get(id) as RunInfoRow | undefined;
    return r ? toRunInfo(r) : undefined;
  }

  /** The facts of several runs in one query (an executor's batch of first steps). */
  runInfos(ids: string[]): RunInfo[] {
    return (this.s.runInfos.all(J(ids)) as RunInfoRow[]).map(toRunInfo);
  }

  // ---- steps ------------------------------------------------------------

  /**
   * Claim up to `limit` ready steps for `workerId`; a step whose worker died running it (deaths > 0) is
   * claimed alone (`suspects`: false for the commit's top-up, which joins a batch).
   */
  claim(workerId: string, limit: number, suspects = true): ClaimedStep[] {
    const now = this.clock();
    const iso = new Date(now).toISOString();
    const rows = this.tx(() => {
      if (suspects) {
        const one = this.s.claimSuspect.all(workerId, iso);
        if (one.length) return one;
      }
      return this.s.claim.all(workerId, iso, limit);
    }) as {
      id: number;
      run_id: string;
      node_id: string;
      input: string | null;
      attempts: number;
      history: string | null;
      state: string | null;
      resume: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      nodeId: r.node_id,
      input: P(r.input),
      attempts: r.attempts,
      history: (P(r.history) as unknown[] | null) ?? [],
      state: P(r.state),
      resume: (P(r.resume) as Resume | null) ?? undefined,
      startedAt: now,
    }));
  }

  releaseClaims(workerId: string): number {
    return this.s.releaseClaims.run(workerId).changes;
  }

  /**
   * Hand back the steps `workerId` holds except `keep`: a stuck worker's steps that already ran (their
   * results wait for the stuck one, uncommitted) or wait their turn. Run again elsewhere; should the
   * worker get unstuck, its commit of them is dropped (claimed_by no longer matches).
   */
  releaseClaimsExcept(workerId: string, keep: number[]): number {
    return this.s.releaseClaimsExcept.run(workerId, J(keep)).changes;
  }

  /** Of these step ids, the ones running, with who claimed them (the pool's watchdog: cancelled meanwhile?). */
  runningOwners(stepIds: number[]): Map<number, string | null> {
    const out = new Map<number, string | null>();
    if (!stepIds.length) return out;
    for (const r of this.s.runningOwners.all(J(stepIds)) as { id: number; claimed_by: string | null }[]) out.set(r.id, r.claimed_by);
    return out;
  }

  /** A worker died while running these steps (still claimed by it): count it. Returns each step's deaths so far. */
  noteDeaths(workerId: string, stepIds: number[]): { id: number; deaths: number }[] {
    if (!stepIds.length) return [];
    return this.tx(() => this.s.noteDeaths.all(J(stepIds), workerId) as { id: number; deaths: number }[]);
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
      const rows = this.s.claimedRows.all(J([...failures.keys()]), workerId) as {
        id: number;
        run_id: string;
        node_id: string;
        input: string | null;
        attempts: number;
        history: string | null;
        state: string | null;
        resume: string | null;
        started_at: string | null;
      }[];
      if (!rows.length) return [];
      const runs = new Map(this.runInfos([...new Set(rows.map((r) => r.run_id))]).map((r) => [r.id, r]));
      const results: StepResult[] = [];
      const out: { stepId: number; runId: string; nodeId: string; message: string }[] = [];
      const now = this.clock();
      for (const r of rows) {
        const run = runs.get(r.run_id);
        const make = failures.get(r.id);
        if (!run || !make) continue;
        let type: string | undefined;
        try {
          type = compiled(this.nodes, this.db, run.workflowId, run.version, run.scope).nodes.get(r.node_id)?.type;
        } catch {
          type = undefined;
        }
        const error = { ...make({ id: r.node_id, type }), nodeId: r.node_id, retryable: false };
        const startedAt = r.started_at ? Date.parse(r.started_at) : now;
        results.push({
          step: {
            id: r.id,
            runId: r.run_id,
            nodeId: r.node_id,
            input: P(r.input),
            attempts: r.attempts,
            history: (P(r.history) as unknown[] | null) ?? [],
            state: P(r.state),
            resume: (P(r.resume) as Resume | null) ?? undefined,
            startedAt: Number.isFinite(startedAt) ? startedAt : now,
          },
          run,
          outcome: { kind: 'error', error },
          effects: [],
          finishedAt: now,
        });
        out.push({ stepId: r.id, runId: r.run_id, nodeId: r.node_id, message: error.message });
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
          w = { run: r.run, cg: compiled(this.nodes, this.db, r.run.workflowId, r.run.version, r.run.scope), madeActive: false, failed: null };
          work.set(r.run.id, w);
        }
        // Secrets (as echoed by a remote, in any encoded form) never reach the database or a push event.
        this.commitOne(scrubStepResult(r), w, workerId, chained);
      }
      const toWake: RunWork[] = [];
      for (const w of work.values()) if (this.settleRun(w)) toWake.push(w);
      // Runs that got new steps are woken (if they were waiting) in one statement.
      if (toWake.length) {
        for (const r of this.s.wakeRuns.all(J(toWake.map((w) => w.run.id))) as { id: string; workflow_id: string }[]) this.emitRun(r.id, r.workflow_id, 'running');
      }
      if (fill > chained.length) chained.push(...this.claim(workerId, fill - chained.length, false));
      return chained;
    });
  }

  private commitOne(r: StepResult, w: RunWork, workerId: string, chained: ClaimedStep[]): void {
    const { step } = r;
    let outcome = r.outcome;
    const cn = w.cg.nodes.get(step.nodeId);
    if (!cn) return;
    if (outcome.kind === 'suspend' && outcome.suspend.children?.some((c) => !c.body)) {
      const refused = this.childRefusal(w.run, outcome.suspend.children);
      if (refused) outcome = { kind: 'error', error: { ...refused, nodeId: step.nodeId, retryable: false } };
    }
    const iso = new Date(r.finishedAt).toISOString();
    const attempt = { attempt: step.attempts + 1, startedAt: new Date(step.startedAt).toISOString(), finishedAt: iso, error: outcome.kind === 'error' ? strip(outcome.error) : null };
    if (outcome.kind === 'done') {
      const history = step.history.length ? J([...step.history, attempt]) : null;
      const ch = this.s.stepDone.run('succeeded', outcome.output, outcome.branch, null, iso, step.attempts + 1, history, step.id, workerId).changes;
      if (!ch) return;
      this.applyEffects(r.effects, w.run);
      this.noteStep(w, step.nodeId, { id: step.id, node_id: step.nodeId, status: 'succeeded', branch: outcome.branch, output: outcome.output });
      this.advance(w, cn, { status: 'succeeded', branch: outcome.branch, output: outcome.outputValue, outputJson: outcome.output }, workerId, chained);
      return;
    }
    if (outcome.kind === 'suspend') {
      const s = outcome.suspend;
      const state = J({ v: s.state ?? null, ...(s.event ? { ev: { match: s.event.match ?? null, filter: s.event.filter ?? null } } : {}) });
      const ch = this.s.stepSuspend.run(state, s.event?.type ?? null, s.waitingFor, step.id, workerId).changes;
      if (!ch) return;
      this.applyEffects(r.effects, w.run);
      if (s.approval) {
        this.s.deleteCancelledApproval.run(step.id);
        const id = newId('a');
        const a = s.approval;
        this.s.insertApproval.run(id, w.run.id, step.id, w.run.workflowId, step.nodeId, a.title, J(a.payload), a.confidence ?? null, a.reason ?? null,
          s.until !== undefined ? new Date(s.until).toISOString() : null, iso);
        if (s.until !== undefined) this.s.insertTimer.run(s.until, 'approval', w.run.id, step.id, J({ approvalId: id }));
        this.emit('approval.created', { id, runId: w.run.id, workflowId: w.run.workflowId, title: a.title, createdAt: iso });
        this.emit('approvals.count', { pending: (this.s.pendingApprovals.get() as { n: number }).n });
      } else if (s.until !== undefined) {
        this.s.insertTimer.run(s.until, 'resume', w.run.id, step.id, null);
      }
      for (const c of s.children ?? []) {
        this.startRunTx({
          workflow: c.workflow ?? w.run.workflowId,
          ...(c.body ? { version: w.run.version, scope: w.run.scope ? `${w.run.scope}/${step.nodeId}` : step.nodeId } : {}),
          input: c.input,
          parentRunId: w.run.id,
          parentStepId: step.id,
          idempotencyKey: `child:${step.id}:${c.key}`,
          trigger: { type: 'subworkflow', detail: { runId: w.run.id, nodeId: step.nodeId } },
        });
      }
      this.noteStep(w, step.nodeId, { id: step.id, node_id: step.nodeId, status: 'waiting', branch: null, output: null });
      return;
    }
    // error
    const err = outcome.error;
    const attempts = step.attempts + 1;
    const history = J([...step.history, attempt]);
    const retryable = err.retryable && !(err.code && cn.retry.nonRetryable.includes(err.code));
    if (retryable && attempts < cn.retry.maxAttempts) {
      const delay = err.retryAfterMs ?? backoff(cn, attempts);
      const due = r.finishedAt + delay;
      const ch = this.s.stepRetry.run(J(strip(err)), attempts, history, `retry ${attempts + 1}/${cn.retry.maxAttempts} at ${new Date(due).toISOString()}`, step.id, workerId).changes;
      if (!ch) return;
      this.s.insertTimer.run(due, 'retry', w.run.id, step.id, null);
      this.noteStep(w, step.nodeId, { id: step.id, node_id: step.nodeId, status: 'waiting', branch: null, output: null });
      return;
    }
    const errJson = J({ ...strip(err), nodeId: step.nodeId });
    if (cn.hasErrorEdge) {
      const out = { error: { ...strip(err), nodeId: step.nodeId } };
      const ch = this.s.stepDone.run('failed', J(out), 'error', errJson, iso, attempts, history, step.id, workerId).changes;
      if (!ch) return;
      this.noteStep(w, step.nodeId, { id: step.id, node_id: step.nodeId, status: 'failed', branch: 'error', output: J(out) });
      this.advance(w, cn, { status: 'failed', branch: 'error', output: out, outputJson: J(out) }, workerId, chained);
      return;
    }
    const ch = this.s.stepDone.run('failed', null, null, errJson, iso, attempts, history, step.id, workerId).changes;
    if (!ch) return;
    this.noteStep(w, step.nodeId, { id: step.id, node_id: step.nodeId, status: 'failed', branch: null, output: null });
    w.failed = { ...strip(err), nodeId: step.nodeId };
  }

  private noteStep(w: RunWork, nodeId: string, row: StepRow): void {
    w.steps?.set(nodeId, row);
  }

  private loadSteps(w: RunWork): Map<string, StepRow> {
    if (!w.steps) {
      w.steps = new Map();
      for (const r of this.s.runSteps.all(w.run.id) as StepRow[]) w.steps.set(r.node_id, r);
    }
    return w.steps;
  }

  /**
   * Create the successors of a finished (or skipped) node whose incoming paths are resolved. A skipped successor
   * is advanced in turn (dead-path elimination), depth first as a recursion would, but with an explicit stack:
   * a chain of thousands of skipped nodes must not overflow the call stack.
   */
  private advance(w: RunWork, cn: CNode, src: AdvanceSource, workerId: string, chained: ClaimedStep[]): void {
    if (w.failed) return;
    const frames: { cn: CNode; src: AdvanceSource; i: number; seen: Set<string> }[] = [{ cn, src, i: 0, seen: new Set() }];
    while (frames.length) {
      const f = frames[frames.length - 1] as (typeof frames)[number];
      const e = f.cn.outgoing[f.i++];
      if (!e) {
        frames.pop();
        continue;
      }
      const skipped = this.advanceEdge(w, f.cn, f.src, e, f.seen, workerId, chained);
      if (skipped) frames.push({ cn: skipped, src: SKIPPED, i: 0, seen: new Set() });
    }
  }

  /** One outgoing edge of `cn`: create, skip or leave its target. Returns the target when it was just skipped. */
  private advanceEdge(w: RunWork, cn: CNode, src: AdvanceSource, e: CNode['outgoing'][number], seen: Set<string>, workerId: string, chained: ClaimedStep[]): CNode | null {
    if (seen.has(e.to)) return null;
    seen.add(e.to);
    const tn = w.cg.nodes.get(e.to) as CNode;
    if (tn.incoming.length === 1) {
      if (edgeTaken(e.branch, src.status, src.branch)) {
        this.createStep(w, tn, src.output, src.outputJson, workerId, chained);
        return null;
      }
      return this.skip(w, tn) ? tn : null;
    }
    const steps = this.loadSteps(w);
    if (steps.has(tn.id)) return null;
    let taken = 0;
    let unresolved = 0;
    const inputs: Record<string, unknown> = {};
    let first: { output: unknown; json: string | null } | null = null;
    for (const ie of tn.incoming) {
      const p = ie.from === cn.id ? { status: src.status, branch: src.branch, output: src.outputJson } : steps.get(ie.from);
      if (!p || p.status === 'ready' || p.status === 'running' || p.status === 'waiting') {
        unresolved++;
        continue;
      }
      if (edgeTaken(ie.branch, p.status, p.branch)) {
        taken++;
        const val = ie.from === cn.id ? src.output : P(p.output);
        inputs[ie.from] = val;
        if (ie.from === cn.id) first = { output: src.output, json: src.outputJson };
        else if (!first) first = { output: val, json: p.output };
      }
    }
    const mode = tn.joinMode;
    if (mode === 'any' || mode === 'first') {
      if (taken > 0) {
        const chosen = first ?? { output: null, json: null };
        this.createStep(w, tn, chosen.output, chosen.json, workerId, chained);
        if (mode === 'first') this.cancelAncestors(w, tn);
      } else if (unresolved === 0) return this.skip(w, tn) ? tn : null;
      return null;
    }
    if (unresolved > 0) return null;
    if (taken === 0) return this.skip(w, tn) ? tn : null;
    if (!tn.isJoinNode && taken === 1 && first) this.createStep(w, tn, first.output, first.json, workerId, chained);
    else this.createStep(w, tn, inputs, null, workerId, chained);
    return null;
  }

  private createStep(w: RunWork, tn: CNode, input: unknown, inputJson: string | null, workerId: string, chained: ClaimedStep[]): void {
    const now = this.clock();
    const iso = new Date(now).toISOString();
    const r = this.s.insertStep.run(w.run.id, tn.id, 'running', inputJson ?? J(input), iso, workerId, iso, null, null);
    if (!r.changes) return;
    const id = Number(r.lastInsertRowid);
    w.madeActive = true;
    this.noteStep(w, tn.id, { id, node_id: tn.id, status: 'running', branch: null, output: null });
    chained.push({ id, runId: w.run.id, nodeId: tn.id, input, attempts: 0, history: [], state: null, resume: undefined, startedAt: now });
  }

  /** Record `tn` as skipped; true when it was (the caller then advances past it). */
  private skip(w: RunWork, tn: CNode): boolean {
    const iso = this.nowIso;
    const r = this.s.insertStep.run(w.run.id, tn.id, 'skipped', null, iso, null, null, iso, null);
    if (!r.changes) return false;
    this.noteStep(w, tn.id, { id: Number(r.lastInsertRowid), node_id: tn.id, status: 'skipped', branch: null, output: null });
    return true;
  }

  /** join mode "first": the other paths into the join stop (their steps become skipped). */
  private cancelAncestors(w: RunWork, tn: CNode): void {
    const anc = w.cg.ancestors(tn.id);
    const steps = this.loadSteps(w);
    for (const id of anc) {
      const st = steps.get(id);
      if (!st || !(st.status === 'ready' || st.status === 'running' || st.status === 'waiting')) continue;
      this.db.prepare(`UPDATE steps SET status = 'skipped', claimed_by = NULL, finished_at = ?, error = ?, wait_event = NULL, waiting_for = NULL WHERE id = ?`)
        .run(this.nowIso, J({ message: `stopped: join "${tn.id}" (first) went on with another path` }), st.id);
      this.s.deleteStepTimers.run(st.id);
      this.db.prepare(`UPDATE approvals SET status = 'cancelled', decided_at = ? WHERE step_id = ? AND status = 'pending'`).run(this.nowIso, st.id);
      st.status = 'skipped';
    }
  }

  /** Settle a run after its steps were committed. True: it got new steps (the caller wakes it). */
  private settleRun(w: RunWork): boolean {
    if (w.failed) {
      this.failRun(w.run.id, w.failed);
      return false;
    }
    if (w.madeActive) return true;
    // One read of the run's steps serves both the "is anything left?" count and the run's output.
    const rows = this.s.runSteps.all(w.run.id) as StepRow[];
    let busy = 0;
    let waiting = 0;
    for (const r of rows) {
      if (r.status === 'ready' || r.status === 'running') busy++;
      else if (r.status === 'waiting') waiting++;
    }
    if (busy + waiting === 0) {
      this.finishRun(w.run.id, 'succeeded', null, w.cg, { run: w.run, steps: rows });
      return false;
    }
    const status = busy > 0 ? 'running' : 'waiting';
    if (this.s.setRunStatus.run(status, w.run.id, status).changes) this.emitRun(w.run.id, w.run.workflowId, status);
    return false;
  }

  emitRun(id: string, workflowId: string, status: string): void {
    this.emit('run.updated', { id, workflowId, status, at: this.nowIso });
  }

  /**
   * Finish a run: output, timers, parent wake-up, queue promotion, failure escalation and error workflow.
   * `known`: the committer already has the run's immutable facts and its steps read in this transaction
   * (saves reading them again); whether the run is still active is decided by the guarded UPDATE either way.
   */
  finishRun(
    runId: string,
    status: 'succeeded' | 'failed' | 'cancelled',
    error: RunError | null,
    cg?: CompiledGraph,
    known?: { run: RunInfo; steps: { node_id: string; status: string; output: string | null }[] },
  ): boolean {
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
    known?: { run: RunInfo; steps: { node_id: string; status: string; output: string | null }[] },
  ): boolean {
    let run: { workflow_id: string; version: number; scope: string; parent_step_id: number | null; parent_run_id: string | null };
    if (known) {
      const k = known.run;
      run = { workflow_id: k.workflowId, version: k.version, scope: k.scope, parent_step_id: k.parentStepId, parent_run_id: k.parentRunId };
    } else {
      const row = this.s.runRow.get(runId) as { workflow_id: string; version: number; scope: string; status: string; parent_step_id: number | null; parent_run_id: string | null } | undefined;
      if (!row || !['queued', 'running', 'waiting'].includes(row.status)) return false;
      run = row;
    }
    const g = cg ?? compiled(this.nodes, this.db, run.workflow_id, run.version, run.scope);
    let output: unknown = null;
    let outputJson: string | null = null;
    if (status === 'succeeded') {
      const succeeded = known ? known.steps.filter((r) => r.status === 'succeeded') : (this.s.succeededOutputs.all(runId) as { node_id: string; output: string | null }[]);
      const leaves = succeeded.filter((r) => g.nodes.get(r.node_id)?.leaf);
      if (leaves.length === 1) output = P(leaves[0]?.output);
      else if (leaves.length > 1) {
        // Each step's output is under engine.maxStepOutputBytes; the map of several may not be.
        outputJson = `{${leaves.map((l) => `${JSON.stringify(l.node_id)}:${l.output ?? 'null'}`).join(',')}}`;
        const limit = this.maxStepOutputBytes();
        const bytes = outputJson.length * 3 > limit ? Buffer.byteLength(outputJson) : 0;
        if (bytes > limit) {
          status = 'failed';
          error = { message: `the run's output (the outputs of its ${leaves.length} last steps) is ${formatBytes(bytes)}, over the limit of ${formatBytes(limit)} (setting engine.maxStepOutputBytes)`, code: 'output_too_large' };
          outputJson = null;
        }
      }
    }
    const iso = this.nowIso;
    if (!this.s.finishRun.run(status, outputJson ?? J(output), error ? J(error) : null, iso, runId).changes) return false;
    this.s.deleteRunTimers.run(runId);
    if (status !== 'succeeded') {
      this.s.cancelActiveSteps.run(iso, runId);
      const cancelled = this.s.cancelApprovals.all(iso, runId) as { id: string }[];
      if (cancelled.length) this.emit('approvals.count', { pending: (this.s.pendingApprovals.get() as { n: number }).n });
      for (const c of this.s.activeChildren.all(runId) as { id: string }[]) descendants.push({ id: c.id, parent: runId, status });
    }
    this.emitRun(runId, run.workflow_id, status);
    if (run.parent_step_id !== null) {
      const woke = this.s.wakeStep.get(run.parent_step_id) as { run_id: string } | undefined;
      if (woke && this.s.wakeRun.run(woke.run_id).changes) this.emit('run.updated', { id: woke.run_id, workflowId: run.workflow_id, status: 'running', at: iso });
    }
    const settings = g.definition.settings;
    if (!run.scope && settings.concurrency !== undefined) this.promoteQueued(run.workflow_id, settings.concurrency);
    if (status === 'failed' && !run.scope && run.parent_run_id === null) {
      const name = g.definition.name;
      if (settings.escalateOnFailure !== 'none') {
        this.raiseEscalation({
          severity: settings.escalateOnFailure,
          title: `Run of "${name}" failed`,
          detail: `${error?.nodeId ? `Step ${error.nodeId}: ` : ''}${error?.message ?? 'failed'} (run ${runId})`,
          runId,
          workflowId: run.workflow_id,
          key: `run-failed:${runId}`,
        });
      }
      this.insertEvent('run.failed', { runId, workflowId: run.workflow_id, error }, { type: 'run', id: runId });
      if (settings.errorWorkflow) {
        try {
          this.startRunTx({
            workflow: settings.errorWorkflow,
            input: { failedRun: { id: runId, workflowId: run.workflow_id, workflowName: name, error } },
            trigger: { type: 'error', detail: { runId } },
            idempotencyKey: `error:${runId}`,
          });
        } catch (e) {
          this.raiseEscalation({
            severity: 'critical',
            title: `Error workflow "${settings.errorWorkflow}" could not start`,
            detail: `${(e as Error).message} (for failed run ${runId} of ${run.workflow_id})`,
            runId,
            workflowId: run.workflow_id,
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
      const wf = this.s.wf.get(t) as { enabled: number } | undefined;
      if (!wf) return { message: `no workflow "${t}" to run as a sub-workflow (import it first: baton workflow import FILE.json)`, code: 'subworkflow_missing' };
      if (!wf.enabled) {
        return { message: `workflow "${t}" is disabled: a disabled workflow starts no sub-workflow runs (enable it with: baton workflow enable ${t})`, code: 'subworkflow_disabled' };
      }
    }
    const limit = this.subworkflowDepth();
    // The run's sub-workflow levels, root first: the top-level run and each sub-workflow run (scope '').
    const cap = (limit + 2) * 25;
    const rows = this.s.ancestry.all(run.id, cap) as { workflow_id: string; scope: string }[];
    const chain = rows.filter((r) => r.scope === '').map((r) => r.workflow_id).reverse();
    const truncated = rows.length >= cap;
    if (chain.length <= limit && !truncated) return null;
    const shown = [...chain, targets[0] as string];
    const text = shown.length > 24 ? [...shown.slice(0, 10), '…', ...shown.slice(-10)].join(' -> ') : shown.join(' -> ');
    return {
      message: `sub-workflow depth limit reached: ${truncated ? '… -> ' : ''}${text} would be ${truncated ? 'more than ' : ''}${chain.length} sub-workflow levels deep, over the limit of ${limit} (setting engine.subworkflowDepth; a workflow that calls itself, directly or through others, never ends)`,
      code: 'subworkflow_depth',
    };
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
    const row = this.s.setting.get(key) as { value: string } | undefined;
    const v = row ? Number(P(row.value)) : NaN;
    return Number.isInteger(v) && v >= 1 ? v : fallback;
  }

  private promoteQueued(workflowId: string, limit: number): void {
    const active = (this.s.activeCount.get(workflowId) as { n: number }).n;
    if (active >= limit) return;
    for (const q of this.s.queued.all(workflowId, limit - active) as { id: string; input: string | null }[]) {
      const info = this.runInfo(q.id) as RunInfo;
      this.activate(q.id, compiled(this.nodes, this.db, info.workflowId, info.version, ''), info.input, this.clock());
      this.emitRun(q.id, workflowId, 'running');
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
      const run = this.s.runRow.get(runId) as { status: string; workflow_id: string } | undefined;
      if (!run) throw new ApiError('not_found', `No run "${runId}".`);
      if (run.status !== 'failed' && run.status !== 'cancelled') {
        throw new ApiError('conflict', `Run ${runId} is ${run.status}; only a failed or cancelled run can be retried.`);
      }
      const n = this.db
        .prepare(`UPDATE steps SET status = 'ready', attempts = 0, deaths = 0, error = NULL, state = NULL, resume = NULL, claimed_by = NULL, finished_at = NULL, wait_event = NULL, waiting_for = NULL
          WHERE run_id = ? AND (status = 'cancelled' OR (status = 'failed' AND (branch IS NULL OR branch <> 'error')))`)
        .run(runId).changes;
      this.db.prepare(`UPDATE runs SET status = 'running', error = NULL, output = NULL, finished_at = NULL WHERE id = ?`).run(runId);
      if (n === 0) {
        // Nothing to redo (e.g. it failed before any step): start from the entry nodes.
        const info = this.runInfo(runId) as RunInfo;
        const cg = compiled(this.nodes, this.db, info.workflowId, info.version, info.scope);
        for (const e of cg.entries) this.s.insertStep.run(runId, e, 'ready', J(info.input), this.nowIso, null, null, null, null);
      }
      this.emitRun(runId, run.workflow_id, 'running');
    });
  }

  // ---- timers -----------------------------------------------------------

  /**
   * Fire due timers: in transactions of at most `batch` timers, until none is due or `budgetMs` is spent
   * (a laptop waking from sleep finds thousands overdue; they are fired before any step runs, not 500 per pass).
   * Each timer is deleted in the same transaction as its effect, so a crash fires it again or not at all.
   */
  fireTimers(batch = 2000, budgetMs = 200): number {
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
      const rows = this.s.dueTimers.all(this.clock(), limit) as { id: number; kind: string; run_id: string; step_id: number | null; payload: string | null }[];
      if (!rows.length) return 0;
      const resumes: number[] = [];
      const retries: number[] = [];
      const woken = new Set<string>();
      for (const t of rows) {
        if (t.kind === 'resume' && t.step_id !== null) resumes.push(t.step_id);
        else if (t.kind === 'retry' && t.step_id !== null) retries.push(t.step_id);
        else if (t.kind === 'approval' && t.step_id !== null) {
          const { approvalId } = P(t.payload) as { approvalId: string };
          const a = this.s.expireApproval.get(this.nowIso, approvalId) as { id: string; run_id: string; payload: string | null; decided_at: string } | undefined;
          if (a) {
            const resume: Resume = { kind: 'approval', status: 'expired', payload: P(a.payload), reason: null, decidedBy: null, decidedAt: a.decided_at, approvalId: a.id };
            const runId = (this.s.resumeStep.get(J(resume), t.step_id) as { run_id: string } | undefined)?.run_id;
            if (runId) woken.add(runId);
            this.insertEvent('approval.decided', { approvalId: a.id, runId: a.run_id, status: 'expired' }, { type: 'approval', id: a.id });
            this.emit('approval.decided', { id: a.id, runId: a.run_id, status: 'expired', decidedBy: null, decidedAt: a.decided_at });
            this.emit('approvals.count', { pending: (this.s.pendingApprovals.get() as { n: number }).n });
          }
        } else if (t.kind === 'run_timeout') {
          const info = this.runInfo(t.run_id);
          const cg = info && compiled(this.nodes, this.db, info.workflowId, info.version, info.scope);
          const limitText = cg?.definition.settings.timeout !== undefined ? String(cg.definition.settings.timeout) : '';
          this.failRun(t.run_id, { message: `the run timed out (settings.timeout ${limitText})`, code: 'run_timeout' });
        }
      }
      if (resumes.length) for (const r of this.s.resumeSteps.all(J({ kind: 'timer' }), J(resumes)) as { run_id: string }[]) woken.add(r.run_id);
      if (retries.length) for (const r of this.s.retryReadySteps.all(J(retries)) as { run_id: string }[]) woken.add(r.run_id);
      if (woken.size) {
        for (const r of this.s.wakeRuns.all(J([...woken])) as { id: string; workflow_id: string }[]) this.emitRun(r.id, r.workflow_id, 'running');
      }
      return rows.length;
    });
  }

  nextTimerAt(): number | null {
    return (this.s.nextTimer.get() as { t: number | null }).t;
  }

  readyCount(): number {
    return (this.s.readyCount.get() as { n: number }).n;
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
        this.s.setPhase.run(e.phase, run.id);
        this.emit('run.updated', { id: run.id, workflowId: run.workflowId, status: 'running', phase: e.phase, at: iso });
      } else if (e.kind === 'response') this.recordResponse(run, e, iso);
    });
  }

  /** A respond node's answer, for the top-level run; the first one wins. The commit then tells the waiting route. */
  private recordResponse(run: RunInfo, e: Extract<Effect, { kind: 'response' }>, iso: string): void {
    const root = run.parentRunId === null ? { id: run.id, workflow_id: run.workflowId } : ((this.s.rootRun.get(run.id) as { id: string; workflow_id: string } | undefined) ?? { id: run.id, workflow_id: run.workflowId });
    const r = this.s.insertResponse.run(root.id, run.id, e.nodeId, e.status, J(e.headers), e.body, e.redirect, iso);
    if (r.changes) this.emit('run.responded', { id: root.id, workflowId: root.workflow_id, nodeId: e.nodeId, status: e.status, at: iso });
  }

  raiseEscalation(e: { severity: string; title: string; detail: string; runId?: string | null; workflowId?: string | null; key?: string; pinned?: boolean | undefined }): string | null {
    e = { ...e, title: scrubText(e.title), detail: scrubText(e.detail) };
    const id = newId('e');
    const iso = this.nowIso;
    const r = this.s.insertEscalation.run(id, e.severity, e.title, e.detail, e.runId ?? null, e.workflowId ?? null, e.key ?? null, iso, e.pinned ? 1 : 0);
    if (!r.changes) return null;
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
    const r = this.s.insertEvent.run(this.nowIso, type, subject?.type ?? null, subject?.id ?? null, J(scrubValue(data ?? null)));
    this.eventsInserted++;
    return Number(r.lastInsertRowid);
  }

  childRuns(stepId: number, runId: string): { id: string; status: string; input: unknown; output: unknown; error: { message: string } | null }[] {
    return (this.s.childRuns.all(stepId, runId) as { id: string; status: string; input: string | null; output: string | null; error: string | null }[]).map((r) => ({
      id: r.id,
      status: r.status,
      input: P(r.input),
      output: P(r.output),
      error: P(r.error) as { message: string } | null,
    }));
  }

  stepOutputs(runId: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const r of this.s.succeededOutputs.all(runId) as { node_id: string; output: string | null }[]) out[r.node_id] = P(r.output);
    return out;
  }
}

interface RunInfoRow {
  id: string;
  workflow_id: string;
  version: number;
  scope: string;
  input: string | null;
  trigger: string;
  subject: string | null;
  created_at: string;
  parent_run_id: string | null;
  parent_step_id: number | null;
}

function toRunInfo(r: RunInfoRow): RunInfo {
  return {
    id: r.id,
    workflowId: r.workflow_id,
    version: r.version,
    scope: r.scope,
    input: P(r.input),
    trigger: P(r.trigger),
    subject: r.subject,
    createdAt: r.created_at,
    parentRunId: r.parent_run_id,
    parentStepId: r.parent_step_id,
  };
}

function strip(e: StepError): RunError {
  const out: RunError = { message: e.message };
  if (e.code) out.code = e.code;
  if (e.nodeId) out.nodeId = e.nodeId;
  if (e.expression) out.expression = e.expression;
  return out;
}

function backoff(cn: CNode, attempts: number): number {
  const r = cn.retry;
  const d = Math.min(r.maxDelayMs, r.initialDelayMs * Math.pow(r.factor, attempts - 1));
  return Math.round(r.jitter ? d / 2 + Math.random() * (d / 2) : d);
}

/** Is an edge with `branch` taken when its source ended with `status`/`srcBranch`? */
export function edgeTaken(branch: string | undefined, status: string, srcBranch: string | null): boolean {
  if (status === 'succeeded') return branch === undefined || branch === srcBranch;
  if (status === 'failed') return srcBranch === 'error' && branch === 'error';
  return false;
}
