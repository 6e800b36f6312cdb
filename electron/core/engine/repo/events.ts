/**
 * The events table (appended by every domain; the engine's dispatcher starts and resumes runs
 * from it past its cursor in engine_state).
 */
import type { Sqlite } from '../../db/open';
import { J, parsed, prepareAll, prepareOnce, type Stmt } from './sql';

/** An event as triggers and waiting steps see it (data parsed). */
export interface EventRecord {
  id: number;
  type: string;
  data: unknown;
  subject: { type: string; id: string } | null;
}

type Row = { id: number; type: string; subjectType: string | null; subjectId: string | null; data: string | null };
const COLUMNS = 'id, type, subject_type AS subjectType, subject_id AS subjectId, data';
const toRecord = (ev: Row): EventRecord => ({
  id: ev.id,
  type: ev.type,
  data: parsed(ev.data, 'events.data', ev.id),
  subject: ev.subjectType && ev.subjectId ? { type: ev.subjectType, id: ev.subjectId } : null,
});

const SQL = {
  insert: 'INSERT INTO events (at, type, subject_type, subject_id, data) VALUES (?, ?, ?, ?, ?)',
  after: `SELECT ${COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?`,
  maxId: 'SELECT COALESCE(MAX(id), 0) AS m FROM events',
};

export class EventsRepo {
  readonly #db: Sqlite;
  readonly #s: Record<keyof typeof SQL, Stmt>;

  constructor(db: Sqlite) {
    this.#db = db;
    this.#s = prepareAll(db, SQL);
  }

  /** Append an event (`data` stored as JSON); its id. */
  insert(at: string, type: string, subject: { type: string; id: string } | null | undefined, data: unknown): number {
    return Number(this.#s.insert.run(at, type, subject?.type ?? null, subject?.id ?? null, J(data)).lastInsertRowid);
  }

  /** Up to `limit` events after id `after`, oldest first. */
  after(after: number, limit: number): EventRecord[] {
    return (this.#s.after.all(after, limit) as Row[]).map(toRecord);
  }

  /** The high-water mark of the table (0 when empty). */
  maxId(): number {
    return (this.#s.maxId.get() as { m: number }).m;
  }

  /** Up to `limit` events of `type` with an id in (after, upTo], recorded at or after `since` (ISO) when given, oldest first. */
  ofType(type: string, after: number, upTo: number, since: string | null, limit: number): EventRecord[] {
    const sql = `SELECT ${COLUMNS} FROM events WHERE type = ? AND id > ? AND id <= ? ${since ? 'AND at >= ?' : ''} ORDER BY id LIMIT ?`;
    return (prepareOnce(this.#db, sql).all(...[type, after, upTo, ...(since ? [since] : []), limit]) as Row[]).map(toRecord);
  }
}
