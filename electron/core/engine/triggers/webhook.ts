/**
 * Webhook trigger: `POST /hooks/<slug>` on the headless server (a public route:
 * no bearer token, the hook authenticates itself with its own secret).
 *
 * - The secret lives in the secret store (OS keychain, or BATON_SECRET_HOOK_<SLUG>
 *   on a headless machine) under `HOOK_<SLUG>` (slug upper-cased, "-" -> "_").
 *   `hooks.rotateSecret` generates one and shows it once; it never touches SQLite.
 * - How the caller proves it is who it says is chosen per hook (`trigger.auth`,
 *   ./hook-auth.ts): Baton's own `X-Baton-Signature: sha256=<hex HMAC-SHA256(secret,
 *   raw body)>` or `Authorization: Bearer <secret>` (the default), Stripe, a
 *   generic HMAC, or Meta. Comparison is constant-time.
 * - Anything but POST does nothing (405): an email scanner following a link can
 *   never start a run. The one GET answered is Meta's subscription check.
 * - Wrong or missing secret, bad signature, old timestamp or a replayed event
 *   -> 401 and nothing starts (logged with the reason). Body over the limit -> 413.
 * - An `Idempotency-Key` header makes re-deliveries of the same event start one
 *   run (the same run id is returned).
 * - 202 `{ runId }` when the run started (responseMode onReceived, the default).
 * - responseMode lastNode / respondNode: the caller waits (at most responseTimeout) for the
 *   run's answer: a respond node's, or the run's output (lastNode), or 500 naming the failed
 *   step; past the timeout 202 `{ runId, status }` (engine/respond.ts, answerToPublic).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError, type HookAuth, type HookSecretRole } from '../../../../shared/api';
import { jsonTooDeep, shortPath, tooDeepMessage } from '../../../../shared/contract/limits';
import type { PublicHandler, PublicRequest, PublicResponse } from '../../core';
import type { WebhookResponseMode } from '../../../../shared/contract/workflow';
import { answerToPublic, type RunAnswer } from '../respond';
import { authenticateHook, DEFAULT_AUTH, hookSecretNameFor, verificationChallenge } from './hook-auth';

/** Same rule as the webhook trigger's slug in shared/contract/workflow.ts. */
export const HOOK_SLUG_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const HOOK_BODY_LIMIT = 256 * 1024;
export const SIGNATURE_HEADER = 'x-baton-signature';

/** The secret-store name of a hook's secret. */
export function hookSecretName(slug: string): string {
  // Secret names are at most 64 characters: a very long slug is shortened with a hash suffix.
  const base = slug.toUpperCase().replace(/-/g, '_');
  if (base.length <= 59) return `HOOK_${base}`;
  return `HOOK_${base.slice(0, 50)}_${createHmac('sha256', 'baton-hook').update(slug).digest('hex').slice(0, 8).toUpperCase()}`;
}

/** A new random secret (256 bits, base64url). */
export function generateHookSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The signature a sender puts in X-Baton-Signature. */
export function signHookBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  // Compare equal-length buffers only; a length mismatch is still a constant-time "no".
  if (ba.length !== bb.length) {
    timingSafeEqual(bb, bb);
    return false;
  }
  return timingSafeEqual(ba, bb);
}

/** True when the request carries a valid signature or bearer secret. */
export function hookAuthorized(secret: string, req: Pick<PublicRequest, 'headers' | 'body'>): boolean {
  const sig = req.headers[SIGNATURE_HEADER];
  if (sig) return safeEqual(sig.trim().toLowerCase(), signHookBody(secret, req.body));
  const auth = req.headers.authorization;
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  return m ? safeEqual(m[1]!.trim(), secret) : false;
}

