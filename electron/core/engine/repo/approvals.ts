/** The approvals table: a step waiting for a person's decision, and the approvals inbox. */
import type { Approval, ApprovalStatus } from '../../../../shared/api';
import type { Sqlite } from '../../db/open';
import type { approvals } from '../../db/schema/engine';
import { J, parsed, prepareAll, prepareOnce, type Stmt } from './sql';

type ApprovalRow = typeof approvals.$inferSelect;

/** An approval as the decision reads it (payload parsed). */
export type ApprovalRecord = Pick<ApprovalRow, 'id' | 'runId' | 'stepId' | 'decidedBy' | 'decidedAt'> & { status: ApprovalStatus; payload: unknown };

/** An approval as the inbox shows it: the workflow's name and what became of the run (priority is the caller's). */
export type ApprovalView = Omit<Approval, 'priority'>;

export interface NewApproval {
  id: string;
  runId: string;
  stepId: number;
  workflowId: string;
  nodeId: string;
  title: string;
  payload: unknown;
  confidence: number | null;
  reason: string | null;
  expiresAt: string | null;
  createdAt: string;
}

export interface ApprovalListFilter {
  status?: ApprovalStatus | undefined;
  workflow?: string | undefined;
  /** After this (createdAt, id) in the list's order (newest first). */
  before?: { createdAt: string; id: string } | undefined;
  limit: number;
}

/** Approvals with the workflow name and what became of the run after the decision (see ApprovalDelivery). */
const VIEW = `SELECT a.id, a.run_id AS runId, a.workflow_id AS workflowId, w.name AS workflowName, a.node_id AS nodeId, a.title, a.payload, a.confidence, a.reason,
  a.status, a.decided_payload AS decidedPayload, a.decided_by AS decidedBy, a.decided_at AS decidedAt, a.decision_reason AS decisionReason,
  a.expires_at AS expiresAt, a.created_at AS createdAt,
  CASE WHEN a.status IN ('pending', 'cancelled') THEN NULL
    WHEN r.status IS NULL THEN NULL
    WHEN r.status = 'succeeded' THEN 'delivered'
    WHEN r.status IN ('failed', 'cancelled') THEN 'failed'
    WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.run_id = a.run_id AND o.status = 'pending')
      OR EXISTS (SELECT 1 FROM steps s WHERE s.run_id = a.run_id AND s.status = 'waiting' AND s.waiting_for LIKE 'retry %') THEN 'queued'
    ELSE 'running' END AS delivery,
  CASE WHEN a.status IN ('pending', 'cancelled') THEN NULL
    WHEN r.status IN ('failed', 'cancelled') THEN COALESCE(json_extract(r.error, '$.message'), 'the run was ' || r.status)
    WHEN r.status IN ('queued', 'running', 'waiting') THEN
      (SELECT COALESCE(json_extract(s.error, '$.message') || '; ', '') || s.waiting_for FROM steps s
        WHERE s.run_id = a.run_id AND s.status = 'waiting' AND s.waiting_for LIKE 'retry %' ORDER BY s.id LIMIT 1)
    ELSE NULL END AS deliveryDetail
  FROM approvals a LEFT JOIN workflows w ON w.id = a.workflow_id LEFT JOIN runs r ON r.id = a.run_id`;
type ViewRow = Omit<ApprovalView, 'payload' | 'decidedPayload' | 'workflowName'> & { payload: string | null; decidedPayload: string | null; workflowName: string | null };

function toView(a: ViewRow): ApprovalView {
  return {
    ...a,
    workflowName: a.workflowName ?? a.workflowId,
    payload: parsed(a.payload, 'approvals.payload', a.id),
    decidedPayload: parsed(a.decidedPayload, 'approvals.decided_payload', a.id),
  };
}

