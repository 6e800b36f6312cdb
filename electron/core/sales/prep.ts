/**
 * Prepared statements kept per connection (the main thread's and each Bree worker's): the sales
 * tick, the event reactor and the enroll node run the same few statements for every lead, and
 * compiling a statement costs more than running it.
 */
import type { Statement } from 'better-sqlite3';
import type { Sqlite } from '../db/open';

const MAX = 256;
const caches = new WeakMap<Sqlite, Map<string, Statement>>();

/** db.prepare(sql), compiled once per connection (statements whose SQL is built from input are bounded: the cache is cleared past 256). */
export function prep(db: Sqlite, sql: string): Statement {
  let m = caches.get(db);
  if (!m) caches.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) {
    if (m.size >= MAX) m.clear();
    s = db.prepare(sql);
    m.set(sql, s);
  }
  return s;
}
