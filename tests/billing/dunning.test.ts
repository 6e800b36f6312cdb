/**
 * The dunning template (resources/templates/billing-dunning.json) on real
 * events: Stripe webhooks over real HTTP, the engine on a fake clock, e-mails
 * through a real SMTP server, the pause through the real stripe client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import type { Stripe } from '../../electron/core/billing/stripe';
import { badBillingEvents, billingRig, MONDAY_10_UTC, type BillingRig } from './rig';

const DAY = 86_400_000;
let rig: BillingRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const template = () => JSON.parse(readFileSync(join(__dirname, '../../resources/templates/billing-dunning.json'), 'utf8')) as Record<string, unknown>;

/** Baton connected (baseline), the dunning template installed and on; a client with a monthly subscription and an open invoice. */
async function setup(r: BillingRig, client: { email: string; timeZone?: string } = { email: 'ada@analytical.test' }) {
  const s = r.stripe;
  const prod = s.product({ name: 'Care plan' });
  const price = s.price({ product: prod.id, unitAmount: 9900 });
  const cu = s.customer({ email: client.email, name: 'Ada Lovelace' });
  const sub = s.subscription({ customer: cu.id, price: price.id });
  await r.core.call('billing.reconcile', {});
  if (client.timeZone) {
    const c = (await r.core.call('contacts.list', { search: client.email })).rows[0]!;
    await r.core.call('contacts.update', { id: c.id, set: { timeZone: client.timeZone } });
  }
  expect((await r.core.call('templates.install', { ids: ['billing-dunning'], enable: true })).installed).toEqual([{ id: 'billing-dunning', version: 1, enabled: true }]);
  const inv = s.invoice({ customer: cu.id, subscription: sub.id, amount: 9900 });
  expect((await r.deliver(s.lastEvent('invoice.finalized'))).status).toBe(200);
  return { cu, sub, inv };
}

async function runOf(r: BillingRig) {
  const runs = (await r.core.call('runs.list', { workflow: 'billing-dunning' })).runs;
  expect(runs).toHaveLength(1);
  return r.core.call('runs.get', { id: runs[0]!.id });
}

