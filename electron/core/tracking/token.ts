/**
 * Tracking tokens (docs/tracking.md, "Links"): a kind byte and a few
 * unsigned integers (varints), then the first 12 bytes of an HMAC-SHA256 over
 * them, base64url. A click link carries (link row id, contact id), the open
 * pixel (pixel row id, contact id), the site visitor id `bt` (contact id, day
 * issued). About 26 characters. Only the exact string Baton issued verifies:
 * any changed character, a different kind or extra bytes is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const KIND = { click: 1, open: 2, visitor: 3 } as const;
export type TokenKind = (typeof KIND)[keyof typeof KIND];

const MAC_BYTES = 12;
const CONTEXT = 'baton-tracking/1\0';
/** The longest token Baton makes is far shorter; anything longer is not looked at. */
const TOKEN_RE = /^[A-Za-z0-9_-]{18,96}$/;

function mac(key: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(CONTEXT).update(payload).digest().subarray(0, MAC_BYTES);
}

function putVarint(n: number, out: number[]): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`a tracking token holds whole numbers from 0 (got ${n})`);
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

export function signToken(key: Buffer, kind: TokenKind, nums: readonly number[]): string {
  const bytes: number[] = [kind];
  for (const n of nums) putVarint(n, bytes);
  const payload = Buffer.from(bytes);
  return Buffer.concat([payload, mac(key, payload)]).toString('base64url');
}

/** The numbers of a token of `kind` with exactly `count` of them, or null (malformed, changed, other kind). */
export function verifyToken(key: Buffer, token: string, kind: TokenKind, count: number): number[] | null {
  if (!TOKEN_RE.test(token)) return null;
  const raw = Buffer.from(token, 'base64url');
  // base64url has spare bits in its last character: only the canonical spelling counts.
  if (raw.length <= MAC_BYTES + 1 || raw.toString('base64url') !== token) return null;
  const payload = raw.subarray(0, raw.length - MAC_BYTES);
  if (!timingSafeEqual(mac(key, payload), raw.subarray(raw.length - MAC_BYTES))) return null;
  if (payload[0] !== kind) return null;
  const nums: number[] = [];
  let pos = 1;
  while (pos < payload.length) {
    let n = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (pos >= payload.length || i > 7) return null;
      const b = payload[pos++]!;
      n += (b & 0x7f) * scale;
      scale *= 0x80;
      if (!(b & 0x80)) break;
    }
    nums.push(n);
  }
  return nums.length === count ? nums : null;
}
