/** The escalations table: what needs a person's attention (raised once per key). */
import type { Escalation, EscalationGroup } from '../../../../shared/api';
import type { Sqlite } from '../../db/open';
import { idList, prepareAll, prepareOnce, type Stmt } from './sql';

/** Which escalations: by state, severity, workflow ('' = none), cause (escalations.list / groups / ackMany). */
export interface EscalationFilter {
  acknowledged?: boolean | undefined;
  severity?: string | undefined;
  workflow?: string | undefined;
  cause?: string | undefined;
  /** Only these ids. */
  ids?: readonly string[] | undefined;
}

/** The common part of an escalation's title: before its first ": " (`Hot lead: Ada` -> `Hot lead`). */
const CAUSE_TITLE = `(CASE WHEN instr(title, ': ') > 0 THEN substr(title, 1, instr(title, ': ') - 1) ELSE title END)`;
/** A group's key: the workflow and the common part of the title. */
const CAUSE = `COALESCE(workflow_id, '') || '|' || ${CAUSE_TITLE}`;
const SEVERITIES = ['info', 'warning', 'critical'] as const;
const SEVERITY_RANK = `(CASE severity WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END)`;

function filterSql(f: EscalationFilter, extra?: string): { where: string; args: unknown[] } {
  const w: string[] = [];
  const args: unknown[] = [];
  if (f.acknowledged !== undefined) w.push(`acknowledged_at IS ${f.acknowledged ? 'NOT NULL' : 'NULL'}`);
  if (f.severity) {
    w.push('severity = ?');
    args.push(f.severity);
  }
  if (f.workflow !== undefined) {
    w.push(`COALESCE(workflow_id, '') = ?`);
    args.push(f.workflow);
  }
  if (f.cause !== undefined) {
    w.push(`${CAUSE} = ?`);
    args.push(f.cause);
  }
  if (f.ids !== undefined) {
    w.push('id IN (SELECT value FROM json_each(?))');
    args.push(idList(f.ids));
  }
  if (extra) w.push(extra);
  return { where: w.length ? `WHERE ${w.join(' AND ')}` : '', args };
}

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

  /** How many match. */
  count(f: EscalationFilter): number {
    const q = filterSql(f);
    return (prepareOnce(this.#db, `SELECT COUNT(*) AS n FROM escalations ${q.where}`).get(...q.args) as { n: number }).n;
  }

  /**
   * A page of the matching ones (newest first; raised in the same millisecond: the later one first): the open pinned ones open the first page (few: one per day
   * and cause; never lost among hundreds of others), the others follow newest first.
   */
  page(f: EscalationFilter, offset: number, limit: number): Escalation[] {
    const p = filterSql(f, 'pinned = 1 AND acknowledged_at IS NULL');
    const pinned = f.acknowledged === true ? [] : (prepareOnce(this.#db, `SELECT ${COLUMNS} FROM escalations ${p.where} ORDER BY created_at DESC, rowid DESC`).all(...p.args) as Row[]);
    const head = pinned.slice(offset, offset + limit);
    const skip = Math.max(0, offset - pinned.length);
    const rest = filterSql(f, pinned.length ? 'id NOT IN (SELECT value FROM json_each(?))' : undefined);
    // (limit - head.length may be 0: a page of pinned ones only.)
    const rows = prepareOnce(this.#db, `SELECT ${COLUMNS} FROM escalations ${rest.where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`).all(
      ...rest.args,
      ...(pinned.length ? [idList(pinned.map((e) => e.id))] : []),
      limit - head.length,
      skip,
    ) as Row[];
    return [...head, ...rows].map(toEscalation);
  }

  /** The matching ones grouped by cause: pinned groups first, then by severity, size, recency. */
  groups(f: EscalationFilter, limit: number): EscalationGroup[] {
    const q = filterSql(f);
    const rows = prepareOnce(
      this.#db,
      `SELECT g.*, w.name AS workflowName FROM (
         SELECT ${CAUSE} AS cause, workflow_id AS workflowId, ${CAUSE_TITLE} AS title, COUNT(*) AS n, SUM(acknowledged_at IS NULL) AS open,
           MAX(${SEVERITY_RANK}) AS sev, MAX(pinned AND acknowledged_at IS NULL) AS pinned, MAX(created_at) AS newestAt
         FROM escalations ${q.where} GROUP BY cause
       ) g LEFT JOIN workflows w ON w.id = g.workflowId
       ORDER BY g.pinned DESC, g.sev DESC, g.n DESC, g.newestAt DESC LIMIT ?`,
    ).all(...q.args, limit) as { cause: string; workflowId: string | null; workflowName: string | null; title: string; n: number; open: number; sev: number; pinned: number }[];
    const n = filterSql(f, `${CAUSE} = ?`);
    const newest = prepareOnce(this.#db, `SELECT ${COLUMNS} FROM escalations ${n.where} ORDER BY created_at DESC, rowid DESC LIMIT 1`);
    return rows.map((g) => ({
      cause: g.cause,
      workflowId: g.workflowId,
      workflowName: g.workflowId ? (g.workflowName ?? g.workflowId) : null,
      title: g.title,
      count: g.n,
      open: g.open,
      severity: SEVERITIES[g.sev] ?? 'info',
      pinned: Boolean(g.pinned),
      newest: toEscalation(newest.get(...n.args, g.cause) as Row),
    }));
  }

  /** Acknowledge the open ones that match; their ids (the caller's transaction makes it atomic). */
  acknowledgeMatching(f: EscalationFilter, at: string, by: string): string[] {
    const q = filterSql({ ...f, acknowledged: false });
    const hit = (prepareOnce(this.#db, `SELECT id FROM escalations ${q.where}`).all(...q.args) as { id: string }[]).map((r) => r.id);
    if (hit.length) prepareOnce(this.#db, `UPDATE escalations SET acknowledged_at = ?, acknowledged_by = ? ${q.where}`).run(at, by, ...q.args);
    return hit;
  }
}
