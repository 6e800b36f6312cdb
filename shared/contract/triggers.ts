/**
 * Triggers: webhooks (POST /hooks/<slug>, per-hook secret) and the schedule
 * fire history (docs/workflows.md "Triggers").
 */
import { z } from 'zod';
import { Empty, op } from './base';

const HEADER_RULE = 'use a header name such as X-Hub-Signature-256 (letters, digits and -)';
const HeaderName = z.string().trim().min(1, HEADER_RULE).max(100, HEADER_RULE).regex(/^[A-Za-z0-9-]+$/, HEADER_RULE);
const Tolerance = z
  .number({ error: 'use a number of seconds' })
  .int('use a whole number of seconds')
  .min(1, 'at least 1 second')
  .max(86_400, 'at most 86400 seconds (a day)');
const PairKey = z.string().regex(/^[A-Za-z0-9_]{1,20}$/, 'use the key of a key=value pair, e.g. t or v1');

/**
 * How a webhook proves where it comes from (docs/workflows.md, "Webhooks"),
 * chosen per hook in its trigger (`trigger.auth`) or with hooks.configure:
 *
 * - `baton` (default): `X-Baton-Signature: sha256=<hex HMAC of the body>` or
 *   `Authorization: Bearer <secret>`; `Idempotency-Key` dedupes deliveries.
 * - `stripe`: the `Stripe-Signature` header (`t=…,v1=…`), checked with the
 *   official stripe package; events older than `tolerance` seconds are refused.
 * - `hmac`: any provider that signs the body with an HMAC (GitHub, Shopify,
 *   Calendly, Slack …): where the signature is, how it is made and encoded, an
 *   optional timestamp (in its own header or as a key of the signature header)
 *   that is part of the signed text, and an optional delivery-id header.
 * - `meta`: Facebook/Instagram/WhatsApp: the GET `hub.challenge` verification
 *   with a verify token, then `X-Hub-Signature-256` on every POST.
 *
 * Every kind but `baton` refuses a replay: an event (its id, or its signature)
 * seen before, or a timestamp outside the window, gets 401 and starts nothing.
 */
export const HookAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('baton') }).strict(),
  z.object({ type: z.literal('stripe'), tolerance: Tolerance.default(300) }).strict(),
  z.object({ type: z.literal('meta') }).strict(),
  z
    .object({
      type: z.literal('hmac'),
      /** The header holding the signature, e.g. X-Hub-Signature-256, X-Shopify-Hmac-Sha256, Calendly-Webhook-Signature. */
      header: HeaderName,
      algorithm: z.enum(['sha1', 'sha256', 'sha512'], { error: 'use sha1, sha256 or sha512' }).default('sha256'),
      encoding: z.enum(['hex', 'base64'], { error: 'use hex or base64' }).default('hex'),
      /** Text before the signature, e.g. "sha256=" (GitHub) or "v0=" (Slack). */
      prefix: z.string().max(40, 'at most 40 characters').default(''),
      /** When the header is a list of key=value pairs (Calendly: t=…,v1=…): the key of the signature. */
      signatureKey: PairKey.optional(),
      /** …and the key of the timestamp in the same header (Calendly: t). */
      timestampKey: PairKey.optional(),
      /** A header holding the timestamp (Slack: X-Slack-Request-Timestamp). */
      timestampHeader: HeaderName.optional(),
      /** What is signed: {body} is the raw body, {timestamp} the timestamp (Calendly: "{timestamp}.{body}", Slack: "v0:{timestamp}:{body}"). */
      signedPayload: z.string().max(200, 'at most 200 characters').default('{body}'),
      /** Seconds a timestamp may be off (with a timestamp). */
      tolerance: Tolerance.default(300),
      /** A header naming each delivery (GitHub: X-GitHub-Delivery, Shopify: X-Shopify-Webhook-Id): a seen id is a replay. */
      eventIdHeader: HeaderName.optional(),
    })
    .strict(),
]).superRefine((a, ctx) => {
  if (a.type !== 'hmac') return;
  if (!a.signedPayload.includes('{body}')) ctx.addIssue({ code: 'custom', path: ['signedPayload'], message: 'must contain {body} (the raw body is what is signed)' });
  const hasTs = a.timestampHeader !== undefined || a.timestampKey !== undefined;
  if (a.signedPayload.includes('{timestamp}') && !hasTs) ctx.addIssue({ code: 'custom', path: ['signedPayload'], message: 'uses {timestamp}: say where it is (timestampHeader, or timestampKey with signatureKey)' });
  if (a.timestampKey !== undefined && a.signatureKey === undefined) ctx.addIssue({ code: 'custom', path: ['timestampKey'], message: 'needs signatureKey (both are keys of the key=value signature header)' });
  if (a.timestampHeader !== undefined && a.timestampKey !== undefined) ctx.addIssue({ code: 'custom', path: ['timestampHeader'], message: 'give the timestamp once: timestampHeader or timestampKey' });
});
export type HookAuth = z.output<typeof HookAuth>;
export type HookAuthInput = z.input<typeof HookAuth>;
export const HOOK_AUTH_TYPES = ['baton', 'stripe', 'hmac', 'meta'] as const;

