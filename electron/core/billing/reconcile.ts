/**
 * Reconcile: bring the mirror up to date from Stripe's API, so a webhook that
 * never came heals itself (docs/billing.md, "Reconcile").
 *
 * 1. Check the key and every list it needs (one object each) before writing
 *    anything: a missing, wrong or too restricted key fails with the secret
 *    named and the mirror untouched.
 * 2. Events (after the first reconcile): Stripe's events list since the
 *    events cursor, the ones Baton has not handled, oldest first, through the
 *    same path as webhooks (apply.ts): a missed invoice.payment_failed records
 *    payment.failed exactly once.
 * 3. Objects: paginated list calls (limit 100, starting_after) per type, since
 *    that type's cursor (created[gte]); each page is one transaction. The first
 *    reconcile is the baseline: everything, recording no events.
 * 4. The cursors move only when every list finished (a reconcile stopped half
 *    way keeps the whole objects it committed and reads the rest next time).
 * 5. The overdue scan (invoice.overdue).
 *
 * One reconcile at a time per core (a second call gets the running one).
 */
import type Stripe from 'stripe';
import { STRIPE_EVENT_TYPES, type ReconcileCounts, type ReconcileResult } from '../../../shared/api';
import type { Core } from '../core';
import { Applier } from './apply';
import { billingStoreOf } from './store';
import { BillingError, explain, requireKey, stripeClient } from './stripe';
import { applyEvent, checkoutPriceIds, fetchCustomer, paidCheckout, unknownCustomer } from './webhook';

/** Cursors start this far before the time of the last reconcile: Stripe's lists are eventually consistent. */
export const CURSOR_OVERLAP_S = 300;
const PAGE = 100;

type Lister = (s: Stripe, p: { limit: number; starting_after?: string; created?: { gte: number } }) => Promise<Stripe.Response<Stripe.ApiList<{ id: string; created: number; object: string }>>>;

/** Object lists in dependency order (prices need products, subscriptions customers and prices …). */
const KINDS: { kind: Exclude<keyof ReconcileCounts, 'events'>; list: Lister }[] = [
  { kind: 'products', list: (s, p) => s.products.list(p) },
  { kind: 'prices', list: (s, p) => s.prices.list(p) },
  { kind: 'customers', list: (s, p) => s.customers.list(p) },
  // Without status "all" Stripe leaves canceled subscriptions out.
  { kind: 'subscriptions', list: (s, p) => s.subscriptions.list({ ...p, status: 'all' }) },
  { kind: 'invoices', list: (s, p) => s.invoices.list(p) },
  { kind: 'charges', list: (s, p) => s.charges.list(p) },
];
const listEvents: Lister = (s, p) => s.events.list({ ...p, types: [...STRIPE_EVENT_TYPES] });

const running = new WeakMap<Core, Promise<ReconcileResult>>();

export function reconcile(core: Core): Promise<ReconcileResult> {
  const cur = running.get(core);
  if (cur) return cur;
  const p = run(core).finally(() => running.delete(core));
  running.set(core, p);
  return p;
}

/** Stripe's clock for a response (its Date header), else ours. */
function serverTime(core: Core, r: { lastResponse?: { headers?: Record<string, string> } }): number {
  const d = Date.parse(r.lastResponse?.headers?.date ?? '');
  return Number.isNaN(d) ? Math.floor(core.now() / 1000) : Math.floor(d / 1000);
}

async function call<T>(fn: () => Promise<T>, what: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw explain(e, what);
  }
}

