import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../../shared/api';
import { loadMigrations, migrate, MigrationError, NewerSchemaError, schemaVersion } from './migrate';
import * as schema from './schema';

export type Orm = BetterSQLite3Database<typeof schema>;
export type Sqlite = Database.Database;

export const DB_FILE = 'baton.db';

/** The newest backup to restore from, and whether it passed its integrity check (backup.ts). */
export interface BackupRef {
  file: string;
  verified: boolean;
}

/**
 * The store is damaged. The message names what to do: restore the newest
 * verified backup (or, when none was verified, the newest one: restore checks
 * it first). An ApiError (code corrupt_database), so every host answers it
 * the same way: the CLI exits 4, HTTP answers 503 with the code.
 */
export class CorruptDatabaseError extends ApiError {
  readonly newestBackup: string | null;
  readonly backupVerified: boolean;
  constructor(
    readonly file: string,
    readonly detail: string,
    backup: BackupRef | string | null,
  ) {
    const ref = typeof backup === 'string' ? { file: backup, verified: true } : backup;
    super(
      'corrupt_database',
      `The database ${file} is damaged (${detail}). ` +
        (ref
          ? ref.verified
            ? `Restore the newest verified backup with: baton restore "${ref.file}" (stop Baton on this data folder first).`
            : `No backup has been verified yet; the newest is ${ref.file}. Restore it with: baton restore "${ref.file}" (stop Baton first; restore checks the backup before using it).`
          : 'No backup was found in the data folder; move the file aside to start fresh.'),
    );
    this.name = 'CorruptDatabaseError';
    this.newestBackup = ref?.file ?? null;
    this.backupVerified = ref?.verified ?? false;
  }
}

/** A SQLite file that Baton did not create (no schema version, but tables of its own). */
export class NotBatonDatabaseError extends Error {
  constructor(
    readonly file: string,
    readonly tables: string[],
  ) {
    super(
      `${file} is a SQLite database but not a Baton one (it has tables ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ' …' : ''} and no Baton schema version). ` +
        'Baton left it untouched. Point Baton at another data folder (--data or BATON_DATA_DIR), or move the file aside.',
    );
    this.name = 'NotBatonDatabaseError';
  }
}

const SQLITE_HEADER = 'SQLite format 3\0';

/** True when the file starts with SQLite's header (an empty or missing file is not). */
export function looksLikeSqlite(file: string): boolean {
  if (!existsSync(file)) return false;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return n === 16 && buf.toString('latin1') === SQLITE_HEADER;
  } finally {
    closeSync(fd);
  }
}

