import type { Command } from 'commander';
import { basename, join, relative, resolve } from 'node:path';
import { ApiError } from '../../shared/api';
import { openBaton, type Core } from '../core';
import { StoreUnavailableError, storeUnavailable } from '../core/db/errors';
import { NewerSchemaError } from '../core/db/migrate';
import { isCorruption } from '../core/db/integrity';
import { CorruptDatabaseError } from '../core/db/open';
import { resolveDataDir } from '../core/paths';
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

export function dataDirOf(cmd: Command): string {
  return resolveDataDir(globals(cmd).data);
}

/**
 * Open the core on the data folder for one command, and close it after. Damage
 * met on the way (SQLITE_CORRUPT, stored JSON that does not parse) becomes a
 * CorruptDatabaseError naming the newest verified backup, and is logged.
 */
export async function withCore<T>(cmd: Command, fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await openBaton({ dataDir: dataDirOf(cmd), host: 'cli' });
  try {
    return await fn(core);
  } catch (e) {
    throw core.damage(e) ?? e;
  } finally {
    await core.close();
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
