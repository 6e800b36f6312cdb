/**
 * Stripe's webhook signature (`Stripe-Signature: t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "<t>.<raw body>" with the endpoint secret>`), checked with the
 * official `stripe` package's helper (`Stripe.webhooks.constructEvent`), which
 * also refuses an event older than the tolerance. This file is the only one that
 * knows the package (loaded on the first Stripe delivery, not at startup).
 *
 * Stripe's own error messages are never passed on or logged: one of them quotes
 * the end of the secret; callers get a reason code only.
 */

export type StripeCheck = { ok: true; eventId: string | null; type: string | null } | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'old_timestamp' };

type StripeModule = typeof import('stripe');
let stripe: Promise<StripeModule['default']> | null = null;
const load = () => (stripe ??= import('stripe').then((m) => m.default));

/**
 * Check a delivery. `nowMs` is the receive time (the engine's clock). A
 * timestamp further than `toleranceSec` in the future is refused too (Stripe's
 * helper only looks at the past), so a captured request cannot be held back.
 */
export async function verifyStripe(body: Buffer, header: string | undefined, secret: string, toleranceSec: number, nowMs: number): Promise<StripeCheck> {
  if (!header || header.trim() === '') return { ok: false, reason: 'missing_signature' };
  const t = /(?:^|,)\s*t=(\d{1,12})(?:,|$)/.exec(header);
  if (t && Number(t[1]) * 1000 > nowMs + toleranceSec * 1000) return { ok: false, reason: 'old_timestamp' };
  const Stripe = await load();
  let event: { id?: unknown; type?: unknown };
  try {
    event = Stripe.webhooks.constructEvent(body, header, secret, toleranceSec, undefined, nowMs) as { id?: unknown; type?: unknown };
  } catch (e) {
    return { ok: false, reason: /tolerance/i.test((e as Error).message) ? 'old_timestamp' : 'bad_signature' };
  }
  return { ok: true, eventId: typeof event.id === 'string' ? event.id : null, type: typeof event.type === 'string' ? event.type : null };
}

/** A `Stripe-Signature` header for a body, made by the package's test helper (tests, `baton hooks test`). */
export async function stripeTestHeader(body: string, secret: string, timestampSec?: number): Promise<string> {
  const Stripe = await load();
  return Stripe.webhooks.generateTestHeaderString({ payload: body, secret, ...(timestampSec !== undefined ? { timestamp: timestampSec } : {}) });
}