/** What the handler needs from the engine (kept small so the route is easy to test). */
export interface HookTarget {
  workflowId: string;
  enabled: boolean;
  /** The workflow's current version when this was read (a cached target is checked against the store at the insert). */
  version?: number;
  /** The trigger's responseMode and responseTimeout (ms); absent: onReceived. */
  response?: { mode: WebhookResponseMode; timeoutMs: number };
  /** How callers authenticate (the trigger's `auth`; Baton's own when unset). */
  auth?: HookAuth;
}
export interface HookEngine {
  /**
   * The workflow whose trigger is `{ type: 'webhook', slug }`, or null. It may come from a cache
   * (`fresh`: read the store): startRun then checks it in its transaction and answers null when it
   * is stale, and the request is handled again with a fresh one.
   */
  findHook(slug: string, fresh?: boolean): HookTarget | null | Promise<HookTarget | null>;
  startRun(opts: { workflow: string; input: unknown; trigger: { type: 'webhook'; detail: unknown }; idempotencyKey?: string; slug?: string; target?: HookTarget }): Promise<{ runId: string; deduplicated?: boolean } | null>;
  /** A secret's value; it may come from a cache (`fresh`: read the secret store). */
  getSecret(name: string, fresh?: boolean): Promise<string | null>;
  /** lastNode / respondNode: wait for the run's answer (engine/respond.ts RunAnswers.wait). */
  awaitAnswer?(runId: string, mode: Exclude<WebhookResponseMode, 'onReceived'>, timeoutMs: number): Promise<RunAnswer>;
  /** The engine's clock, ms (signature timestamps are checked against it). */
  now?(): number;
  log?: { info(msg: string, data?: Record<string, unknown>): void; warn(msg: string, data?: Record<string, unknown>): void };
}

const err = (status: number, code: string, message: string, headers?: Record<string, string>): PublicResponse => ({
  status,
  json: { error: { code, message } },
  ...(headers ? { headers } : {}),
});

/** Headers passed to the run (never the secret-bearing ones). */
const FORWARDED = ['content-type', 'user-agent', 'x-request-id', 'x-github-event', 'x-event-type'];

function parseBody(req: PublicRequest): { ok: true; value: unknown } | { ok: false; message: string } {
  if (req.body.length === 0) return { ok: true, value: null };
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const text = req.body.toString('utf8');
  if (type.includes('application/x-www-form-urlencoded')) return { ok: true, value: Object.fromEntries(new URLSearchParams(text)) };
  if (type.includes('json') || type === '') {
    try {
      const value: unknown = JSON.parse(text);
      const deep = jsonTooDeep(value);
      if (deep) return { ok: false, message: `The body is ${tooDeepMessage(deep)} (at ${shortPath(deep.path)}).` };
      return { ok: true, value };
    } catch (e) {
      if (type === '') return { ok: true, value: text };
      return { ok: false, message: `The body is not valid JSON (${(e as Error).message}). Send JSON with Content-Type: application/json.` };
    }
  }
  return { ok: true, value: text };
}

function authInput(engine: HookEngine, slug: string, target: HookTarget, req: PublicRequest, fresh = false) {
  const base = hookSecretName(slug);
  return {
    slug,
    auth: target.auth ?? DEFAULT_AUTH,
    req,
    now: engine.now?.() ?? Date.now(),
    secret: (role: HookSecretRole) => engine.getSecret(hookSecretNameFor(base, role), fresh),
    secretName: (role: HookSecretRole) => hookSecretNameFor(base, role),
  };
}

/** A GET to a hook: Meta's verification challenge, when the hook is a Meta one (else null: 405). */
async function challenge(engine: HookEngine, slug: string, req: PublicRequest): Promise<PublicResponse | null> {
  const target = await engine.findHook(slug, true);
  if (!target || (target.auth ?? DEFAULT_AUTH).type !== 'meta') return null;
  const r = await verificationChallenge(authInput(engine, slug, target, req, true));
  if (!r) return null;
  const { reason, ...response } = r;
  if (reason) engine.log?.warn('webhook verification refused', { slug, reason });
  else if (r.status === 200) engine.log?.info('webhook verified by its provider', { slug });
  return response;
}

