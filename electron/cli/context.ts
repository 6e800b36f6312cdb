import type { Command } from 'commander';
import { ApiError } from '../../shared/api';
import { openBaton, type Core } from '../core';
import { resolveDataDir } from '../core/paths';

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

/** Open the core on the data folder for one command, and close it after. */
export async function withCore<T>(cmd: Command, fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await openBaton({ dataDir: dataDirOf(cmd), host: 'cli' });
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}

/** Print `data` as JSON with --json, else the human text. */
export function print(cmd: Command, data: unknown, human: () => string): void {
  if (globals(cmd).json) process.stdout.write(JSON.stringify(data, null, 2) + '\n');
  else process.stdout.write(human() + '\n');
}

/** Map any error to a message on stderr (JSON with --json) and an exit code. */
export function reportError(e: unknown, json: boolean): number {
  const code = e instanceof CliExit ? e.code : e instanceof ApiError ? (e.code === 'invalid_input' ? 2 : 1) : 1;
  const body =
    e instanceof ApiError ? e.toBody() : { code: e instanceof CliExit ? 'failed' : 'error', message: (e as Error)?.message ?? String(e) };
  if (json) process.stderr.write(JSON.stringify({ error: body }) + '\n');
  else process.stderr.write(`baton: ${body.message}\n`);
  return code;
}
