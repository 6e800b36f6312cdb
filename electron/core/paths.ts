import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The data folder: --data DIR, else BATON_DATA_DIR, else the XDG data folder
 * (~/.local/share/baton). Electron passes app.getPath('userData') explicitly.
 */
export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.BATON_DATA_DIR) return resolve(env.BATON_DATA_DIR);
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.length > 0 ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(xdg, 'baton');
}