const SQL = {
  insert: `INSERT INTO approvals (id, run_id, step_id, workflow_id, node_id, title, payload, confidence, reason, status, expires_at, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  deleteDecided: `DELETE FROM approvals WHERE step_id = ? AND status <> 'pending'`,
  pendingCount: `SELECT COUNT(*) AS n FROM approvals WHERE status = 'pending'`,
  expire: `UPDATE approvals SET status = 'expired', decided_at = ? WHERE id = ? AND status = 'pending' RETURNING id, run_id AS runId, payload, decided_at AS decidedAt`,
  cancelForRun: `UPDATE approvals SET status = 'cancelled', decided_at = ? WHERE run_id = ? AND status = 'pending' RETURNING id`,
  cancelForStep: `UPDATE approvals SET status = 'cancelled', decided_at = ? WHERE step_id = ? AND status = 'pending'`,
  get: 'SELECT id, run_id AS runId, step_id AS stepId, status, payload, decided_by AS decidedBy, decided_at AS decidedAt FROM approvals WHERE id = ?',
  decide: 'UPDATE approvals SET status = ?, decided_payload = ?, decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ?',
  view: `${VIEW} WHERE a.id = ?`,
};

export class ApprovalsRepo {
  readonly #db: Sqlite;
  readonly #s: Record<keyof typeof SQL, Stmt>;

  constructor(db: Sqlite) {
    this.#db = db;
    this.#s = prepareAll(db, SQL);
  }

  insert(a: NewApproval): void {
    this.#s.insert.run(a.id, a.runId, a.stepId, a.workflowId, a.nodeId, a.title, J(a.payload), a.confidence, a.reason, a.expiresAt, a.createdAt);
  }

  /** A step asking again (its run retried): its earlier, decided or cancelled, approval goes. */
  deleteDecided(stepId: number): void {
    this.#s.deleteDecided.run(stepId);
  }

  pendingCount(): number {
    return (this.#s.pendingCount.get() as { n: number }).n;
  }

  /** A pending approval expires; undefined when it was decided meanwhile. */
  expire(id: string, at: string): { id: string; runId: string; payload: unknown; decidedAt: string } | undefined {
    const a = this.#s.expire.get(at, id) as { id: string; runId: string; payload: string | null; decidedAt: string } | undefined;
    return a && { ...a, payload: parsed(a.payload, 'approvals.payload', a.id) };
  }

  /** A run's pending approvals are cancelled (their ids). */
  cancelForRun(runId: string, at: string): string[] {
    return (this.#s.cancelForRun.all(at, runId) as { id: string }[]).map((r) => r.id);
  }

  /** A step's pending approval is cancelled. */
  cancelForStep(stepId: number, at: string): void {
    this.#s.cancelForStep.run(at, stepId);
  }

  get(id: string): ApprovalRecord | undefined {
    const a = this.#s.get.get(id) as (Omit<ApprovalRecord, 'payload'> & { payload: string | null }) | undefined;
    return a && { ...a, payload: parsed(a.payload, 'approvals.payload', a.id) };
  }

  /** Record a person's decision (`decidedPayload`: an edited payload, stored as JSON, or null). */
  decide(id: string, d: { status: 'approved' | 'rejected'; decidedPayload: unknown; by: string; at: string; reason: string | null }): void {
    this.#s.decide.run(d.status, d.decidedPayload === null ? null : J(d.decidedPayload), d.by, d.at, d.reason, id);
  }

  view(id: string): ApprovalView | undefined {
    const a = this.#s.view.get(id) as ViewRow | undefined;
    return a && toView(a);
  }

  /** Newest first, `limit + 1` rows (the caller sees whether there are more). */
  list(f: ApprovalListFilter): ApprovalView[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.status) {
      where.push('a.status = ?');
      args.push(f.status);
    }
    if (f.workflow) {
      where.push('a.workflow_id = ?');
      args.push(f.workflow);
    }
    if (f.before) {
      where.push('(a.created_at < ? OR (a.created_at = ? AND a.id < ?))');
      args.push(f.before.createdAt, f.before.createdAt, f.before.id);
    }
    const sql = `${VIEW} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.created_at DESC, a.id DESC LIMIT ?`;
    return (prepareOnce(this.#db, sql).all(...args, f.limit + 1) as ViewRow[]).map(toView);
  }
}
