/** The runs table (and the read models of the runs list, a run's page and the automation KPIs). */
import type { RunError, RunStatus, RunSummary, RunTrigger } from '../../../../shared/api';
import type { Sqlite } from '../../db/open';
import type { runs } from '../../db/schema/engine';
import type { ChildRunInfo } from '../registry';
import type { RunInfo } from '../types';
import { TEST_WORKFLOW_PREFIX } from '../../../../shared/contract/engine';
import { J, idList, parsed, prepareAll, prepareOnce, type Stmt } from './sql';

/** Runs of workflows.testRun's twins (test~<id>) are left out of the automation figures. */
const NOT_TEST = `substr(workflow_id, 1, ${TEST_WORKFLOW_PREFIX.length}) <> '${TEST_WORKFLOW_PREFIX}'`;

type RunRow = typeof runs.$inferSelect;

/** What finishing a run needs to know of it. */
export type RunHead = Pick<RunRow, 'id' | 'workflowId' | 'version' | 'scope' | 'parentRunId' | 'parentStepId'> & { status: RunStatus };

/** A new run's row; `input` and `trigger` are values (stored as JSON). */
export type NewRun = Pick<RunRow, 'id' | 'workflowId' | 'version' | 'scope' | 'subject' | 'idempotencyKey' | 'parentRunId' | 'parentStepId' | 'createdAt' | 'seq' | 'startedAt' | 'deadline'> & {
  status: 'queued' | 'running';
  input: unknown;
  trigger: RunTrigger;
};

/** A child run of a step (forEach items, a sub-workflow), as the node reads it (ctx.children()). */
export type ChildRun = ChildRunInfo;

/** A run as listed and shown; `seq` orders the list (its cursor). */
export type RunView = RunSummary & { seq: number };
export type RunDetailView = RunView & { input: unknown; output: unknown; scope: string };

export interface RunListFilter {
  workflow?: string | undefined;
  status?: string | undefined;
  /** ms epoch bounds of `seq` (created). */
  from?: number | undefined;
  to?: number | undefined;
  /** After this (seq, id) in the list's order (newest first). */
  before?: { seq: number; id: string } | undefined;
  limit: number;
}

const INFO = 'SELECT id, workflow_id AS workflowId, version, scope, input, trigger, subject, created_at AS createdAt, parent_run_id AS parentRunId, parent_step_id AS parentStepId FROM runs';
type InfoRow = Omit<RunInfo, 'input' | 'trigger'> & { input: string | null; trigger: string };

const VIEW = `SELECT r.id, r.workflow_id AS workflowId, r.version, r.status, r.phase, r.trigger, r.subject, r.parent_run_id AS parentRunId, r.error,
  r.created_at AS createdAt, r.started_at AS startedAt, r.finished_at AS finishedAt, r.seq, w.name AS workflowName`;
type ViewRow = Pick<RunRow, 'id' | 'workflowId' | 'version' | 'status' | 'phase' | 'trigger' | 'subject' | 'parentRunId' | 'error' | 'createdAt' | 'startedAt' | 'finishedAt' | 'seq'> & { workflowName: string | null };

