/**
 * Reconcile against the local Stripe-compatible server with the real client:
 * a missing or wrong key fails naming the secret and writes nothing; the first
 * reconcile imports everything (paginated) without recording events; later
 * ones read only what is new, and a webhook that never came is healed: its
 * event is recorded exactly once and starts the dunning workflow.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api';
import { engineOf } from '../../electron/core/engine';
import { billingService, scanOverdue } from '../../electron/core/billing';
import { badBillingEvents, billingRig, type BillingRig } from './rig';

let rig: BillingRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const TABLES = ['billing_customers', 'billing_products', 'billing_prices', 'billing_subscriptions', 'billing_invoices', 'billing_charges', 'billing_events', 'contacts'];
const counts = (r: BillingRig) => Object.fromEntries(TABLES.map((t) => [t, (r.core.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]));
const billingEvents = (r: BillingRig) =>
  (r.core.db.prepare(`SELECT type, data FROM events WHERE type IN ('payment.succeeded','payment.failed','invoice.overdue','subscription.started','subscription.changed','subscription.canceled','charge.refunded') ORDER BY id`).all() as { type: string; data: string }[]).map((e) => ({
    type: e.type,
    data: JSON.parse(e.data) as Record<string, unknown>,
  }));
const fails = async (p: Promise<unknown>) => (await p.then(() => null, (e: unknown) => e)) as ApiError;

/** A small account: 2 products/prices, customers with subscriptions, invoices and charges. */
function account(r: BillingRig) {
  const s = r.stripe;
  const prod = s.product({ name: 'Retainer' });
  const monthly = s.price({ product: prod.id, unitAmount: 50000 });
  const yearly = s.price({ product: prod.id, unitAmount: 120000, interval: 'year' });
  const ada = s.customer({ email: 'ada@analytical.test', name: 'Ada Lovelace' });
  const bob = s.customer({ email: 'bob@builder.test', name: 'Bob' });
  const subA = s.subscription({ customer: ada.id, price: monthly.id });
  const subB = s.subscription({ customer: bob.id, price: yearly.id, quantity: 2 });
  const paid = s.invoice({ customer: ada.id, subscription: subA.id, amount: 50000, status: 'paid' });
  const open = s.invoice({ customer: bob.id, subscription: subB.id, amount: 240000 });
  const ch = s.charge({ customer: ada.id, amount: 50000 });
  return { prod, monthly, yearly, ada, bob, subA, subB, paid, open, ch };
}

