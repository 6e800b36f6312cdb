/**
 * One-time sales through Stripe Checkout (mode=payment, no invoice): a signed
 * checkout.session.completed (real HTTP, the stripe package's test header)
 * -> billing reads the session's line items with the real `stripe` client
 * (listLineItems, every page) -> payment.succeeded with the prices -> the
 * product-delivery template grants once and the welcome e-mail arrives over
 * real SMTP. A redelivery grants nothing; an unpaid session grants nothing
 * until checkout.session.async_payment_succeeded; a session whose invoice
 * records the payment (invoice_creation) grants once, by the invoice; the
 * money counts once in billing's income (its charge).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { billingPayments } from '../../electron/core/billing/income';
import { engineOf } from '../../electron/core/engine';
import { badBillingEvents } from '../billing/rig';
import { productsRig, type ProductsRig } from './rig';

let rig: ProductsRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

async function setup(r: ProductsRig) {
  const prod = r.stripe.product({ name: 'SEO course' });
  const price = r.stripe.price({ product: prod.id, unitAmount: 19900, interval: null });
  await r.core.call('billing.reconcile', {});
  await r.core.call('products.save', {
    product: { id: 'seo-course', name: 'SEO course', access: 'license', priceIds: [price.id], modules: [{ title: 'Module 1: keywords', afterDays: 0, url: 'https://course.test/m1' }] },
  });
  await r.core.call('templates.install', { ids: ['product-delivery', 'product-revoke-refund'], enable: true });
  return { price };
}

const payments = (r: ProductsRig) => r.core.db.prepare(`SELECT json_extract(data, '$.saleId') AS saleId, json_extract(data, '$.priceIds') AS priceIds FROM events WHERE type = 'payment.succeeded'`).all() as { saleId: string; priceIds: string }[];

describe('products: one-time sales through Stripe Checkout', () => {
  it('a paid session grants once and sends the welcome e-mail; a redelivery grants nothing; the money counts once', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    const { price } = await setup(rig);
    rig.advance(60_000);
    const done = rig.stripe.checkout({ email: 'Ada@Buyer.test', name: 'Ada Lovelace', lines: [{ price: price.id }] });
    const session = done.data.object as { id: string; payment_intent: string };
    expect((await rig.deliver(rig.stripe.lastEvent('charge.succeeded'))).status).toBe(200);
    expect((await rig.deliver(done)).body).toMatchObject({ outcome: 'applied', recorded: 1 });
    // The line items were read through the stripe client from the Stripe-compatible server.
    expect(rig.stripe.requests.filter((q) => q.path === `/v1/checkout/sessions/${session.id}/line_items`)).toHaveLength(1);
    // Stripe delivers it again: a duplicate, nothing recorded or granted.
    expect((await rig.deliver(done)).body).toMatchObject({ outcome: 'duplicate', recorded: 0 });
    await engineOf(core).drain();

    const grants = await core.call('products.grants.list', {});
    expect(grants.total).toBe(1);
    expect(grants.rows[0]).toMatchObject({ productId: 'seo-course', email: 'ada@buyer.test', source: 'stripe', status: 'active' });
    const [welcome] = await smtp.waitFor(2);
    expect(welcome!.to).toEqual(['ada@buyer.test']);
    expect(welcome!.parsed.subject).toBe('Your access to SEO course');
    expect(welcome!.parsed.text).toContain(grants.rows[0]!.licenseKey!);
    expect(payments(rig)).toEqual([{ saleId: session.payment_intent, priceIds: JSON.stringify([price.id]) }]);
    const contact = core.db.prepare(`SELECT stage, source FROM contacts WHERE email = 'ada@buyer.test'`).get();
    expect(contact).toEqual({ stage: 'customer', source: 'stripe' });
    expect(core.db.prepare('SELECT payment_status, amount_total, currency, paid_recorded FROM billing_checkouts WHERE id = ?').get(session.id)).toEqual({ payment_status: 'paid', amount_total: 19900, currency: 'usd', paid_recorded: 1 });
    // Income (what finance's P&L reads) counts the sale once: its charge.
    const day = new Date(rig.clock.now).toISOString().slice(0, 10);
    const income = billingPayments(core, { from: day, to: day });
    expect(income.map((x) => [x.amount, x.charges])).toEqual([[19900, 1]]);

    // A full refund of the Checkout charge revokes the grant (matched by the payment intent).
    rig.advance(60_000);
    const charge = (rig.stripe.lastEvent('charge.succeeded').data.object as { id: string }).id;
    expect((await rig.deliver(rig.stripe.refund(charge))).status).toBe(200);
    await engineOf(core).drain();
    expect((await core.call('products.grants.list', {})).rows[0]).toMatchObject({ status: 'revoked', revokeReason: 'refund' });
    // payment.succeeded and charge.refunded hold the data their types declare.
    expect(badBillingEvents(core)).toEqual([]);
  });

  it('a session paid with a 100 % coupon (no_payment_required, total 0) grants like a paid one, once, by its session id', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    const { price } = await setup(rig);
    rig.advance(60_000);
    const done = rig.stripe.checkout({ email: 'Free@Buyer.test', name: 'Fran Free', lines: [{ price: price.id }], percentOff: 100 });
    const session = done.data.object as { id: string; payment_intent: string | null; payment_status: string; amount_total: number };
    expect(session).toMatchObject({ payment_intent: null, payment_status: 'no_payment_required', amount_total: 0 });
    // Stripe makes no charge for it.
    expect(rig.stripe.events.some((e) => e.type === 'charge.succeeded')).toBe(false);
    expect((await rig.deliver(done)).body).toMatchObject({ outcome: 'applied', recorded: 1 });
    expect(rig.stripe.requests.filter((q) => q.path === `/v1/checkout/sessions/${session.id}/line_items`)).toHaveLength(1);
    expect((await rig.deliver(done)).body).toMatchObject({ outcome: 'duplicate', recorded: 0 });
    await engineOf(core).drain();

    const grants = await core.call('products.grants.list', {});
    expect(grants.total).toBe(1);
    expect(grants.rows[0]).toMatchObject({ productId: 'seo-course', email: 'free@buyer.test', source: 'stripe', saleId: session.id, status: 'active' });
    const [welcome] = await smtp.waitFor(2);
    expect(welcome!.to).toEqual(['free@buyer.test']);
    expect(welcome!.parsed.subject).toBe('Your access to SEO course');
    expect(welcome!.parsed.text).toContain(grants.rows[0]!.licenseKey!);
    const ev = core.db.prepare(`SELECT json_extract(data, '$.saleId') AS saleId, json_extract(data, '$.amountMinor') AS amountMinor, json_extract(data, '$.free') AS free FROM events WHERE type = 'payment.succeeded'`).all();
    expect(ev).toEqual([{ saleId: session.id, amountMinor: 0, free: 1 }]);
    expect(core.db.prepare('SELECT payment_status, amount_total, payment_intent, paid_recorded FROM billing_checkouts WHERE id = ?').get(session.id)).toEqual({ payment_status: 'no_payment_required', amount_total: 0, payment_intent: null, paid_recorded: 1 });
    // Nothing was charged: no income.
    const day = new Date(rig.clock.now).toISOString().slice(0, 10);
    expect(billingPayments(core, { from: day, to: day })).toEqual([]);
    // The Billing page's list: the buyer's contact, the product, free, granted.
    const contactId = (core.db.prepare(`SELECT id FROM contacts WHERE email = 'free@buyer.test'`).get() as { id: number }).id;
    const listed = await core.call('billing.checkouts.list', {});
    expect(listed.total).toBe(1);
    expect(listed.rows[0]).toMatchObject({
      id: session.id,
      email: 'free@buyer.test',
      name: 'Fran Free',
      contactId,
      paymentStatus: 'no_payment_required',
      free: true,
      amount: { currency: 'USD', amount: 0 },
      products: ['SEO course'],
      recorded: true,
      granted: [{ grantId: grants.rows[0]!.id, productId: 'seo-course', productName: 'SEO course', status: 'active' }],
    });
    expect(badBillingEvents(core)).toEqual([]);
  });

  it('a missed free Checkout webhook is healed by the reconcile and grants once', async () => {
    rig = await productsRig();
    const { core } = rig;
    const { price } = await setup(rig);
    rig.advance(60_000);
    const done = rig.stripe.checkout({ email: 'gift@buyer.test', lines: [{ price: price.id }], percentOff: 100 });
    const session = done.data.object as { id: string };
    rig.advance(60_000);
    await core.call('billing.reconcile', {});
    expect((await rig.deliver(done)).body).toMatchObject({ outcome: 'duplicate', recorded: 0 });
    await engineOf(core).drain();
    const grants = await core.call('products.grants.list', {});
    expect(grants.rows.map((g) => [g.email, g.saleId])).toEqual([['gift@buyer.test', session.id]]);
  });

  it('an unpaid session grants nothing until async_payment_succeeded; line items are read page by page', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    const { price } = await setup(rig);
    // 120 line items: the product's price is on the second page (100 a page).
    const prod = rig.stripe.product({ name: 'Stickers' });
    const others = Array.from({ length: 119 }, () => ({ price: rig!.stripe.price({ product: prod.id, unitAmount: 100, interval: null }).id }));
    rig.advance(60_000);
    const done = rig.stripe.checkout({ email: 'grace@buyer.test', lines: [...others, { price: price.id }], paymentStatus: 'unpaid' });
    const session = done.data.object as { id: string; payment_intent: string };
    expect((await rig.deliver(done)).body).toMatchObject({ outcome: 'applied', recorded: 0 });
    await engineOf(core).drain();
    expect((await core.call('products.grants.list', {})).total).toBe(0);
    expect(payments(rig)).toEqual([]);
    // Listed as awaiting its payment, nothing granted; filtered by status.
    expect((await core.call('billing.checkouts.list', {})).rows).toMatchObject([{ id: session.id, paymentStatus: 'unpaid', free: false, recorded: false, granted: [], amount: { amount: 199 + 119 } }]);
    expect((await core.call('billing.checkouts.list', { status: 'paid' })).total).toBe(0);

    rig.advance(3_600_000);
    const paid = rig.stripe.payCheckout(session.id);
    expect((await rig.deliver(paid)).body).toMatchObject({ outcome: 'applied', recorded: 1 });
    expect((await rig.deliver(paid)).body).toMatchObject({ outcome: 'duplicate', recorded: 0 });
    const pages = rig.stripe.requests.filter((q) => q.path === `/v1/checkout/sessions/${session.id}/line_items`);
    expect(pages.map((q) => q.query.starting_after ?? null)).toEqual([null, expect.stringMatching(/^li_/)]);
    await engineOf(core).drain();
    const grants = await core.call('products.grants.list', {});
    expect(grants.total).toBe(1);
    expect(grants.rows[0]).toMatchObject({ productId: 'seo-course', email: 'grace@buyer.test' });
    expect((await core.call('billing.checkouts.list', { status: 'paid' })).rows).toMatchObject([{ id: session.id, recorded: true, granted: [{ productId: 'seo-course', status: 'active' }] }]);
    expect((await smtp.waitFor(2))[0]!.parsed.subject).toBe('Your access to SEO course');
    expect(payments(rig)).toEqual([{ saleId: session.payment_intent, priceIds: JSON.stringify([...others.map((o) => o.price), price.id]) }]);
    expect(badBillingEvents(core)).toEqual([]);
  });

  it('line items Stripe refuses to read: 5xx, nothing stored; the redelivery grants', async () => {
    rig = await productsRig();
    const { core } = rig;
    const { price } = await setup(rig);
    rig.advance(60_000);
    const done = rig.stripe.checkout({ email: 'mary@buyer.test', lines: [{ price: price.id }] });
    const session = done.data.object as { id: string };
    rig.stripe.deny.add('line_items');
    expect((await rig.deliver(done)).status).toBe(500);
    expect(core.db.prepare('SELECT COUNT(*) AS n FROM billing_events WHERE id = ?').get(done.id)).toEqual({ n: 0 });
    expect(core.db.prepare('SELECT COUNT(*) AS n FROM billing_checkouts WHERE id = ?').get(session.id)).toEqual({ n: 0 });
    rig.stripe.deny.delete('line_items');
    expect((await rig.deliver(done)).body).toMatchObject({ outcome: 'applied', recorded: 1 });
    await engineOf(core).drain();
    expect((await core.call('products.grants.list', {})).total).toBe(1);
  });

  it('a missed Checkout webhook is healed by the reconcile: the line items are read and the sale grants once', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    const { price } = await setup(rig);
    rig.advance(60_000);
    const done = rig.stripe.checkout({ email: 'katherine@buyer.test', lines: [{ price: price.id }] });
    const session = done.data.object as { id: string; payment_intent: string };
    rig.advance(60_000);
    await core.call('billing.reconcile', {});
    expect(rig.stripe.requests.filter((q) => q.path === `/v1/checkout/sessions/${session.id}/line_items`)).toHaveLength(1);
    // The webhook arrives late: a duplicate of what the reconcile applied.
    expect((await rig.deliver(done)).body).toMatchObject({ outcome: 'duplicate', recorded: 0 });
    await core.call('billing.reconcile', {});
    await engineOf(core).drain();
    const grants = await core.call('products.grants.list', {});
    expect(grants.total).toBe(1);
    expect(grants.rows[0]).toMatchObject({ productId: 'seo-course', email: 'katherine@buyer.test' });
    expect((await smtp.waitFor(2))[0]!.parsed.subject).toBe('Your access to SEO course');
    expect(payments(rig)).toEqual([{ saleId: session.payment_intent, priceIds: JSON.stringify([price.id]) }]);
  });

  it('a session whose invoice records the payment (invoice creation on) grants once, by the invoice', async () => {
    rig = await productsRig();
    const { core } = rig;
    const { price } = await setup(rig);
    const cu = rig.stripe.customer({ email: 'alan@buyer.test', name: 'Alan Turing' });
    rig.advance(60_000);
    const inv = rig.stripe.invoice({ customer: cu.id, price: price.id, amount: 19900 });
    const paid = rig.stripe.pay(inv.id);
    const done = rig.stripe.checkout({ customer: cu.id, email: 'alan@buyer.test', lines: [{ price: price.id }], invoice: inv.id });
    expect((await rig.deliver(done)).body).toMatchObject({ outcome: 'applied', recorded: 0 });
    expect((await rig.deliver(paid)).body).toMatchObject({ outcome: 'applied', recorded: 1 });
    await engineOf(core).drain();
    const grants = await core.call('products.grants.list', {});
    expect(grants.total).toBe(1);
    expect(grants.rows[0]).toMatchObject({ productId: 'seo-course', email: 'alan@buyer.test' });
    expect(payments(rig)).toEqual([{ saleId: null, priceIds: JSON.stringify([price.id]) }]);
    // No line items were read for it.
    expect(rig.stripe.requests.some((q) => q.path.includes('/line_items'))).toBe(false);
  });
});
