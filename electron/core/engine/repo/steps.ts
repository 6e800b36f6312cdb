/** The steps table: claims, results, waits and wake-ups, recovery, and a run's steps as shown. */
import type { RunError, StepDetail } from '../../../../shared/api';
import type { Sqlite } from '../../db/open';
import type { steps } from '../../db/schema/engine';
import type { Resume } from '../registry';
import type { StepState } from '../advance';
import type { ClaimedStep } from '../types';
import { J, idList, parsed, prepareAll, type Stmt } from './sql';

type StepRow = typeof steps.$inferSelect;

const ACTIVE = "('ready','running','waiting')";
const CLAIMED = 'id, run_id AS runId, node_id AS nodeId, input, attempts, history, state, resume';
type ClaimedRow = Pick<StepRow, 'id' | 'runId' | 'nodeId' | 'input' | 'attempts' | 'history' | 'state' | 'resume'>;

/** A step's state, as the state machine (advance.ts) reads it, with its node id. */
export type StepStateRow = StepState & { nodeId: string };

/** A step's row as a run's page shows it (JSON parsed; the node type is the caller's). */
export type StepDetailRow = Omit<StepDetail, 'type'>;

/** How a node's wait for an event matches (steps.state.ev). */
export interface EventWaitSpec {
  match: Record<string, unknown> | null;
  filter: string | null;
}

