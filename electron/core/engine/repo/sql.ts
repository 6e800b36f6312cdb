/**
 * Helpers of the engine's repository (the only engine code that writes SQL;
 * eslint.config.js refuses `.prepare(` elsewhere in electron/core/engine).
 */
import type { Sqlite } from '../../db/open';
import { parseStored, parseStoredOrNull } from '../../db/integrity';

/** The slice of better-sqlite3's Statement the repository uses. */
export interface Stmt {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** Prepare each SQL text of `sql` (the repository groups keep the result private). */
export function prepareAll<K extends string>(db: Sqlite, sql: Record<K, string>): Record<K, Stmt> {
  const out = {} as Record<K, Stmt>;
  for (const k of Object.keys(sql) as K[]) out[k] = db.prepare(sql[k]) as unknown as Stmt;
  return out;
}

/** A one-off statement (SQL built per call: list filters). */
export function prepareOnce(db: Sqlite, sql: string): Stmt {
  return db.prepare(sql) as unknown as Stmt;
}

/** A value as stored in a JSON column (undefined is stored as null). */
export const J = (v: unknown): string => JSON.stringify(v === undefined ? null : v);

/** JSON of a list of ids, for `IN (SELECT value FROM json_each(?))`. */
export const idList = (ids: readonly (string | number)[]): string => JSON.stringify(ids);

/** A JSON column read back: damage throws StoredDataError naming `table.column` and the row. */
export const parsed = <T = unknown>(text: string | null | undefined, where: string, id?: string | number | null): T | null => parseStoredOrNull<T>(text, where, id);
export const parsedNotNull = <T = unknown>(text: string, where: string, id?: string | number | null): T => parseStored<T>(text, where, id);