/** Whether SQLite can read `file` (read-only, waiting for a writer's lock): it refuses a foreign file with SQLITE_NOTADB. */
function sqliteCanRead(file: string, nativeBinding?: string): boolean {
  let db: Sqlite | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
    db.pragma('busy_timeout = 5000');
    db.prepare('select count(*) from sqlite_master').get();
    return true;
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

export interface OpenOptions {
  /** Path of better-sqlite3's native addon built for another ABI (Electron). */
  nativeBinding?: string | undefined;
  migrationsDir: string;
  /** Where to look for a backup to name when the file is damaged. */
  newestBackup?: () => BackupRef | null;
  readonly?: boolean;
}

/** How long a connection waits for another one's write lock before SQLite answers SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

export function configure(db: Sqlite): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  walMode(db);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}

/**
 * Make every transaction of this connection begin IMMEDIATE: `db.transaction(fn)()`
 * takes the write lock at BEGIN, where SQLite's busy handler waits for it.
 *
 * A DEFERRED transaction (SQLite's and better-sqlite3's default) reads first and
 * upgrades to a write lock at its first write; when another process committed in
 * between, its snapshot is stale and SQLite fails the upgrade at once with
 * SQLITE_BUSY, without waiting (the busy timeout cannot help: waiting would not
 * make the snapshot fresh). Under a second writer (`baton serve` next to a CLI
 * import) such transactions lost their work. With IMMEDIATE the wait happens
 * before anything is read, so a lock costs waiting, never the work.
 *
 * A transaction that only reads (one consistent snapshot, no write) may ask for
 * `.deferred()` explicitly; eslint (eslint.config.js) flags every other way of
 * beginning a deferred transaction.
 */
export function immediateTransactions(db: Sqlite, intent?: { role: 'main' | 'worker'; buffer: SharedArrayBuffer }): Sqlite {
  const native = db.transaction.bind(db);
  if (!intent) {
    // The immediate variant carries .deferred/.immediate/.exclusive like the default one does.
    db.transaction = ((fn: (...args: never[]) => unknown) => native(fn).immediate) as Sqlite['transaction'];
    return db;
  }
  const flag = new Int32Array(intent.buffer);
  writeIntents.set(db, intent.buffer);
  const gate = intent.role === 'main' ? mainGate(db, flag) : workerGate(db, flag);
  db.transaction = ((fn: (...args: never[]) => unknown) => {
    const t = native(fn) as unknown as Record<'deferred' | 'immediate' | 'exclusive', (...a: unknown[]) => unknown>;
    const imm = gate(t.immediate) as ((...a: unknown[]) => unknown) & Record<string, unknown>;
    imm.immediate = imm;
    imm.default = imm;
    imm.exclusive = gate(t.exclusive);
    // A read-only snapshot takes no write lock: the main thread announces nothing for it.
    imm.deferred = intent.role === 'main' ? t.deferred : gate(t.deferred);
    return imm;
  }) as unknown as Sqlite['transaction'];
  return db;
}

/**
 * Fair shares of the write lock between a host's main thread and its engine workers. SQLite's busy
 * handler sleeps between tries (1, 2, 5, 10 … 100 ms), so a main thread that found the lock taken could
 * sleep through many back-to-back worker commits (seconds under load: form posts and API calls then
 * waited, and could end in SQLITE_BUSY). The main thread's connection counts its write transactions in
 * memory shared with its workers (the pool hands it over); a worker about to begin one while the count
 * is above 0 waits (at most WRITE_INTENT_WAIT_MS) for it to drop, so the main thread gets the lock at its
 * next try. Nothing changes in what is written or when it is committed.
 */
export const WRITE_INTENT_WAIT_MS = 50;
const writeIntents = new WeakMap<Sqlite, SharedArrayBuffer>();

/** The shared write-intent counter of a main-thread connection (for its engine workers), if it has one. */
export function writeIntentOf(db: Sqlite): SharedArrayBuffer | undefined {
  return writeIntents.get(db);
}

/** Announce a write transaction this main thread waits to begin (without blocking in SQLite's busy handler); call the result when done. */
export function holdWriteIntent(db: Sqlite): () => void {
  const buf = writeIntents.get(db);
  if (!buf) return () => undefined;
  const flag = new Int32Array(buf);
  Atomics.add(flag, 0, 1);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    Atomics.sub(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
}

export function newWriteIntent(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

type AnyFn = (...a: unknown[]) => unknown;
const mainGate = (db: Sqlite, flag: Int32Array) => (f: AnyFn) =>
  function (this: unknown, ...args: unknown[]) {
    if (db.inTransaction) return f.apply(this, args);
    Atomics.add(flag, 0, 1);
    try {
      return f.apply(this, args);
    } finally {
      Atomics.sub(flag, 0, 1);
      Atomics.notify(flag, 0);
    }
  };
const workerGate = (db: Sqlite, flag: Int32Array) => (f: AnyFn) =>
  function (this: unknown, ...args: unknown[]) {
    if (!db.inTransaction) {
      const until = Date.now() + WRITE_INTENT_WAIT_MS;
      for (let v = Atomics.load(flag, 0); v > 0; v = Atomics.load(flag, 0)) {
        const left = until - Date.now();
        if (left <= 0) break;
        Atomics.wait(flag, 0, v, left);
      }
    }
    return f.apply(this, args);
  };

/** drizzle on a connection, its `orm.transaction(fn)` IMMEDIATE too (drizzle itself asks for DEFERRED unless told). */
export function ormOf(db: Sqlite): Orm {
  const orm = drizzle(db, { schema });
  const native = orm.transaction.bind(orm);
  orm.transaction = ((fn, config) => native(fn, { behavior: 'immediate', ...config })) as Orm['transaction'];
  return orm;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * `journal_mode = WAL` needs the file to itself for a moment and SQLite answers
 * SQLITE_BUSY at once instead of calling the busy handler, so while another
 * process opens (or migrates) the same new store it is retried for as long as
 * busy_timeout would have waited.
 */
function walMode(db: Sqlite, waitMs = 5000): void {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= until) throw e;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

/**
 * Open (creating if needed) the store: check it is SQLite and intact, refuse a
 * newer schema, apply pending migrations. One connection per thread.
 */
export function openStore(dataDir: string, opts: OpenOptions): { db: Sqlite; orm: Orm; file: string; migrated: { from: number; to: number }; fixedModes: string[] } {
  const file = join(dataDir, DB_FILE);
  const existed = existsSync(file);
  // SQLite creates files 0644 (and its -wal/-shm with the database's mode): a new store
  // starts as an empty file only this user can read, which SQLite takes as a new database.
  if (!existed) createPrivate(file);
  const backup = () => (opts.newestBackup ? opts.newestBackup() : null);
  // A store another Baton process is creating this instant can be seen before its
  // header is written: only a file SQLite itself cannot read is refused.
  if (existed && readSize(file) > 0 && !looksLikeSqlite(file) && !sqliteCanRead(file, opts.nativeBinding)) {
    throw new CorruptDatabaseError(file, 'not a SQLite database', backup());
  }
  let db: Sqlite;
  try {
    db = immediateTransactions(new Database(file, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}), opts.readonly ? undefined : { role: 'main', buffer: newWriteIntent() });
  } catch (e) {
    throw new CorruptDatabaseError(file, (e as Error).message, backup());
  }
  try {
    // Read-only checks first: a damaged, foreign or newer file is refused before
    // anything (even the journal mode) is written to it.
    db.pragma('busy_timeout = 5000');
    if (existed) {
      const check = db.pragma('quick_check', { simple: true }) as string;
      if (check !== 'ok') throw new CorruptDatabaseError(file, `quick_check: ${check}`, backup());
    }
    const migrations = loadMigrations(opts.migrationsDir);
    // Version and tables from one snapshot: another process may commit its migration
    // between two separate reads (version 0, then its tables: not a foreign file).
    // Read-only, so deferred: it must not wait for (or take) the write lock.
    // eslint-disable-next-line no-restricted-syntax -- a read-only snapshot
    const { found, tables } = db.transaction(() => {
      const v = schemaVersion(db);
      const t = v === 0 ? (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as { name: string }[]).map((r) => r.name) : [];
      return { found: v, tables: t };
    }).deferred();
    if (found > migrations.length) throw new NewerSchemaError(found, migrations.length);
    if (found === 0 && tables.length > 0) throw new NotBatonDatabaseError(file, tables);
    configure(db);
    const migrated = migrate(db, migrations);
    return { db, orm: ormOf(db), file, migrated, fixedModes: makePrivate([file, `${file}-wal`, `${file}-shm`]) };
  } catch (e) {
    db.close();
    if (e instanceof CorruptDatabaseError || e instanceof NewerSchemaError || e instanceof NotBatonDatabaseError || e instanceof MigrationError) throw e;
    if (/malformed|not a database|corrupt/i.test((e as Error).message)) {
      throw new CorruptDatabaseError(file, (e as Error).message, backup());
    }
    throw e;
  }
}

/**
 * Open an existing store in another thread (a Bree worker): no migration, same
 * pragmas. A missing file is an error (never a new empty store: the data folder
 * may have been deleted under a running host).
 */
export function openWorkerStore(file: string, nativeBinding?: string, writeIntent?: SharedArrayBuffer): { db: Sqlite; orm: Orm } {
  const db = immediateTransactions(new Database(file, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) }), writeIntent ? { role: 'worker', buffer: writeIntent } : undefined);
  configure(db);
  return { db, orm: ormOf(db) };
}

function readSize(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1);
    return readSync(fd, buf, 0, 1, 0);
  } finally {
    closeSync(fd);
  }
}

/** Create an empty file readable by this user only (another process creating it first is fine). */
export function createPrivate(file: string): void {
  try {
    writeFileSync(file, '', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/**
 * Files (the store, its -wal/-shm, backups) are for this user only: any that
 * others may read or write is set to 0600. Returns the files it fixed.
 */
export function makePrivate(files: string[], mode = 0o600): string[] {
  if (process.platform === 'win32') return [];
  const fixed: string[] = [];
  for (const f of files) {
    try {
      if (statSync(f).mode & 0o077) {
        chmodSync(f, mode);
        fixed.push(f);
      }
    } catch {
      /* not there (no -wal yet) */
    }
  }
  return fixed;
}
