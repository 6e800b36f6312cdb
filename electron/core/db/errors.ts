/**
 * Errors of the store itself (SQLite's lock stayed taken, the disk is full, the
 * file cannot be written) as opposed to errors of the data being written (a
 * constraint, a bad value). A command that meets one stops: it never reports it
 * as a bad input row, says what was committed before it, and the CLI exits with
 * EXIT.storeUnavailable (5).
 */
import { ApiError } from '../../../shared/api';
import { BUSY_TIMEOUT_MS } from './open';

export type StoreFailureKind = 'busy' | 'full' | 'io' | 'readonly' | 'nomem' | 'corrupt';

/** The kind of store failure SQLite's error code names, or null (the error is about the data, or not SQLite's). */
export function storeFailureKind(e: unknown): StoreFailureKind | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code === 'SQLITE_FULL') return 'full';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'io';
  if (code.startsWith('SQLITE_READONLY')) return 'readonly';
  if (code === 'SQLITE_NOMEM') return 'nomem';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  return null;
}

/** What happened, in the user's words (SQLite's code in brackets, to search for). */
export function describeStoreFailure(kind: StoreFailureKind, e: unknown): string {
  const code = String((e as { code?: unknown }).code);
  switch (kind) {
    case 'busy':
      return `the database stayed busy: another Baton process (the app, \`baton serve\` or another command) held its write lock for more than ${BUSY_TIMEOUT_MS / 1000} s (${code})`;
    case 'full':
      return `the disk holding the database is full (${code}); free some space`;
    case 'io':
      return `the database file could not be written: a disk error (${code}: ${(e as Error).message})`;
    case 'readonly':
      return `the database is read-only (${code}): check the permissions of the data folder and its files`;
    case 'nomem':
      return `SQLite ran out of memory (${code})`;
    case 'corrupt':
      return `the database file is damaged (${code}); run \`baton doctor\``;
  }
}

/** A command stopped because of the store (busy, full, disk error): `unavailable` over the API, exit 5 in the CLI. */
export class StoreUnavailableError extends ApiError {
  constructor(
    readonly kind: StoreFailureKind,
    message: string,
  ) {
    super('unavailable', message);
  }
}

/**
 * An error of the store -> a StoreUnavailableError whose message says what
 * happened and `committed` (what was stored before it, or that nothing was);
 * any other error -> null.
 */
export function storeUnavailable(e: unknown, committed = 'Nothing was written.'): StoreUnavailableError | null {
  if (e instanceof StoreUnavailableError) return e;
  const kind = storeFailureKind(e);
  if (!kind) return null;
  const what = describeStoreFailure(kind, e);
  return new StoreUnavailableError(kind, `${what[0]!.toUpperCase()}${what.slice(1)}. ${committed}${kind === 'busy' ? ' Try again.' : ''}`);
}