async function run(core: Core): Promise<ReconcileResult> {
  const t0 = performance.now();
  const store = billingStoreOf(core);
  const fail = (e: unknown): never => {
    const err = e instanceof BillingError ? e : explain(e, 'reconciling');
    store.setState('lastReconcile', { at: new Date(core.now()).toISOString(), ok: false, message: err.message, result: null });
    core.log.warn('billing: reconcile failed', { error: err.message });
    throw err;
  };
  try {
    const key = await requireKey(core);
    const stripe = await stripeClient(core, key);
    const baseline = !store.state('baseline.done', false);

    // 1. Every list answers with this key before anything is written.
    let startedAt = 0;
    for (const k of [...KINDS, { kind: 'events', list: listEvents }]) {
      const page = await call(() => k.list(stripe, { limit: 1 }), `listing ${k.kind}`);
      startedAt = Math.max(startedAt, serverTime(core, page));
    }

    const counts: ReconcileCounts = { customers: 0, products: 0, prices: 0, subscriptions: 0, invoices: 0, charges: 0, events: 0 };
    let recorded = 0;
    let objects = 0;

    // 2. Events Baton missed, oldest first.
    if (!baseline) {
      const since = store.state<number | null>('cursor.events', null);
      const missed: Stripe.Event[] = [];
      let after: string | undefined;
      for (;;) {
        const page = (await call(() => listEvents(stripe, { limit: PAGE, ...(since !== null ? { created: { gte: since } } : {}), ...(after ? { starting_after: after } : {}) }), 'listing events')) as unknown as Stripe.Response<Stripe.ApiList<Stripe.Event>>;
        for (const ev of page.data) if (!store.hasEvent(ev.id)) missed.push(ev);
        if (!page.has_more || page.data.length === 0) break;
        after = page.data[page.data.length - 1]!.id;
      }
      // Lists are newest first: reversed, then sorted by time (stable), the events of one second keep Stripe's order.
      missed.reverse().sort((a, b) => a.created - b.created);
      // Customers the events name that the mirror does not know (and no earlier event creates) are read first.
      const created = new Set(missed.filter((e) => e.type === 'customer.created').map((e) => (e.data.object as { id: string }).id));
      const unknown = [...new Set(missed.map((e) => unknownCustomer(core, e)).filter((id): id is string => id !== null && !created.has(id)))];
      const customers: Stripe.Customer[] = [];
      for (const id of unknown) {
        const c = await fetchCustomer(core, id);
        if (c) customers.push(c);
      }
      // Paid one-time Checkout Sessions: their line items' prices are read before the transaction.
      const sold = new Map<string, string[]>();
      for (const ev of missed) {
        const cs = paidCheckout(core, ev);
        if (cs && !store.hasEvent(ev.id)) sold.set(ev.id, await checkoutPriceIds(core, cs.id));
      }
      for (let i = 0; i < missed.length; i += PAGE) {
        const applier = new Applier(core);
        core.db.transaction(() => {
          if (i === 0) for (const c of customers) applier.customer(c, { source: 'reconcile', asOf: startedAt, baseline: false });
          for (const ev of missed.slice(i, i + PAGE)) if (applyEvent(applier, ev, 'reconcile', sold.has(ev.id) ? { priceIds: sold.get(ev.id)! } : {}) === 'applied') counts.events++;
          applier.settle();
        })();
        applier.announce();
        recorded += applier.recorded;
      }
    }

    // 3. Objects created since each type's cursor (everything the first time).
    for (const k of KINDS) {
      const since = baseline ? null : store.state<number | null>(`cursor.${k.kind}`, null);
      let after: string | undefined;
      for (;;) {
        const page = await call(() => k.list(stripe, { limit: PAGE, ...(since !== null ? { created: { gte: since } } : {}), ...(after ? { starting_after: after } : {}) }), `listing ${k.kind}`);
        const asOf = serverTime(core, page);
        const applier = new Applier(core);
        core.db.transaction(() => {
          for (const obj of page.data) applier.object(obj, { source: 'reconcile', asOf, baseline });
          applier.settle();
        })();
        applier.announce();
        recorded += applier.recorded;
        counts[k.kind] += page.data.length;
        objects += page.data.length;
        if (!page.has_more || page.data.length === 0) break;
        after = page.data[page.data.length - 1]!.id;
      }
    }

    // 4. Every list finished: the cursors move.
    const result: ReconcileResult = { baseline, counts, objects, recorded, durationMs: Math.round(performance.now() - t0), at: new Date(core.now()).toISOString() };
    core.db.transaction(() => {
      const cursor = startedAt - CURSOR_OVERLAP_S;
      for (const k of KINDS) store.setState(`cursor.${k.kind}`, cursor);
      // The first import holds the state of every event before it: events are read from its start on.
      store.setState('cursor.events', baseline ? startedAt : cursor);
      store.setState('baseline.done', true);
      store.setState('lastReconcile', { at: result.at, ok: true, message: null, result });
    })();

    // 5. Invoices that went past their due date.
    result.recorded += scanOverdue(core);
    core.emit('billing.changed', { source: 'reconcile', recorded: result.recorded });
    core.log.info('billing: reconciled with Stripe', { baseline, objects, events: counts.events, recorded: result.recorded, ms: result.durationMs });
    return result;
  } catch (e) {
    return fail(e);
  }
}

/** invoice.overdue for every open invoice past its due date, once each. Returns how many were recorded. */
export function scanOverdue(core: Core): number {
  const store = billingStoreOf(core);
  const nowSec = Math.floor(core.now() / 1000);
  let recorded = 0;
  for (;;) {
    const due = store.newlyOverdue(nowSec, 500);
    if (!due.length) break;
    const applier = new Applier(core);
    core.db.transaction(() => {
      for (const r of due) applier.overdue(r, nowSec);
      applier.settle();
    })();
    applier.announce();
    recorded += applier.recorded;
  }
  if (recorded) core.emit('billing.changed', { source: 'scan', recorded });
  return recorded;
}
