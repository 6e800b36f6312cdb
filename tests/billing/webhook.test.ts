/**
 * POST /hooks/stripe over real HTTP (the headless server), events signed with
 * the stripe package's own test-header helper: the signature is checked, an
 * event id is applied once, events out of order leave the newer state, and
 * customers land on CRM contacts by e-mail.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateWorkflow } from '../../electron/core/engine/validate';
import { threadNodes } from '../../electron/core/nodes';
import { billingRig, webhookSecret, type BillingRig } from './rig';

let rig: BillingRig;
afterEach(async () => rig?.close());

const count = (r: BillingRig, sql: string, ...args: unknown[]) => (r.core.db.prepare(sql).get(...args) as { n: number }).n;
const billingEventRows = (r: BillingRig) => r.core.db.prepare(`SELECT type, subject_id, data FROM events WHERE type IN ('payment.succeeded','payment.failed','invoice.overdue','subscription.started','subscription.changed','subscription.canceled','charge.refunded') ORDER BY id`).all() as { type: string; subject_id: string; data: string }[];

describe('the Stripe webhook endpoint', () => {
  beforeEach(async () => {
    rig = await billingRig();
  });

  it('refuses a bad or missing signature with 401 and stores nothing', async () => {
    const c = rig.stripe.customer({ email: 'ada@analytical.test', name: 'Ada Lovelace' });
    const ev = rig.stripe.lastEvent('customer.created');
    const wrong = await rig.deliver(ev, { secret: 'whsec_not_the_right_one' });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).toContain('STRIPE_WEBHOOK_SECRET');
    const none = await fetch(rig.hookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ev) });
    expect(none.status).toBe(401);
    // A body changed after signing.
    const { header } = rig.stripe.sign(ev, webhookSecret(), Math.floor(rig.clock.now / 1000));
    const tampered = await fetch(rig.hookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: JSON.stringify({ ...ev, id: 'evt_forged' }) });
    expect(tampered.status).toBe(401);
    // Signed more than 5 minutes before now (a replayed capture).
    const old = await rig.deliver(ev, { timestamp: Math.floor(rig.clock.now / 1000) - 600 });
    expect(old.status).toBe(401);
    expect(count(rig, 'SELECT COUNT(*) AS n FROM billing_events')).toBe(0);
    expect(count(rig, 'SELECT COUNT(*) AS n FROM billing_customers')).toBe(0);
    expect(count(rig, 'SELECT COUNT(*) AS n FROM contacts')).toBe(0);
    const good = await rig.deliver(ev);
    expect(good.status).toBe(200);
    expect(rig.core.db.prepare('SELECT id, email, name FROM billing_customers').all()).toEqual([{ id: c.id, email: 'ada@analytical.test', name: 'Ada Lovelace' }]);
  });

  it('a customer is linked to the CRM contact with its e-mail (created when missing, company by domain)', async () => {
    const known = await rig.core.call('contacts.create', { email: 'grace@navy.test', firstName: 'Grace', stage: 'sql' });
    const a = rig.stripe.customer({ email: 'Grace@Navy.test', name: 'Grace Hopper' });
    expect((await rig.deliver(rig.stripe.lastEvent('customer.created'))).status).toBe(200);
    const b = rig.stripe.customer({ email: 'ada@analytical.test', name: 'Ada King Lovelace' });
    expect((await rig.deliver(rig.stripe.lastEvent('customer.created'))).status).toBe(200);
    const rows = rig.core.db.prepare('SELECT id, contact_id, company_id FROM billing_customers ORDER BY created, id').all() as { id: string; contact_id: number; company_id: number | null }[];
    expect(rows.find((r) => r.id === a.id)!.contact_id).toBe(known.id);
    const ada = (await rig.core.call('contacts.list', { search: 'ada@analytical.test' })).rows[0]!;
    expect(rows.find((r) => r.id === b.id)!.contact_id).toBe(ada.id);
    const full = await rig.core.call('contacts.get', { id: ada.id });
    expect(full.contact).toMatchObject({ firstName: 'Ada', lastName: 'King Lovelace', source: 'stripe', companyDomain: 'analytical.test' });
    expect(rows.find((r) => r.id === b.id)!.company_id).toBe(full.contact.companyId);
    // The existing contact keeps its own name and stage.
    expect((await rig.core.call('contacts.get', { id: known.id })).contact).toMatchObject({ firstName: 'Grace', lastName: null, stage: 'sql' });
  });

  it('the same event delivered twice is applied once; each fact records its event once', async () => {
    const cu = rig.stripe.customer({ email: 'ada@analytical.test', name: 'Ada' });
    await rig.deliver(rig.stripe.lastEvent('customer.created'));
    const inv = rig.stripe.invoice({ customer: cu.id, amount: 4900 });
    await rig.deliver(rig.stripe.lastEvent('invoice.finalized'));
    rig.advance(60_000);
    const failed = rig.stripe.failPayment(inv.id);
    const first = await rig.deliver(failed);
    expect(first).toMatchObject({ status: 200, body: { received: true, outcome: 'applied', recorded: 1 } });
    const again = await rig.deliver(failed);
    expect(again).toMatchObject({ status: 200, body: { received: true, outcome: 'duplicate', recorded: 0 } });
    // Stripe also sent invoice.updated with the same attempt: nothing new.
    const updated = rig.stripe.events.filter((e) => e.type === 'invoice.updated').at(-1)!;
    expect((await rig.deliver(updated)).body).toMatchObject({ outcome: 'applied', recorded: 0 });
    const rows = billingEventRows(rig);
    expect(rows.map((r) => r.type)).toEqual(['payment.failed']);
    const data = JSON.parse(rows[0]!.data) as Record<string, unknown>;
    expect(data).toMatchObject({ invoiceId: inv.id, customerId: cu.id, email: 'ada@analytical.test', amount: 49, amountMinor: 4900, currency: 'usd', amountText: '49.00 USD', hostedInvoiceUrl: inv.hosted_invoice_url, attemptCount: 1 });
    expect(Number(rows[0]!.subject_id)).toBe(data.contactId);
    expect(count(rig, 'SELECT COUNT(*) AS n FROM billing_events')).toBe(4);
    // A second failed attempt is a second fact.
    rig.advance(86_400_000);
    expect((await rig.deliver(rig.stripe.failPayment(inv.id))).body).toMatchObject({ recorded: 1 });
    expect(billingEventRows(rig).map((r) => r.type)).toEqual(['payment.failed', 'payment.failed']);
  });

  it('events out of order: an older invoice state after a newer one changes nothing', async () => {
    const cu = rig.stripe.customer({ email: 'ada@analytical.test' });
    await rig.deliver(rig.stripe.lastEvent('customer.created'));
    const inv = rig.stripe.invoice({ customer: cu.id, amount: 12000 });
    const finalized = rig.stripe.lastEvent('invoice.finalized');
    rig.advance(10_000);
    const failed = rig.stripe.failPayment(inv.id);
    const failedUpdate = rig.stripe.events.filter((e) => e.type === 'invoice.updated').at(-1)!;
    rig.advance(10_000);
    const paid = rig.stripe.pay(inv.id);
    // Newest first: paid, then the older failure and finalization.
    expect((await rig.deliver(paid)).body).toMatchObject({ outcome: 'applied', recorded: 1 });
    expect((await rig.deliver(failedUpdate)).body).toMatchObject({ outcome: 'stale', recorded: 0 });
    expect((await rig.deliver(failed)).body).toMatchObject({ outcome: 'stale', recorded: 0 });
    expect((await rig.deliver(finalized)).body).toMatchObject({ outcome: 'stale', recorded: 0 });
    const row = rig.core.db.prepare('SELECT status, amount_paid, attempt_count, first_failed_at FROM billing_invoices WHERE id = ?').get(inv.id);
    // The late failure still counts for the recovery rate (it failed, then was paid); it started nothing.
    expect(row).toEqual({ status: 'paid', amount_paid: 12000, attempt_count: 2, first_failed_at: failed.created });
    expect(billingEventRows(rig).map((r) => r.type)).toEqual(['payment.succeeded']);
    expect((await rig.core.call('contacts.list', { search: 'ada@analytical.test' })).rows[0]!.stage).toBe('customer');
  });

  it('an event about a customer Baton has not seen reads the customer from Stripe first', async () => {
    const cu = rig.stripe.customer({ email: 'linus@kernel.test', name: 'Linus' });
    const product = rig.stripe.product({ name: 'Retainer' });
    const price = rig.stripe.price({ product: product.id, unitAmount: 120000, interval: 'year' });
    rig.stripe.subscription({ customer: cu.id, price: price.id, quantity: 2 });
    const r = await rig.deliver(rig.stripe.lastEvent('customer.subscription.created'));
    expect(r.body).toMatchObject({ outcome: 'applied', recorded: 1 });
    expect(rig.stripe.requests.some((q) => q.method === 'GET' && q.path === `/v1/customers/${cu.id}`)).toBe(true);
    const ev = billingEventRows(rig)[0]!;
    expect(ev.type).toBe('subscription.started');
    expect(JSON.parse(ev.data)).toMatchObject({ email: 'linus@kernel.test', quantity: 2, mrr: 200, currency: 'usd', status: 'active' });
  });

  it('without a signing secret: 503 naming STRIPE_WEBHOOK_SECRET', async () => {
    await rig.close();
    rig = await billingRig({ webhookSecret: null });
    rig.stripe.customer({ email: 'x@y.test' });
    const r = await rig.deliver(rig.stripe.lastEvent('customer.created'));
    expect(r.status).toBe(503);
    expect(JSON.stringify(r.body)).toContain('STRIPE_WEBHOOK_SECRET');
    expect(count(rig, 'SELECT COUNT(*) AS n FROM billing_events')).toBe(0);
  });
});

describe('the webhook slug "stripe"', () => {
  it('is refused for a workflow webhook, like forms and events', () => {
    const r = validateWorkflow({ id: 'wh', name: 'W', trigger: { type: 'webhook', slug: 'stripe' }, nodes: [{ id: 'a', type: 'log', params: { message: 'x' } }] }, { nodes: threadNodes() });
    expect(r.ok).toBe(false);
    expect(r.issues[0]).toMatchObject({ path: 'trigger.slug', message: expect.stringContaining('/hooks/stripe is the Stripe webhook') });
  });
});
