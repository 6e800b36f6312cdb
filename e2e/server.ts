/** Start and stop the built `baton serve` for the e2e tests (a real process on a real data folder). */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

export const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'baton.js');

/** Deterministic secrets: the environment backend with one known secret. */
export function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BATON_SECRETS: 'env', BATON_SECRET_DEMO_KEY: ['demo', 'value', String(process.pid)].join('-') };
  delete env.BATON_DATA_DIR;
  return env;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  dataDir: string;
  stop(): Promise<void>;
}

export function assertBuilt(): void {
  if (!existsSync(join(root, 'out', 'renderer', 'index.html')) || !existsSync(join(root, 'out', 'main', 'cli.js'))) {
    throw new Error('The app is not built: run `npm run test:e2e` (it builds first) or `npx electron-vite build`.');
  }
}

/** `node bin/baton.js serve --data DIR --port PORT --json`; resolves once it listens. Port 0 picks a free one. */
export async function startServer(dataDir: string, port = 0, env: NodeJS.ProcessEnv = serverEnv()): Promise<RunningServer> {
  const child = spawn(process.execPath, [bin, 'serve', '--data', dataDir, '--port', String(port), '--json'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const onExit = (code: number | null) => fail(new Error(`baton serve exited with code ${code} before listening.\n${stderr}`));
  let fail: (e: Error) => void = () => {};
  const url = await new Promise<string>((ok, no) => {
    fail = no;
    const timer = setTimeout(() => no(new Error(`baton serve did not start within 60 s.\n${stderr}`)), 60_000);
    child.once('exit', onExit);
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
  child.off('exit', onExit);
  return {
    url,
    port: Number(new URL(url).port),
    token: readFileSync(join(dataDir, 'server-token'), 'utf8').trim(),
    dataDir,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Run the `baton` CLI on a data folder (JSON output parsed). */
export async function baton(dataDir: string, ...args: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, [bin, '--data', dataDir, '--json', ...args], { cwd: root, env: serverEnv() });
  return JSON.parse(stdout) as unknown;
}