export function createHookHandler(engine: HookEngine, opts: { bodyLimit?: number } = {}): PublicHandler {
  const bodyLimit = opts.bodyLimit ?? HOOK_BODY_LIMIT;
  return async (req) => {
    const slug = req.path.replace(/\/+$/, '');
    if (req.method !== 'POST') {
      const verified = req.method === 'GET' && HOOK_SLUG_RE.test(slug) ? await challenge(engine, slug, req) : null;
      if (verified) return verified;
      return err(405, 'method_not_allowed', `Webhooks only accept POST; a ${req.method} never starts anything.`, { Allow: 'POST' });
    }
    if (!HOOK_SLUG_RE.test(slug)) return err(404, 'not_found', `No webhook at /hooks/${slug}.`);
    if (req.body.length > bodyLimit) {
      return err(413, 'too_large', `The webhook body is ${req.body.length} bytes; the limit is ${Math.round(bodyLimit / 1024)} KiB.`);
    }
    // A cached route that turns out stale at the insert (changed, disabled or removed meanwhile, maybe by
    // another process) is read again and the request handled once more: a change applies to the next request.
    for (let fresh = false; ; fresh = true) {
      const r = await accept(req, slug, fresh);
      if (r !== STALE) return r;
      if (fresh) return err(503, 'unavailable', `The workflow of /hooks/${slug} changed while this request was handled; send it again.`, { 'Retry-After': '1' });
    }
  };

  async function accept(req: PublicRequest, slug: string, fresh: boolean): Promise<PublicResponse | typeof STALE> {
    const target = await engine.findHook(slug, fresh);
    if (!target) return err(404, 'not_found', `No webhook at /hooks/${slug}.`);
    const auth = await authenticateHook(authInput(engine, slug, target, req, fresh));
    // A refusal with a cached route or secrets is decided on the stored ones (a secret set or rotated meanwhile).
    if (!auth.ok && !fresh) return STALE;
    if (!auth.ok) {
      engine.log?.warn('webhook refused', { slug, reason: auth.reason });
      return err(401, 'unauthorized', auth.message, auth.headers);
    }
    if (!target.enabled) {
      if (!fresh) return STALE;
      return err(409, 'conflict', `Workflow "${target.workflowId}" is disabled; enable it (baton workflow enable ${target.workflowId}) to accept webhooks.`);
    }
    const parsed = parseBody(req);
    if (!parsed.ok) return err(400, 'invalid_input', parsed.message);
    const headers: Record<string, string> = {};
    for (const h of FORWARDED) if (req.headers[h]) headers[h] = req.headers[h]!;
    const idem = req.headers['idempotency-key']?.trim();
    if (idem !== undefined && (idem.length === 0 || idem.length > 200)) {
      return err(400, 'invalid_input', 'The Idempotency-Key header must be 1-200 characters.');
    }
    try {
      const started = await engine.startRun({
        slug,
        target,
        workflow: target.workflowId,
        input: { body: parsed.value, query: Object.fromEntries(req.query), headers },
        trigger: { type: 'webhook', detail: { slug, receivedAt: new Date().toISOString(), ...(target.response && target.response.mode !== 'onReceived' ? { responseMode: target.response.mode } : {}) } },
        ...(auth.eventId ? { idempotencyKey: `hook:${slug}:event:${auth.eventId}` } : idem ? { idempotencyKey: `hook:${slug}:${idem}` } : {}),
      });
      if (!started) return STALE;
      const { runId, deduplicated } = started;
      if (deduplicated && auth.eventId) {
        // A provider's event seen before (its id, or the same signed message): a replay starts nothing.
        engine.log?.warn('webhook refused', { slug, reason: 'replayed event', runId });
        return err(401, 'unauthorized', 'This event was delivered before (same event id or signature): a replay starts nothing.');
      }
      engine.log?.info('webhook started a run', { slug, runId });
      // The caller waits for the run's answer (a re-delivery with the same Idempotency-Key gets the same answer).
      const wait = target.response;
      if (wait && wait.mode !== 'onReceived' && engine.awaitAnswer) return answerToPublic(await engine.awaitAnswer(runId, wait.mode, wait.timeoutMs), runId);
      return { status: 202, json: { runId, ...(deduplicated ? { deduplicated: true } : {}) } };
    } catch (e) {
      if (e instanceof ApiError) return { status: e.status, json: { error: e.toBody() } };
      throw e;
    }
  }
}

/** startRun's answer for a cached route that no longer matches the store. */
const STALE = Symbol('stale route');
