/**
 * Damage a real store the way a failing disk or a stray write does: random bytes
 * written into one page of the file, while no connection has it open.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

export interface Damage {
  /** The contact whose row was hit. */
  contactId: number;
  page: number;
  /** Byte offset in the file where the random bytes went. */
  offset: number;
}

/**
 * Write `bytes` random bytes into the page holding one live contact's row, starting
 * at its `custom` JSON. 64 bytes (the default) also run over the indexed columns
 * after it (score, last activity): integrity_check reports "row … missing from
 * index" while quick_check still passes. 14 bytes (the length of `{"plan":"pro"}`)
 * hit only the JSON: integrity_check passes, the JSON does not parse.
 */
export function damageContactRow(file: string, opts: { bytes?: number; nth?: number } = {}): Damage {
  const bytes = opts.bytes ?? 64;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  let pageSize: number;
  let row: { id: number; email: string };
  let pages: number[];
  try {
    pageSize = db.pragma('page_size', { simple: true }) as number;
    row = db
      .prepare(`SELECT id, email FROM contacts WHERE custom = '{"plan":"pro"}' AND deleted_at IS NULL AND last_activity_at IS NOT NULL ORDER BY id LIMIT 1 OFFSET ?`)
      .get(opts.nth ?? 300) as { id: number; email: string };
    pages = (db.prepare(`SELECT pageno FROM dbstat WHERE name = 'contacts' AND pagetype = 'leaf' ORDER BY pageno`).all() as { pageno: number }[]).map((p) => p.pageno);
  } finally {
    db.close();
  }
  if (!row) throw new Error('no live contact with custom {"plan":"pro"} to damage');
  const fd = openSync(file, 'r+');
  try {
    const page = Buffer.alloc(pageSize);
    for (const no of pages) {
      readSync(fd, page, 0, pageSize, (no - 1) * pageSize);
      const at = page.indexOf(row.email);
      if (at < 0) continue;
      const custom = page.indexOf('{"plan":"pro"}', at);
      if (custom < 0 || custom + bytes > pageSize) continue;
      const offset = (no - 1) * pageSize + custom;
      writeSync(fd, randomBytes(bytes), 0, bytes, offset);
      return { contactId: row.id, page: no, offset };
    }
  } finally {
    closeSync(fd);
  }
  throw new Error(`the row of contact ${row.id} was not found in a contacts page`);
}
