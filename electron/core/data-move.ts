/**
 * The one-time move of an earlier version's data folder into the one default
 * folder (electron/core/paths.ts): Electron's userData folder on Linux
 * (~/.config/Baton), ~/.local/share/baton on macOS and Windows.
 *
 * - Only the OS default takes a folder over (never --data or BATON_DATA_DIR),
 *   only when it has no database yet, and only from a folder that has one and
 *   was not moved before.
 * - Baton's files are copied (the database with its WAL, logs, backups, keys);
 *   Chromium's own state (caches, local storage) stays. Each entry is copied
 *   into a staging folder first and renamed into place, the database last, so
 *   an interrupted move is simply done again at the next start.
 * - The old folder is left as it was, as the backup, with `baton-moved.json`
 *   in it so it is never taken again; the new one gets `moved-from.json`.
 * - A host running on the old folder stops the move (and the start) with a
 *   message naming it; two folders with data are both left alone and the
 *   notice says which one is used.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { acquireLock, lockHolder } from './lock';
import { chooseDataDir, hereContext, legacyDataDirs, type PathContext } from './paths';

export const DB_FILE = 'baton.db';
/** Written into the old folder after a move: it is never taken again. */
export const MOVED_MARKER = 'baton-moved.json';
/** Written into the new folder after a move (where the data came from). */
export const MOVED_FROM = 'moved-from.json';

