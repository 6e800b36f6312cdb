/**
 * Money and client delivery as the operator meets it, on real components:
 * `baton serve` (Bree workers), the real `stripe` client pointed at the local
 * Stripe-compatible server, webhooks signed with the stripe package's test
 * helper and posted over HTTP, the SMTP test server. Stripe is connected and
 * reconciled from the Billing page; a failed payment's webhook starts the
 * dunning run; the client's e-mail arrives with the invoice link; a later
 * payment.succeeded ends the run with a thank-you, and the dashboard's
 * recovery rate moves from 0% to 100%.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeStripe } from '../tests/support/fake-stripe';
import { startSmtp } from '../tests/support/smtp';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer, root, type RunningServer } from './server';
import { shootSchemes } from './shots';

const KEY = ['sk', 'test', `e2e${process.pid}stripeKey`].join('_');
const WHSEC = ['whsec', `e2e${process.pid}signing`].join('_');
const SMTP_PW = ['smtp', 'e2e', String(process.pid)].join('-');

/** A fixed-offset zone where it is about noon now: the template's 09:00-17:00 window is open whenever the test runs. */
function noonZone(): string {
  let off = (12 - new Date().getUTCHours() + 24) % 24;
  if (off > 14) off -= 24;
  return off === 0 ? 'Etc/GMT' : off > 0 ? `Etc/GMT-${off}` : `Etc/GMT+${-off}`;
}

