import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BackupInfo } from '../../shared/api';
import { ApiError } from '../../shared/api';
import { loadMigrations, schemaVersion } from './db/migrate';
import { DB_FILE, looksLikeSqlite, type Sqlite } from './db/open';

export const BACKUP_DIR = 'backups';
const PATTERN = /^baton-\d{8}-\d{6}-\d{3}\.sqlite$/;

export function backupDir(dataDir: string): string {
  return join(dataDir, BACKUP_DIR);
}

function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${p(d.getUTCMilliseconds(), 3)}`;
}

export function listBackups(dataDir: string): BackupInfo[] {
  const dir = backupDir(dataDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => PATTERN.test(f))
    .sort()
    .reverse()
    .map((f) => {
      const file = join(dir, f);
      const st = statSync(file);
      return { file, size: st.size, createdAt: st.mtime.toISOString() };
    });
}

export function newestBackup(dataDir: string): string | null {
  return listBackups(dataDir)[0]?.file ?? null;
}

/**
 * Online backup through SQLite's backup API (consistent while the app writes),
 * written to a temporary name and renamed, then rotated to keep the newest `keep`.
 */
export async function createBackup(db: Sqlite, dataDir: string, opts: { keep?: number; to?: string; now?: Date } = {}): Promise<BackupInfo> {
  const keep = opts.keep ?? 10;
  const dir = backupDir(dataDir);
  mkdirSync(dir, { recursive: true });
  let target = opts.to ?? join(dir, `baton-${stamp(opts.now ?? new Date())}.sqlite`);
  if (!opts.to && existsSync(target)) target = join(dir, `baton-${stamp(new Date(Date.now() + 1))}.sqlite`);
  const tmp = `${target}.partial`;
  rmSync(tmp, { force: true });
  await db.backup(tmp);
  renameSync(tmp, target);
  if (!opts.to) for (const old of listBackups(dataDir).slice(keep)) rmSync(old.file, { force: true });
  const st = statSync(target);
  return { file: target, size: st.size, createdAt: st.mtime.toISOString() };
}

/** Check that a file is an intact Baton database this version can open. Throws an ApiError saying why not. */
export function validateBackupFile(file: string, migrationsDir: string): { schemaVersion: number } {
  if (!existsSync(file)) throw new ApiError('invalid_input', `${file} does not exist.`);
  if (!looksLikeSqlite(file)) throw new ApiError('invalid_input', `${file} is not a SQLite database; nothing was restored.`);
  let db: Sqlite | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const check = db.pragma('integrity_check', { simple: true }) as string;
    if (check !== 'ok') throw new ApiError('invalid_input', `${file} is damaged (integrity_check: ${check}); nothing was restored.`);
    const v = schemaVersion(db);
    const latest = loadMigrations(migrationsDir).length;
    if (v < 1) throw new ApiError('invalid_input', `${file} is a SQLite file but not a Baton database (no schema version); nothing was restored.`);
    if (v > latest) throw new ApiError('invalid_input', `${file} was written by a newer Baton (schema ${v}; this one knows up to ${latest}); nothing was restored.`);
    const has = db.prepare("select 1 from sqlite_master where type='table' and name='settings'").get();
    if (!has) throw new ApiError('invalid_input', `${file} is not a Baton database (no settings table); nothing was restored.`);
    return { schemaVersion: v };
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError('invalid_input', `${file} cannot be read as a database (${(e as Error).message}); nothing was restored.`);
  } finally {
    db?.close();
  }
}

/**
 * Replace the store with a backup. Baton must not be running on this data
 * folder. The current database is first backed up (so a restore can be undone),
 * then the validated copy is moved into place atomically.
 */
export async function restoreBackup(dataDir: string, file: string, migrationsDir: string): Promise<{ restored: string; safetyBackup: string | null }> {
  validateBackupFile(file, migrationsDir);
  const dbFile = join(dataDir, DB_FILE);
  let safety: string | null = null;
  if (existsSync(dbFile) && looksLikeSqlite(dbFile)) {
    const cur = new Database(dbFile);
    try {
      safety = (await createBackup(cur, dataDir, { to: join(backupDir(dataDir), `pre-restore-${basename(file)}-${Date.now()}.sqlite`) })).file;
    } finally {
      cur.close();
    }
  }
  mkdirSync(dataDir, { recursive: true });
  const tmp = `${dbFile}.restoring`;
  copyFileSync(file, tmp);
  for (const suffix of ['-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
  renameSync(tmp, dbFile);
  return { restored: dbFile, safetyBackup: safety };
}
