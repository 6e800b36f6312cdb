import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'server-token';
const MIN_LENGTH = 32;

export function tokenFile(dataDir: string): string {
  return join(dataDir, TOKEN_FILE);
}

export interface ServerToken {
  token: string;
  file: string;
  /** True when this call generated it (first start, or the old file was empty/too short). */
  created: boolean;
  /** True when the file was readable by others and its mode was fixed to 0600. */
  fixedMode: boolean;
}

/**
 * The bearer token of the headless server: generated once with crypto.randomBytes,
 * kept in <data>/server-token with mode 0600 (a looser mode is fixed), reused later.
 */
export function loadOrCreateToken(dataDir: string): ServerToken {
  const file = tokenFile(dataDir);
  let fixedMode = false;
  if (existsSync(file)) {
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
      chmodSync(file, 0o600);
      fixedMode = true;
    }
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= MIN_LENGTH && /^[A-Za-z0-9_-]+$/.test(token)) return { token, file, created: false, fixedMode };
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync's mode only applies when it creates the file
  return { token, file, created: true, fixedMode };
}

/** Read the existing token (for `baton token`); null when the server never ran on this folder. */
export function readToken(dataDir: string): string | null {
  const file = tokenFile(dataDir);
  if (!existsSync(file)) return null;
  const token = readFileSync(file, 'utf8').trim();
  return token.length >= MIN_LENGTH ? token : null;
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | undefined | null, expected: string): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