describe('dunning', () => {
  it('template: validates, and lists what it needs (Stripe keys, SMTP), set up in this rig', async () => {
    rig = await billingRig();
    const { template: _block, ...workflow } = template();
    expect((await rig.core.call('workflows.validate', { definition: workflow })).issues).toEqual([]);
    const t = (await rig.core.call('templates.list', {})).templates.find((x) => x.id === 'billing-dunning')!;
    expect(t.trigger).toBe('on payment.failed');
    expect(t.requirements.map((q) => [q.id, q.met])).toEqual([
      ['stripe', true],
      ['smtp', true],
    ]);
    expect(t).toMatchObject({ ready: true, when: "When a client's payment fails (Stripe)" });
  });

  it('failed payment -> e-mail with the invoice link -> day 3 reminder -> payment: the run ends with a thank-you, and the recovery rate moves', async () => {
    rig = await billingRig();
    const { core, stripe, smtp } = rig;
    const { inv } = await setup(rig);
    const engine = engineOf(core);
    const day = new Date(rig.clock.now).toISOString().slice(0, 10);

    rig.advance(60_000);
    expect((await rig.deliver(stripe.failPayment(inv.id))).body).toMatchObject({ recorded: 1 });
    await engine.drain();
    const notice = (await smtp.waitFor(1))[0]!;
    expect(notice.to).toEqual(['ada@analytical.test']);
    expect(notice.parsed.subject).toBe('Your payment of 99.00 USD did not go through');
    expect(notice.parsed.html).toContain(`<a href="${inv.hosted_invoice_url}">Pay the invoice securely here</a>`);
    expect(notice.parsed.text).toContain(inv.hosted_invoice_url!);
    expect(notice.header('list-unsubscribe')).toBe(''); // a payment notice is transactional
    let k = await core.call('billing.kpi', { from: day, to: day });
    expect(k.recovery).toEqual({ failed: 1, recovered: 0, rate: 0 });

    // Nothing happens for 3 days: the reminder.
    rig.advance(3 * DAY);
    await engine.drain();
    expect((await smtp.waitFor(2))[1]!.parsed.subject).toBe(`Reminder: invoice ${inv.number} (99.00 USD) is still open`);
    expect((await runOf(rig)).status).toBe('waiting');

    // The client pays: Stripe's invoice.paid ends the run with a thank-you.
    rig.advance(DAY);
    expect((await rig.deliver(stripe.pay(inv.id))).body).toMatchObject({ recorded: 1 });
    await engine.drain();
    expect((await smtp.waitFor(3))[2]!.parsed.subject).toBe('Thank you: your payment of 99.00 USD arrived');
    const run = await runOf(rig);
    expect(run.status).toBe('succeeded');
    expect(run.steps.filter((s) => s.status === 'succeeded').map((s) => s.nodeId)).toEqual(['check-notice', 'notice', 'wait-day3', 'check-reminder', 'reminder', 'wait-day7', 'thanks']);
    k = await core.call('billing.kpi', { from: day, to: day });
    expect(k.recovery).toEqual({ failed: 1, recovered: 1, rate: 100 });
    rig.advance(30 * DAY);
    await engine.drain();
    expect(smtp.messages).toHaveLength(3);
  });

  it('send window: a failure on Saturday is e-mailed on Monday at 09:00 in the client\'s time zone; a payment meanwhile sends nothing', async () => {
    const saturday = MONDAY_10_UTC - 2 * DAY;
    rig = await billingRig({ start: saturday });
    const { core, stripe, smtp } = rig;
    const { inv } = await setup(rig, { email: 'ny@client.test', timeZone: 'America/New_York' });
    const engine = engineOf(core);
    rig.advance(60_000);
    await rig.deliver(stripe.failPayment(inv.id));
    await engine.drain();
    const run = await runOf(rig);
    const check = run.steps.find((s) => s.nodeId === 'check-notice')!;
    expect(check.status).toBe('waiting');
    // 09:00 in New York on Monday 2026-03-02 (EST, UTC-5).
    expect(check.waitingFor).toContain('2026-03-02T14:00:00.000Z');
    rig.advance(DAY);
    await engine.drain();
    expect(smtp.messages).toHaveLength(0);
    rig.clock.now = Date.parse('2026-03-02T14:00:01Z');
    rig.stripe.clock.now = Math.floor(rig.clock.now / 1000);
    await engine.drain();
    expect((await smtp.waitFor(1))[0]!.to).toEqual(['ny@client.test']);

    // Another client fails on Saturday and pays on Sunday: no e-mail at all.
    await rig.close();
    rig = await billingRig({ start: saturday });
    const second = await setup(rig, { email: 'quick@client.test' });
    rig.advance(60_000);
    await rig.deliver(rig.stripe.failPayment(second.inv.id));
    await engineOf(rig.core).drain();
    rig.advance(DAY);
    await rig.deliver(rig.stripe.pay(second.inv.id));
    rig.clock.now = Date.parse('2026-03-02T09:00:01Z');
    await engineOf(rig.core).drain();
    const r2 = await runOf(rig);
    expect(r2.status).toBe('succeeded');
    expect(r2.steps.find((s) => s.nodeId === 'check-notice')!.output).toMatchObject({ status: 'paid' });
    expect(rig.smtp.messages).toHaveLength(0);
  });

  it('a suppressed address gets no e-mail; the run still reaches the final notice and tells the operator', async () => {
    rig = await billingRig();
    const { core, stripe, smtp } = rig;
    const { inv } = await setup(rig, { email: 'gone@client.test' });
    await core.call('email.suppressions.add', { email: 'gone@client.test', reason: 'manual' });
    const engine = engineOf(core);
    rig.advance(60_000);
    await rig.deliver(stripe.failPayment(inv.id));
    for (let i = 0; i < 8; i++) {
      await engine.drain();
      rig.advance(DAY);
    }
    await engine.drain();
    expect(smtp.messages).toHaveLength(0);
    const run = await runOf(rig);
    expect(run.steps.filter((s) => ['notice', 'reminder', 'final'].includes(s.nodeId)).map((s) => s.output)).toEqual([
      expect.objectContaining({ sent: false, reason: 'suppressed:manual' }),
      expect.objectContaining({ sent: false, reason: 'suppressed:manual' }),
      expect.objectContaining({ sent: false, reason: 'suppressed:manual' }),
    ]);
    const esc = (await core.call('escalations.list', { limit: 10 })).escalations;
    expect(esc.map((e) => e.title)).toContain('Unpaid after the final notice: Ada Lovelace (99.00 USD)');
  });

  it('no payment at all: reminder, final notice with an alert, then the operator approves and the subscription is paused in Stripe once', async () => {
    rig = await billingRig();
    const { core, stripe, smtp } = rig;
    const { inv, sub } = await setup(rig);
    const engine = engineOf(core);
    rig.advance(60_000);
    await rig.deliver(stripe.failPayment(inv.id));
    await engine.drain();
    rig.advance(3 * DAY + 60_000);
    await engine.drain();
    rig.advance(4 * DAY + 60_000);
    await engine.drain();
    expect((await smtp.waitFor(3)).map((m) => m.parsed.subject)).toEqual([
      'Your payment of 99.00 USD did not go through',
      `Reminder: invoice ${inv.number} (99.00 USD) is still open`,
      'Final notice: 99.00 USD is overdue',
    ]);
    const esc = (await core.call('escalations.list', { limit: 10 })).escalations.find((e) => e.title.startsWith('Unpaid after the final notice'))!;
    expect(esc.detail).toContain(inv.hosted_invoice_url!);
    rig.advance(7 * DAY + 60_000);
    await engine.drain();
    const approvals = (await core.call('approvals.list', {})).approvals;
    expect(approvals).toHaveLength(1);
    expect(approvals[0]!.title).toBe(`Suspend Ada Lovelace: pause subscription ${sub.id} in Stripe?`);
    expect(stripe.requests.filter((q) => q.method === 'POST')).toHaveLength(0);
    await core.call('approvals.decide', { id: approvals[0]!.id, decision: 'approve' });
    await engine.drain();
    const posts = stripe.requests.filter((q) => q.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ path: `/v1/subscriptions/${sub.id}`, body: 'pause_collection[behavior]=void' });
    expect(posts[0]!.idempotencyKey).toMatch(/^baton-/);
    const run = await runOf(rig);
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.nodeId === 'suspend')!.output).toMatchObject({ paused: true, pauseCollection: 'void' });
    // Stripe's webhook about it updates the mirror: paused collection no longer counts as MRR.
    const updated = stripe.lastEvent('customer.subscription.updated') as Stripe.Event;
    expect((await rig.deliver(updated)).body).toMatchObject({ outcome: 'applied', recorded: 1 });
    const day = new Date(rig.clock.now).toISOString().slice(0, 10);
    expect((await core.call('billing.kpi', { from: day, to: day })).currencies).toEqual([]);
    expect(badBillingEvents(core)).toEqual([]);
  });
});