describe('a key that is missing or wrong', () => {
  it('missing: the error names STRIPE_SECRET_KEY and how to store it; nothing is read or written', async () => {
    rig = await billingRig({ key: null });
    account(rig);
    const before = counts(rig);
    const e = await fails(rig.core.call('billing.reconcile', {}));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('unavailable');
    expect(e.message).toMatch(/no secret STRIPE_SECRET_KEY/);
    expect(e.message).toMatch(/baton secrets set STRIPE_SECRET_KEY/);
    expect(counts(rig)).toEqual(before);
    expect(rig.stripe.requests).toHaveLength(0);
    const st = await rig.core.call('billing.status', {});
    expect(st).toMatchObject({ keyStored: false, keyMode: null, lastReconcile: { ok: false, message: expect.stringContaining('STRIPE_SECRET_KEY') } });
  });

  it('wrong: Stripe says 401; the error names the secret and the fix, masks the key, and nothing is written', async () => {
    rig = await billingRig({ key: 'sk_test_wrongWrongWrong1234' });
    account(rig);
    const e = await fails(rig.core.call('billing.reconcile', {}));
    expect(e.message).toMatch(/^Stripe refused the key in STRIPE_SECRET_KEY while listing products \((\[req_\w+\] )?Invalid API Key provided: sk_test_\*{4}/);
    expect(e.message).toContain('Developers → API keys');
    expect(e.message).not.toContain('wrongWrongWrong1234');
    expect(counts(rig)).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
  });

  it('a publishable key is named as such before any call', async () => {
    rig = await billingRig({ key: 'pk_test_abcdefgh12345678' });
    const e = await fails(rig.core.call('billing.reconcile', {}));
    expect(e.message).toMatch(/STRIPE_SECRET_KEY holds a publishable key \(pk_…\)/);
    expect(rig.stripe.requests).toHaveLength(0);
  });

  it('a restricted key that may not read invoices: refused before anything is stored (no partial mirror)', async () => {
    rig = await billingRig();
    account(rig);
    rig.stripe.deny.add('invoices');
    const e = await fails(rig.core.call('billing.reconcile', {}));
    expect(e.message).toMatch(/The key in STRIPE_SECRET_KEY may not read this \(listing invoices:/);
    expect(e.message).toContain('read access to customers, products, prices, subscriptions, invoices, charges, Checkout Sessions and events');
    expect(counts(rig)).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
  });
});

describe('reconcile', () => {
  it('the first one imports everything, page by page, linking contacts, and records no events', async () => {
    rig = await billingRig();
    const a = account(rig);
    for (let i = 0; i < 230; i++) rig.stripe.customer({ email: `client${i}@many.test`, name: `Client ${i}` });
    const r = await rig.core.call('billing.reconcile', {});
    expect(r).toMatchObject({ baseline: true, counts: { products: 1, prices: 2, customers: 232, subscriptions: 2, invoices: 2, charges: 1, events: 0 }, recorded: 0 });
    // Paginated: limit 100 with starting_after.
    const pages = rig.stripe.requests.filter((q) => q.path === '/v1/customers' && q.query.limit === '100');
    expect(pages).toHaveLength(3);
    expect(pages[1]!.query.starting_after).toMatch(/^cus_/);
    expect(rig.stripe.requests.find((q) => q.path === '/v1/subscriptions' && q.query.limit === '100')!.query.status).toBe('all');
    expect(billingEvents(rig)).toEqual([]);
    expect(counts(rig).contacts).toBe(232);
    const sub = rig.core.db.prepare('SELECT status, mrr, quantity, started_recorded FROM billing_subscriptions WHERE id = ?').get(a.subB.id);
    expect(sub).toEqual({ status: 'active', mrr: 20000, quantity: 2, started_recorded: 1 });
    const inv = rig.core.db.prepare('SELECT status, hosted_invoice_url, subscription_id, paid_recorded FROM billing_invoices WHERE id = ?').get(a.paid.id);
    expect(inv).toEqual({ status: 'paid', hosted_invoice_url: a.paid.hosted_invoice_url, subscription_id: a.subA.id, paid_recorded: 1 });
    // Clients who pay are customers in the CRM.
    expect((await rig.core.call('contacts.list', { search: 'ada@analytical.test' })).rows[0]!.stage).toBe('customer');
    const st = await rig.core.call('billing.status', {});
    expect(st).toMatchObject({ keyStored: true, keyMode: 'test', counts: { customers: 232, subscriptions: 2, invoices: 2, charges: 1 }, lastReconcile: { ok: true } });

    // Again: only what was created since the cursor is read, and nothing is recorded for re-confirmed objects.
    const before = rig.stripe.requests.length;
    const again = await rig.core.call('billing.reconcile', {});
    expect(again).toMatchObject({ baseline: false, recorded: 0 });
    const listed = rig.stripe.requests.slice(before).filter((q) => q.query.limit === '100');
    expect(listed.every((q) => q.query['created[gte]'] !== undefined)).toBe(true);
    expect(billingEvents(rig)).toEqual([]);
  });

  it('heals a missed webhook: the failed payment Stripe could not deliver is recorded once and starts the dunning run', async () => {
    rig = await billingRig();
    const a = account(rig);
    const core = rig.core;
    rig.advance(86_400_000); // the account's history is older than Baton
    const { template: _block, ...tpl } = JSON.parse(readFileSync(join(__dirname, '../../resources/templates/billing-dunning.json'), 'utf8')) as Record<string, unknown>;
    await core.call('workflows.import', { definition: tpl, enable: true });
    await core.call('billing.reconcile', {});
    const engine = engineOf(core);
    await engine.drain();
    expect((await core.call('runs.list', { workflow: 'billing-dunning' })).runs).toHaveLength(0);

    // Stripe retries Bob's open invoice: it fails; the webhook never reaches Baton.
    rig.advance(3_600_000);
    rig.stripe.failPayment(a.open.id);
    const r = await core.call('billing.reconcile', {});
    expect(r).toMatchObject({ baseline: false, counts: { events: 2 }, recorded: 1 });
    const evs = billingEvents(rig);
    expect(evs.map((e) => e.type)).toEqual(['payment.failed']);
    expect(evs[0]!.data).toMatchObject({ invoiceId: a.open.id, email: 'bob@builder.test', amountText: '2,400.00 USD', attemptCount: 1 });
    // Reconcile again, and the webhook arriving late: still once.
    expect(await core.call('billing.reconcile', {})).toMatchObject({ recorded: 0, counts: { events: 0 } });
    expect((await rig.deliver(rig.stripe.lastEvent('invoice.payment_failed'))).body).toMatchObject({ outcome: 'duplicate' });
    expect(billingEvents(rig)).toHaveLength(1);

    await engine.drain();
    const runs = (await core.call('runs.list', { workflow: 'billing-dunning' })).runs;
    expect(runs).toHaveLength(1);
    const mail = (await rig.smtp.waitFor(1))[0]!;
    expect(mail.to).toEqual(['bob@builder.test']);
    expect(mail.parsed.subject).toBe('Your payment of 2,400.00 USD did not go through');
    expect(mail.parsed.html).toContain(`href="${a.open.hosted_invoice_url}"`);
  });

  it('reads new objects and refunds made while no webhook came (charge.refunded, subscription.canceled)', async () => {
    rig = await billingRig();
    const a = account(rig);
    rig.advance(86_400_000);
    await rig.core.call('billing.reconcile', {});
    rig.advance(600_000);
    rig.stripe.refund(a.ch.id, 20000);
    rig.stripe.updateSubscription(a.subB.id, { status: 'canceled' });
    const carl = rig.stripe.customer({ email: 'carl@new.test' });
    const subC = rig.stripe.subscription({ customer: carl.id, price: a.monthly.id });
    const r = await rig.core.call('billing.reconcile', {});
    // Objects created since the cursor (and, for Stripe's eventual consistency, the 5 minutes before it).
    expect(r.counts.customers).toBeGreaterThanOrEqual(1);
    expect(rig.core.db.prepare('SELECT email FROM billing_customers WHERE id = ?').get(carl.id)).toEqual({ email: 'carl@new.test' });
    expect(billingEvents(rig).map((e) => [e.type, e.data.email])).toEqual([
      ['charge.refunded', 'ada@analytical.test'],
      ['subscription.canceled', 'bob@builder.test'],
      ['subscription.started', 'carl@new.test'],
    ]);
    expect(billingEvents(rig)[0]!.data).toMatchObject({ amountMinor: 20000, totalRefundedMinor: 20000, fullyRefunded: false, amountText: '200.00 USD' });
    expect(rig.core.db.prepare('SELECT status FROM billing_subscriptions WHERE id = ?').get(subC.id)).toEqual({ status: 'active' });
    expect((await rig.core.call('contacts.list', { search: 'bob@builder.test' })).rows[0]!.stage).toBe('churned');
    expect(badBillingEvents(rig.core)).toEqual([]);
  });

  it('invoice.overdue: once, when an open invoice passes its due date', async () => {
    rig = await billingRig();
    const a = account(rig);
    rig.advance(86_400_000);
    await rig.core.call('billing.reconcile', {});
    const due = Math.floor(rig.clock.now / 1000) + 14 * 86_400;
    const inv = rig.stripe.invoice({ customer: a.ada.id, amount: 75000, dueDate: due });
    expect((await rig.deliver(rig.stripe.lastEvent('invoice.finalized'))).body).toMatchObject({ outcome: 'applied', recorded: 0 });
    rig.advance(14 * 86_400_000 - 60_000);
    expect(scanOverdue(rig.core)).toBe(0);
    rig.advance(3 * 86_400_000);
    expect((await rig.core.call('billing.reconcile', {})).recorded).toBe(1);
    expect(scanOverdue(rig.core)).toBe(0);
    expect(await rig.core.call('billing.reconcile', {})).toMatchObject({ recorded: 0 });
    const evs = billingEvents(rig);
    expect(evs.map((e) => e.type)).toEqual(['invoice.overdue']);
    expect(evs[0]!.data).toMatchObject({ invoiceId: inv.id, daysOverdue: 2, amountText: '750.00 USD', dueDate: new Date(due * 1000).toISOString(), email: 'ada@analytical.test' });
    expect(badBillingEvents(rig.core)).toEqual([]);
  });

  it('a serving host reconciles on its own every billing.reconcileMinutes while a key is stored', async () => {
    rig = await billingRig({ settings: { 'billing.reconcileMinutes': 30 } });
    account(rig);
    const service = billingService(rig.core, { checkEveryMs: 20 });
    const last = () => rig!.core.db.prepare(`SELECT value FROM billing_state WHERE key = 'lastReconcile'`).pluck().get() as string | undefined;
    const until = async (cond: () => boolean) => {
      for (const end = Date.now() + 20_000; !cond(); ) {
        if (Date.now() > end) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await service.start();
    try {
      await until(() => last() !== undefined);
      const first = JSON.parse(last()!) as { at: string; ok: boolean; result: { baseline: boolean } };
      expect(first).toMatchObject({ ok: true, result: { baseline: true } });
      // Not again before 30 minutes (of the core's clock) …
      await new Promise((r) => setTimeout(r, 300));
      expect(JSON.parse(last()!).at).toBe(first.at);
      // … then again, and it heals what no webhook said.
      rig.advance(30 * 60_000);
      const bob = rig.core.db.prepare(`SELECT id FROM billing_invoices WHERE amount_due = 240000`).pluck().get() as string;
      rig.stripe.failPayment(bob);
      await until(() => (JSON.parse(last()!) as { at: string }).at !== first.at);
      expect(JSON.parse(last()!)).toMatchObject({ ok: true, result: { baseline: false, recorded: 1 } });
      expect(billingEvents(rig).map((e) => e.type)).toEqual(['payment.failed']);
    } finally {
      await service.stop();
    }
  });
});
