/**
 * The money KPIs from a mirror filled by a real reconcile: MRR normalised to a
 * month (monthly, yearly, weekly; paused and trialing do not count), net
 * revenue (payments minus refunds) in the range, the recovery rate, churn,
 * per client and per currency; the lists of the Billing page.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { monthly, amountText, toMajor } from '../../electron/core/billing/money';
import { billingRig, type BillingRig } from './rig';

let rig: BillingRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});


describe('money helpers', () => {
  it('minor units per currency, a month of each interval', () => {
    expect(toMajor(4950, 'usd')).toBe(49.5);
    expect(toMajor(4950, 'JPY')).toBe(4950);
    expect(toMajor(12345, 'kwd')).toBe(12.345);
    expect(amountText(123456789, 'eur')).toBe('1,234,567.89 EUR');
    expect(amountText(500, 'jpy')).toBe('500 JPY');
    expect(monthly(120000, 1, 'year', 1)).toBe(10000);
    expect(monthly(1000, 3, 'week', 1)).toBe(13000);
    expect(monthly(5000, 1, 'month', 3)).toBe(1667);
    expect(monthly(5000, 1, null, null)).toBe(0);
  });
});

describe('billing.kpi', () => {
  it('MRR, net revenue, recovery and churn from the mirror, per currency and per client', async () => {
    rig = await billingRig();
    const s = rig.stripe;
    const t0 = Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000);
    s.clock.now = t0;
    const prod = s.product({ name: 'Plan' });
    const m = s.price({ product: prod.id, unitAmount: 10000 });
    const y = s.price({ product: prod.id, unitAmount: 240000, interval: 'year' });
    const eur = s.price({ product: prod.id, unitAmount: 5000, currency: 'eur' });
    const a = s.customer({ email: 'a@a.test', name: 'A' });
    const b = s.customer({ email: 'b@b.test', name: 'B' });
    const c = s.customer({ email: 'c@c.test', name: 'C' });
    const d = s.customer({ email: 'd@d.test', name: 'D' });
    s.subscription({ customer: a.id, price: m.id, quantity: 2 }); // 200.00 a month
    s.subscription({ customer: b.id, price: y.id }); // 200.00 a month
    s.subscription({ customer: c.id, price: eur.id }); // 50.00 EUR a month
    const trial = s.subscription({ customer: d.id, price: m.id, status: 'trialing' }); // not revenue yet
    const gone = s.subscription({ customer: d.id, price: m.id });
    // Payments in February: a paid 200 + 200 (+ 200 for the invoice below), b paid 2,400 of which 400 refunded.
    s.clock.now = Math.floor(Date.parse('2026-02-10T12:00:00Z') / 1000);
    s.charge({ customer: a.id, amount: 20000 });
    s.charge({ customer: a.id, amount: 20000 });
    const bch = s.charge({ customer: b.id, amount: 240000 });
    s.refund(bch.id, 40000);
    s.charge({ customer: a.id, amount: 99999, status: 'failed' });
    // Invoices that failed in February: one paid since, one still open.
    const i1 = s.invoice({ customer: a.id, amount: 20000 });
    s.failPayment(i1.id);
    s.pay(i1.id);
    const i2 = s.invoice({ customer: c.id, amount: 5000, currency: 'eur' });
    s.failPayment(i2.id);
    s.failPayment(i2.id);
    // D's paying subscription ends in February.
    s.updateSubscription(gone.id, { status: 'canceled' });
    s.clock.now = Math.floor(Date.parse('2026-03-05T00:00:00Z') / 1000);
    rig.clock.now = s.clock.now * 1000;
    s.charge({ customer: c.id, amount: 5000, currency: 'eur' }); // March

    // The history is imported by the first reconcile; its failures count from the invoice's date.
    await rig.core.call('billing.reconcile', {});
    const k = await rig.core.call('billing.kpi', { from: '2026-02-01', to: '2026-02-28' });
    expect(k.currencies).toEqual([
      { currency: 'USD', mrr: 400, payments: 3000, refunds: 400, netRevenue: 2600 },
      { currency: 'EUR', mrr: 50, payments: 0, refunds: 0, netRevenue: 0 },
    ]);
    expect(k.recovery).toEqual({ failed: 2, recovered: 1, rate: 50 });
    // Started before Feb 1 and running then: a, b, c, d's two (the trial counts as started) = 5; d's paying one ended.
    expect(k.churn).toEqual({ activeAtStart: 5, canceled: 1, rate: 20 });
    expect(k.activeSubscriptions).toBe(3);
    expect(k.clients.slice(0, 3).map((x) => [x.email, x.currency, x.mrr, x.netRevenue, x.openAmount, x.failedInvoices])).toEqual([
      ['b@b.test', 'USD', 200, 2000, 0, 0],
      ['a@a.test', 'USD', 200, 600, 0, 0],
      ['c@c.test', 'EUR', 50, 0, 50, 1],
    ]);
    expect(trial.status).toBe('trialing');

    const march = await rig.core.call('billing.kpi', { from: '2026-03-01', to: '2026-03-31' });
    expect(march.currencies.find((x) => x.currency === 'EUR')).toMatchObject({ netRevenue: 50 });
    expect(march.recovery).toEqual({ failed: 0, recovered: 0, rate: null });

    // The lists of the Billing page.
    const failed = await rig.core.call('billing.invoices.list', { status: 'failed' });
    expect(failed.rows.map((r) => [r.id, r.attemptCount, r.amountDue])).toEqual([[i2.id, 2, { currency: 'EUR', amount: 50 }]]);
    const customers = await rig.core.call('billing.customers.list', { search: 'a@a.test' });
    expect(customers.rows).toEqual([expect.objectContaining({ id: a.id, mrr: [{ currency: 'USD', amount: 200 }], subscriptions: 1, openInvoices: 0 })]);
    const subs = await rig.core.call('billing.subscriptions.list', { status: 'canceled' });
    expect(subs.rows.map((r) => [r.id, r.product, r.endedAt !== null])).toEqual([[gone.id, 'Plan', true]]);
  });
});
