/**
 * A local Stripe-compatible HTTP server for tests and the bench: the part of
 * Stripe's API Baton's billing domain calls, with Stripe's response shapes,
 * so the real `stripe` client talks to it (host/port/protocol options).
 *
 * - GET /v1/{customers,products,prices,subscriptions,invoices,charges,events}:
 *   lists `{ object: "list", url, has_more, data }`, newest first, with
 *   `limit` (1-100, default 10), `starting_after`, `ending_before`,
 *   `created[gte|gt|lte|lt]`, subscriptions' `status` (canceled ones only with
 *   status=all or canceled, as Stripe does), events' `types[]`.
 * - GET /v1/<list>/<id>; POST /v1/subscriptions/<id> (pause_collection), with
 *   Idempotency-Key replay.
 * - GET /v1/checkout/sessions/<id>/line_items: a session's line items
 *   (`limit`, `starting_after`, `has_more`), as Stripe pages them.
 * - Bearer key auth: a wrong key is Stripe's 401; `deny` makes a list a 403
 *   (a restricted key without that permission).
 * - Every change records an event (`customer.created`, `invoice.payment_failed`
 *   …) with the object's snapshot, as Stripe does; tests deliver it to Baton
 *   signed with the stripe package's own test-header helper, or leave it
 *   undelivered (a missed webhook).
 *
 * Objects are built from Stripe's own TypeScript types (the fields Baton reads
 * are type-checked against them).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

type Kind = 'customers' | 'products' | 'prices' | 'subscriptions' | 'invoices' | 'charges' | 'events';
const KINDS: Kind[] = ['customers', 'products', 'prices', 'subscriptions', 'invoices', 'charges', 'events'];
const OBJECT: Record<Kind, string> = { customers: 'customer', products: 'product', prices: 'price', subscriptions: 'subscription', invoices: 'invoice', charges: 'charge', events: 'event' };

export interface FakeStripeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  key: string | null;
  idempotencyKey: string | null;
  body: string;
}

interface Stored {
  seq: number;
  obj: { id: string; created: number; object: string } & Record<string, unknown>;
}

export interface FakeStripe {
  url: string;
  port: number;
  key: string;
  /** Unix seconds used for `created` and event times (default: the real clock). Set it to move time. */
  clock: { now: number | null };
  requests: FakeStripeRequest[];
  events: Stripe.Event[];
  /** Lists (kinds, or "line_items" for Checkout Sessions' line items) answered with 403, as for a restricted key without that permission. */
  deny: Set<string>;
  customer(p: { email: string | null; name?: string | null; created?: number }): Stripe.Customer;
  product(p: { name: string; created?: number }): Stripe.Product;
  price(p: { product: string; unitAmount: number; currency?: string; interval?: 'day' | 'week' | 'month' | 'year' | null; intervalCount?: number; created?: number }): Stripe.Price;
  subscription(p: { customer: string; price: string; quantity?: number; status?: Stripe.Subscription.Status; created?: number }): Stripe.Subscription;
  /** A finalized subscription invoice (open), for amount (minor units). */
  invoice(p: { customer: string; subscription?: string | null; price?: string; amount: number; currency?: string; status?: Stripe.Invoice.Status; dueDate?: number | null; created?: number; collection?: 'charge_automatically' | 'send_invoice' }): Stripe.Invoice;
  charge(p: { customer: string | null; amount: number; currency?: string; status?: Stripe.Charge.Status; created?: number; paymentIntent?: string }): Stripe.Charge;
  /**
   * A Checkout Session (mode=payment) for line items, completed: records
   * checkout.session.completed (returned). Paid (default): its charge too
   * (charge.succeeded, the same payment intent). `unpaid`: a delayed method,
   * paid later by payCheckout. `invoice`: invoice_creation was on (an invoice id is set).
   * `percentOff`: a coupon on every line; at 100 the total is 0 and, as Stripe
   * does, the session is `no_payment_required` with no payment intent and no charge.
   */
  checkout(p: { customer?: string | null; email: string; name?: string | null; lines: { price: string; quantity?: number }[]; paymentStatus?: 'paid' | 'unpaid'; invoice?: string | null; percentOff?: number }): Stripe.Event;
  /** A delayed payment of a Checkout Session succeeds: its charge, then checkout.session.async_payment_succeeded (returned). */
  payCheckout(sessionId: string): Stripe.Event;
  /** A Checkout Session by id. */
  session(id: string): Stripe.Checkout.Session;
  /** A failed payment attempt: attempt_count + 1, next retry in 3 days; records invoice.payment_failed. */
  failPayment(invoiceId: string): Stripe.Event;
  /** The invoice is paid (a succeeded charge too); records charge.succeeded and invoice.paid (returned). */
  pay(invoiceId: string): Stripe.Event;
  /** Refund part (or all) of a charge; records charge.refunded. */
  refund(chargeId: string, amount?: number): Stripe.Event;
  /** Change a subscription; records customer.subscription.updated (or .deleted when canceled). */
  updateSubscription(id: string, patch: { status?: Stripe.Subscription.Status; quantity?: number; price?: string; cancelAtPeriodEnd?: boolean }): Stripe.Event;
  get<T>(kind: Exclude<Kind, 'events'>, id: string): T;
  /** The newest event of a type. */
  lastEvent(type: string): Stripe.Event;
  /** The body and Stripe-Signature header of an event, signed with the stripe package's test helper. */
  sign(event: Stripe.Event, secret: string, timestamp?: number): { body: string; header: string };
  /** POST the event to a webhook URL, signed; resolves to the HTTP status and JSON body. */
  deliver(event: Stripe.Event, url: string, secret: string, opts?: { timestamp?: number; header?: string }): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Bulk objects for the bench (no events): customers with one subscription, invoices and charges each. */
  seed(n: { customers: number; invoicesPerCustomer?: number; chargesPerCustomer?: number }): number;
  close(): Promise<void>;
}

