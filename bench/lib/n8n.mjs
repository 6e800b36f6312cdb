// n8n for bench/peer.mjs: installed once into <tmp>/baton-peer/n8n from the npm
// registry (reused afterwards), run on SQLite in a fresh user folder per bench
// run, with everything that would call out to the internet turned off.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTracked, startTracked } from './proc.mjs';

/** 1.123.x is the last line of n8n that runs on Node 20. */
export const N8N_VERSION = process.env.BATON_PEER_N8N_VERSION || '1.123.81';

/**
 * n8n pins xlsx to a tarball on cdn.sheetjs.com (outside the npm registry): take
 * the registry's xlsx instead. isolated-vm 6 does not build on Node 20: 5.0.4 does.
 */
export const N8N_OVERRIDES = { xlsx: '0.18.5', 'isolated-vm': '5.0.4' };

export const N8N_HOME = process.env.BATON_PEER_N8N_DIR || join(tmpdir(), 'baton-peer', 'n8n');

/** A step of the bench that failed: what, why, and how to fix it. */
export class StepError extends Error {
  constructor(step, message, fix) {
    super(message);
    this.step = step;
    this.fix = fix;
  }
}

export function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    | ${l}`).join('\n');
  } catch {
    return '    | (no log)';
  }
}

const binOf = (home) => join(home, 'node_modules', 'n8n', 'bin', 'n8n');
const markerOf = (home) => join(home, '.baton-peer-installed');

/**
 * Installs n8n N8N_VERSION into N8N_HOME unless it is there already.
 * @returns {{ home: string, bin: string, version: string, installedNow: boolean, seconds: number }}
 */
export async function ensureN8n({ log = console.log } = {}) {
  const home = N8N_HOME;
  const bin = binOf(home);
  const marker = markerOf(home);
  const wanted = JSON.stringify({ version: N8N_VERSION, overrides: N8N_OVERRIDES });
  if (existsSync(bin) && existsSync(marker) && readFileSync(marker, 'utf8') === wanted) {
    return { home, bin, version: installedVersion(home), installedNow: false, seconds: 0 };
  }
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, 'package.json'),
    JSON.stringify(
      {
        name: 'baton-peer-n8n',
        private: true,
        description: "n8n installed by Baton's bench/peer.mjs (npm run bench:peer); safe to delete",
        dependencies: { n8n: N8N_VERSION },
        overrides: N8N_OVERRIDES,
      },
      null,
      2,
    ),
  );
  rmSync(marker, { force: true });
  const logFile = join(home, 'install.log');
  writeFileSync(logFile, '');
  log(`  installing n8n ${N8N_VERSION} into ${home} (first run only: ~15-25 min on 2 cores; progress in ${logFile})`);
  // Under `npm run`, npm_execpath is npm's own script: use the same npm.
  const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : null;
  const [cmd, args] = npmCli
    ? [process.execPath, [npmCli, 'install', '--no-audit', '--no-fund']]
    : ['npm', ['install', '--no-audit', '--no-fund']];
  const t0 = Date.now();
  const run = runTracked(cmd, args, { cwd: home, env: { ...process.env, npm_config_loglevel: 'warn', SCARF_ANALYTICS: 'false' }, logFile });
  const ticker = setInterval(() => {
    log(`  … still installing n8n (${Math.round((Date.now() - t0) / 60000)} min)`);
  }, 120_000);
  let res;
  try {
    // The install is a background chore: leave the machine's other work ahead of it.
    const child = run.child;
    if (child?.pid) {
      try {
        setPriority(child.pid, 10);
      } catch {
        // not allowed here: it runs at normal priority
      }
    }
    res = await run;
  } finally {
    clearInterval(ticker);
  }
  if (res.code !== 0 || !existsSync(bin)) {
    throw new StepError(
      'install n8n',
      `npm install of n8n ${N8N_VERSION} in ${home} ${res.error ? `could not start npm (${res.error.message})` : `exited with code ${res.code}`}; the end of ${logFile}:\n${tail(logFile)}`,
      res.error
        ? 'put npm on the PATH (it comes with Node) and run again.'
        : `check that the npm registry is reachable (npm ping) and the disk has ~2 GB free in ${tmpdir()}; then run again (the install resumes). To start over: rm -rf ${home}. A build error of isolated-vm or sqlite3 needs a C++ toolchain (build-essential, python3).`,
    );
  }
  writeFileSync(marker, wanted);
  return { home, bin, version: installedVersion(home), installedNow: true, seconds: (Date.now() - t0) / 1000 };
}

export function installedVersion(home = N8N_HOME) {
  try {
    return JSON.parse(readFileSync(join(home, 'node_modules', 'n8n', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** The environment n8n runs in: SQLite in `userFolder`, loopback only, no telemetry or calls out. */
export function n8nEnv(userFolder, port) {
  const env = { ...process.env };
  // The bench's own npm/node settings would confuse n8n's CLI.
  for (const k of Object.keys(env)) if (k.startsWith('npm_') || k.startsWith('N8N_') || k.startsWith('DB_')) delete env[k];
  return {
    ...env,
    N8N_USER_FOLDER: userFolder,
    DB_TYPE: 'sqlite',
    // n8n's recommended SQLite mode (WAL with a pool of read connections; pool size 0 is deprecated).
    DB_SQLITE_POOL_SIZE: '2',
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_PROTOCOL: 'http',
    GENERIC_TIMEZONE: 'UTC',
    N8N_ENCRYPTION_KEY: 'baton-peer-bench-not-a-secret',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
    N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_DYNAMIC_BANNERS_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
    N8N_AI_ENABLED: 'false',
    N8N_COMMUNITY_PACKAGES_ENABLED: 'false',
    N8N_PUBLIC_API_DISABLED: 'true',
    EXTERNAL_FRONTEND_HOOKS_URLS: '',
    // The workflow has no Code node: no task-runner process.
    N8N_RUNNERS_ENABLED: 'false',
    N8N_SECURE_COOKIE: 'false',
    N8N_LOG_LEVEL: 'warn',
    N8N_LOG_OUTPUT: 'console',
    N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
    // Keep every execution (as Baton keeps every run): the bench counts them.
    EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
    EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
    NODE_ENV: 'production',
  };
}

/** Runs an n8n CLI command to its end; a non-zero exit is a StepError naming `step`. */
export async function n8nCli(bin, args, { env, logFile, step, fix }) {
  const res = await runTracked(process.execPath, [bin, ...args], { env, logFile });
  if (res.code !== 0) {
    throw new StepError(step, `\`n8n ${args.join(' ')}\` exited with code ${res.code}; the end of ${logFile}:\n${tail(logFile)}`, fix);
  }
}

/** Starts `n8n start` (its tree is killed when the bench ends). */
export function startN8n(bin, { env, logFile, nodeArgs = [] }) {
  return startTracked(process.execPath, [...nodeArgs, bin, 'start'], { env, logFile });
}
