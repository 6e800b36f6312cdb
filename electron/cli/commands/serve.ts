/**
 * `baton serve`: the headless host (HTTP API + WebSocket + the built UI) on a data folder,
 * and `baton token`: print the server's token or a URL that logs the browser in.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_PORT, isLoopback, readToken, tokenFile } from '../../server';
import { HostStartError, startHost } from '../../server/host';
import { runningServer } from '../../server/runtime';
import { askPassphrase, CliExit, cliCommand, dataDirOf, EXIT, globals, secretOptionsOf } from '../context';

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
  trustProxy?: boolean;
  askPassphrase?: boolean;
}

async function serve(cmd: Command, o: ServeOptions): Promise<void> {
  const json = globals(cmd).json;
  const secretOptions = secretOptionsOf(cmd);
  if (o.askPassphrase) secretOptions.passphrase = await askPassphrase();
  let host;
  try {
    host = await startHost({
      host: 'server',
      // dataDirOf has already moved an earlier default folder (and said so).
      dataDir: dataDirOf(cmd),
      secretOptions,
      http: { host: o.host, port: o.port, allowHosts: o.allowHost, ...(o.trustProxy ? { trustProxy: true } : {}) },
      notice: (message) => process.stderr.write(`${message}\n`),
    });
  } catch (e) {
    if (e instanceof HostStartError) throw new CliExit(e.message);
    throw e;
  }
  const { server, dataDir, core } = host;
  if (!server) throw new CliExit('The server did not start.');

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
        process.exit(process.exitCode ?? 0);
      }, STOP_DEADLINE_MS).unref();
      host
        .close()
        .catch((e: unknown) => process.stderr.write(`baton: error while stopping: ${(e as Error).message}\n`))
        .finally(() => {
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
    .option('--trust-proxy', 'rate-limit public routes by the last X-Forwarded-For address (behind a reverse proxy or tunnel on this machine)')
    .option('--ask-passphrase', 'read the passphrase of the encrypted secrets file (typed without echo, or one line on stdin)')
    .action(async (o: ServeOptions, cmd: Command) => serve(cmd, o));

  program
    .command('token')
    .description("Print the headless server's API token (or, with --url, a link that logs a browser in).")
    .option('--url', 'print http://HOST:PORT/#token=<token> instead of the bare token')
    .option('--port <n>', 'port for --url when no server is running (default: the running one, else 4717)', parsePort)
    .action((o: { url?: boolean; port?: number }, cmd: Command) => {
      const dataDir = dataDirOf(cmd);
      const token = readToken(dataDir);
      if (!token) throw new CliExit(`No server token in ${dataDir} yet (${tokenFile(dataDir)}): run \`${cliCommand({ dataDir })} serve\` once to create it.`);
      const running = runningServer(dataDir);
      const base = running && o.port === undefined ? running.url : `http://127.0.0.1:${o.port ?? DEFAULT_PORT}/`;
      const out = o.url ? `${base}#token=${token}` : token;
      if (globals(cmd).json) process.stdout.write(JSON.stringify(o.url ? { url: out, running: Boolean(running) } : { token }) + '\n');
      else process.stdout.write(out + '\n');
    });
}
