/**
 * The authentication side of webhooks: per hook, how a caller proves it is who
 * it says (shared/contract/triggers.ts `HookAuth`), and what makes a delivery a
 * replay. webhook.ts calls `authenticateHook` once per POST and
 * `verificationChallenge` for a GET; everything about providers lives here.
 *
 * - baton: X-Baton-Signature (HMAC-SHA256 of the body) or the bearer secret.
 * - stripe: Stripe-Signature through the official package (stripe-signature.ts).
 * - hmac: the provider's documented HMAC (GitHub, Shopify, Calendly, Slack …).
 * - meta: X-Hub-Signature-256 on POST; GET hub.challenge with the verify token.
 *
 * A refusal names its reason for the log (never the secret, never the
 * signature) and a message for the caller; a replayed event is found by the
 * caller (webhook.ts) from `eventId`: runs started from a hook are keyed by it,
 * so a second delivery of the same event can never start a second run.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { HookAuth, HookSecretRole } from '../../../../shared/api';
import type { PublicRequest, PublicResponse } from '../../core';
import { verifyStripe } from './stripe-signature';

export const BATON_SIGNATURE_HEADER = 'x-baton-signature';
export const META_SIGNATURE_HEADER = 'x-hub-signature-256';
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';
export const DEFAULT_AUTH: HookAuth = { type: 'baton' };

/** The secret-store name of one of a hook's secrets (the signing one is `base`, e.g. HOOK_INTAKE). */
export function hookSecretNameFor(base: string, role: HookSecretRole): string {
  if (role === 'signing') return base;
  if (base.length <= 57) return `${base}_VERIFY`;
  // Shortened names end with an 8-character hash: keep it, so two long slugs never share a name.
  return `${base.slice(0, 48)}${base.slice(-9)}_VERIFY`.slice(0, 64);
}

/** The roles of secrets a hook of this kind reads. */
export function secretRoles(auth: HookAuth): HookSecretRole[] {
  return auth.type === 'meta' ? ['signing', 'verify'] : ['signing'];
}

function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  // Hashing first makes the lengths equal, so the comparison is constant-time whatever was sent.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export type AuthResult =
  | { ok: true; eventId: string | null }
  | { ok: false; reason: string; message: string; headers?: Record<string, string> };

export interface AuthInput {
  slug: string;
  auth: HookAuth;
  req: Pick<PublicRequest, 'headers' | 'body' | 'query' | 'method'>;
  /** The engine's clock, ms. */
  now: number;
  /** Read one of this hook's secrets. */
  secret(role: HookSecretRole): Promise<string | null>;
  /** The names of the hook's secrets, for messages. */
  secretName(role: HookSecretRole): string;
}

const refuse = (reason: string, message: string, scheme = 'Signature'): AuthResult => ({
  ok: false,
  reason,
  message,
  headers: { 'WWW-Authenticate': `${scheme} realm="baton-hooks"` },
});

/** The timestamp of a delivery, in ms: unix seconds, unix ms, or an ISO date. */
export function parseTimestamp(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const v = raw.trim();
  if (/^\d{1,16}$/.test(v)) {
    const n = Number(v);
    return n > 1e12 ? n : n * 1000;
  }
  if (/^\d{4}-\d\d-\d\dT/.test(v)) {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : null;
  }
  return null;
}

/** `k1=v1,k2=v2` (Stripe-style headers) → every value of each key. */
function pairs(header: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    out.set(k, [...(out.get(k) ?? []), v]);
  }
  return out;
}

function hmac(algorithm: string, secret: string, text: Buffer): Buffer {
  return createHmac(algorithm, secret).update(text).digest();
}