test('a failed payment webhook starts the dunning run, the client gets the invoice link, the payment ends it and the recovery rate moves', async ({ page }) => {
  test.setTimeout(180_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-billing-'));
  const stripe = await startFakeStripe({ key: KEY });
  const smtp = await startSmtp({ user: 'mailer', password: SMTP_PW });
  let server: RunningServer | null = null;
  try {
    server = await startServer(dataDir, 0, { ...serverEnv(), BATON_SECRET_STRIPE_SECRET_KEY: KEY, BATON_SECRET_STRIPE_WEBHOOK_SECRET: WHSEC, BATON_SECRET_SMTP_PASSWORD: SMTP_PW });
    const s = server;
    const api = async <T = Record<string, unknown>>(op: string, input: unknown = {}): Promise<T> => {
      const res = await fetch(new URL(`api/v1/${op}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const body = (await res.json()) as { result: T; error?: { message: string } };
      if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
      return body.result;
    };
    const settings = { 'billing.apiUrl': stripe.url, 'email.smtp.host': '127.0.0.1', 'email.smtp.port': smtp.port, 'email.smtp.user': 'mailer', 'email.from': 'owner@solo.test', 'email.fromName': 'Sam Solo', 'email.publicUrl': s.url.replace(/\/$/, ''), 'setup.completed': true };
    for (const [key, value] of Object.entries(settings)) await api('settings.set', { key, value });

    // The Stripe account: a client on a monthly plan.
    const prod = stripe.product({ name: 'Website care' });
    const price = stripe.price({ product: prod.id, unitAmount: 14900 });
    const cu = stripe.customer({ email: 'ada@analytical.test', name: 'Ada Lovelace' });
    const sub = stripe.subscription({ customer: cu.id, price: price.id });

    // Connect and import from the Billing page.
    await page.goto(`${s.url}#token=${s.token}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await openPage(page, 'Billing');
    await expect(page.getByTestId('billing-webhook-url')).toHaveText(`${s.url.replace(/\/$/, '')}/hooks/stripe`);
    await page.getByRole('button', { name: 'Reconcile now' }).click();
    await expect(page.getByTestId('billing-reconcile-result')).toContainText('Imported 4 objects from Stripe (history: no workflow starts for it).');
    await expect(page.getByTestId('billing-last-reconcile')).toContainText('ok');
    await expect(page.getByTestId('billing-subscription-row')).toHaveCount(1);
    await expect(page.getByTestId('billing-subscription-row')).toContainText('Website care');

    // The dunning template, with its send window set to the operator's hours (a zone where it is about noon now).
    const { template: _block, ...tpl } = JSON.parse(readFileSync(join(root, 'resources/templates/billing-dunning.json'), 'utf8')) as { template: unknown; nodes: { type: string; params: Record<string, unknown> }[] };
    for (const n of tpl.nodes) if (n.type === 'billing.invoice.check' && n.params.window) n.params.window = { start: '09:00', end: '17:00', weekdaysOnly: false, timeZone: noonZone() };
    await api('workflows.import', { definition: tpl, enable: true });

    // This month's invoice; its payment fails, and Stripe posts the webhook.
    const inv = stripe.invoice({ customer: cu.id, subscription: sub.id, amount: 14900 });
    const hook = new URL('hooks/stripe', s.url).toString();
    for (const type of ['invoice.created', 'invoice.finalized']) expect((await stripe.deliver(stripe.lastEvent(type), hook, WHSEC)).status).toBe(200);
    const forged = await stripe.deliver(stripe.failPayment(inv.id), hook, 'whsec_someone_else');
    expect(forged.status).toBe(401);
    const failed = await stripe.deliver(stripe.lastEvent('invoice.payment_failed'), hook, WHSEC);
    expect(failed).toMatchObject({ status: 200, body: { outcome: 'applied', recorded: 1 } });

    // The client's e-mail arrives with the hosted invoice link.
    const notice = (await smtp.waitFor(1, 90_000))[0]!;
    expect(notice.to).toEqual(['ada@analytical.test']);
    expect(notice.parsed.subject).toBe('Your payment of 149.00 USD did not go through');
    expect(notice.parsed.html).toContain(`<a href="${inv.hosted_invoice_url}">Pay the invoice securely here</a>`);
    const runs = await api<{ runs: { id: string; status: string }[] }>('runs.list', { workflow: 'billing-dunning' });
    expect(runs.runs).toHaveLength(1);
    await expect.poll(async () => (await api<{ status: string }>('runs.get', { id: runs.runs[0]!.id })).status, { timeout: 60_000 }).toBe('waiting');

    // Billing page: the invoice shows the failed payment; the dashboard's recovery rate is 0 of 1.
    await expect(page.locator(`[data-testid="billing-invoice-row"][data-invoice="${inv.id}"]`)).toContainText('payment failed (1×)');
    await shootSchemes(page, 'billing-dunning', true);
    await openPage(page, 'Dashboard');
    await expect(page.getByTestId('billing-recovery-value')).toHaveAttribute('data-value', '0');
    await expect(page.getByTestId('billing-recovery')).toContainText('0 of 1 failed invoices paid');
    await expect(page.getByTestId('billing-mrr-value')).toHaveText(/149/);

    // The client pays: Stripe's invoice.paid (a payment.succeeded) ends the run with a thank-you.
    const paidEvent = stripe.pay(inv.id);
    expect((await stripe.deliver(stripe.lastEvent('charge.succeeded'), hook, WHSEC)).status).toBe(200);
    const paid = await stripe.deliver(paidEvent, hook, WHSEC);
    expect(paid).toMatchObject({ status: 200, body: { recorded: 1 } });
    const thanks = (await smtp.waitFor(2, 90_000))[1]!;
    expect(thanks.parsed.subject).toBe('Thank you: your payment of 149.00 USD arrived');
    await expect.poll(async () => (await api<{ status: string }>('runs.get', { id: runs.runs[0]!.id })).status, { timeout: 60_000 }).toBe('succeeded');

    // The dashboard moves live (billing.changed): 1 of 1 recovered.
    await expect(page.getByTestId('billing-recovery-value')).toHaveAttribute('data-value', '100');
    await expect(page.getByTestId('billing-recovery')).toContainText('1 of 1 failed invoices paid');
    await expect(page.getByTestId('billing-net-revenue-value')).toHaveText(/149/);
    await page.locator('#dash-billing').scrollIntoViewIfNeeded();
    await shootSchemes(page, 'dashboard-billing');
    await openPage(page, 'Billing');
    await expect(page.locator(`[data-testid="billing-invoice-row"][data-invoice="${inv.id}"]`)).toContainText('recovered');
    expect(smtp.messages).toHaveLength(2);
  } finally {
    await server?.stop();
    await stripe.close();
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