const SQL = {
  insert: `INSERT OR IGNORE INTO steps (run_id, node_id, status, input, created_at, claimed_by, started_at, finished_at, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  claim: `UPDATE steps SET status = 'running', claimed_by = ?, started_at = ?, wake = 0
      WHERE id IN (SELECT id FROM steps WHERE status = 'ready' AND deaths = 0 ORDER BY id LIMIT ?)
      RETURNING ${CLAIMED}`,
  // A step whose worker died running it runs alone, and only while no other such step runs (pool-wide).
  claimSuspect: `UPDATE steps SET status = 'running', claimed_by = ?, started_at = ?, wake = 0
      WHERE id = (SELECT id FROM steps INDEXED BY steps_suspect WHERE deaths > 0 AND status = 'ready' ORDER BY id LIMIT 1)
        AND NOT EXISTS (SELECT 1 FROM steps INDEXED BY steps_suspect WHERE deaths > 0 AND status = 'running')
      RETURNING ${CLAIMED}`,
  claimedBy: `SELECT ${CLAIMED}, started_at AS startedAt FROM steps WHERE id IN (SELECT value FROM json_each(?)) AND status = 'running' AND claimed_by = ?`,
  noteDeaths: `UPDATE steps SET deaths = deaths + 1 WHERE id IN (SELECT value FROM json_each(?)) AND status = 'running' AND claimed_by = ? RETURNING id, deaths`,
  runningOwners: `SELECT id, claimed_by AS claimedBy FROM steps WHERE id IN (SELECT value FROM json_each(?)) AND status = 'running'`,
  finish: `UPDATE steps SET status = ?, output = ?, branch = ?, error = ?, finished_at = ?, attempts = ?, history = ?, claimed_by = NULL, wait_event = NULL, waiting_for = NULL
      WHERE id = ? AND status = 'running' AND claimed_by = ?`,
  waitForRetry: `UPDATE steps SET status = 'waiting', error = ?, attempts = ?, history = ?, waiting_for = ?, claimed_by = NULL, wait_event = NULL
      WHERE id = ? AND status = 'running' AND claimed_by = ?`,
  suspend: `UPDATE steps SET status = CASE WHEN wake = 1 THEN 'ready' ELSE 'waiting' END, wake = 0, resume = CASE WHEN wake = 1 THEN '{"kind":"child"}' ELSE NULL END,
      state = ?, wait_event = ?, waiting_for = ?, claimed_by = NULL WHERE id = ? AND status = 'running' AND claimed_by = ?`,
  states: 'SELECT node_id AS nodeId, status, branch, output FROM steps WHERE run_id = ?',
  succeeded: `SELECT node_id AS nodeId, output FROM steps WHERE run_id = ? AND status = 'succeeded'`,
  cancelActive: `UPDATE steps SET status = 'cancelled', claimed_by = NULL, finished_at = ?, wait_event = NULL, waiting_for = NULL WHERE run_id = ? AND status IN ${ACTIVE}`,
  wakeParent: `UPDATE steps SET wake = CASE WHEN status = 'running' THEN 1 ELSE wake END,
      resume = CASE WHEN status = 'waiting' THEN '{"kind":"child"}' ELSE resume END,
      status = CASE WHEN status = 'waiting' THEN 'ready' ELSE status END WHERE id = ? RETURNING run_id AS runId`,
  resume: `UPDATE steps SET status = 'ready', resume = ? WHERE id = ? AND status = 'waiting' RETURNING run_id AS runId`,
  resumeMany: `UPDATE steps SET status = 'ready', resume = ? WHERE id IN (SELECT value FROM json_each(?)) AND status = 'waiting' RETURNING run_id AS runId`,
  retryDue: `UPDATE steps SET status = 'ready' WHERE id IN (SELECT value FROM json_each(?)) AND status = 'waiting' RETURNING run_id AS runId`,
  releaseClaims: `UPDATE steps SET status = 'ready', claimed_by = NULL WHERE status = 'running' AND claimed_by = ?`,
  releaseClaimsExcept: `UPDATE steps SET status = 'ready', claimed_by = NULL WHERE status = 'running' AND claimed_by = ? AND id NOT IN (SELECT value FROM json_each(?))`,
  // A host's steps: claimed_by is "<instance id>:<thread>".
  releaseInstance: `UPDATE steps SET status = 'ready', claimed_by = NULL WHERE status = 'running' AND claimed_by LIKE ? || ':%'`,
  releaseOrphans: `UPDATE steps SET status = 'ready', claimed_by = NULL WHERE status = 'running' AND (claimed_by IS NULL OR substr(claimed_by, 1, instr(claimed_by, ':') - 1) NOT IN (SELECT id FROM engine_instances))`,
  readyCount: `SELECT COUNT(*) AS n FROM steps WHERE status = 'ready'`,
  anyReady: `SELECT 1 AS y FROM steps WHERE status = 'ready' LIMIT 1`,
  stop: `UPDATE steps SET status = 'skipped', claimed_by = NULL, finished_at = ?, error = ?, wait_event = NULL, waiting_for = NULL WHERE run_id = ? AND node_id = ? RETURNING id`,
  reopenFailed: `UPDATE steps SET status = 'ready', attempts = 0, deaths = 0, error = NULL, state = NULL, resume = NULL, claimed_by = NULL, finished_at = NULL, wait_event = NULL, waiting_for = NULL
          WHERE run_id = ? AND (status = 'cancelled' OR (status = 'failed' AND (branch IS NULL OR branch <> 'error')))`,
  waitingForEvent: `SELECT id, state FROM steps WHERE wait_event = ? AND status = 'waiting'`,
  ofRun: `SELECT id, node_id AS nodeId, status, branch, input, output, error, attempts, history, created_at AS createdAt, started_at AS startedAt, finished_at AS finishedAt, waiting_for AS waitingFor
      FROM steps WHERE run_id = ? ORDER BY id`,
};

function toClaimed(r: ClaimedRow, startedAt: number): ClaimedStep {
  return {
    id: r.id,
    runId: r.runId,
    nodeId: r.nodeId,
    input: parsed(r.input, 'steps.input', r.id),
    attempts: r.attempts,
    history: parsed<unknown[]>(r.history, 'steps.history', r.id) ?? [],
    state: parsed(r.state, 'steps.state', r.id),
    resume: parsed<Resume>(r.resume, 'steps.resume', r.id) ?? undefined,
    startedAt,
  };
}

/** How a step that ran is recorded (status succeeded or failed; JSON columns as text, made by the state machine). */
export interface StepEnd {
  status: 'succeeded' | 'failed';
  output: string | null;
  branch: string | null;
  error: string | null;
  finishedAt: string;
  attempts: number;
  history: string | null;
}

export class StepsRepo {
  readonly #s: Record<keyof typeof SQL, Stmt>;

  constructor(db: Sqlite) {
    this.#s = prepareAll(db, SQL);
  }

  // ---- new steps (INSERT OR IGNORE: one step per run and node; null when it existed) ---------------

  /** A step ready to run (entry steps, a run retried from the start). */
  insertReady(runId: string, nodeId: string, inputJson: string, createdAt: string): number | null {
    return this.#insert(runId, nodeId, 'ready', inputJson, createdAt, null, null, null);
  }

  /** A successor claimed at once by the worker that made it (it runs next, without a round trip). */
  insertClaimed(runId: string, nodeId: string, inputJson: string, createdAt: string, workerId: string): number | null {
    return this.#insert(runId, nodeId, 'running', inputJson, createdAt, workerId, createdAt, null);
  }

  /** A node on a dead path. */
  insertSkipped(runId: string, nodeId: string, at: string): number | null {
    return this.#insert(runId, nodeId, 'skipped', null, at, null, null, at);
  }

  #insert(runId: string, nodeId: string, status: string, inputJson: string | null, createdAt: string, claimedBy: string | null, startedAt: string | null, finishedAt: string | null): number | null {
    const r = this.#s.insert.run(runId, nodeId, status, inputJson, createdAt, claimedBy, startedAt, finishedAt, null);
    return r.changes ? Number(r.lastInsertRowid) : null;
  }

  // ---- claims -------------------------------------------------------------------------------------

  /** Up to `limit` ready steps (never one whose worker died running it) for `workerId`, at `now` (ms). */
  claim(workerId: string, now: number, limit: number): ClaimedStep[] {
    return (this.#s.claim.all(workerId, new Date(now).toISOString(), limit) as ClaimedRow[]).map((r) => toClaimed(r, now));
  }

  /** The oldest ready step whose worker died running it, alone, when no other such step runs. */
  claimSuspect(workerId: string, now: number): ClaimedStep[] {
    return (this.#s.claimSuspect.all(workerId, new Date(now).toISOString()) as ClaimedRow[]).map((r) => toClaimed(r, now));
  }

  /** Of `ids`, the steps `workerId` still runs (startedAt: when claimed, else `now`). */
  claimedBy(ids: readonly number[], workerId: string, now: number): ClaimedStep[] {
    return (this.#s.claimedBy.all(idList(ids), workerId) as (ClaimedRow & { startedAt: string | null })[]).map((r) => {
      const startedAt = r.startedAt ? Date.parse(r.startedAt) : now;
      return toClaimed(r, Number.isFinite(startedAt) ? startedAt : now);
    });
  }

  /** A worker died running these steps (still claimed by it): each one's deaths so far. */
  noteDeaths(ids: readonly number[], workerId: string): { id: number; deaths: number }[] {
    return this.#s.noteDeaths.all(idList(ids), workerId) as { id: number; deaths: number }[];
  }

  /** Of `ids`, the ones running, with who claimed them. */
  runningOwners(ids: readonly number[]): Map<number, string | null> {
    const out = new Map<number, string | null>();
    for (const r of this.#s.runningOwners.all(idList(ids)) as { id: number; claimedBy: string | null }[]) out.set(r.id, r.claimedBy);
    return out;
  }

  /** Every step `workerId` holds is ready again. */
  releaseClaims(workerId: string): number {
    return this.#s.releaseClaims.run(workerId).changes;
  }

  /** The steps `workerId` holds, except `keep`, are ready again. */
  releaseClaimsExcept(workerId: string, keep: readonly number[]): number {
    return this.#s.releaseClaimsExcept.run(workerId, idList(keep)).changes;
  }

  /** The steps claimed by any thread of the engine instance `instanceId` are ready again. */
  releaseInstance(instanceId: string): number {
    return this.#s.releaseInstance.run(instanceId).changes;
  }

  /** The steps claimed by no known engine instance are ready again. */
  releaseOrphans(): number {
    return this.#s.releaseOrphans.run().changes;
  }

  readyCount(): number {
    return (this.#s.readyCount.get() as { n: number }).n;
  }

  /** Whether any step is ready (a read: no write lock). */
  anyReady(): boolean {
    return this.#s.anyReady.get() !== undefined;
  }

  // ---- results (guarded by the claim: false when the step is no longer `workerId`'s running step) ---------

  finish(id: number, workerId: string, e: StepEnd): boolean {
    return this.#s.finish.run(e.status, e.output, e.branch, e.error, e.finishedAt, e.attempts, e.history, id, workerId).changes > 0;
  }

  /** A failed try waits for its retry timer. */
  waitForRetry(id: number, workerId: string, r: { error: RunError; attempts: number; history: string; waitingFor: string }): boolean {
    return this.#s.waitForRetry.run(J(r.error), r.attempts, r.history, r.waitingFor, id, workerId).changes > 0;
  }

  /** The node suspended (waiting; ready at once when a child run woke it while it ran). */
  suspend(id: number, workerId: string, s: { state: string; waitEvent: string | null; waitingFor: string }): boolean {
    return this.#s.suspend.run(s.state, s.waitEvent, s.waitingFor, id, workerId).changes > 0;
  }

  // ---- a run's steps ----------------------------------------------------------------------------------

  /** The states of a run's steps (the state machine's view). */
  states(runId: string): StepStateRow[] {
    return this.#s.states.all(runId) as StepStateRow[];
  }

  /** The succeeded steps of a run with their output as stored (JSON text). */
  succeeded(runId: string): { nodeId: string; output: string | null }[] {
    return this.#s.succeeded.all(runId) as { nodeId: string; output: string | null }[];
  }

  /** The outputs of a run's succeeded steps by node id (expressions' `steps`). */
  outputs(runId: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const r of this.succeeded(runId)) out[r.nodeId] = parsed(r.output, 'steps.output', `${runId}/${r.nodeId}`);
    return out;
  }

  /** The run's ready, running and waiting steps are cancelled. */
  cancelActive(runId: string, at: string): void {
    this.#s.cancelActive.run(at, runId);
  }

  /** join "first" stops the node's step (skipped); its id, or undefined when it has none. */
  stop(runId: string, nodeId: string, at: string, message: string): number | undefined {
    return (this.#s.stop.get(at, J({ message }), runId, nodeId) as { id: number } | undefined)?.id;
  }

  /** A failed run's failed (not handled by an error edge) and cancelled steps are ready again, from scratch. */
  reopenFailed(runId: string): number {
    return this.#s.reopenFailed.run(runId).changes;
  }

  // ---- waking ------------------------------------------------------------------------------------------

  /** A child run finished: its parent step runs again (at once when waiting; after its run when running). Its run's id. */
  wakeParent(stepId: number): string | undefined {
    return (this.#s.wakeParent.get(stepId) as { runId: string } | undefined)?.runId;
  }

  /** A waiting step is ready with `resume`; its run's id, or undefined when it was not waiting. */
  resume(stepId: number, resume: Resume): string | undefined {
    return (this.#s.resume.get(J(resume), stepId) as { runId: string } | undefined)?.runId;
  }

  /** The waiting steps among `ids` are ready with `resume`; their runs' ids. */
  resumeMany(ids: readonly number[], resume: Resume): string[] {
    return (this.#s.resumeMany.all(J(resume), idList(ids)) as { runId: string }[]).map((r) => r.runId);
  }

  /** Steps whose retry delay is over are ready; their runs' ids. */
  retryDue(ids: readonly number[]): string[] {
    return (this.#s.retryDue.all(idList(ids)) as { runId: string }[]).map((r) => r.runId);
  }

  /** Steps waiting for events of `type`, with how they match. */
  waitingForEvent(type: string): { id: number; spec: EventWaitSpec }[] {
    return (this.#s.waitingForEvent.all(type) as { id: number; state: string | null }[]).map((w) => ({
      id: w.id,
      spec: parsed<{ ev?: EventWaitSpec }>(w.state, 'steps.state', w.id)?.ev ?? { match: null, filter: null },
    }));
  }

  /** A run's steps as its page shows them. */
  ofRun(runId: string): StepDetailRow[] {
    type Row = Pick<StepRow, 'id' | 'nodeId' | 'branch' | 'input' | 'output' | 'error' | 'attempts' | 'history' | 'createdAt' | 'startedAt' | 'finishedAt' | 'waitingFor'> & { status: StepDetail['status'] };
    return (this.#s.ofRun.all(runId) as Row[]).map((s) => ({
      id: s.id,
      nodeId: s.nodeId,
      status: s.status,
      branch: s.branch,
      input: parsed(s.input, 'steps.input', s.id),
      output: parsed(s.output, 'steps.output', s.id),
      error: parsed<RunError>(s.error, 'steps.error', s.id),
      attempts: s.attempts,
      history: parsed<StepDetail['history']>(s.history, 'steps.history', s.id) ?? [],
      createdAt: s.createdAt,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      waitingFor: s.status === 'waiting' ? s.waitingFor : null,
    }));
  }
}
