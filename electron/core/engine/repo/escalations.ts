/** The escalations table: what needs a person's attention (raised once per key). */
import type { Escalation } from '../../../../shared/api';
import type { Sqlite } from '../../db/open';
import { prepareAll, prepareOnce, type Stmt } from './sql';

export interface NewEscalation {
  id: string;
  severity: string;
  title: string;
  detail: string;
  runId: string | null;
  workflowId: string | null;
  key: string | null;
  createdAt: string;
  pinned: boolean;
}

const COLUMNS = `id, severity, title, detail, run_id AS runId, workflow_id AS workflowId, created_at AS createdAt, acknowledged_at AS acknowledgedAt,
  acknowledged_by AS acknowledgedBy, pinned`;
type Row = Omit<Escalation, 'pinned'> & { pinned: number };
const toEscalation = (e: Row): Escalation => ({ ...e, pinned: Boolean(e.pinned) });

const SQL = {
  insert: `INSERT OR IGNORE INTO escalations (id, severity, title, detail, run_id, workflow_id, key, created_at, pinned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  get: `SELECT ${COLUMNS} FROM escalations WHERE id = ?`,
  pinnedOpen: `SELECT ${COLUMNS} FROM escalations WHERE pinned = 1 AND acknowledged_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?`,
  unacknowledgedCount: 'SELECT COUNT(*) AS n FROM escalations WHERE acknowledged_at IS NULL',
  acknowledge: 'UPDATE escalations SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?',
};

export class EscalationsRepo {
  readonly #db: Sqlite;
  readonly #s: Record<keyof typeof SQL, Stmt>;

  constructor(db: Sqlite) {
    this.#db = db;
    this.#s = prepareAll(db, SQL);
  }

  /** False when an escalation with the same key was raised before (nothing is written). */
  insert(e: NewEscalation): boolean {
    return this.#s.insert.run(e.id, e.severity, e.title, e.detail, e.runId, e.workflowId, e.key, e.createdAt, e.pinned ? 1 : 0).changes > 0;
  }

  get(id: string): Escalation | undefined {
    const e = this.#s.get.get(id) as Row | undefined;
    return e && toEscalation(e);
  }

  /** Open pinned escalations, newest first. */
  pinnedOpen(limit: number): Escalation[] {
    return (this.#s.pinnedOpen.all(limit) as Row[]).map(toEscalation);
  }

  /** Newest first; `acknowledged` true/false keeps only those (undefined: all). */
  list(acknowledged: boolean | undefined, limit: number): Escalation[] {
    const where = acknowledged === undefined ? '' : `WHERE acknowledged_at IS ${acknowledged ? 'NOT NULL' : 'NULL'}`;
    return (prepareOnce(this.#db, `SELECT ${COLUMNS} FROM escalations ${where} ORDER BY created_at DESC, id DESC LIMIT ?`).all(limit) as Row[]).map(toEscalation);
  }

  unacknowledgedCount(): number {
    return (this.#s.unacknowledgedCount.get() as { n: number }).n;
  }

  acknowledge(id: string, at: string, by: string): void {
    this.#s.acknowledge.run(at, by, id);
  }
}
