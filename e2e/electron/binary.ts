/**
 * Is a runnable Electron binary installed? Answered WITHOUT require('electron'):
 * that call downloads the binary when it is missing, which hangs or fails on a
 * machine without internet. Mirrors node_modules/electron/index.js: the binary
 * is dist/<path.txt> (or ELECTRON_OVERRIDE_DIST_PATH), and it must answer
 * `--version` within a few seconds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ElectronBinary = { ok: true; path: string; version: string } | { ok: false; reason: string };

export function electronBinary(root: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 5_000): ElectronBinary {
  const pkgDir = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkgDir, 'package.json'))) return { ok: false, reason: 'the electron package is not installed (run npm install)' };
  const pathFile = join(pkgDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  let exe: string;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) exe = join(env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
  else if (rel) exe = join(pkgDir, 'dist', rel);
  else return { ok: false, reason: 'node_modules/electron/path.txt is missing: the binary was never downloaded (it is fetched at first launch, which needs internet)' };
  if (!existsSync(exe)) return { ok: false, reason: `${exe} does not exist` };
  const r = spawnSync(exe, ['--version'], { encoding: 'utf8', timeout: timeoutMs, env: { ...env, ELECTRON_RUN_AS_NODE: undefined } });
  if (r.error) return { ok: false, reason: `${exe} --version failed: ${r.error.message}` };
  const version = (r.stdout ?? '').trim();
  if (r.status !== 0 || !/^v\d+\.\d+\.\d+/.test(version)) {
    return { ok: false, reason: `${exe} --version exited with ${r.status ?? r.signal}: ${(r.stderr || r.stdout || '').trim().split('\n')[0] ?? ''}` };
  }
  return { ok: true, path: exe, version };
}
