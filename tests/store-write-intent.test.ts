// The main thread's write intent (db/open.ts): a worker connection about to begin a write
// transaction while the main thread announces one lets it go first (waits for the count to drop,
// at most WRITE_INTENT_WAIT_MS), and its own transaction then commits as usual. Real SQLite files,
// a real worker thread on its own connection.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, holdWriteIntent, openStore, openWorkerStore, writeIntentOf, WRITE_INTENT_WAIT_MS, type Orm, type Sqlite } from '../electron/core/db/open';
import { resourcesDir } from '../electron/core/resources';
import { tempDir } from './helpers';

const migrationsDir = join(resourcesDir(), 'migrations');
let dir: string;
let cleanup: () => void;
let main: { db: Sqlite; orm: Orm };

beforeEach(() => {
  ({ dir, cleanup } = tempDir('baton-intent-'));
  main = openStore(dir, { migrationsDir });
  main.db.exec('CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, at REAL)');
});
afterEach(() => {
  main.db.close();
  cleanup();
});

describe('write intent between the main thread and engine workers', () => {
  it('a main-thread connection has a shared counter; it is raised only inside its write transactions', () => {
    const buf = writeIntentOf(main.db);
    expect(buf).toBeInstanceOf(SharedArrayBuffer);
    const flag = new Int32Array(buf!);
    let inside = -1;
    main.db.transaction(() => {
      inside = Atomics.load(flag, 0);
      // A nested transaction (a savepoint) counts nothing more.
      main.db.transaction(() => expect(Atomics.load(flag, 0)).toBe(1))();
    })();
    expect(inside).toBe(1);
    expect(Atomics.load(flag, 0)).toBe(0);
    // A read-only snapshot takes no write lock: nothing announced.
    main.db.transaction(() => expect(Atomics.load(flag, 0)).toBe(0)).deferred();
    // Thrown inside: the count drops all the same.
    expect(() => main.db.transaction(() => { throw new Error('boom'); })()).toThrow('boom');
    expect(Atomics.load(flag, 0)).toBe(0);
  });

  it('a worker connection lets an announced main-thread write go first (a bounded wait), then commits', () => {
    const file = join(dir, DB_FILE);
    // The gate openWorkerStore installs with the main thread's counter (as pool.ts hands it to each worker).
    const w = openWorkerStore(file, undefined, writeIntentOf(main.db)).db;
    try {
      // Nothing announced: the worker's transaction commits.
      w.transaction(() => w.prepare('INSERT INTO t (k, at) VALUES (?, ?)').run('free', Date.now()))();
      // The main thread waits for the lock (holdWriteIntent, as a group commit does): the worker holds back
      // at most WRITE_INTENT_WAIT_MS, then begins and commits all the same (never a deadlock).
      const release = holdWriteIntent(main.db);
      const t0 = Date.now();
      w.transaction(() => w.prepare('INSERT INTO t (k, at) VALUES (?, ?)').run('held', Date.now()))();
      const waited = Date.now() - t0;
      release();
      expect(waited).toBeGreaterThanOrEqual(WRITE_INTENT_WAIT_MS - 5);
      expect(Atomics.load(new Int32Array(writeIntentOf(main.db)!), 0)).toBe(0);
      // Released twice by mistake: counted once.
      release();
      expect(Atomics.load(new Int32Array(writeIntentOf(main.db)!), 0)).toBe(0);
      const rows = main.db.prepare('SELECT k FROM t ORDER BY rowid').all() as { k: string }[];
      expect(rows.map((r) => r.k)).toEqual(['free', 'held']);
    } finally {
      w.close();
    }
  });
});
