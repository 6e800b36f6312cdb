import type { Command } from 'commander';
import { basename, join, relative, resolve } from 'node:path';
import { ApiError, operations, type OpInput, type OpName, type OpOutput } from '../../shared/api';
import { RemoteClient, RemoteError } from '../core/remote/client';
import { openBaton, type Core } from '../core';
import { StoreUnavailableError, storeUnavailable } from '../core/db/errors';
import { NewerSchemaError } from '../core/db/migrate';
import { isCorruption } from '../core/db/integrity';
import { CorruptDatabaseError } from '../core/db/open';
import { resolveDataDir } from '../core/paths';
import { resolveHostDataDir } from '../core/data-move';
import type { SecretStoreOptions } from '../core/secrets';
import { appRoot } from '../core/resources';

const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`);

/**
 * How a person runs `baton` again on this machine, the way this process was run:
 * `baton` when it is on the PATH (npm link, a global install), `npx baton` from the
 * Baton folder (a clone after npm install), else node with the full path. With
 * `dataDir` other than the default, `--data DIR` is added (the command must find
 * the same folder).
 */
export function cliCommand(opts: { dataDir?: string; argv1?: string; cwd?: string; root?: string } = {}): string {
  const script = opts.argv1 ?? process.argv[1] ?? '';
  const root = opts.root ?? appRoot();
  const rel = relative(root, opts.cwd ?? process.cwd());
  const inProject = !rel.startsWith('..') && !rel.startsWith('/');
  const base = basename(script) === 'baton' ? 'baton' : inProject ? 'npx baton' : `node ${shellQuote(join(root, 'bin', 'baton.js'))}`;
  const data = opts.dataDir !== undefined && resolve(opts.dataDir) !== resolveDataDir(undefined) ? ` --data ${shellQuote(resolve(opts.dataDir))}` : '';
  return base + data;
}

/** Options every command accepts. */
export interface GlobalOptions {
  data?: string;
  json?: boolean;
  secretsKeyfile?: string;
}

export class CliExit extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/** The merged options of a command and all its parents (--data and --json may be given anywhere). */
export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

const resolved = new Map<string, string>();

/**
 * The data folder: --data DIR, else BATON_DATA_DIR, else the OS default. The
 * first command that uses the default moves an earlier version's folder into
 * it (once, the old one kept as the backup) and says so on stderr.
 */
export function dataDirOf(cmd: Command): string {
  const explicit = globals(cmd).data;
  const key = explicit ?? '';
  const hit = resolved.get(key);
  if (hit) return hit;
  const r = resolveHostDataDir(explicit);
  if (r.moved) process.stderr.write(`baton: ${r.moved.message}\n`);
  if (r.notice) process.stderr.write(`baton: ${r.notice}\n`);
  resolved.set(key, r.dataDir);
  return r.dataDir;
}

/** How this command opens the secret store: --secrets-keyfile, else the environment (BATON_SECRETS_*). */
export function secretOptionsOf(cmd: Command): SecretStoreOptions {
  const keyFile = globals(cmd).secretsKeyfile;
  return keyFile ? { keyFile } : {};
}

/** The passphrase of the encrypted secrets file: typed without echo on a terminal, else one line of stdin. */
export async function askPassphrase(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const c of stdin) {
      text += (c as Buffer).toString('utf8');
      if (text.includes('\n')) break;
    }
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write('Passphrase of the secrets file (typing is hidden): ');
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new CliExit('Cancelled.', 130));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * Open the core on the data folder for one command, and close it after. Damage
 * met on the way (SQLITE_CORRUPT, stored JSON that does not parse) becomes a
 * CorruptDatabaseError naming the newest verified backup, and is logged.
 */
export async function withCore<T>(cmd: Command, fn: (core: Core) => Promise<T>): Promise<T> {
  if (remoteOf(cmd)) throw new CliExit(`\`baton ${cmd.name()}\` works on this computer's data folder and cannot run against --url/BATON_URL; run it on the server itself.`, EXIT.invalidInput);
  const core = await openBaton({ dataDir: dataDirOf(cmd), host: 'cli', secretOptions: secretOptionsOf(cmd) });
  try {
    return await fn(core);
  } catch (e) {
    throw core.damage(e) ?? e;
  } finally {
    await core.close();
  }
}

/** Commands that act on this computer's data folder or process only: with --url/BATON_URL they refuse instead of silently acting locally. */
export const LOCAL_ONLY_COMMANDS: readonly string[] = ['serve', 'token', 'doctor', 'restore', 'backup', 'secrets keyfile'];

/** Refuse a local-only command (`path` as "secrets keyfile") when a remote server is given. */
export function refuseRemoteFor(path: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!LOCAL_ONLY_COMMANDS.includes(path)) return;
  const url = (remoteArgs.url ?? env.BATON_URL ?? '').trim();
  if (url) throw new CliExit(`\`baton ${path}\` works on this computer's data folder and cannot run against --url/BATON_URL (${url}); run it on the server itself, or leave out --url and unset BATON_URL.`, EXIT.invalidInput);
}

/** `--url URL` and `--token TOKEN` taken off the command line by main() (see splitRemoteArgs). */
let remoteArgs: { url?: string; token?: string } = {};
export function setRemoteArgs(r: { url?: string; token?: string }): void {
  remoteArgs = r;
}