export async function startFakeStripe(opts: { key: string; livemode?: boolean } = { key: 'sk_test_fake' }): Promise<FakeStripe> {
  const store = new Map<Kind, Map<string, Stored>>(KINDS.map((k) => [k, new Map()]));
  const sorted = new Map<Kind, Stored[] | null>();
  const requests: FakeStripeRequest[] = [];
  const events: Stripe.Event[] = [];
  const idem = new Map<string, { status: number; body: unknown }>();
  const deny = new Set<string>();
  const clock = { now: null as number | null };
  const livemode = opts.livemode ?? false;
  let seq = 0;
  let ids = 0;
  const now = () => clock.now ?? Math.floor(Date.now() / 1000);
  const newId = (prefix: string) => `${prefix}_${(++ids).toString(36).padStart(6, '0')}${Math.random().toString(36).slice(2, 10)}`;
  const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

  const put = (kind: Kind, obj: Stored['obj']) => {
    const m = store.get(kind)!;
    const had = m.get(obj.id);
    m.set(obj.id, { seq: had?.seq ?? ++seq, obj });
    if (!had) sorted.set(kind, null);
  };
  const find = <T>(kind: Kind, id: string): T => {
    const s = store.get(kind)!.get(id);
    if (!s) throw new Error(`fake stripe: no ${kind} ${id}`);
    return s.obj as unknown as T;
  };
  const emit = (type: string, obj: { object: string }, previous?: Record<string, unknown>): Stripe.Event => {
    const ev = {
      id: newId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: now(),
      data: { object: clone(obj), ...(previous ? { previous_attributes: previous } : {}) },
      livemode,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    } as unknown as Stripe.Event;
    events.push(ev);
    put('events', ev as unknown as Stored['obj']);
    return ev;
  };

  const customer: FakeStripe['customer'] = (p) => {
    const c: Pick<Stripe.Customer, 'id' | 'object' | 'created' | 'email' | 'name' | 'delinquent' | 'livemode' | 'metadata' | 'balance' | 'currency' | 'description' | 'invoice_prefix' | 'phone'> = {
      id: newId('cus'),
      object: 'customer',
      created: p.created ?? now(),
      email: p.email,
      name: p.name ?? null,
      delinquent: false,
      livemode,
      metadata: {},
      balance: 0,
      currency: 'usd',
      description: null,
      invoice_prefix: 'ABC' + String(ids).padStart(4, '0'),
      phone: null,
    };
    put('customers', c as unknown as Stored['obj']);
    emit('customer.created', c);
    return c as Stripe.Customer;
  };
  const product: FakeStripe['product'] = (p) => {
    const o: Pick<Stripe.Product, 'id' | 'object' | 'created' | 'name' | 'active' | 'livemode' | 'metadata' | 'description' | 'updated' | 'images'> = {
      id: newId('prod'),
      object: 'product',
      created: p.created ?? now(),
      updated: p.created ?? now(),
      name: p.name,
      active: true,
      livemode,
      metadata: {},
      description: null,
      images: [],
    };
    put('products', o as unknown as Stored['obj']);
    emit('product.created', o);
    return o as Stripe.Product;
  };
  const price: FakeStripe['price'] = (p) => {
    const interval = p.interval === undefined ? 'month' : p.interval;
    const o: Pick<Stripe.Price, 'id' | 'object' | 'created' | 'product' | 'currency' | 'unit_amount' | 'recurring' | 'active' | 'livemode' | 'metadata' | 'nickname' | 'type' | 'billing_scheme' | 'lookup_key' | 'tax_behavior'> = {
      id: newId('price'),
      object: 'price',
      created: p.created ?? now(),
      product: p.product,
      currency: p.currency ?? 'usd',
      unit_amount: p.unitAmount,
      recurring: interval ? { interval, interval_count: p.intervalCount ?? 1, meter: null, usage_type: 'licensed', trial_period_days: null } : null,
      active: true,
      livemode,
      metadata: {},
      nickname: null,
      type: interval ? 'recurring' : 'one_time',
      billing_scheme: 'per_unit',
      lookup_key: null,
      tax_behavior: 'unspecified',
    };
    put('prices', o as unknown as Stored['obj']);
    emit('price.created', o);
    return o as Stripe.Price;
  };
  const periodEnd = (start: number, pr: Stripe.Price) => {
    const i = pr.recurring?.interval ?? 'month';
    const n = pr.recurring?.interval_count ?? 1;
    return start + n * (i === 'day' ? 86_400 : i === 'week' ? 7 * 86_400 : i === 'year' ? 365 * 86_400 : 30 * 86_400);
  };
  const subscription: FakeStripe['subscription'] = (p) => {
    const created = p.created ?? now();
    const pr = find<Stripe.Price>('prices', p.price);
    const id = newId('sub');
    const item: Pick<Stripe.SubscriptionItem, 'id' | 'object' | 'created' | 'price' | 'quantity' | 'subscription' | 'current_period_start' | 'current_period_end' | 'metadata' | 'discounts' | 'tax_rates'> = {
      id: newId('si'),
      object: 'subscription_item',
      created,
      price: clone(pr),
      quantity: p.quantity ?? 1,
      subscription: id,
      current_period_start: created,
      current_period_end: periodEnd(created, pr),
      metadata: {},
      discounts: [],
      tax_rates: [],
    };
    const status = p.status ?? 'active';
    const s: Pick<
      Stripe.Subscription,
      'id' | 'object' | 'created' | 'customer' | 'status' | 'currency' | 'items' | 'start_date' | 'cancel_at' | 'cancel_at_period_end' | 'canceled_at' | 'ended_at' | 'pause_collection' | 'livemode' | 'metadata' | 'collection_method' | 'latest_invoice' | 'billing_cycle_anchor' | 'trial_start' | 'trial_end'
    > = {
      id,
      object: 'subscription',
      created,
      customer: p.customer,
      status,
      currency: pr.currency,
      items: { object: 'list', data: [item as Stripe.SubscriptionItem], has_more: false, url: `/v1/subscription_items?subscription=${id}` },
      start_date: created,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: status === 'canceled' ? created : null,
      ended_at: status === 'canceled' ? created : null,
      pause_collection: null,
      livemode,
      metadata: {},
      collection_method: 'charge_automatically',
      latest_invoice: null,
      billing_cycle_anchor: created,
      trial_start: null,
      trial_end: null,
    };
    put('subscriptions', s as unknown as Stored['obj']);
    emit('customer.subscription.created', s);
    return s as Stripe.Subscription;
  };
  const invoice: FakeStripe['invoice'] = (p) => {
    const cu = find<Stripe.Customer>('customers', p.customer);
    const created = p.created ?? now();
    const id = newId('in');
    const status = p.status ?? 'open';
    const paid = status === 'paid';
    const o: Pick<
      Stripe.Invoice,
      | 'id' | 'object' | 'created' | 'customer' | 'customer_email' | 'customer_name' | 'status' | 'currency' | 'amount_due' | 'amount_paid' | 'amount_remaining' | 'attempt_count' | 'attempted'
      | 'hosted_invoice_url' | 'invoice_pdf' | 'due_date' | 'next_payment_attempt' | 'number' | 'parent' | 'status_transitions' | 'livemode' | 'metadata' | 'collection_method' | 'billing_reason' | 'period_start' | 'period_end' | 'total' | 'subtotal'
    > = {
      id,
      object: 'invoice',
      created,
      customer: p.customer,
      customer_email: cu.email,
      customer_name: cu.name ?? null,
      status,
      currency: p.currency ?? 'usd',
      amount_due: p.amount,
      amount_paid: paid ? p.amount : 0,
      amount_remaining: paid ? 0 : p.amount,
      attempt_count: paid ? 1 : 0,
      attempted: paid,
      hosted_invoice_url: `https://invoice.stripe.com/i/acct_fake/test_${id}`,
      invoice_pdf: `https://pay.stripe.com/invoice/acct_fake/test_${id}/pdf`,
      due_date: p.dueDate ?? null,
      next_payment_attempt: paid ? null : created + 3600,
      number: `${cu.invoice_prefix ?? 'INV'}-${String(ids).padStart(4, '0')}`,
      parent: p.subscription
        ? { type: 'subscription_details', quote_details: null, subscription_details: { subscription: p.subscription, metadata: {} } as Stripe.Invoice.Parent.SubscriptionDetails }
        : null,
      status_transitions: { finalized_at: created, marked_uncollectible_at: null, paid_at: paid ? created : null, voided_at: null },
      livemode,
      metadata: {},
      collection_method: p.collection ?? (p.dueDate ? 'send_invoice' : 'charge_automatically'),
      billing_reason: p.subscription ? 'subscription_cycle' : 'manual',
      period_start: created,
      period_end: created,
      total: p.amount,
      subtotal: p.amount,
    };
    // The line of a one-time product sale (a price given): Stripe's line shape (pricing.price_details).
    if (p.price) {
      const pr = find<Stripe.Price>('prices', p.price);
      (o as Record<string, unknown>).lines = {
        object: 'list',
        has_more: false,
        url: `/v1/invoices/${id}/lines`,
        data: [{ id: newId('il'), object: 'line_item', amount: p.amount, currency: o.currency, description: null, quantity: 1, pricing: { type: 'price_details', price_details: { price: pr.id, product: String(pr.product) }, unit_amount_decimal: String(p.amount) } }],
      };
    }
    put('invoices', o as unknown as Stored['obj']);
    emit('invoice.created', o);
    emit('invoice.finalized', o);
    if (paid) emit('invoice.paid', o);
    return o as Stripe.Invoice;
  };
  const charge: FakeStripe['charge'] = (p) => {
    const status = p.status ?? 'succeeded';
    const o: Pick<Stripe.Charge, 'id' | 'object' | 'created' | 'customer' | 'amount' | 'amount_captured' | 'amount_refunded' | 'currency' | 'status' | 'paid' | 'refunded' | 'captured' | 'payment_intent' | 'livemode' | 'metadata' | 'receipt_email' | 'failure_code' | 'failure_message' | 'disputed'> = {
      id: newId('ch'),
      object: 'charge',
      created: p.created ?? now(),
      customer: p.customer,
      amount: p.amount,
      amount_captured: status === 'succeeded' ? p.amount : 0,
      amount_refunded: 0,
      currency: p.currency ?? 'usd',
      status,
      paid: status === 'succeeded',
      refunded: false,
      captured: status === 'succeeded',
      payment_intent: p.paymentIntent ?? newId('pi'),
      livemode,
      metadata: {},
      receipt_email: null,
      failure_code: status === 'failed' ? 'card_declined' : null,
      failure_message: status === 'failed' ? 'Your card was declined.' : null,
      disputed: false,
    };
    put('charges', o as unknown as Stored['obj']);
    emit(status === 'failed' ? 'charge.failed' : 'charge.succeeded', o);
    return o as Stripe.Charge;
  };

  const sessions = new Map<string, { session: Stripe.Checkout.Session; lines: Stripe.LineItem[] }>();
  const checkout: FakeStripe['checkout'] = (p) => {
    const lines = p.lines.map((l) => {
      const pr = find<Stripe.Price>('prices', l.price);
      const qty = l.quantity ?? 1;
      const subtotal = (pr.unit_amount ?? 0) * qty;
      const discount = Math.round((subtotal * (p.percentOff ?? 0)) / 100);
      const total = subtotal - discount;
      const li: Pick<Stripe.LineItem, 'id' | 'object' | 'amount_discount' | 'amount_subtotal' | 'amount_tax' | 'amount_total' | 'currency' | 'description' | 'price' | 'quantity'> = {
        id: newId('li'),
        object: 'item',
        amount_discount: discount,
        amount_subtotal: subtotal,
        amount_tax: 0,
        amount_total: total,
        currency: pr.currency,
        description: null,
        price: clone(pr),
        quantity: qty,
      };
      return li as Stripe.LineItem;
    });
    const amount = lines.reduce((t, l) => t + l.amount_total, 0);
    const subtotal = lines.reduce((t, l) => t + l.amount_subtotal, 0);
    const free = amount === 0 && subtotal > 0;
    const paid = !free && (p.paymentStatus ?? 'paid') === 'paid';
    const cs = {
      id: newId('cs_test'),
      object: 'checkout.session',
      created: now(),
      mode: 'payment',
      status: 'complete',
      payment_status: free ? 'no_payment_required' : paid ? 'paid' : 'unpaid',
      amount_subtotal: subtotal,
      amount_total: amount,
      total_details: { amount_discount: subtotal - amount, amount_shipping: 0, amount_tax: 0 },
      currency: lines[0]?.currency ?? 'usd',
      customer: p.customer ?? null,
      customer_email: null,
      customer_details: { email: p.email, name: p.name ?? null, phone: null, address: null, tax_exempt: 'none', tax_ids: [] },
      invoice: p.invoice ?? null,
      payment_intent: free ? null : newId('pi'),
      payment_link: null,
      subscription: null,
      livemode,
      metadata: {},
      url: null,
    } as unknown as Stripe.Checkout.Session;
    sessions.set(cs.id, { session: cs, lines });
    if (paid) charge({ customer: p.customer ?? null, amount, currency: cs.currency!, paymentIntent: cs.payment_intent as string });
    return emit('checkout.session.completed', cs);
  };
  const payCheckout: FakeStripe['payCheckout'] = (id) => {
    const s = sessions.get(id);
    if (!s) throw new Error(`fake stripe: no checkout session ${id}`);
    s.session.payment_status = 'paid';
    charge({ customer: (s.session.customer as string | null) ?? null, amount: s.session.amount_total ?? 0, currency: s.session.currency!, paymentIntent: s.session.payment_intent as string });
    return emit('checkout.session.async_payment_succeeded', s.session);
  };
  const lineItems = (id: string, q: URLSearchParams, path: string): unknown => {
    const all = sessions.get(id)!.lines;
    const limit = Math.min(100, Math.max(1, q.has('limit') ? Number(q.get('limit')) : 10));
    const after = q.get('starting_after');
    const start = after ? all.findIndex((l) => l.id === after) + 1 : 0;
    const data = all.slice(start, start + limit);
    return { object: 'list', data, has_more: start + limit < all.length, url: path };
  };

  const failPayment: FakeStripe['failPayment'] = (id) => {
    const inv = find<Stripe.Invoice>('invoices', id);
    const previous = { attempt_count: inv.attempt_count, attempted: inv.attempted, next_payment_attempt: inv.next_payment_attempt };
    inv.attempt_count += 1;
    inv.attempted = true;
    inv.next_payment_attempt = now() + 3 * 86_400;
    emit('invoice.updated', inv, previous);
    return emit('invoice.payment_failed', inv);
  };
  const pay: FakeStripe['pay'] = (id) => {
    const inv = find<Stripe.Invoice>('invoices', id);
    const ch = charge({ customer: String(inv.customer), amount: inv.amount_remaining, currency: inv.currency });
    void ch;
    const previous = { status: inv.status, amount_paid: inv.amount_paid, amount_remaining: inv.amount_remaining };
    inv.status = 'paid';
    inv.attempt_count += 1;
    inv.attempted = true;
    inv.amount_paid = inv.amount_due;
    inv.amount_remaining = 0;
    inv.next_payment_attempt = null;
    inv.status_transitions = { ...inv.status_transitions, paid_at: now() };
    emit('invoice.updated', inv, previous);
    return emit('invoice.paid', inv);
  };
  const refund: FakeStripe['refund'] = (id, amount) => {
    const ch = find<Stripe.Charge>('charges', id);
    const previous = { amount_refunded: ch.amount_refunded, refunded: ch.refunded };
    ch.amount_refunded = Math.min(ch.amount, ch.amount_refunded + (amount ?? ch.amount - ch.amount_refunded));
    ch.refunded = ch.amount_refunded >= ch.amount;
    return emit('charge.refunded', ch, previous);
  };
  const updateSubscription: FakeStripe['updateSubscription'] = (id, patch) => {
    const s = find<Stripe.Subscription>('subscriptions', id);
    const previous: Record<string, unknown> = {};
    if (patch.status) {
      previous.status = s.status;
      s.status = patch.status;
      if (patch.status === 'canceled') {
        s.canceled_at = now();
        s.ended_at = now();
      }
    }
    const item = s.items.data[0]!;
    if (patch.quantity !== undefined) {
      previous.quantity = item.quantity;
      item.quantity = patch.quantity;
    }
    if (patch.price) {
      item.price = clone(find<Stripe.Price>('prices', patch.price));
    }
    if (patch.cancelAtPeriodEnd !== undefined) {
      previous.cancel_at_period_end = s.cancel_at_period_end;
      s.cancel_at_period_end = patch.cancelAtPeriodEnd;
      s.cancel_at = patch.cancelAtPeriodEnd ? item.current_period_end : null;
    }
    return emit(patch.status === 'canceled' ? 'customer.subscription.deleted' : 'customer.subscription.updated', s, previous);
  };

  const seed: FakeStripe['seed'] = (n) => {
    // Many objects fast: no events (a big account before Baton connects).
    const t0 = now() - 400 * 86_400;
    const prod = { id: newId('prod'), object: 'product', created: t0, updated: t0, name: 'Retainer', active: true, livemode, metadata: {}, description: null, images: [] };
    put('products', prod);
    const pr = { id: newId('price'), object: 'price', created: t0, product: prod.id, currency: 'usd', unit_amount: 4900, unit_amount_decimal: '4900', recurring: { interval: 'month', interval_count: 1, meter: null, usage_type: 'licensed', trial_period_days: null }, active: true, livemode, metadata: {}, nickname: null, type: 'recurring', billing_scheme: 'per_unit', lookup_key: null, tax_behavior: 'unspecified' };
    put('prices', pr);
    let count = 2;
    for (let i = 0; i < n.customers; i++) {
      const created = t0 + i * 60;
      const cid = newId('cus');
      put('customers', { id: cid, object: 'customer', created, email: `client${i}@bench${i % 97}.example`, name: `Client ${i}`, delinquent: false, livemode, metadata: {}, balance: 0, currency: 'usd', description: null, invoice_prefix: 'B', phone: null });
      const sid = newId('sub');
      const item = { id: newId('si'), object: 'subscription_item', created, price: pr, quantity: 1, subscription: sid, current_period_start: created, current_period_end: created + 30 * 86_400, metadata: {}, discounts: [], tax_rates: [] };
      put('subscriptions', {
        id: sid, object: 'subscription', created, customer: cid, status: i % 10 === 0 ? 'canceled' : 'active', currency: 'usd',
        items: { object: 'list', data: [item], has_more: false, url: `/v1/subscription_items?subscription=${sid}` },
        start_date: created, cancel_at: null, cancel_at_period_end: false, canceled_at: i % 10 === 0 ? created + 86_400 : null, ended_at: i % 10 === 0 ? created + 86_400 : null,
        pause_collection: null, livemode, metadata: {}, collection_method: 'charge_automatically', latest_invoice: null, billing_cycle_anchor: created, trial_start: null, trial_end: null,
      });
      count += 2;
      for (let k = 0; k < (n.invoicesPerCustomer ?? 2); k++) {
        const iid = newId('in');
        const ic = created + k * 30 * 86_400;
        const paid = (i + k) % 7 !== 0;
        put('invoices', {
          id: iid, object: 'invoice', created: ic, customer: cid, customer_email: `client${i}@bench${i % 97}.example`, customer_name: `Client ${i}`, status: paid ? 'paid' : 'open', currency: 'usd',
          amount_due: 4900, amount_paid: paid ? 4900 : 0, amount_remaining: paid ? 0 : 4900, attempt_count: paid ? 1 : 2, attempted: true,
          hosted_invoice_url: `https://invoice.stripe.com/i/acct_fake/test_${iid}`, invoice_pdf: null, due_date: null, next_payment_attempt: paid ? null : ic + 3 * 86_400, number: `B-${i}-${k}`,
          parent: { type: 'subscription_details', quote_details: null, subscription_details: { subscription: sid, metadata: {} } },
          status_transitions: { finalized_at: ic, marked_uncollectible_at: null, paid_at: paid ? ic : null, voided_at: null }, livemode, metadata: {}, collection_method: 'charge_automatically', billing_reason: 'subscription_cycle', period_start: ic, period_end: ic, total: 4900, subtotal: 4900,
        });
        count++;
      }
      for (let k = 0; k < (n.chargesPerCustomer ?? 2); k++) {
        put('charges', {
          id: newId('ch'), object: 'charge', created: created + k * 30 * 86_400, customer: cid, amount: 4900, amount_captured: 4900, amount_refunded: k === 1 && i % 20 === 0 ? 4900 : 0, currency: 'usd', status: 'succeeded', paid: true,
          refunded: k === 1 && i % 20 === 0, captured: true, payment_intent: newId('pi'), livemode, metadata: {}, receipt_email: null, failure_code: null, failure_message: null, disputed: false,
        });
        count++;
      }
    }
    return count;
  };

  // ---- HTTP ----

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { date: new Date(now() * 1000).toUTCString(), 'content-type': 'application/json', 'request-id': `req_${(++ids).toString(36)}`, 'stripe-version': Stripe.API_VERSION, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const stripeError = (res: ServerResponse, status: number, message: string, extra: Record<string, unknown> = {}) => send(res, status, { error: { type: 'invalid_request_error', message, ...extra } });
  const masked = (k: string) => `${k.slice(0, 8)}****${k.slice(-4)}`;

  const list = (kind: Kind, q: URLSearchParams, path: string): unknown => {
    let all = sorted.get(kind);
    if (!all) {
      all = [...store.get(kind)!.values()].sort((a, b) => b.obj.created - a.obj.created || b.seq - a.seq);
      sorted.set(kind, all);
    }
    const num = (k: string) => (q.has(k) ? Number(q.get(k)) : null);
    const gte = num('created[gte]');
    const gt = num('created[gt]');
    const lte = num('created[lte]');
    const lt = num('created[lt]');
    const status = q.get('status');
    const types = [...q.entries()].filter(([k]) => /^types\[\d*\]$/.test(k)).map(([, v]) => v);
    const keep = (s: Stored): boolean => {
      const c = s.obj.created;
      if (gte !== null && c < gte) return false;
      if (gt !== null && c <= gt) return false;
      if (lte !== null && c > lte) return false;
      if (lt !== null && c >= lt) return false;
      if (kind === 'subscriptions') {
        const st = s.obj.status as string;
        if (!status) {
          if (st === 'canceled' || st === 'incomplete_expired') return false;
        } else if (status !== 'all' && !(status === 'ended' ? ['canceled', 'incomplete_expired'].includes(st) : st === status)) return false;
      } else if (status && s.obj.status !== status) return false;
      if (kind === 'events' && types.length && !types.includes(s.obj.type as string)) return false;
      return true;
    };
    const limit = Math.min(100, Math.max(1, num('limit') ?? 10));
    const after = q.get('starting_after');
    const before = q.get('ending_before');
    let start = 0;
    if (after) {
      const i = all.findIndex((s) => s.obj.id === after);
      start = i < 0 ? all.length : i + 1;
    }
    const data: unknown[] = [];
    let hasMore = false;
    if (before) {
      const i = all.findIndex((s) => s.obj.id === before);
      const picked: Stored[] = [];
      for (let j = i - 1; j >= 0; j--) {
        if (!keep(all[j]!)) continue;
        if (picked.length === limit) {
          hasMore = true;
          break;
        }
        picked.push(all[j]!);
      }
      data.push(...picked.reverse().map((s) => s.obj));
    } else {
      for (let j = start; j < all.length; j++) {
        if (!keep(all[j]!)) continue;
        if (data.length === limit) {
          hasMore = true;
          break;
        }
        data.push(all[j]!.obj);
      }
    }
    return { object: 'list', data, has_more: hasMore, url: path };
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice(7) : null;
    const idemKey = (req.headers['idempotency-key'] as string | undefined) ?? null;
    requests.push({ method: req.method ?? 'GET', path: u.pathname, query: Object.fromEntries(u.searchParams), key, idempotencyKey: idemKey, body });
    if (!key) return send(res, 401, { error: { type: 'invalid_request_error', message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')." } });
    if (key !== opts.key) return stripeError(res, 401, `Invalid API Key provided: ${masked(key)}`);
    const li = /^\/v1\/checkout\/sessions\/([A-Za-z0-9_]+)\/line_items$/.exec(u.pathname);
    if (li && req.method === 'GET') {
      if (deny.has('line_items')) return send(res, 403, { error: { type: 'invalid_request_error', message: `The provided key '${masked(key)}' does not have the required permissions for this endpoint on account 'acct_fake'. Having the 'rak_checkout_session_read' permission would allow this request to continue.` } });
      if (!sessions.has(li[1]!)) return stripeError(res, 404, `No such checkout.session: '${li[1]}'`, { code: 'resource_missing', param: 'session' });
      return send(res, 200, lineItems(li[1]!, u.searchParams, u.pathname));
    }
    const m = /^\/v1\/([a-z_]+)(?:\/([A-Za-z0-9_]+))?$/.exec(u.pathname);
    const kind = m?.[1] as Kind | undefined;
    if (!m || !kind || !KINDS.includes(kind)) return stripeError(res, 404, `Unrecognized request URL (${req.method}: ${u.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
    if (deny.has(kind))
      return send(res, 403, {
        error: { type: 'invalid_request_error', message: `The provided key '${masked(key)}' does not have the required permissions for this endpoint on account 'acct_fake'. Having the 'rak_${OBJECT[kind]}_read' permission would allow this request to continue.` },
      });
    const id = m[2];
    if (req.method === 'GET' && !id) return send(res, 200, list(kind, u.searchParams, u.pathname));
    if (req.method === 'GET' && id) {
      const s = store.get(kind)!.get(id);
      if (!s) return stripeError(res, 404, `No such ${OBJECT[kind]}: '${id}'`, { code: 'resource_missing', param: 'id' });
      return send(res, 200, s.obj);
    }
    if (req.method === 'POST' && kind === 'subscriptions' && id) {
      if (idemKey && idem.has(idemKey)) {
        const r = idem.get(idemKey)!;
        return send(res, r.status, r.body);
      }
      const s = store.get(kind)!.get(id);
      if (!s) return stripeError(res, 404, `No such subscription: '${id}'`, { code: 'resource_missing', param: 'id' });
      const form = new URLSearchParams(body);
      const behavior = form.get('pause_collection[behavior]');
      const sub = s.obj as unknown as Stripe.Subscription;
      const previous = { pause_collection: sub.pause_collection };
      if (behavior) sub.pause_collection = { behavior: behavior as Stripe.Subscription.PauseCollection.Behavior, resumes_at: null };
      else if (form.has('pause_collection')) sub.pause_collection = null;
      emit('customer.subscription.updated', sub, previous);
      const out = clone(sub);
      if (idemKey) idem.set(idemKey, { status: 200, body: out });
      return send(res, 200, out);
    }
    return stripeError(res, 404, `Unrecognized request URL (${req.method}: ${u.pathname}).`);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;

  const sign: FakeStripe['sign'] = (event, secret, timestamp) => {
    const body = JSON.stringify(event, null, 2);
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, ...(timestamp !== undefined ? { timestamp } : {}) });
    return { body, header };
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    key: opts.key,
    clock,
    requests,
    events,
    deny,
    customer,
    product,
    price,
    subscription,
    invoice,
    charge,
    failPayment,
    pay,
    refund,
    updateSubscription,
    checkout,
    payCheckout,
    session: (id) => clone(sessions.get(id)!.session),
    get: (kind, id) => clone(find(kind, id)),
    lastEvent: (type) => {
      for (let i = events.length - 1; i >= 0; i--) if (events[i]!.type === type) return events[i]!;
      throw new Error(`fake stripe: no ${type} event`);
    },
    sign,
    async deliver(event, url, secret, o = {}) {
      const { body, header } = sign(event, secret, o.timestamp);
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': o.header ?? header, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' }, body });
      return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    },
    seed,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
