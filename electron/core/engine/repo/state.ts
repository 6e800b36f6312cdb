/**
 * The engine's bookkeeping: engine_state (the event dispatcher's cursor), engine_instances (live
 * hosts, for crash recovery), and the settings it reads in any thread (a primary-key read).
 */
import type { Sqlite } from '../../db/open';
import { parsed, prepareAll, type Stmt } from './sql';

const SQL = {
  cursor: `SELECT value FROM engine_state WHERE key = 'event_cursor'`,
  initCursor: `INSERT OR IGNORE INTO engine_state (key, value) VALUES ('event_cursor', (SELECT CAST(COALESCE(MAX(id), 0) AS TEXT) FROM events))`,
  setCursor: `UPDATE engine_state SET value = ? WHERE key = 'event_cursor'`,
  register: 'INSERT OR REPLACE INTO engine_instances (id, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?)',
  heartbeat: 'UPDATE engine_instances SET heartbeat_at = ? WHERE id = ?',
  remove: 'DELETE FROM engine_instances WHERE id = ?',
  others: 'SELECT id, pid, heartbeat_at AS heartbeatAt FROM engine_instances WHERE id <> ?',
  setting: 'SELECT value FROM settings WHERE key = ?',
};

export class StateRepo {
  readonly #s: Record<keyof typeof SQL, Stmt>;

  constructor(db: Sqlite) {
    this.#s = prepareAll(db, SQL);
  }

  /**
   * The dispatcher's cursor: the last event id it handled. Set to the events' high-water mark the first
   * time (events appended before the engine existed are not dispatched).
   */
  eventCursor(): number {
    const row = this.#s.cursor.get() as { value: string } | undefined;
    if (row) return Number(row.value);
    this.#s.initCursor.run();
    return Number((this.#s.cursor.get() as { value: string }).value);
  }

  /** The dispatcher's cursor as stored (0 when the engine never ran on this store); writes nothing. */
  peekEventCursor(): number {
    return Number((this.#s.cursor.get() as { value: string } | undefined)?.value ?? 0);
  }

  setEventCursor(eventId: number): void {
    this.#s.setCursor.run(String(eventId));
  }

  registerInstance(id: string, pid: number, now: number): void {
    this.#s.register.run(id, pid, now, now);
  }

  heartbeat(id: string, now: number): void {
    this.#s.heartbeat.run(now, id);
  }

  removeInstance(id: string): void {
    this.#s.remove.run(id);
  }

  /** The other engine instances recorded (heartbeat in ms). */
  otherInstances(id: string): { id: string; pid: number; heartbeatAt: number }[] {
    return this.#s.others.all(id) as { id: string; pid: number; heartbeatAt: number }[];
  }

  /** A setting's stored value (settings.value, JSON), or undefined when not set. */
  setting(key: string): unknown {
    const row = this.#s.setting.get(key) as { value: string } | undefined;
    return row ? parsed(row.value, 'settings.value', key) : undefined;
  }
}
