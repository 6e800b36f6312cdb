/** Small helpers over settings and sales_state that work on any connection (main thread or a Bree worker). */
import { prep } from './prep';
import type { Sqlite } from '../db/open';
import { scrubValue } from '../secrets/scrub';
import { parseStored } from '../db/integrity';

export function setting<T>(db: Sqlite, key: string, fallback: T): T {
  const row = prep(db, 'SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  if (!row) return fallback;
  try {
    return JSON.parse(row.value) as T;
  } catch {
    return fallback;
  }
}

export function getState<T>(db: Sqlite, key: string, fallback: T): T {
  const row = prep(db, 'SELECT value FROM sales_state WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? parseStored<T>(row.value, 'sales_state.value', key) : fallback;
}

/** Stored scrubbed: the last SMTP/IMAP error may quote a password a server echoed. */
export function setState(db: Sqlite, key: string, value: unknown): void {
  prep(
    db,
    `INSERT INTO sales_state (key, value, updated_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))
     ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(key, JSON.stringify(scrubValue(value)));
}
