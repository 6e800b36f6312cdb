import { homedir } from 'node:os';
import { join, resolve, win32 } from 'node:path';

/**
 * Where Baton keeps its data: one default folder per OS, shared by the desktop
 * app, the CLI and `baton serve` (docs/architecture.md, "Hosts"):
 *
 * - Linux and other Unixes: $XDG_DATA_HOME/baton, else ~/.local/share/baton
 * - macOS: ~/Library/Application Support/Baton
 * - Windows: %APPDATA%\Baton
 *
 * `--data DIR` wins, then BATON_DATA_DIR. Pure functions: the caller passes the
 * platform, environment and home folder (tests pass their own).
 */
export interface PathContext {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  home: string;
}

export function hereContext(env: Record<string, string | undefined> = process.env): PathContext {
  return { platform: process.platform, env, home: homedir() };
}

const nonEmpty = (v: string | undefined): string | undefined => (v && v.trim().length > 0 ? v.trim() : undefined);

/** The default data folder of this OS. */
export function defaultDataDir(ctx: PathContext): string {
  if (ctx.platform === 'darwin') return join(ctx.home, 'Library', 'Application Support', 'Baton');
  if (ctx.platform === 'win32') return win32.join(nonEmpty(ctx.env.APPDATA) ?? win32.join(ctx.home, 'AppData', 'Roaming'), 'Baton');
  return join(nonEmpty(ctx.env.XDG_DATA_HOME) ?? join(ctx.home, '.local', 'share'), 'baton');
}

/**
 * Folders earlier versions used by default, newest first: Electron's userData
 * folder on Linux (~/.config/Baton) for the desktop app, and ~/.local/share/baton
 * on macOS and Windows for the CLI and `baton serve`. The one default folder
 * takes the data of one of them once (electron/core/data-move.ts).
 */
export function legacyDataDirs(ctx: PathContext): string[] {
  if (ctx.platform === 'darwin' || ctx.platform === 'win32') {
    const join_ = ctx.platform === 'win32' ? win32.join : join;
    return [join_(ctx.home, '.local', 'share', 'baton')];
  }
  return [join(nonEmpty(ctx.env.XDG_CONFIG_HOME) ?? join(ctx.home, '.config'), 'Baton')];
}

export interface DataDirChoice {
  dir: string;
  /** How it was chosen: only the OS default takes an earlier version's folder over. */
  source: 'flag' | 'env' | 'default';
}

/** --data DIR, else BATON_DATA_DIR, else the OS default. */
export function chooseDataDir(explicit: string | undefined, ctx: PathContext): DataDirChoice {
  const flag = nonEmpty(explicit);
  if (flag) return { dir: resolve(flag), source: 'flag' };
  const env = nonEmpty(ctx.env.BATON_DATA_DIR);
  if (env) return { dir: resolve(env), source: 'env' };
  return { dir: defaultDataDir(ctx), source: 'default' };
}

/** The data folder: --data DIR, else BATON_DATA_DIR, else the OS default (no move; see resolveHostDataDir). */
export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return chooseDataDir(explicit, hereContext(env)).dir;
}
