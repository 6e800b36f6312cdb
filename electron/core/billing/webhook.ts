/**
 * POST /hooks/stripe: Stripe's webhook endpoint. The signature is checked with
 * the stripe package (`webhooks.constructEvent`, the endpoint's signing secret
 * in STRIPE_WEBHOOK_SECRET, 5 minutes of tolerance); a bad or missing one is a
 * 401 and nothing is stored. The event is applied once (the event id is
 * claimed in billing_events in the same transaction as its effects), in any
 * order (see apply.ts). Stripe retries anything but a 2xx, so a failure that
 * rolled back is applied on the next delivery.
 */
import type Stripe from 'stripe';
import { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET } from '../../../shared/api';
import type { Core, PublicRequest, PublicResponse } from '../core';
import { Applier, checkoutSold, type Outcome } from './apply';
import { billingStoreOf } from './store';
import { explain, keyProblem, requireKey, stripeClient, stripeWebhooks } from './stripe';

/** Claim the event id and apply its object (inside the caller's transaction). */
export function applyEvent(applier: Applier, ev: Stripe.Event, source: 'webhook' | 'reconcile', extra: { priceIds?: string[] } = {}): Outcome | 'duplicate' {
  const store = applier.store;
  if (!store.claimEvent(ev.id, ev.type, ev.created, source)) return 'duplicate';
  const obj = (ev.data as { object?: { object?: string; id?: string } } | undefined)?.object;
  const out = obj ? applier.object(obj, { source, asOf: ev.created, baseline: false, eventType: ev.type, ...extra }) : 'ignored';
  if (out !== 'applied') store.eventOutcome(ev.id, out);
  return out;
}

/** The customer an event's object belongs to, when the mirror does not know it yet. */
export function unknownCustomer(core: Core, ev: Stripe.Event): string | null {
  const obj = (ev.data as { object?: { object?: string; customer?: unknown } }).object;
  if (!obj || !['subscription', 'invoice', 'charge', 'checkout.session'].includes(obj.object ?? '')) return null;
  const c = obj.customer;
  const id = typeof c === 'string' ? c : c && typeof c === 'object' && typeof (c as { id?: unknown }).id === 'string' ? (c as { id: string }).id : null;
  return id && !billingStoreOf(core).customer(id) ? id : null;
}

/**
 * An event about a customer Baton has not seen (Stripe does not promise order: a subscription's
 * event may come before its customer's): read the customer first, when a key is stored, so the
 * event lands on the right contact. Failing that (logged), the event is applied with what it says itself.
 */
export async function fetchCustomer(core: Core, id: string): Promise<Stripe.Customer | null> {
  const key = await core.secrets.get(STRIPE_SECRET_KEY);
  if (!key || keyProblem(key)) return null;
  try {
    const stripe = await stripeClient(core, key.trim(), { timeoutMs: 10_000, retries: 1 });
    const c = await stripe.customers.retrieve(id);
    return (c as Stripe.DeletedCustomer).deleted ? null : (c as Stripe.Customer);
  } catch (e) {
    core.log.warn('billing: could not read the customer of a webhook event from Stripe', { customerId: id, error: (e as Error).message });
    return null;
  }
}

/** A paid (or free) one-time Checkout Session (no invoice) whose line items name the prices sold: it records payment.succeeded. */
export function paidCheckout(core: Core, ev: Stripe.Event): Stripe.Checkout.Session | null {
  if (ev.type !== 'checkout.session.completed' && ev.type !== 'checkout.session.async_payment_succeeded') return null;
  const cs = ev.data.object as Stripe.Checkout.Session;
  if (cs.object !== 'checkout.session' || !checkoutSold(cs)) return null;
  return billingStoreOf(core).checkout(cs.id)?.paid_recorded ? null : cs;
}

/**
 * The prices of a Checkout Session's line items, every page
 * (checkout.sessions.listLineItems). Throws a BillingError: the webhook then
 * answers 5xx with nothing stored, and Stripe delivers it again.
 */
