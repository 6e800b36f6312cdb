/**
 * `baton serve`: the headless host (HTTP API + WebSocket + the built UI) on a data folder,
 * and `baton token`: print the server's token or a URL that logs the browser in.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openBaton } from '../../core';
import { applyPendingRestore } from '../../core/backup';
import { acquireLock } from '../../core/lock';
import { resourcesDir } from '../../core/resources';
import { DEFAULT_PORT, isLoopback, readToken, startServer, tokenFile } from '../../server';
import { runningServer, writeServerInfo } from '../../server/runtime';
import { CliExit, cliCommand, dataDirOf, EXIT, globals } from '../context';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('use a whole number from 0 to 65535 (0 picks a free port).');
  return n;
}

function collect(value: string, prev: string[]): string[] {
  return [...prev, value];
}

/** `baton serve` exits at the latest this long after SIGINT/SIGTERM (docs/server.md). */
export const STOP_DEADLINE_MS = 3_000;

interface ServeOptions {
  port: number;
  host: string;
  allowHost: string[];
}

async function serve(cmd: Command, o: ServeOptions): Promise<void> {
  const dataDir = dataDirOf(cmd);
  const json = globals(cmd).json;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const release = acquireLock(dataDir);
  let core;
  try {
    const restored = await applyPendingRestore(dataDir, join(resourcesDir(), 'migrations'));
    if (restored) console.error(restored.restored ? `Restored the scheduled backup ${restored.file}${restored.safetyBackup ? ` (the data it replaced: ${restored.safetyBackup})` : ''}.` : `The scheduled restore of ${restored.file} was not applied: ${restored.error}`);
    core = await openBaton({ dataDir, host: 'server' });
    if (restored) core.log[restored.restored ? 'info' : 'warn']('scheduled restore', restored);
  } catch (e) {
    release();
    throw e;
  }
  let server;
  try {
    await core.start();
    server = await startServer(core, { host: o.host, port: o.port, allowHosts: o.allowHost });
  } catch (e) {
    // Damage met while starting (a stored workflow that no longer parses) names the backup too.
    const damage = core.damage(e);
    await core.close();
    release();
    if (damage) throw damage;
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CliExit(`Port ${o.port} on ${o.host} is already in use. Pick another with --port N (0 picks a free one).`);
    }
    if ((e as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') {
      throw new CliExit(`--host ${o.host} is not an address of this machine. Use 127.0.0.1 (the default) or one of this machine's addresses.`);
    }
    throw e;
  }
  const forget = writeServerInfo(dataDir, { url: server.url, host: server.host, port: server.port, pid: process.pid, startedAt: new Date().toISOString() });

  // Handlers go in before the URL is printed: whoever reads it may signal us at once.
  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals | 'lost') => {
      if (stopping) {
        if (signal === 'lost') return;
        process.stderr.write(`baton: ${signal} again, exiting now.\n`);
        process.exit(130);
      }
      stopping = true;
      if (!json) process.stdout.write('Stopping Baton…\n');
      // Stopped within STOP_DEADLINE_MS of the signal, whatever holds on (the engine ends busy workers
      // after its own grace, well before this).
      setTimeout(() => {
        process.stderr.write(`baton: still stopping ${STOP_DEADLINE_MS / 1000} s after ${signal}; exiting now.\n`);
        forget();
        release();
        process.exit(process.exitCode ?? 0);
      }, STOP_DEADLINE_MS).unref();
      server
        .close()
        .catch((e: unknown) => process.stderr.write(`baton: error while stopping: ${(e as Error).message}\n`))
        .finally(() => {
          forget();
          release();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // The data folder or the database file went away under us: stop the engine and
    // exit non-zero with the reason (the log file may have gone with the folder).
    core.onLost((loss) => {
      process.stderr.write(`baton: ${loss.message}\n`);
      process.exitCode = EXIT.failed;
      stop('lost');
    });
  });

  if (!isLoopback(o.host)) {
    process.stderr.write(
      `\n  WARNING: Baton is listening on ${o.host}, reachable from other machines.\n` +
        '  Anyone on the network who obtains the token controls your automations, and traffic is plain HTTP.\n' +
        '  Prefer the default 127.0.0.1 with an SSH tunnel or a TLS reverse proxy (--allow-host NAME).\n\n',
    );
  }
  if (json) {
    process.stdout.write(JSON.stringify({ url: server.url, tokenFile: server.tokenFile, dataDir, pid: process.pid }) + '\n');
  } else {
    // The exact command that works from here: npx baton in a clone, baton when installed, with --data when not the default.
    const baton = cliCommand({ dataDir });
    process.stdout.write(
      `Baton is serving ${server.url}\n` +
        `Data folder: ${dataDir}\n` +
        `API token: in ${server.tokenFile} (show it with \`${baton} token\`; \`${baton} token --url\` prints a login link)\n` +
        'Stop with Ctrl+C.\n',
    );
  }

  await stopped;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Run Baton headless: the HTTP API, WebSocket events and the web UI on this machine.')
    .option('--port <n>', `port to listen on (0 picks a free one)`, parsePort, DEFAULT_PORT)
    .option('--host <address>', 'address to bind; anything but loopback exposes Baton to the network', '127.0.0.1')
    .option('--allow-host <name>', 'also accept this Host name (a reverse proxy or tunnel); repeatable', collect, [])
    .action(async (o: ServeOptions, cmd: Command) => serve(cmd, o));

  program
    .command('token')
    .description("Print the headless server's API token (or, with --url, a link that logs a browser in).")
    .option('--url', 'print http://HOST:PORT/#token=<token> instead of the bare token')
    .option('--port <n>', 'port for --url when no server is running (default: the running one, else 4717)', parsePort)
    .action((o: { url?: boolean; port?: number }, cmd: Command) => {
      const dataDir = dataDirOf(cmd);
      const token = readToken(dataDir);
      if (!token) throw new CliExit(`No server token in ${dataDir} yet (${tokenFile(dataDir)}): run \`baton serve\` once to create it.`);
      const running = runningServer(dataDir);
      const base = running && o.port === undefined ? running.url : `http://127.0.0.1:${o.port ?? DEFAULT_PORT}/`;
      const out = o.url ? `${base}#token=${token}` : token;
      if (globals(cmd).json) process.stdout.write(JSON.stringify(o.url ? { url: out, running: Boolean(running) } : { token }) + '\n');
      else process.stdout.write(out + '\n');
    });
}
