/**
 * A private copy of the built app (out/, bin/, package.json; node_modules and
 * resources linked) for tests that run `baton` as child processes: someone
 * rebuilding out/ in the checkout cannot pull it away mid-test. Built first when
 * out/ is missing or older than the sources; build and copy happen under the
 * machine's build lock.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export interface BuiltApp {
  dir: string;
  bin: string;
  remove(): void;
}

export function copyBuiltApp(name: string): BuiltApp {
  const dir = join(tmpdir(), `baton ${name} (${process.pid})`);
  const cli = join(ROOT, 'out', 'main', 'cli.js');
  const sources = Math.max(...['electron', 'shared', 'resources'].map((d) => newestSource(join(ROOT, d))), statSync(join(ROOT, 'package.json')).mtimeMs);
  const stale = !existsSync(cli) || (!process.env.BATON_TEST_SKIP_BUILD && statSync(cli).mtimeMs < sources);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'out'), { recursive: true });
  const script = `${stale ? 'npx electron-vite build >/dev/null && ' : ''}cp -R out/main "$1/out/main" && cp -R bin "$1/bin" && cp package.json "$1/"`;
  execFileSync('flock', ['/tmp/baton-build.lock', 'sh', '-c', script, 'sh', dir], { cwd: ROOT, stdio: 'pipe' });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'resources'), join(dir, 'resources'));
  return { dir, bin: join(dir, 'bin', 'baton.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `baton ARGS` (secrets from the environment; no BATON_* of the caller leaks in). */
export function runBaton(bin: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) clean[k] = v;
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: tmpdir(), env: { ...clean, BATON_SECRETS: 'env', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}