export async function checkoutPriceIds(core: Core, sessionId: string): Promise<string[]> {
  const key = await requireKey(core);
  const stripe = await stripeClient(core, key, { timeoutMs: 10_000, retries: 1 });
  const ids = new Set<string>();
  try {
    for await (const item of stripe.checkout.sessions.listLineItems(sessionId, { limit: 100 })) if (item.price?.id) ids.add(item.price.id);
  } catch (e) {
    throw explain(e, `reading the line items of Checkout Session ${sessionId}`);
  }
  return [...ids];
}

/** Verify, then apply one event delivered by Stripe. */
export async function receiveEvent(core: Core, ev: Stripe.Event): Promise<{ outcome: Outcome | 'duplicate'; recorded: number }> {
  const store = billingStoreOf(core);
  if (store.hasEvent(ev.id)) return { outcome: 'duplicate', recorded: 0 };
  const missing = unknownCustomer(core, ev);
  const customer = missing ? await fetchCustomer(core, missing) : null;
  const session = paidCheckout(core, ev);
  const extra = session ? { priceIds: await checkoutPriceIds(core, session.id) } : {};
  const applier = new Applier(core);
  let outcome = 'ignored' as Outcome | 'duplicate';
  core.db.transaction(() => {
    if (customer) applier.customer(customer, { source: 'webhook', asOf: Math.floor(core.now() / 1000), baseline: false });
    outcome = applyEvent(applier, ev, 'webhook', extra);
    store.setState('lastWebhookAt', new Date(core.now()).toISOString());
    applier.settle();
  })();
  applier.announce();
  if (outcome === 'applied') core.emit('billing.changed', { source: 'webhook', recorded: applier.recorded });
  return { outcome, recorded: applier.recorded };
}

const fail = (status: number, code: string, message: string): PublicResponse => ({ status, json: { error: { code, message } } });

export function stripeRoute(core: Core) {
  return async (req: PublicRequest): Promise<PublicResponse> => {
    if (req.method !== 'POST') return { ...fail(405, 'invalid_input', 'Use POST (this is the Stripe webhook endpoint).'), headers: { allow: 'POST' } };
    if (req.path.replace(/^\/+|\/+$/g, '') !== '') return fail(404, 'not_found', 'Not found: the Stripe webhook endpoint is /hooks/stripe.');
    const secret = await core.secrets.get(STRIPE_WEBHOOK_SECRET);
    if (!secret) {
      core.log.warn('billing: a Stripe webhook came but no signing secret is stored', { secret: STRIPE_WEBHOOK_SECRET });
      return fail(503, 'unavailable', `Stripe webhooks are not set up here: store the endpoint's signing secret (whsec_…, Stripe Dashboard → Developers → Webhooks → the endpoint) as ${STRIPE_WEBHOOK_SECRET}. Stripe delivers the event again later.`);
    }
    const signature = req.headers['stripe-signature'];
    if (!signature) return fail(401, 'unauthorized', 'No Stripe-Signature header: only Stripe may post here. Nothing was stored.');
    let ev: Stripe.Event;
    try {
      ev = (await stripeWebhooks()).constructEvent(req.body, signature, secret, 300, undefined, core.now());
    } catch (e) {
      core.log.warn('billing: a Stripe webhook was refused: its signature does not match', { error: (e as Error).message });
      return fail(401, 'unauthorized', `The Stripe-Signature does not match this body and the signing secret in ${STRIPE_WEBHOOK_SECRET} (or it is older than 5 minutes). Nothing was stored.`);
    }
    try {
      const r = await receiveEvent(core, ev);
      return { status: 200, json: { received: true, id: ev.id, outcome: r.outcome, recorded: r.recorded } };
    } catch (e) {
      // Rolled back: Stripe retries, and the retry applies it.
      const damage = core.damage(e);
      core.log.error('billing: a Stripe webhook could not be applied', { id: ev.id, type: ev.type, error: e as Error });
      return fail(damage ? 503 : 500, damage ? 'corrupt_database' : 'internal', 'The event could not be stored; Stripe delivers it again.');
    }
  };
}