/** What an `hmac` hook's provider signs: the template with {timestamp} and {body} (raw bytes) filled in. */
function signedText(template: string, timestamp: string | null, body: Buffer): Buffer {
  const parts: Buffer[] = [];
  const re = /\{(body|timestamp)\}/g;
  let last = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    parts.push(Buffer.from(template.slice(last, m.index), 'utf8'));
    parts.push(m[1] === 'body' ? body : Buffer.from(timestamp ?? '', 'utf8'));
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(template.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

function decodeSignature(value: string, encoding: 'hex' | 'base64'): Buffer | null {
  const v = value.trim();
  if (encoding === 'hex') return /^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0 ? Buffer.from(v, 'hex') : null;
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(v) ? Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : null;
}

const sigId = (sig: Buffer | string) => `sig:${createHash('sha256').update(sig).digest('hex').slice(0, 32)}`;

function outsideWindow(tsMs: number, now: number, toleranceSec: number): boolean {
  return Math.abs(now - tsMs) > toleranceSec * 1000;
}

async function checkHmac(a: Extract<HookAuth, { type: 'hmac' }>, input: AuthInput, secret: string): Promise<AuthResult> {
  const raw = input.req.headers[a.header.toLowerCase()];
  if (!raw) return refuse('missing signature', `Missing the ${a.header} header (the signature of the body).`);
  let given: string | undefined;
  let timestamp: string | null = null;
  let candidates: string[];
  if (a.signatureKey) {
    const p = pairs(raw);
    candidates = p.get(a.signatureKey) ?? [];
    if (a.timestampKey) timestamp = p.get(a.timestampKey)?.[0] ?? null;
  } else {
    candidates = [raw];
  }
  if (a.timestampHeader) timestamp = input.req.headers[a.timestampHeader.toLowerCase()] ?? null;
  const needsTs = a.timestampHeader !== undefined || a.timestampKey !== undefined;
  if (needsTs) {
    const ts = parseTimestamp(timestamp ?? undefined);
    if (ts === null) return refuse('missing timestamp', `Missing or unreadable timestamp (${a.timestampHeader ?? `${a.timestampKey}= in ${a.header}`}).`);
    if (outsideWindow(ts, input.now, a.tolerance)) return refuse('timestamp outside the window', `The timestamp is more than ${a.tolerance} s away from this server's clock: an old delivery is refused.`);
  }
  const expected = hmac(a.algorithm, secret, signedText(a.signedPayload, timestamp, input.req.body));
  let match: Buffer | null = null;
  for (const c of candidates) {
    given = c.startsWith(a.prefix) ? c.slice(a.prefix.length) : undefined;
    const sig = given === undefined ? null : decodeSignature(given, a.encoding);
    if (sig && safeEqual(sig, expected)) match = sig;
  }
  if (!match) return refuse('bad signature', `The ${a.header} signature does not match the body.`);
  const eventId = a.eventIdHeader ? input.req.headers[a.eventIdHeader.toLowerCase()]?.trim() : undefined;
  if (a.eventIdHeader && !eventId) return refuse('missing event id', `Missing the ${a.eventIdHeader} header (each delivery's id).`);
  return { ok: true, eventId: eventId ? `id:${eventId.slice(0, 200)}` : sigId(match) };
}

function checkMeta(input: AuthInput, secret: string): AuthResult {
  const raw = input.req.headers[META_SIGNATURE_HEADER];
  if (!raw) return refuse('missing signature', 'Missing the X-Hub-Signature-256 header.');
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(raw.trim());
  const expected = hmac('sha256', secret, input.req.body);
  if (!m || !safeEqual(Buffer.from(m[1]!, 'hex'), expected)) return refuse('bad signature', 'The X-Hub-Signature-256 signature does not match the body (HMAC-SHA256 with the app secret).');
  // Meta signs the body only: the same body again is the same delivery.
  return { ok: true, eventId: sigId(expected) };
}

function checkBaton(input: AuthInput, secret: string): AuthResult {
  const sig = input.req.headers[BATON_SIGNATURE_HEADER];
  if (sig) {
    const want = `sha256=${createHmac('sha256', secret).update(input.req.body).digest('hex')}`;
    if (safeEqual(sig.trim().toLowerCase(), want)) return { ok: true, eventId: null };
    return refuse('bad signature', `Wrong or missing secret: send "${BATON_SIGNATURE_HEADER}: sha256=<HMAC-SHA256 of the body>" or "Authorization: Bearer <secret>".`, 'Bearer');
  }
  const auth = input.req.headers.authorization;
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  if (m && safeEqual(m[1]!.trim(), secret)) return { ok: true, eventId: null };
  return refuse(m ? 'wrong secret' : 'missing secret', `Wrong or missing secret: send "${BATON_SIGNATURE_HEADER}: sha256=<HMAC-SHA256 of the body>" or "Authorization: Bearer <secret>".`, 'Bearer');
}

const HOW_TO_SET = (slug: string, name: string, role: HookSecretRole) =>
  role === 'verify'
    ? `set its verify token in Settings > Webhooks (or \`baton hooks set-secret ${slug} --verify\`), stored as ${name}`
    : `set its secret in Settings > Webhooks (or \`baton hooks set-secret ${slug}\`), stored as ${name}`;

/** Check a POST to a hook. */
export async function authenticateHook(input: AuthInput): Promise<AuthResult> {
  const a = input.auth;
  const secret = await input.secret('signing');
  if (!secret) {
    const name = input.secretName('signing');
    return refuse(
      'no secret configured',
      a.type === 'baton'
        ? `Webhook "${input.slug}" has no secret yet; create one with hooks.rotateSecret (Settings or \`baton hooks secret ${input.slug}\`) and send it.`
        : `Webhook "${input.slug}" has no secret yet: ${HOW_TO_SET(input.slug, name, 'signing')}.`,
      a.type === 'baton' ? 'Bearer' : 'Signature',
    );
  }
  switch (a.type) {
    case 'baton':
      return checkBaton(input, secret);
    case 'meta':
      return checkMeta(input, secret);
    case 'hmac':
      return checkHmac(a, input, secret);
    case 'stripe': {
      const r = await verifyStripe(input.req.body, input.req.headers[STRIPE_SIGNATURE_HEADER], secret, a.tolerance, input.now);
      if (r.ok) return { ok: true, eventId: r.eventId ? `id:${r.eventId}` : sigId(input.req.headers[STRIPE_SIGNATURE_HEADER] ?? '') };
      if (r.reason === 'missing_signature') return refuse('missing signature', 'Missing the Stripe-Signature header.');
      if (r.reason === 'old_timestamp') return refuse('timestamp outside the window', `The Stripe-Signature timestamp is more than ${a.tolerance} s away from this server's clock: an old delivery is refused.`);
      return refuse('bad signature', "The Stripe-Signature does not match the body (check the endpoint's signing secret, whsec_…).");
    }
  }
}

/**
 * A GET to a hook: Meta's subscription check (`hub.mode=subscribe`,
 * `hub.verify_token`, `hub.challenge`) answers the challenge as plain text when
 * the token matches. Null for every other hook (the caller answers 405).
 */
export async function verificationChallenge(input: Omit<AuthInput, 'now'>): Promise<(PublicResponse & { reason?: string }) | null> {
  if (input.auth.type !== 'meta' || input.req.method !== 'GET') return null;
  const q = input.req.query;
  if (q.get('hub.mode') !== 'subscribe') return { status: 400, json: { error: { code: 'invalid_input', message: 'Send hub.mode=subscribe, hub.verify_token and hub.challenge (Meta\'s subscription check).' } } };
  const challenge = q.get('hub.challenge') ?? '';
  // The challenge is sent back: only a short token, never markup.
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(challenge)) return { status: 400, json: { error: { code: 'invalid_input', message: 'hub.challenge must be 1-128 letters, digits, ".", "_" or "-".' } } };
  const token = await input.secret('verify');
  if (!token) {
    return { status: 403, reason: 'no verify token configured', json: { error: { code: 'forbidden', message: `Webhook "${input.slug}" has no verify token yet: ${HOW_TO_SET(input.slug, input.secretName('verify'), 'verify')}.` } } };
  }
  if (!safeEqual(q.get('hub.verify_token') ?? '', token)) return { status: 403, reason: 'wrong verify token', json: { error: { code: 'forbidden', message: 'The verify token does not match.' } } };
  return { status: 200, text: challenge };
}
