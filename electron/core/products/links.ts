/**
 * Signed magic links (docs/products.md, "Magic links"): a token names a grant
 * and an expiry, signed with HMAC-SHA256 under the secret PRODUCT_LINK_KEY
 * (made once per install where secrets can be stored; never in SQLite). The
 * link holds no secret of its own: it is checked against the grant on every
 * use, so revoking the grant makes every link of it fail at once.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { PRODUCT_LINK_KEY } from '../../../shared/api';
import type { Sqlite } from '../db/open';
import { setting } from '../sales/state';
import { publicBaseUrl } from '../sales/unsubscribe';

export class LinkKeyMissing extends Error {
  constructor() {
    super(`No signing key for magic links: store a random value of 32 characters or more as the secret ${PRODUCT_LINK_KEY} (npx baton secrets set ${PRODUCT_LINK_KEY}), or start Baton where it can store secrets (it makes one itself).`);
    this.name = 'LinkKeyMissing';
  }
}

export function keyBytes(value: string | null): Buffer | null {
  if (!value || value.length < 32) return null;
  return Buffer.from(value, 'utf8');
}

/** Make the signing key once, where secrets can be stored. Returns whether there is one now. */
export async function ensureLinkKey(secrets: { get(n: string): Promise<string | null>; set(n: string, v: string): Promise<void>; backend(): { writable: boolean } }): Promise<boolean> {
  if (keyBytes(await secrets.get(PRODUCT_LINK_KEY))) return true;
  if (!secrets.backend().writable) return false;
  await secrets.set(PRODUCT_LINK_KEY, randomBytes(32).toString('base64url'));
  return true;
}

const sign = (key: Buffer, body: string) => createHmac('sha256', key).update(`baton-access:${body}`).digest('base64url').slice(0, 32);

/** A token for a grant, valid until `expiresAt` (ms). */
export function accessToken(key: Buffer, grantId: number, expiresAt: number): string {
  const body = `${grantId.toString(36)}.${Math.floor(expiresAt / 1000).toString(36)}`;
  return `${body}.${sign(key, body)}`;
}

/** The grant id and expiry of a token whose signature is right (expiry not checked), else null. */
export function readToken(key: Buffer, token: string): { grantId: number; expiresAt: number } | null {
  const m = /^([0-9a-z]{1,12})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return null;
  const want = Buffer.from(sign(key, `${m[1]}.${m[2]}`));
  const got = Buffer.from(m[3] as string);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  return { grantId: parseInt(m[1] as string, 36), expiresAt: parseInt(m[2] as string, 36) * 1000 };
}

/** The public address of a grant's access page (below server.publicUrl / email.publicUrl). */
export function accessUrl(db: Sqlite, key: Buffer, grantId: number, now: number, days: number): { url: string; expiresAt: number } {
  const expiresAt = now + days * 86_400_000;
  const base = publicBaseUrl(db, (k, f) => setting(db, k, f)).replace(/\/+$/, '');
  return { url: `${base}/access/${accessToken(key, grantId, expiresAt)}`, expiresAt };
}
