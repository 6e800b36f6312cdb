// Every transaction of the store begins IMMEDIATE: a transaction that reads, then
// writes, takes the write lock before it reads, so another connection's commit in
// between cannot make it fail (SQLite fails a DEFERRED transaction's lock upgrade
// at once with SQLITE_BUSY_SNAPSHOT; the busy timeout does not apply). Real SQLite
// files, two real connections; and the lint rule that keeps deferred ones out.
import { sql } from 'drizzle-orm';
import { ESLint } from 'eslint';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFailureKind, storeUnavailable, StoreUnavailableError } from '../electron/core/db/errors';
import { DB_FILE, openStore, openWorkerStore, type Orm, type Sqlite } from '../electron/core/db/open';
import { resourcesDir } from '../electron/core/resources';
import { tempDir } from './helpers';

const root = resolve(import.meta.dirname, '..');
const migrationsDir = join(resourcesDir(), 'migrations');

let dir: string;
let cleanup: () => void;
let a: { db: Sqlite; orm: Orm };
let b: Sqlite;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('baton-tx-'));
  a = openStore(dir, { migrationsDir });
  b = openWorkerStore(join(dir, DB_FILE)).db;
  b.pragma('busy_timeout = 0'); // the other writer gives up at once: the test never waits
  for (const c of [a.db, b]) c.exec('CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, n INTEGER)');
});
afterEach(() => {
  b.close();
  a.db.close();
  cleanup();
});

const count = (db: Sqlite) => (db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;

describe('transactions begin IMMEDIATE', () => {
  it('db.transaction: read, another connection tries to commit, then write: the transaction keeps its work', () => {
    let other: unknown = null;
    a.db.transaction(() => {
      count(a.db); // the read that, in a deferred transaction, pins a snapshot without the write lock
      try {
        b.prepare("INSERT INTO t VALUES ('from-b', 1)").run();
      } catch (e) {
        other = e;
      }
      a.db.prepare("INSERT INTO t VALUES ('from-a', 1)").run();
    })();
    // The transaction held the lock from BEGIN: the other writer waited (here: gave up at once) ...
    expect(storeFailureKind(other)).toBe('busy');
    // ... and this one's write is stored (a deferred one would have failed at its INSERT).
    expect(count(b)).toBe(1);
  });

  it("drizzle's orm.transaction is immediate too", () => {
    let other: unknown = null;
    a.orm.transaction((tx) => {
      tx.all(sql`SELECT COUNT(*) FROM t`);
      try {
        b.prepare("INSERT INTO t VALUES ('from-b', 1)").run();
      } catch (e) {
        other = e;
      }
      tx.run(sql`INSERT INTO t VALUES ('from-a', 1)`);
    });
    expect(storeFailureKind(other)).toBe('busy');
    expect(count(b)).toBe(1);
  });

  it("a Bree worker's connection (openWorkerStore) is immediate too", () => {
    a.db.pragma('busy_timeout = 0');
    let other: unknown = null;
    b.transaction(() => {
      count(b);
      try {
        a.db.prepare("INSERT INTO t VALUES ('from-a', 1)").run();
      } catch (e) {
        other = e;
      }
      b.prepare("INSERT INTO t VALUES ('from-b', 1)").run();
    })();
    expect(storeFailureKind(other)).toBe('busy');
    expect(count(a.db)).toBe(1);
  });

  it('nested transactions are savepoints inside the immediate one; .deferred() stays for a read-only snapshot', () => {
    a.db.transaction(() => {
      a.db.prepare("INSERT INTO t VALUES ('outer', 1)").run();
      expect(() =>
        a.db.transaction(() => {
          a.db.prepare("INSERT INTO t VALUES ('inner', 1)").run();
          throw new Error('undo the inner part');
        })(),
      ).toThrow('undo the inner part');
    })();
    expect(count(a.db)).toBe(1);
    // A read-only snapshot does not take the write lock: another connection may write meanwhile.
    const seen = a.db.transaction(() => {
      const before = count(a.db);
      b.prepare("INSERT INTO t VALUES ('from-b', 1)").run();
      return [before, count(a.db)];
    }).deferred();
    expect(seen).toEqual([1, 1]); // one snapshot
    expect(count(a.db)).toBe(2);
  });
});

describe('store failures', () => {
  it('SQLite codes of the store (busy, full, disk error) are not errors of the data', () => {
    expect(storeFailureKind(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe('busy');
    expect(storeFailureKind(Object.assign(new Error('x'), { code: 'SQLITE_BUSY_SNAPSHOT' }))).toBe('busy');
    expect(storeFailureKind(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe('full');
    expect(storeFailureKind(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }))).toBe('io');
    expect(storeFailureKind(Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBeNull();
    expect(storeFailureKind(new Error('plain'))).toBeNull();
    const e = storeUnavailable(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), 'Nothing was written.');
    expect(e).toBeInstanceOf(StoreUnavailableError);
    expect(e!.code).toBe('unavailable');
    expect(e!.message).toMatch(/^The disk holding the database is full \(SQLITE_FULL\).*Nothing was written\.$/);
  });

  it('a real SQLITE_FULL (the page limit reached) is named as such', () => {
    a.db.pragma(`max_page_count = ${a.db.pragma('page_count', { simple: true }) as number}`);
    let err: unknown;
    try {
      a.db.transaction(() => {
        for (let i = 0; i < 2000; i++) a.db.prepare('INSERT INTO t VALUES (?, ?)').run(`k${i}`.padEnd(200, 'x'), i);
      })();
    } catch (e) {
      err = e;
    }
    expect(storeFailureKind(err)).toBe('full');
    expect(count(a.db)).toBe(0);
  });
});

describe('lint: no deferred transactions in electron/', () => {
  const eslint = new ESLint({ cwd: root });
  async function flagged(code: string): Promise<boolean> {
    const [r] = await eslint.lintText(`declare const db: any; declare const orm: any;\n${code}\nexport {};\n`, { filePath: resolve(root, 'electron/core/x.ts') });
    return r!.messages.some((m) => m.ruleId === 'no-restricted-syntax' && m.severity === 2);
  }
  it.each([
    'db.transaction(() => 1).deferred();',
    'db.transaction(() => 1).default();',
    "orm.transaction(() => 1, { behavior: 'deferred' });",
    "db.exec('BEGIN');",
    "db.exec('begin deferred');",
    "db.prepare('BEGIN TRANSACTION').run();",
    'db.exec(`BEGIN; INSERT INTO t VALUES (1)`);',
  ])('flags %s', async (code) => {
    expect(await flagged(code)).toBe(true);
  });
  it.each([
    'db.transaction(() => 1)();',
    'db.transaction(() => 1).immediate();',
    "orm.transaction(() => 1, { behavior: 'immediate' });",
    'orm.transaction(() => 1);',
    "db.exec('BEGIN IMMEDIATE');",
    "const s = 'Begin the import';",
  ])('allows %s', async (code) => {
    expect(await flagged(code)).toBe(false);
  });
});