/** The secrets a hook reads: its signing secret, and for `meta` the verify token of the GET verification. */
export const HookSecretRole = z.enum(['signing', 'verify']);
export type HookSecretRole = z.infer<typeof HookSecretRole>;

export const HookInfo = z.object({
  slug: z.string(),
  workflowId: z.string(),
  enabled: z.boolean(),
  /** Path on the headless server, e.g. /hooks/intake. */
  path: z.string(),
  /** Where the secret is kept: keychain entry / BATON_SECRET_<name>. */
  secretName: z.string(),
  hasSecret: z.boolean(),
  /** How the hook authenticates (its trigger's `auth`, `baton` when unset). */
  auth: HookAuth,
  /** Every secret the hook reads, set or not (never a value). */
  secrets: z.array(z.object({ role: HookSecretRole, name: z.string(), set: z.boolean() })),
});
export type HookInfo = z.infer<typeof HookInfo>;

export const ScheduleFire = z.object({
  workflowId: z.string(),
  fireAt: z.string(),
  status: z.enum(['claimed', 'started', 'failed']),
  runId: z.string().nullable(),
  late: z.boolean(),
  error: z.string().nullable(),
  claimedAt: z.string(),
});
export type ScheduleFire = z.infer<typeof ScheduleFire>;

export const triggersOps = {
  'hooks.list': op('Webhook triggers: slug, workflow, path and whether a secret is set (never the secret).', Empty,
    z.object({ hooks: z.array(HookInfo) })),
  'hooks.rotateSecret': op('Generate a new secret for a webhook, store it in the secret store and show it once.',
    z.object({ slug: z.string().min(1) }).strict(),
    z.object({ slug: z.string(), path: z.string(), secretName: z.string(), secret: z.string() })),
  'hooks.configure': op(
    'Choose how a webhook authenticates (Baton, Stripe, generic HMAC, Meta): saves a new version of its workflow with the trigger\'s auth.',
    z.object({ slug: z.string().min(1), auth: HookAuth }).strict(),
    z.object({ slug: z.string(), workflowId: z.string(), version: z.number().int(), auth: HookAuth }),
  ),
  'hooks.setSecret': op(
    'Store a webhook secret given by the provider (Stripe\'s whsec_…, an app secret, a verify token). Write-only: it is never shown again.',
    z.object({ slug: z.string().min(1), role: HookSecretRole.default('signing'), value: z.string().min(1, 'the value must not be empty').max(4096, 'at most 4096 characters') }).strict(),
    z.object({ slug: z.string(), role: HookSecretRole, secretName: z.string() }),
  ),
  'schedules.fires': op('Recent schedule fires (newest first): when, which run, caught up late or on time.',
    z.object({ workflow: z.string().optional(), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    z.object({ fires: z.array(ScheduleFire) })),
} as const;

export const triggersEvents = {} as const;
