/**
 * Starts the built headless server (`node bin/baton.js serve`) on a fresh temp
 * data folder and a free port, with the environment secret backend so the run is
 * deterministic, and hands its URL and token to the tests through the environment.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '..');

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(join(root, 'out', 'renderer', 'index.html')) || !existsSync(join(root, 'out', 'main', 'cli.js'))) {
    throw new Error('The app is not built: run `npm run test:e2e` (it builds first) or `npx electron-vite build`.');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env, BATON_SECRETS: 'env', BATON_SECRET_DEMO_KEY: ['demo', 'value', String(process.pid)].join('-') };
  delete env.BATON_DATA_DIR;
  const child = spawn(process.execPath, [join(root, 'bin', 'baton.js'), 'serve', '--data', dataDir, '--port', '0', '--json'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));

  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`baton serve did not start within 20 s.\n${stderr}`)), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`baton serve exited with code ${code} before listening.\n${stderr}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const started = JSON.parse(line) as { url?: string };
        if (started.url) {
          clearTimeout(timer);
          ok(started.url);
        }
      } catch {
        // not the JSON line
      }
    });
  });
  child.removeAllListeners('exit');

  const token = readFileSync(join(dataDir, 'server-token'), 'utf8').trim();
  process.env.BATON_E2E_URL = url;
  process.env.BATON_E2E_TOKEN = token;
  process.env.BATON_E2E_DATA = dataDir;

  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
}