/** Electron/Chromium state in the old userData folder: not Baton's data, not copied. */
const CHROMIUM_ENTRIES = new Set([
  'Cache',
  'Code Cache',
  'GPUCache',
  'DawnCache',
  'DawnGraphiteCache',
  'DawnWebGPUCache',
  'Local Storage',
  'Session Storage',
  'IndexedDB',
  'WebStorage',
  'Service Worker',
  'blob_storage',
  'databases',
  'Shared Dictionary',
  'SharedStorage',
  'SharedStorage-wal',
  'Crashpad',
  'Dictionaries',
  'VideoDecodeStats',
  'Trust Tokens',
  'Trust Tokens-journal',
  'TransportSecurity',
  'Network Persistent State',
  'Preferences',
  'Cookies',
  'Cookies-journal',
  'Network',
  'Partitions',
  'SingletonLock',
  'SingletonSocket',
  'SingletonCookie',
  'lockfile',
  'Local State',
]);
/** Files that only mean something while a process runs: never copied. */
const RUNTIME_ENTRIES = new Set(['baton.pid', 'server.json', MOVED_MARKER]);
const DB_ENTRIES = [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`];

export interface LegacyFolder {
  dir: string;
  hasDb: boolean;
  /** It holds MOVED_MARKER: its data was taken before. */
  moved: boolean;
  /** The pid of a live Baton host on it, if any. */
  lockedBy: number | null;
}

export type MovePlan =
  | { action: 'none' }
  | { action: 'move'; from: string; to: string }
  | { action: 'busy'; from: string; to: string; pid: number }
  | { action: 'both'; from: string; to: string };

/** What to do with the earlier folders, given what is on disk. Pure. */
export function planDataMove(input: { target: string; targetHasDb: boolean; legacy: LegacyFolder[] }): MovePlan {
  const target = resolve(input.target);
  const candidates = input.legacy.filter((l) => resolve(l.dir) !== target && l.hasDb && !l.moved);
  const first = candidates[0];
  if (!first) return { action: 'none' };
  if (input.targetHasDb) return { action: 'both', from: first.dir, to: target };
  if (first.lockedBy !== null) return { action: 'busy', from: first.dir, to: target, pid: first.lockedBy };
  return { action: 'move', from: first.dir, to: target };
}

export interface MoveResult {
  from: string;
  to: string;
  movedAt: string;
  /** What the person is told (CLI output, the log, the dashboard). */
  message: string;
}

export interface DataDirResult {
  dataDir: string;
  source: 'flag' | 'env' | 'default';
  /** Set when this call moved an earlier folder's data here. */
  moved: MoveResult | null;
  /** Set when an earlier folder with data was left alone (the default folder has data too). */
  notice: string | null;
}

export class DataMoveError extends Error {}

function inspect(dir: string): LegacyFolder {
  return { dir, hasDb: existsSync(join(dir, DB_FILE)), moved: existsSync(join(dir, MOVED_MARKER)), lockedBy: existsSync(dir) ? lockHolder(dir) : null };
}

/**
 * The data folder for a host or a CLI command (--data, BATON_DATA_DIR, else the
 * OS default), after moving an earlier version's folder into the default once.
 */
export function resolveHostDataDir(explicit: string | undefined, ctx: PathContext = hereContext(), now = new Date()): DataDirResult {
  const choice = chooseDataDir(explicit, ctx);
  if (choice.source !== 'default') return { dataDir: choice.dir, source: choice.source, moved: null, notice: null };
  const plan = planDataMove({ target: choice.dir, targetHasDb: existsSync(join(choice.dir, DB_FILE)), legacy: legacyDataDirs(ctx).map(inspect) });
  switch (plan.action) {
    case 'none':
      return { dataDir: choice.dir, source: 'default', moved: null, notice: null };
    case 'both':
      return {
        dataDir: choice.dir,
        source: 'default',
        moved: null,
        notice: `An earlier Baton data folder ${plan.from} also holds data; Baton uses ${plan.to}. To use the other one, start with --data "${plan.from}" (or set BATON_DATA_DIR).`,
      };
    case 'busy':
      throw new DataMoveError(
        `Baton is running on its earlier data folder ${plan.from} (pid ${plan.pid}). Stop it, then start again: Baton moves that data to ${plan.to}, its one folder for the desktop app, the CLI and baton serve.`,
      );
    case 'move':
      return { dataDir: choice.dir, source: 'default', moved: moveData(plan.from, plan.to, now), notice: null };
  }
}

/** Copy Baton's files from `from` into `to` (staged, database last) and mark `from` as moved. */
export function moveData(from: string, to: string, now = new Date()): MoveResult {
  const staging = join(to, `.moving-${process.pid}`);
  let release: () => void = () => {};
  try {
    mkdirSync(to, { recursive: true, mode: 0o700 });
    // Nobody may start on the old folder while it is copied.
    release = acquireLock(from);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { mode: 0o700 });
    const entries = readdirSync(from).filter((n) => !CHROMIUM_ENTRIES.has(n) && !RUNTIME_ENTRIES.has(n) && !n.startsWith('.moving-'));
    for (const name of entries) cpSync(join(from, name), join(staging, name), { recursive: true, preserveTimestamps: true, errorOnExist: false, force: true });
    // A restore scheduled in the old folder names a backup there: point it at the copy.
    rewritePendingRestore(staging, from, to);
    const ordered = [...entries.filter((n) => !DB_ENTRIES.includes(n)), ...DB_ENTRIES.filter((n) => entries.includes(n) && n !== DB_FILE), ...(entries.includes(DB_FILE) ? [DB_FILE] : [])];
    for (const name of ordered) {
      const dest = join(to, name);
      // Whatever the new folder already had (a log of a start without data) is kept beside it.
      if (existsSync(dest)) renameSync(dest, `${dest}.before-move-${now.getTime()}`);
      renameSync(join(staging, name), dest);
    }
    rmSync(staging, { recursive: true, force: true });
    const movedAt = now.toISOString();
    writeFileSync(join(from, MOVED_MARKER), JSON.stringify({ movedTo: to, movedAt, note: 'Baton copied its data from this folder to movedTo. This folder is kept unchanged as a backup; delete it when you no longer need it.' }, null, 2) + '\n', { mode: 0o600 });
    writeFileSync(join(to, MOVED_FROM), JSON.stringify({ from, movedAt }, null, 2) + '\n', { mode: 0o600 });
    return {
      from,
      to,
      movedAt,
      message: `Baton moved its data from ${from} to ${to}, its one data folder for the desktop app, the CLI and baton serve. The old folder is kept unchanged as a backup; delete it when everything looks right.`,
    };
  } catch (e) {
    try {
      rmSync(staging, { recursive: true, force: true });
    } catch {
      /* the staging folder could not even be made */
    }
    throw new DataMoveError(`Could not move Baton's data from ${from} to ${to}: ${(e as Error).message}. Nothing was changed in ${from}; start with --data "${from}" to keep using it.`);
  } finally {
    release();
  }
}

function rewritePendingRestore(staging: string, from: string, to: string): void {
  const file = join(staging, 'restore-pending.json');
  if (!existsSync(file)) return;
  try {
    const pending = JSON.parse(readFileSync(file, 'utf8')) as { file?: unknown };
    if (typeof pending.file !== 'string') return;
    const rel = relative(from, pending.file);
    if (rel.startsWith('..')) return;
    writeFileSync(file, JSON.stringify({ ...pending, file: join(to, rel) }), { mode: 0o600 });
  } catch {
    /* an unreadable request is dropped by applyPendingRestore with its own message */
  }
}
