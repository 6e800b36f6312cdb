/**
 * Unsubscribe links: /u/<token>, token = base64url(address) + "." + HMAC-SHA256
 * with a per-install key kept in <data>/email-unsubscribe.key (mode 0600,
 * created on first use; readable from Bree workers, never logged).
 * GET shows a confirmation page and changes nothing (mail scanners follow
 * links); only POST (the page's button, or RFC 8058 one-click from the mail
 * client) suppresses the address.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { storedPublicUrl } from '../../../shared/contract/settings';
import type { Sqlite } from '../db/open';

const keys = new Map<string, Buffer>();

export function unsubscribeKey(db: Sqlite): Buffer {
  const file = join(dirname(db.name), 'email-unsubscribe.key');
  const hit = keys.get(file);
  if (hit) return hit;
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  if (key.length < 32) throw new Error(`${file} is damaged (expected 64 hex characters); delete it to create a new key (old links stop working).`);
  keys.set(file, key);
  return key;
}

const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(`unsub:${payload}`).digest('base64url').slice(0, 32);

export function unsubscribeToken(db: Sqlite, email: string): string {
  const payload = Buffer.from(email.toLowerCase(), 'utf8').toString('base64url');
  return `${payload}.${mac(unsubscribeKey(db), payload)}`;
}

/** The address of a valid token, else null. */
export function verifyUnsubscribeToken(db: Sqlite, token: string): string | null {
  const m = /^([A-Za-z0-9_-]{1,700})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return null;
  const want = Buffer.from(mac(unsubscribeKey(db), m[1]!));
  const got = Buffer.from(m[2]!);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  return Buffer.from(m[1]!, 'base64url').toString('utf8');
}

/**
 * The List-Unsubscribe mailto: (RFC 2369) for mail clients without one-click: a message to the
 * sender address whose subject carries the same signed token as the link. The IMAP poll finds it
 * (`tokenInText`) and suppresses the address the token names (docs/email.md, "Unsubscribe").
 */
export function unsubscribeMailto(from: string, token: string): string {
  return `mailto:${from}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`;
}

/** The unsubscribe token in a subject or body ("unsubscribe <token>"), or null. */
export function tokenInText(text: string): string | null {
  const m = /\bunsubscribe[\s:]+([A-Za-z0-9_-]{1,700}\.[A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])/i.exec(text);
  return m ? m[1]! : null;
}

/** Where mail links point: the server.publicUrl setting, else the earlier email.publicUrl, else this machine's default address. */
export function publicBaseUrl(db: Sqlite, read: <T>(k: string, f: T) => T): string {
  void db;
  return storedPublicUrl({ 'server.publicUrl': read<unknown>('server.publicUrl', null), 'email.publicUrl': read<unknown>('email.publicUrl', null) }) ?? 'http://127.0.0.1:4717';
}