const SQL = {
  byIdem: 'SELECT id, status FROM runs WHERE workflow_id = ? AND idempotency_key = ?',
  activeForSubject: `SELECT id, status FROM runs WHERE workflow_id = ? AND subject = ? AND scope = '' AND status IN ('queued','running','waiting') LIMIT 1`,
  activeCount: `SELECT COUNT(*) AS n FROM runs WHERE workflow_id = ? AND scope = '' AND status IN ('running','waiting')`,
  insert: `INSERT INTO runs (id, workflow_id, version, scope, status, input, trigger, subject, idempotency_key, parent_run_id, parent_step_id, created_at, seq, started_at, deadline)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  activate: `UPDATE runs SET status = 'running', started_at = ?, deadline = ? WHERE id = ?`,
  info: `${INFO} WHERE id = ?`,
  infos: `${INFO} WHERE id IN (SELECT value FROM json_each(?))`,
  head: 'SELECT id, workflow_id AS workflowId, version, scope, status, parent_run_id AS parentRunId, parent_step_id AS parentStepId FROM runs WHERE id = ?',
  setStatus: `UPDATE runs SET status = ? WHERE id = ? AND status IN ('running','waiting') AND status <> ?`,
  wake: `UPDATE runs SET status = 'running' WHERE id = ? AND status = 'waiting'`,
  wakeMany: `UPDATE runs SET status = 'running' WHERE id IN (SELECT value FROM json_each(?)) AND status = 'waiting' RETURNING id, workflow_id AS workflowId`,
  finish: `UPDATE runs SET status = ?, output = ?, error = ?, finished_at = ? WHERE id = ? AND status IN ('queued','running','waiting')`,
  activeChildren: `SELECT id FROM runs WHERE parent_run_id = ? AND status IN ('queued','running','waiting')`,
  queued: `SELECT id FROM runs WHERE workflow_id = ? AND scope = '' AND status = 'queued' ORDER BY seq LIMIT ?`,
  setPhase: 'UPDATE runs SET phase = ? WHERE id = ?',
  children: 'SELECT id, status, input, output, error FROM runs WHERE parent_step_id = ? AND parent_run_id = ? ORDER BY seq',
  // The top-level run above a forEach body or sub-workflow run (a respond node answers for it).
  root: `WITH RECURSIVE up(id, workflow_id, parent_run_id, n) AS (
        SELECT id, workflow_id, parent_run_id, 0 FROM runs WHERE id = ?
        UNION ALL SELECT r.id, r.workflow_id, r.parent_run_id, up.n + 1 FROM runs r JOIN up ON r.id = up.parent_run_id WHERE up.n < 10000)
      SELECT id, workflow_id AS workflowId FROM up ORDER BY n DESC LIMIT 1`,
  // The ancestry of a run, itself first, at most ? rows (a sub-workflow start checks the depth limit).
  ancestry: `WITH RECURSIVE up(id, workflow_id, scope, parent_run_id, n) AS (
        SELECT id, workflow_id, scope, parent_run_id, 0 FROM runs WHERE id = ?
        UNION ALL SELECT r.id, r.workflow_id, r.scope, r.parent_run_id, up.n + 1 FROM runs r JOIN up ON r.id = up.parent_run_id WHERE up.n + 1 < ?)
      SELECT workflow_id AS workflowId, scope FROM up ORDER BY n`,
  reopen: `UPDATE runs SET status = 'running', error = NULL, output = NULL, finished_at = NULL WHERE id = ?`,
  prune: `DELETE FROM runs WHERE status IN ('succeeded','failed','cancelled') AND finished_at < ?
             AND NOT EXISTS (SELECT 1 FROM runs p WHERE p.id = runs.parent_run_id AND p.status IN ('queued','running','waiting'))`,
  outcome: 'SELECT status, output, error FROM runs WHERE id = ?',
  activeByStatus: `SELECT status, COUNT(*) AS n FROM runs WHERE status IN ('queued','running','waiting') GROUP BY status`,
  view: `${VIEW} FROM runs r LEFT JOIN workflows w ON w.id = r.workflow_id WHERE r.id = ?`,
  detail: `${VIEW}, r.input, r.output, r.scope FROM runs r LEFT JOIN workflows w ON w.id = r.workflow_id WHERE r.id = ?`,
  // runs_status_finished (status, finished_at) serves the range; finished_at is an ISO string, so the bounds compare as text.
  // runs_status_finished (status, finished_at) serves the range; test runs (workflows.testRun's twins) do not count.
  finishedByStatus: `SELECT status, COUNT(*) AS n FROM runs WHERE status IN ('succeeded','failed','cancelled') AND finished_at >= ? AND finished_at < ? AND scope = '' AND ${NOT_TEST} GROUP BY status`,
  failedBetween: `SELECT COUNT(*) AS n FROM runs WHERE status = 'failed' AND finished_at >= ? AND finished_at <= ? AND scope = '' AND ${NOT_TEST}`,
  countSince: `SELECT COUNT(*) AS n FROM runs WHERE workflow_id = ? AND scope = '' AND seq >= ?`,
  // runs_workflow_status (workflow_id, status, seq) finds the runs, steps_run_node their steps.
  nodeStatusCounts: `SELECT s.node_id AS node, s.status AS status, COUNT(*) AS n FROM runs r JOIN steps s ON s.run_id = r.id
           WHERE r.workflow_id = ? AND r.scope = '' AND r.seq >= ? GROUP BY s.node_id, s.status`,
  last: `SELECT id, status, created_at AS createdAt, finished_at AS finishedAt FROM runs WHERE workflow_id = ? AND scope = '' ORDER BY seq DESC LIMIT 1`,
  finishedSince: `SELECT COUNT(*) AS n, COALESCE(SUM(status = 'succeeded'), 0) AS ok FROM runs WHERE workflow_id = ? AND scope = '' AND status IN ('succeeded','failed','cancelled') AND finished_at >= ?`,
  openCount: `SELECT COUNT(*) AS n FROM runs WHERE workflow_id = ? AND scope = '' AND status IN ('queued','running','waiting')`,
};

function toInfo(r: InfoRow): RunInfo {
  return { ...r, input: parsed(r.input, 'runs.input', r.id), trigger: parsed(r.trigger, 'runs.trigger', r.id) };
}

function toView(r: ViewRow): RunView {
  return {
    id: r.id,
    workflowId: r.workflowId,
    workflowName: r.workflowName ?? r.workflowId,
    version: r.version,
    status: r.status as RunSummary['status'],
    phase: r.phase as RunSummary['phase'],
    trigger: parsed(r.trigger, 'runs.trigger', r.id) as RunTrigger,
    subject: r.subject,
    parentRunId: r.parentRunId,
    error: parsed<RunError>(r.error, 'runs.error', r.id),
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    seq: r.seq,
  };
}

export class RunsRepo {
  readonly #db: Sqlite;
  readonly #s: Record<keyof typeof SQL, Stmt>;

  constructor(db: Sqlite) {
    this.#db = db;
    this.#s = prepareAll(db, SQL);
  }

  // ---- the engine -------------------------------------------------------------------------------

  byIdempotencyKey(workflowId: string, key: string): { id: string; status: RunStatus } | undefined {
    return this.#s.byIdem.get(workflowId, key) as { id: string; status: RunStatus } | undefined;
  }

  /** The subject's queued, running or waiting top-level run of this workflow (settings.reenroll false). */
  activeForSubject(workflowId: string, subject: string): { id: string; status: RunStatus } | undefined {
    return this.#s.activeForSubject.get(workflowId, subject) as { id: string; status: RunStatus } | undefined;
  }

  /** Running or waiting top-level runs of a workflow (settings.concurrency). */
  activeCount(workflowId: string): number {
    return (this.#s.activeCount.get(workflowId) as { n: number }).n;
  }

  insert(r: NewRun): void {
    this.#s.insert.run(r.id, r.workflowId, r.version, r.scope, r.status, J(r.input), J(r.trigger), r.subject, r.idempotencyKey, r.parentRunId, r.parentStepId, r.createdAt, r.seq, r.startedAt, r.deadline);
  }

  /** A queued run starts. */
  activate(id: string, startedAt: string, deadline: number | null): void {
    this.#s.activate.run(startedAt, deadline, id);
  }

  info(id: string): RunInfo | undefined {
    const r = this.#s.info.get(id) as InfoRow | undefined;
    return r ? toInfo(r) : undefined;
  }

  /** The facts of several runs in one query (an executor's batch of first steps). */
  infos(ids: readonly string[]): RunInfo[] {
    return (this.#s.infos.all(idList(ids)) as InfoRow[]).map(toInfo);
  }

  head(id: string): RunHead | undefined {
    return this.#s.head.get(id) as RunHead | undefined;
  }

  /** An active run is now `status` (running or waiting); false when it already was, or is not active. */
  setActiveStatus(id: string, status: 'running' | 'waiting'): boolean {
    return this.#s.setStatus.run(status, id, status).changes > 0;
  }

  /** A waiting run runs again; false when it was not waiting. */
  wake(id: string): boolean {
    return this.#s.wake.run(id).changes > 0;
  }

  /** The waiting runs among `ids` run again (returned). */
  wakeMany(ids: readonly string[]): { id: string; workflowId: string }[] {
    return this.#s.wakeMany.all(idList(ids)) as { id: string; workflowId: string }[];
  }

  /** An active run ends; false when it was no longer active. */
  finish(id: string, status: 'succeeded' | 'failed' | 'cancelled', outputJson: string, error: RunError | null, finishedAt: string): boolean {
    return this.#s.finish.run(status, outputJson, error ? J(error) : null, finishedAt, id).changes > 0;
  }

  activeChildren(id: string): string[] {
    return (this.#s.activeChildren.all(id) as { id: string }[]).map((r) => r.id);
  }

  /** The oldest queued top-level runs of a workflow. */
  queued(workflowId: string, limit: number): string[] {
    return (this.#s.queued.all(workflowId, limit) as { id: string }[]).map((r) => r.id);
  }

  setPhase(id: string, phase: string): void {
    this.#s.setPhase.run(phase, id);
  }

  /** The child runs a step started (forEach items, a sub-workflow), in start order. */
  children(parentStepId: number, parentRunId: string): ChildRun[] {
    return (this.#s.children.all(parentStepId, parentRunId) as { id: string; status: string; input: string | null; output: string | null; error: string | null }[]).map((r) => ({
      id: r.id,
      status: r.status,
      input: parsed(r.input, 'runs.input', r.id),
      output: parsed(r.output, 'runs.output', r.id),
      error: parsed<{ message: string }>(r.error, 'runs.error', r.id),
    }));
  }

  /** The top-level run above `id` (itself when it has no parent). */
  root(id: string): { id: string; workflowId: string } | undefined {
    return this.#s.root.get(id) as { id: string; workflowId: string } | undefined;
  }

  /** The run and its ancestors, itself first, at most `cap` rows. */
  ancestry(id: string, cap: number): { workflowId: string; scope: string }[] {
    return this.#s.ancestry.all(id, cap) as { workflowId: string; scope: string }[];
  }

  /** A failed or cancelled run runs again (runs.retry). */
  reopen(id: string): void {
    this.#s.reopen.run(id);
  }

  /** Delete finished runs that finished before `cutoff` (ISO), never a child of an active run. */
  prune(cutoff: string): number {
    return this.#s.prune.run(cutoff).changes;
  }

  /** How a run ended so far: its status, output and error (a caller waiting for its answer). */
  outcome(id: string): { status: RunStatus; output: unknown; error: RunError | null } | undefined {
    const r = this.#s.outcome.get(id) as { status: RunStatus; output: string | null; error: string | null } | undefined;
    return r && { status: r.status, output: parsed(r.output, 'runs.output', id), error: parsed<RunError>(r.error, 'runs.error', id) };
  }

  // ---- read models (operations) -----------------------------------------------------------------

  activeByStatus(): { queued: number; running: number; waiting: number } {
    const counts = this.#s.activeByStatus.all() as { status: string; n: number }[];
    const c = (s: string) => counts.find((x) => x.status === s)?.n ?? 0;
    return { queued: c('queued'), running: c('running'), waiting: c('waiting') };
  }

  view(id: string): RunView | undefined {
    const r = this.#s.view.get(id) as ViewRow | undefined;
    return r && toView(r);
  }

  detail(id: string): RunDetailView | undefined {
    const r = this.#s.detail.get(id) as (ViewRow & { input: string | null; output: string | null; scope: string }) | undefined;
    return r && { ...toView(r), input: parsed(r.input, 'runs.input', r.id), output: parsed(r.output, 'runs.output', r.id), scope: r.scope };
  }

  /** Top-level runs, newest first, `limit + 1` rows (the caller sees whether there are more). */
  list(f: RunListFilter): RunView[] {
    const where = [`r.scope = ''`];
    const args: unknown[] = [];
    if (f.workflow) {
      where.push('r.workflow_id = ?');
      args.push(f.workflow);
    }
    if (f.status) {
      where.push('r.status = ?');
      args.push(f.status);
    }
    if (f.from !== undefined) {
      where.push('r.seq >= ?');
      args.push(f.from);
    }
    if (f.to !== undefined) {
      where.push('r.seq <= ?');
      args.push(f.to);
    }
    if (f.before) {
      where.push('(r.seq < ? OR (r.seq = ? AND r.id < ?))');
      args.push(f.before.seq, f.before.seq, f.before.id);
    }
    const sql = `${VIEW} FROM runs r LEFT JOIN workflows w ON w.id = r.workflow_id WHERE ${where.join(' AND ')} ORDER BY r.seq DESC, r.id DESC LIMIT ?`;
    return (prepareOnce(this.#db, sql).all(...args, f.limit + 1) as ViewRow[]).map(toView);
  }

  /** Top-level runs that finished in [from, to) (ISO), by status. */
  finishedByStatus(from: string, to: string): { succeeded: number; failed: number; cancelled: number } {
    const rows = this.#s.finishedByStatus.all(from, to) as { status: string; n: number }[];
    const c = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
    return { succeeded: c('succeeded'), failed: c('failed'), cancelled: c('cancelled') };
  }

  /** Top-level runs that failed in [from, to] (ISO). */
  failedBetween(from: string, to: string): number {
    return (this.#s.failedBetween.get(from, to) as { n: number }).n;
  }

  /** Top-level runs of a workflow created at or after `since` (ms epoch). */
  countSince(workflowId: string, since: number): number {
    return (this.#s.countSince.get(workflowId, since) as { n: number }).n;
  }

  /** The steps of a workflow's top-level runs created at or after `since`, counted by node and status. */
  nodeStatusCounts(workflowId: string, since: number): { node: string; status: string; n: number }[] {
    return this.#s.nodeStatusCounts.all(workflowId, since) as { node: string; status: string; n: number }[];
  }

  /** A workflow's newest top-level run. */
  last(workflowId: string): { id: string; status: RunStatus; createdAt: string; finishedAt: string | null } | undefined {
    return this.#s.last.get(workflowId) as { id: string; status: RunStatus; createdAt: string; finishedAt: string | null } | undefined;
  }

  /** A workflow's top-level runs finished since `since` (ISO), and how many succeeded. */
  finishedSince(workflowId: string, since: string): { n: number; ok: number } {
    return this.#s.finishedSince.get(workflowId, since) as { n: number; ok: number };
  }

  /** A workflow's queued, running or waiting top-level runs. */
  openCount(workflowId: string): number {
    return (this.#s.openCount.get(workflowId) as { n: number }).n;
  }
}
