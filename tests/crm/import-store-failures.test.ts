// A CSV import that meets a failing store (the disk full, another process holding
// the write lock past the busy timeout) stops with an error naming what it
// committed, never reports rows as invalid for it, and a re-run finishes without
// duplicates. Real SQLite files: SQLITE_FULL comes from SQLite's page limit
// (max_page_count, the same error code a full disk gives), SQLITE_BUSY from a
// second real connection holding the write lock.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { BATCH, CONTENDED_BATCH, importCsv } from '../../electron/core/crm/csv';
import { StoreUnavailableError } from '../../electron/core/db/errors';
import { openWorkerStore, type Sqlite } from '../../electron/core/db/open';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
let other: Sqlite;
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
  other = openWorkerStore(core.dbFile).db; // another process's connection, as `baton serve` would hold
});
afterEach(async () => {
  if (other.inTransaction) other.exec('ROLLBACK');
  other.close();
  await cleanup();
});

const rows = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com,First${i},Last${i}`);
const csv = (prefix: string, n: number) => ['email,firstName,lastName', ...rows(prefix, n)].join('\n') + '\n';
const count = (prefix: string) => (other.prepare(`SELECT COUNT(*) AS n FROM contacts WHERE email LIKE ? AND deleted_at IS NULL`).get(`${prefix}%`) as { n: number }).n;
const pages = () => core.db.pragma('page_count', { simple: true }) as number;

async function failure(p: Promise<unknown>): Promise<StoreUnavailableError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StoreUnavailableError) return e;
    throw e;
  }
  throw new Error('the import did not fail');
}

describe('CSV import on a failing store', () => {
  it('the disk full in the second batch: stops naming the rows committed, no row reported invalid; a re-run finishes without duplicates', async () => {
    // How many pages one batch takes, then room for about one and a half more.
    const p0 = pages();
    await importCsv(core, csv('warm', BATCH));
    const perBatch = pages() - p0;
    const limitBefore = core.db.pragma('max_page_count', { simple: true }) as number;
    core.db.pragma(`max_page_count = ${pages() + Math.round(perBatch * 1.5)}`);

    const total = BATCH * 3;
    const e = await failure(importCsv(core, csv('full', total)));
    expect(e.kind).toBe('full');
    expect(e.code).toBe('unavailable');
    expect(e.message).toContain(`The import stopped at line ${BATCH + 2}: the disk holding the database is full (SQLITE_FULL)`);
    expect(e.message).toContain(`${BATCH} rows up to line ${BATCH + 1} were imported and committed (${BATCH} created, 0 updated, 0 unchanged); nothing after them was written.`);
    expect(e.message).toContain('Importing the file again finishes it');
    expect(count('full')).toBe(BATCH);

    core.db.pragma(`max_page_count = ${limitBefore}`);
    const again = await importCsv(core, csv('full', total));
    expect(again).toMatchObject({ rows: total, created: total - BATCH, updated: 0, unchanged: BATCH, invalidCount: 0 });
    expect(count('full')).toBe(total);
  }, 120_000);

  it('another process holds the write lock past the busy timeout: stops naming the rows committed; a re-run finishes without duplicates', async () => {
    const extra = 50;
    async function* source(): AsyncGenerator<string> {
      // The first batch, padded past the importer's 4 MB read chunk with a blank line so it is parsed (and committed) first.
      yield csv('busy', BATCH) + ' '.repeat(4 * 1024 * 1024) + '\n';
      while (count('busy') < BATCH) await new Promise((r) => setTimeout(r, 20));
      other.exec('BEGIN IMMEDIATE'); // and keep it: the next batch waits the busy timeout out
      yield rows('busy', BATCH + extra).slice(BATCH).join('\n') + '\n';
    }
    const e = await failure(importCsv(core, Readable.from(source())));
    expect(e.kind).toBe('busy');
    expect(e.message).toMatch(/^The import stopped at line \d+: the database stayed busy: another Baton process/);
    expect(e.message).toContain(`${BATCH} rows up to line ${BATCH + 1} were imported and committed`);
    other.exec('ROLLBACK');
    expect(count('busy')).toBe(BATCH);

    const again = await importCsv(core, csv('busy', BATCH + extra));
    expect(again).toMatchObject({ created: extra, unchanged: BATCH, invalidCount: 0 });
    expect(count('busy')).toBe(BATCH + extra);
  }, 120_000);

  it('rows, their scores and events commit together; the store busy for the last transaction leaves no contacts.imported, and a re-run records one', async () => {
    // The rows carry a title: the default fit rule "Job title known" gives each 5 points, in its batch's transaction.
    const titled = (n: number) => ['email,firstName,title', ...Array.from({ length: n }, (_, i) => `score${i}@example.com,First${i},CEO`)].join('\n') + '\n';
    // Take the lock the moment the import opens its last transaction (the first batch has committed).
    const native = core.db.transaction.bind(core.db);
    core.db.transaction = ((fn: (...a: never[]) => unknown) => {
      if (!core.db.inTransaction && !other.inTransaction && count('score') === BATCH) other.exec('BEGIN IMMEDIATE');
      return native(fn);
    }) as Sqlite['transaction'];
    const e = await failure(importCsv(core, titled(BATCH + 5)));
    core.db.transaction = native;
    other.exec('ROLLBACK');
    expect(e.kind).toBe('busy');
    expect(e.message).toContain(`The import stopped at line ${BATCH + 2}: the database stayed busy`);
    expect(e.message).toContain(`${BATCH} rows up to line ${BATCH + 1} were imported and committed`);
    expect(count('score')).toBe(BATCH);
    // The committed batch has its scores, and its contact.created events carry them and the import's id.
    expect(other.prepare(`SELECT COUNT(*) FROM contacts WHERE email LIKE 'score%' AND score = 5`).pluck().get()).toBe(BATCH);
    const created = other.prepare(`SELECT json_extract(data, '$.score') AS score, json_extract(data, '$.importId') AS importId FROM events WHERE type = 'contact.created'`).all() as { score: number; importId: string }[];
    expect(created).toHaveLength(BATCH);
    expect(new Set(created.map((c) => c.score))).toEqual(new Set([5]));
    expect(new Set(created.map((c) => c.importId)).size).toBe(1);
    expect(other.prepare(`SELECT COUNT(*) FROM events WHERE type = 'contacts.imported'`).pluck().get()).toBe(0);

    const again = await importCsv(core, titled(BATCH + 5));
    expect(again).toMatchObject({ created: 5, unchanged: BATCH, invalidCount: 0 });
    const imported = other.prepare(`SELECT subject_id, data FROM events WHERE type = 'contacts.imported'`).all() as { subject_id: string; data: string }[];
    expect(imported).toHaveLength(1);
    expect(imported[0]!.subject_id).toBe(again.importId);
    expect(JSON.parse(imported[0]!.data)).toMatchObject({ id: again.importId, rows: BATCH + 5, created: 5, updated: 0, unchanged: BATCH, invalid: 0 });
  }, 120_000);

  it('an import next to another writer writes short transactions, a lone one big batches; every row stored once', async () => {
    // Another process takes the write lock for 2.5 s (well within the 5 s busy timeout), so the first batch waits.
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    const holder = spawn(process.execPath, ['-e', `
      const db = new (require(${JSON.stringify(sqlite)}))(process.argv[1]);
      db.exec('BEGIN IMMEDIATE'); process.stdout.write('holding\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
      db.exec('ROLLBACK'); db.close();`, core.dbFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => holder.once('exit', r));
    await new Promise<void>((r) => holder.stdout!.once('data', () => r()));
    // Count the rows each top-level transaction committed.
    const native = core.db.transaction.bind(core.db);
    const sizes: number[] = [];
    core.db.transaction = ((fn: (...a: never[]) => unknown) => {
      const t = native(fn);
      if (core.db.inTransaction) return t;
      return ((...a: never[]) => {
        const before = count('');
        const r = t(...a);
        if (count('') > before) sizes.push(count('') - before);
        return r;
      }) as typeof t;
    }) as Sqlite['transaction'];
    const r = await importCsv(core, csv('wait', BATCH * 2));
    await exited;
    expect(r).toMatchObject({ created: BATCH * 2, invalidCount: 0 });
    expect(count('wait')).toBe(BATCH * 2);
    // The lock was taken when the first batch was ready: every batch came in transactions of CONTENDED_BATCH rows.
    expect(sizes).toEqual(Array.from({ length: (2 * BATCH) / CONTENDED_BATCH }, () => CONTENDED_BATCH));
    // Alone, the same import writes whole batches.
    sizes.length = 0;
    await importCsv(core, csv('alone', BATCH * 2));
    expect(sizes).toEqual([BATCH, BATCH]);
    expect(count('alone')).toBe(BATCH * 2);
  }, 120_000);
});
