import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { BackupInfo } from '../../shared/api';
import { ApiError } from '../../shared/api';
import { checkStore, checkStoreFile, type StoreCheck } from './db/integrity';
import { loadMigrations, schemaVersion } from './db/migrate';
import { CorruptDatabaseError, createPrivate, DB_FILE, looksLikeSqlite, makePrivate, type BackupRef, type Sqlite } from './db/open';
import { lockHolder } from './lock';

export const BACKUP_DIR = 'backups';
const PATTERN = /^baton-\d{8}-\d{6}-\d{3}\.sqlite$/;
export const MAX_KEEP = 1000;

export function backupDir(dataDir: string): string {
  return join(dataDir, BACKUP_DIR);
}

function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${p(d.getUTCMilliseconds(), 3)}`;
}

/**
 * A backup that passed its check has a marker next to it, `<file>.verified`
 * ({ verifiedAt, size, mtimeMs }); a marker that no longer matches the file's
 * size and time (the file was replaced or changed) does not count.
 */
const MARK = '.verified';
interface Mark {
  verifiedAt: string;
  size: number;
  mtimeMs: number;
}

function verifiedAtOf(file: string, st: { size: number; mtimeMs: number }): string | null {
  try {
    const m = JSON.parse(readFileSync(file + MARK, 'utf8')) as Mark;
    return typeof m.verifiedAt === 'string' && m.size === st.size && m.mtimeMs === st.mtimeMs ? m.verifiedAt : null;
  } catch {
    return null;
  }
}

function markVerified(file: string, at = new Date()): string {
  const st = statSync(file);
  const verifiedAt = at.toISOString();
  const tmp = `${file}${MARK}.tmp`;
  writeFileSync(tmp, JSON.stringify({ verifiedAt, size: st.size, mtimeMs: st.mtimeMs } satisfies Mark), { mode: 0o600 });
  renameSync(tmp, file + MARK);
  return verifiedAt;
}

function rmBackup(file: string): void {
  rmDb(file);
  rmSync(file + MARK, { force: true });
}

export function listBackups(dataDir: string): BackupInfo[] {
  const dir = backupDir(dataDir);
  if (!existsSync(dir)) return [];
  const out: BackupInfo[] = [];
  for (const f of readdirSync(dir).filter((n) => PATTERN.test(n)).sort().reverse()) {
    const file = join(dir, f);
    try {
      const st = statSync(file);
      out.push({ file, size: st.size, createdAt: st.mtime.toISOString(), verifiedAt: verifiedAtOf(file, st) });
    } catch {
      /* rotated away by another process meanwhile */
    }
  }
  return out;
}

/** The newest backup that passed its integrity check, or null. */
export function lastVerifiedBackup(dataDir: string): BackupInfo | null {
  return listBackups(dataDir).find((b) => b.verifiedAt !== null) ?? null;
}

/** What to restore a damaged store from: the newest verified backup, else the newest one (restore checks it first). */
export function backupToRestore(dataDir: string): BackupRef | null {
  const all = listBackups(dataDir);
  const v = all.find((b) => b.verifiedAt !== null);
  if (v) return { file: v.file, verified: true };
  return all[0] ? { file: all[0].file, verified: false } : null;
}

/** Backups are for this user only: the folder 0700, every file in it 0600. Returns what it fixed. */
export function privateBackups(dataDir: string): string[] {
  const dir = backupDir(dataDir);
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).map((f) => join(dir, f));
  return [...makePrivate([dir], 0o700), ...makePrivate(files.filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile()))];
}

/** The full check of a backup file on a read-only connection, in a worker thread (checkStoreFile); it must be a Baton database. */
async function checkBackupFile(file: string, nativeBinding?: string): Promise<StoreCheck> {
  const check = await checkStoreFile(file, { nativeBinding });
  if (check.ok && !check.isBaton) return { ok: false, problems: ['not a Baton database (no settings table)'], ms: check.ms };
  return { ok: check.ok, problems: check.problems, ms: check.ms };
}

/** Check a backup (read-only, full check); when it passes it is marked verified. Never writes to the backup itself. */
export async function verifyBackup(file: string, opts: { nativeBinding?: string | undefined } = {}): Promise<StoreCheck> {
  const check = await checkBackupFile(file, opts.nativeBinding);
  if (check.ok) markVerified(file);
  return check;
}

/** The setting backup.keep: a whole number from 1 to MAX_KEEP, else a clear invalid_input error. */
export function checkKeep(keep: unknown): number {
  if (typeof keep === 'number' && Number.isInteger(keep) && keep >= 1 && keep <= MAX_KEEP) return keep;
  const message = `must be a whole number from 1 to ${MAX_KEEP} (found ${JSON.stringify(keep)})`;
  throw new ApiError('invalid_input', `backup.keep ${message}; fix it with: baton settings set backup.keep 10. No backup was taken.`, [
    { path: 'backup.keep', message },
  ]);
}

function rmDb(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
}

/** Make a copy self-contained: fold any WAL into the file and switch it to rollback-journal mode. */
function seal(file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

const summary = (problems: string[]) => problems.slice(0, 3).join('; ') + (problems.length > 3 ? ` (and ${problems.length - 3} more)` : '');

/**
 * Online backup through SQLite's backup API (consistent while the app writes),
 * written to a temporary name (0600), sealed, then checked: opened read-only
 * and given the full check (checkStore, in a worker thread). Only a copy that passes is renamed
 * into place, marked verified and counted in the rotation (the newest `keep`
 * are kept). A copy that fails is deleted and CorruptDatabaseError is thrown:
 * a backup of a damaged store never pushes a good backup out.
 *
 * A write from another connection (a Bree worker) restarts SQLite's backup; the
 * step size doubles on every restart so a busy store still finishes (at worst in
 * one step that holds a read lock for the whole copy).
 */
export async function createBackup(
  db: Sqlite,
  dataDir: string,
  opts: { keep?: unknown; to?: string; now?: Date; nativeBinding?: string | undefined } = {},
): Promise<BackupInfo & { restarts: number; checkMs: number }> {
  const keep = checkKeep(opts.keep ?? 10);
  const dir = backupDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let target = opts.to;
  if (!target) {
    let t = (opts.now ?? new Date()).getTime();
    do target = join(dir, `baton-${stamp(new Date(t++))}.sqlite`);
    while (existsSync(target));
  }
  const tmp = `${target}.partial`;
  rmDb(tmp);
  createPrivate(tmp);
  let rate = 100;
  let lastRemaining = Infinity;
  let restarts = 0;
  try {
    await db.backup(tmp, {
      progress: ({ remainingPages }) => {
        if (remainingPages > lastRemaining) {
          restarts++;
          rate = Math.min(rate * 2, 0x7fffffff);
        }
        lastRemaining = remainingPages;
        return rate;
      },
    });
    seal(tmp);
    makePrivate([tmp]);
  } catch (e) {
    rmDb(tmp);
    throw e;
  }
  const check = await checkBackupFile(tmp, opts.nativeBinding);
  if (!check.ok) {
    rmBackup(tmp);
    throw new CorruptDatabaseError(
      db.name,
      `a backup taken now failed its check (${summary(check.problems)}); it was discarded and the earlier backups were kept`,
      backupToRestore(dataDir),
    );
  }
  renameSync(tmp, target);
  const verifiedAt = markVerified(target);
  if (!opts.to) {
    for (const old of listBackups(dataDir).slice(keep)) rmBackup(old.file);
    // Markers whose backup is gone (removed by hand).
    for (const f of readdirSync(dir)) if (f.endsWith(MARK) && !existsSync(join(dir, f.slice(0, -MARK.length)))) rmSync(join(dir, f), { force: true });
  }
  const st = statSync(target);
  return { file: target, size: st.size, createdAt: st.mtime.toISOString(), verifiedAt, restarts, checkMs: check.ms };
}

/**
 * Check a copy (which this function may modify: it is sealed into rollback-journal
 * mode) is an intact Baton database this version can open. Throws an ApiError
 * naming the original file and why.
 */
function inspectCopy(copy: string, shownAs: string, migrationsDir: string): { schemaVersion: number } {
  let db: Sqlite | undefined;
  try {
    db = new Database(copy, { fileMustExist: true });
    const check = checkStore(db);
    if (!check.ok) throw new ApiError('invalid_input', `${shownAs} is damaged (${summary(check.problems)}); nothing was restored.`);
    const v = schemaVersion(db);
    const latest = loadMigrations(migrationsDir).length;
    if (v < 1) throw new ApiError('invalid_input', `${shownAs} is a SQLite file but not a Baton database (no schema version); nothing was restored.`);
    if (v > latest) throw new ApiError('invalid_input', `${shownAs} was written by a newer Baton (schema ${v}; this one knows up to ${latest}); nothing was restored. Install a newer Baton to use it.`);
    const has = db.prepare("select 1 from sqlite_master where type='table' and name='settings'").get();
    if (!has) throw new ApiError('invalid_input', `${shownAs} is not a Baton database (no settings table); nothing was restored.`);
    db.pragma('journal_mode = DELETE');
    return { schemaVersion: v };
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError('invalid_input', `${shownAs} cannot be read as a Baton database (${(e as Error).message}); nothing was restored.`);
  } finally {
    db?.close();
  }
}

function checkSource(file: string): void {
  if (!existsSync(file)) throw new ApiError('invalid_input', `${file} does not exist; nothing was restored.`);
  if (!statSync(file).isFile()) throw new ApiError('invalid_input', `${file} is not a file; nothing was restored.`);
  if (!looksLikeSqlite(file)) throw new ApiError('invalid_input', `${file} is not a SQLite database; nothing was restored.`);
}

/** Copy a database file (and its -wal, which may hold committed data) without touching the original. */
function copyDb(from: string, to: string): void {
  rmDb(to);
  copyFileSync(from, to);
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
}

/** Check that a file is an intact Baton database this version can open, without writing to it. Throws an ApiError saying why not. */
export function validateBackupFile(file: string, migrationsDir: string): { schemaVersion: number } {
  checkSource(file);
  const dir = mkdtempSync(join(tmpdir(), 'baton-validate-'));
  try {
    const copy = join(dir, 'candidate.sqlite');
    copyDb(file, copy);
    return inspectCopy(copy, file, migrationsDir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Replace the store with a backup. Refused while a Baton host (server, desktop
 * app) holds the data folder's lock. The file is copied and validated first
 * (the original is never written); then the current database is set aside
 * (an online backup, or a raw copy when it is too damaged for that) so the
 * restore can be undone; then the validated copy is renamed into place.
 * Any refusal leaves the data folder as it was.
 */
export async function restoreBackup(dataDir: string, file: string, migrationsDir: string): Promise<{ restored: string; safetyBackup: string | null }> {
  const holder = lockHolder(dataDir);
  if (holder) {
    throw new ApiError('conflict', `Baton is running on ${dataDir} (pid ${holder}); stop it (close the app or the server) and restore again. Nothing was restored.`);
  }
  checkSource(file);
  mkdirSync(dataDir, { recursive: true });
  const dbFile = join(dataDir, DB_FILE);
  const tmp = `${dbFile}.restoring`;
  try {
    copyDb(file, tmp);
    inspectCopy(tmp, file, migrationsDir);
  } catch (e) {
    rmDb(tmp);
    throw e;
  }
  let safety: string | null = null;
  try {
    safety = await setAside(dbFile, dataDir, file);
  } catch (e) {
    rmDb(tmp);
    throw new ApiError('internal', `Could not save the current database before restoring (${(e as Error).message}); nothing was restored.`);
  }
  rmSync(`${dbFile}-wal`, { force: true });
  rmSync(`${dbFile}-shm`, { force: true });
  rmSync(`${dbFile}-journal`, { force: true });
  renameSync(tmp, dbFile);
  return { restored: dbFile, safetyBackup: safety };
}

/** Keep the current database (if any) in backups/pre-restore-… so a restore can be undone. */
async function setAside(dbFile: string, dataDir: string, restoring: string): Promise<string | null> {
  if (!existsSync(dbFile) || statSync(dbFile).size === 0) return null;
  const base = join(backupDir(dataDir), `pre-restore-${basename(restoring).replace(/\.sqlite$/, '')}-${Date.now()}`);
  mkdirSync(backupDir(dataDir), { recursive: true });
  if (looksLikeSqlite(dbFile)) {
    let cur: Sqlite | undefined;
    try {
      cur = new Database(dbFile, { fileMustExist: true });
      if (cur.pragma('quick_check', { simple: true }) === 'ok') {
        return (await createBackup(cur, dataDir, { to: `${base}.sqlite` })).file;
      }
    } catch {
      /* too damaged for the backup API: keep the raw bytes below */
    } finally {
      cur?.close();
    }
  }
  const raw = `${base}-damaged.sqlite`;
  copyDb(dbFile, raw);
  return raw;
}

/*
 * Restore from the running app (Settings > Backups). The store is open while
 * Baton runs, so a restore asked for there is scheduled: the backup is checked
 * now, its name is kept in <data>/restore-pending.json, and the host applies it
 * at its next start, after taking the lock and before opening the store
 * (applyPendingRestore). Only files in the data folder's backups/ are accepted.
 */
const PENDING = 'restore-pending.json';

export interface PendingRestore {
  file: string;
  requestedAt: string;
}

export function pendingRestore(dataDir: string): PendingRestore | null {
  try {
    const v = JSON.parse(readFileSync(join(dataDir, PENDING), 'utf8')) as PendingRestore;
    return typeof v.file === 'string' ? v : null;
  } catch {
    return null;
  }
}

export function scheduleRestore(dataDir: string, file: string, migrationsDir: string, now = new Date()): PendingRestore {
  const dir = resolve(backupDir(dataDir));
  const full = resolve(file);
  if (dirname(full) !== dir || !existsSync(full)) {
    throw new ApiError('invalid_input', `file: pick one of the backups listed in ${dir} (backups.list); nothing was scheduled.`, [{ path: 'file', message: 'not a backup of this data folder' }]);
  }
  validateBackupFile(full, migrationsDir);
  const pending = { file: full, requestedAt: now.toISOString() };
  writeFileSync(join(dataDir, PENDING), JSON.stringify(pending), { mode: 0o600 });
  return pending;
}

export function cancelRestore(dataDir: string): boolean {
  const had = existsSync(join(dataDir, PENDING));
  rmSync(join(dataDir, PENDING), { force: true });
  return had;
}

/**
 * At start, with the data folder's lock held and the store not open yet: apply a
 * scheduled restore. The request is removed whatever happens (a restore that
 * cannot be applied is not retried at every start); the answer says what was done.
 */
export async function applyPendingRestore(dataDir: string, migrationsDir: string): Promise<{ file: string; restored: boolean; safetyBackup: string | null; error: string | null } | null> {
  const pending = pendingRestore(dataDir);
  if (!pending) return null;
  cancelRestore(dataDir);
  try {
    const out = await restoreBackup(dataDir, pending.file, migrationsDir);
    return { file: pending.file, restored: true, safetyBackup: out.safetyBackup, error: null };
  } catch (e) {
    return { file: pending.file, restored: false, safetyBackup: null, error: (e as Error).message };
  }
}
