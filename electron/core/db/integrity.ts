/**
 * Damage to the store, found and named in one way.
 *
 * - `parseStored` is the one way core reads JSON from a column only Baton writes:
 *   text that no longer parses is damage (StoredDataError), not a bug to report
 *   as "Unexpected token … is not valid JSON".
 * - `isCorruption` says whether an error means the store is damaged
 *   (SQLITE_CORRUPT*, SQLITE_NOTADB, StoredDataError). Hosts turn it into a
 *   CorruptDatabaseError naming the newest verified backup (Core.damage).
 * - `checkStore` is the full check run by `baton doctor --deep`, the nightly
 *   maintenance and every new backup: PRAGMA integrity_check, plus every JSON
 *   column below must hold valid JSON text (damage inside a row that no index
 *   covers passes integrity_check). `checkStoreFile` runs it on a read-only
 *   connection in a worker thread (the built jobs/check.js): on 100,000
 *   contacts it takes seconds, which a serving host's main thread must not spend.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ApiError } from '../../../shared/api';

/** Stored JSON that does not parse: the store is damaged (only Baton writes these columns). */
export class StoredDataError extends ApiError {
  constructor(
    /** Which column (and row) held it, e.g. "contacts.custom of row 1567". */
    readonly where: string,
  ) {
    super('corrupt_database', `The database is damaged: ${where} is not valid JSON.`);
    this.name = 'StoredDataError';
  }
}

function damaged(where: string, id?: string | number | null): StoredDataError {
  return new StoredDataError(id === undefined || id === null ? where : `${where} of row ${id}`);
}

/**
 * JSON.parse for a value read from a column Baton wrote (`where` = "table.column",
 * `id` = the row, for the message). A value that is not text, or text that does
 * not parse, throws StoredDataError. A try/catch costs nothing on the good path.
 */
export function parseStored<T = unknown>(text: unknown, where: string, id?: string | number | null): T {
  if (typeof text !== 'string') throw damaged(where, id);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw damaged(where, id);
  }
}

/** parseStored for a nullable column: null (or undefined) stays null. */
export function parseStoredOrNull<T = unknown>(text: unknown, where: string, id?: string | number | null): T | null {
  return text === null || text === undefined ? null : parseStored<T>(text, where, id);
}

/** Whether an error says the store is damaged. */
export function isCorruption(e: unknown): boolean {
  if (e instanceof StoredDataError) return true;
  if (e instanceof ApiError) return e.code === 'corrupt_database';
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/**
 * The columns that hold JSON text written by Baton (drizzle `json` columns and
 * the engine's hand-written ones). tests/integrity.test.ts checks every one
 * exists and that a real store passes.
 */
export const STORED_JSON: readonly (readonly [table: string, column: string])[] = [
  ['settings', 'value'],
  ['events', 'data'],
  ['companies', 'custom'],
  ['contacts', 'custom'],
  ['forms', 'fields'],
  ['forms', 'tags'],
  ['segments', 'filter'],
  ['crm_state', 'value'],
  ['sequences', 'definition'],
  ['sales_state', 'value'],
  ['billing_state', 'value'],
  ['finance_sources', 'mapping'],
  ['finance_imports', 'errors'],
  ['finance_state', 'value'],
  ['report_definitions', 'sections'],
  ['report_renders', 'missing'],
  ['workflow_versions', 'definition'],
  ['runs', 'input'],
  ['runs', 'output'],
  ['runs', 'error'],
  ['runs', 'trigger'],
  ['steps', 'input'],
  ['steps', 'output'],
  ['steps', 'error'],
  ['steps', 'history'],
  ['steps', 'state'],
  ['steps', 'resume'],
  ['timers', 'payload'],
  ['outbox', 'request'],
  ['outbox', 'response'],
  ['approvals', 'payload'],
  ['approvals', 'decided_payload'],
  ['plans', 'content'],
  ['learnings', 'tags'],
];

export interface StoreCheck {
  ok: boolean;
  /** What is wrong, one line each (integrity_check's lines, then JSON columns), at most `maxProblems`. */
  problems: string[];
  ms: number;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The full check: PRAGMA integrity_check (every page, every index entry against
 * its row), then the JSON columns. Read-only. An error while checking (SQLite
 * refusing a damaged page) is itself a problem.
 */
export function checkStore(db: Database.Database, opts: { maxProblems?: number } = {}): StoreCheck {
  const max = opts.maxProblems ?? 20;
  const t0 = performance.now();
  const problems: string[] = [];
  try {
    const rows = db.pragma(`integrity_check(${max})`) as { integrity_check: string }[];
    for (const r of rows) if (r.integrity_check !== 'ok') problems.push(r.integrity_check);
  } catch (e) {
    problems.push(`integrity_check failed: ${(e as Error).message}`);
  }
  for (const [table, column] of STORED_JSON) {
    if (problems.length >= max) break;
    try {
      const cols = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
      if (!cols.some((c) => c.name === column)) continue; // an older schema (a backup being checked)
      const bad = db
        .prepare(`SELECT rowid AS id FROM ${quote(table)} WHERE ${quote(column)} IS NOT NULL AND (typeof(${quote(column)}) <> 'text' OR json_valid(${quote(column)}) = 0) LIMIT ?`)
        .all(max - problems.length) as { id: number }[];
      for (const b of bad) problems.push(`${table}.${column} of row ${b.id} is not valid JSON`);
    } catch (e) {
      problems.push(`${table}.${column} cannot be read: ${(e as Error).message}`);
    }
  }
  return { ok: problems.length === 0, problems, ms: Math.round(performance.now() - t0) };
}

export interface FileCheck extends StoreCheck {
  /** The file has Baton's settings table (a SQLite file of another program does not). */
  isBaton: boolean;
}

/** checkStore on a read-only connection of its own, in this thread. */
export function checkFileHere(file: string, nativeBinding?: string): FileCheck {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
    db.pragma('busy_timeout = 5000');
    const check = checkStore(db);
    return { ...check, isBaton: !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'").get() };
  } catch (e) {
    return { ok: false, problems: [`cannot be opened: ${(e as Error).message}`], ms: 0, isBaton: false };
  } finally {
    db?.close();
  }
}

/** The built worker file (out/main/jobs/check.js) next to the built core; null when running from source. */
function checkJob(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const c of [join(here, '..', 'jobs', 'check.js'), join(here, 'jobs', 'check.js')]) if (existsSync(c)) return c;
  return null;
}

export interface CheckJobInput {
  file: string;
  nativeBinding?: string;
}

/**
 * The full check of a database file (a backup, or the live store through a
 * read-only connection: WAL readers do not block its writer), in a worker
 * thread so the host keeps answering meanwhile. A worker that cannot run at all
 * (no built job file: tests on the sources) leaves the check to this thread:
 * the verdict is the same, only the waiting differs.
 */
export async function checkStoreFile(file: string, opts: { nativeBinding?: string | undefined } = {}): Promise<FileCheck> {
  const job = checkJob();
  if (job) {
    try {
      return await new Promise<FileCheck>((resolve, reject) => {
        const w = new Worker(job, { workerData: { file, ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}) } satisfies CheckJobInput });
        w.once('message', (m: FileCheck) => resolve(m));
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`the check worker exited with code ${code} before answering`)));
      });
    } catch {
      /* the worker could not run: check here */
    }
  }
  return checkFileHere(file, opts.nativeBinding);
}