/**
 * Take the global `--url URL` / `--token TOKEN` (also `--url=URL`) off the
 * command line before commander parses it: `baton token --url` has a flag of
 * the same name, so there (after the `token` command) `--url` stays the
 * command's own. Everywhere else they choose the remote server.
 */
export function splitRemoteArgs(argv: readonly string[]): { argv: string[]; url?: string; token?: string; problem?: string } {
  const out: string[] = [];
  const found: { url?: string; token?: string; problem?: string } = {};
  let command: string | null = null;
  const VALUED = new Set(['--data', '--secrets-keyfile']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const m = /^--(url|token)(?:=(.*))?$/.exec(a);
    if (m && !(m[1] === 'url' && command === 'token')) {
      const value = m[2] ?? argv[i + 1];
      if (m[2] === undefined) i++;
      if (value === undefined || (m[2] === undefined && value.startsWith('--'))) found.problem = `--${m[1]} needs a value`;
      else found[m[1] as 'url' | 'token'] = value;
      continue;
    }
    if (command === null && !a.startsWith('-')) command = a;
    out.push(a);
    if (command === null && VALUED.has(a) && i + 1 < argv.length) out.push(argv[++i]!);
  }
  return { argv: out, ...found };
}

/** The remote server of this command: --url (else BATON_URL) with --token (else BATON_TOKEN); null for local data. */
export function remoteOf(_cmd: Command, env: NodeJS.ProcessEnv = process.env): { url: string; token: string } | null {
  const url = (remoteArgs.url ?? env.BATON_URL ?? '').trim();
  if (!url) return null;
  const token = (remoteArgs.token ?? env.BATON_TOKEN ?? '').trim();
  if (!token) throw new CliExit(`--url ${url} needs the server's token: give it with --token TOKEN or in BATON_TOKEN (on the server: \`baton token\`).`, EXIT.invalidInput);
  return { url, token };
}

/** What a command calls operations on: the local core, or a remote server's HTTP API. */
export interface Api {
  call<N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>>;
}

/**
 * Run `fn` against the remote server when --url/BATON_URL is given, else
 * against the local core (opened for the command and closed after; passed as
 * the second argument, null when remote). Connection failures of the remote
 * become one clear sentence: unreachable, bad certificate, bad token, refused host.
 */
export async function withApi<T>(cmd: Command, fn: (api: Api, core: Core | null) => Promise<T>): Promise<T> {
  const remote = remoteOf(cmd);
  if (!remote) return withCore(cmd, (core) => fn(core, core));
  let client: RemoteClient;
  try {
    client = new RemoteClient(remote);
  } catch (e) {
    throw new CliExit(`--url: ${(e as Error).message.replace(/^url: /, '')}`, EXIT.invalidInput);
  }
  const api: Api = {
    call: async (name, input) => operations[name].output.parse(await client.call(name, input)) as OpOutput<typeof name>,
  };
  try {
    return await fn(api, null);
  } catch (e) {
    if (e instanceof RemoteError) {
      const hint = e.problem === 'bad_token' ? ' (the token came from ' + (remoteArgs.token ? '--token' : 'BATON_TOKEN') + ')' : '';
      throw new CliExit(e.message + hint, EXIT.failed);
    }
    throw e;
  }
}

/** Print `data` as JSON with --json, else the human text. */
export function print(cmd: Command, data: unknown, human: () => string): void {
  if (globals(cmd).json) process.stdout.write(JSON.stringify(data, null, 2) + '\n');
  else process.stdout.write(human() + '\n');
}

/** Exit codes: 1 failed, 2 bad input, 3 database from a newer Baton, 4 damaged database, 5 the store was busy or full (the message says what was committed). */
export const EXIT = { failed: 1, invalidInput: 2, newerSchema: 3, corruptDatabase: 4, storeUnavailable: 5 } as const;

/** Map any error to a message on stderr (JSON with --json) and an exit code. */
export function reportError(e: unknown, json: boolean): number {
  let code: number;
  let body: { code: string; message: string; issues?: unknown };
  // A busy or full store met outside an operation (opening, a command's own steps).
  e = storeUnavailable(e, 'What the command had not committed was rolled back; nothing is half-written.') ?? e;
  if (e instanceof StoreUnavailableError) {
    code = e.kind === 'corrupt' ? EXIT.corruptDatabase : EXIT.storeUnavailable;
    body = e.toBody();
  } else if (e instanceof NewerSchemaError) {
    code = EXIT.newerSchema;
    body = { code: 'newer_schema', message: e.message };
  } else if (e instanceof CorruptDatabaseError || isCorruption(e)) {
    code = EXIT.corruptDatabase;
    body = { code: 'corrupt_database', message: (e as Error).message };
  } else if (e instanceof ApiError) {
    code = e.code === 'invalid_input' ? EXIT.invalidInput : EXIT.failed;
    body = e.toBody();
  } else {
    code = e instanceof CliExit ? e.code : EXIT.failed;
    body = { code: e instanceof CliExit ? 'failed' : 'error', message: (e as Error)?.message ?? String(e) };
  }
  if (json) process.stderr.write(JSON.stringify({ error: body }) + '\n');
  else process.stderr.write(`baton: ${body.message}\n`);
  return code;
}
