/**
 * Products as the operator meets them, on real components: `baton serve`
 * (Bree workers, real timers), the real `stripe` client pointed at the local
 * Stripe-compatible server, webhooks signed with the stripe package's test
 * helper, the SMTP test server. A product is made on the Products page; a
 * payment for its price grants a license key, the welcome e-mail and module 1
 * arrive, module 2 arrives by the workers' timer a few seconds later, the
 * license check and magic link answer over HTTP; the grant is revoked on the
 * page and both fail at once; a CSV of sales is imported twice from the page
 * and grants once. A Checkout session made free by a 100 % coupon grants too and
 * shows, granted, in the Billing page's Checkout sessions; a CSV imported with
 * "Start the drip" (the dialog saying what it starts) is delivered like a live sale.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeStripe } from '../tests/support/fake-stripe';
import { startSmtp } from '../tests/support/smtp';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer, root, type RunningServer } from './server';

const KEY = ['sk', 'test', `e2e${process.pid}prodKey`].join('_');
const WHSEC = ['whsec', `e2e${process.pid}prodsigning`].join('_');
const SMTP_PW = ['smtp', 'e2e', 'prod', String(process.pid)].join('-');
const LINK_KEY = ['link', 'e2e', String(process.pid), 'k'.repeat(32)].join('-');

test('a product made on the page: a payment grants a license key, modules arrive by e-mail over time, revoking on the page stops key and link; a CSV imported twice grants once', async ({ page }) => {
  test.setTimeout(240_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-products-'));
  const stripe = await startFakeStripe({ key: KEY });
  const smtp = await startSmtp({ user: 'mailer', password: SMTP_PW });
  let server: RunningServer | null = null;
  try {
    server = await startServer(dataDir, 0, { ...serverEnv(), BATON_SECRET_STRIPE_SECRET_KEY: KEY, BATON_SECRET_STRIPE_WEBHOOK_SECRET: WHSEC, BATON_SECRET_SMTP_PASSWORD: SMTP_PW, BATON_SECRET_PRODUCT_LINK_KEY: LINK_KEY });
    const s = server;
    const base = s.url.replace(/\/$/, '');
    const api = async <T = Record<string, unknown>>(op: string, input: unknown = {}): Promise<T> => {
      const res = await fetch(new URL(`api/v1/${op}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const body = (await res.json()) as { result: T; error?: { message: string } };
      if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
      return body.result;
    };
    const settings = { 'billing.apiUrl': stripe.url, 'email.smtp.host': '127.0.0.1', 'email.smtp.port': smtp.port, 'email.smtp.user': 'mailer', 'email.from': 'owner@solo.test', 'email.fromName': 'Sam Solo', 'email.publicUrl': base, 'setup.completed': true };
    for (const [key, value] of Object.entries(settings)) await api('settings.set', { key, value });
    const prod = stripe.product({ name: 'Plugin Pro' });
    const price = stripe.price({ product: prod.id, unitAmount: 4900, interval: null });
    const cu = stripe.customer({ email: 'ada@buyer.test', name: 'Ada Lovelace' });
    await api('billing.reconcile');
    // The delivery template without its weekday window (the test may run on a weekend), and the refund template.
    const { template: _block, ...tpl } = JSON.parse(readFileSync(join(root, 'resources/templates/product-delivery.json'), 'utf8')) as { template: unknown; nodes: { type: string; params: Record<string, unknown> }[] };
    for (const n of tpl.nodes) if (n.type === 'product.drip') delete n.params.window;
    await api('workflows.import', { definition: tpl, enable: true });

    // The product, made on the page; a bad module line is refused naming the field.
    await page.goto(`${s.url}#token=${s.token}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await openPage(page, 'Products');
    await page.getByRole('button', { name: 'New product' }).click();
    await page.getByLabel('Id', { exact: true }).fill('plugin-pro');
    await page.getByLabel('Name', { exact: true }).fill('Plugin Pro');
    await page.getByLabel('Access').selectOption('license');
    await page.getByLabel('Stripe price ids').fill(price.id);
    await page.getByLabel('Modules').fill('0 | Getting started | https://plugin.test/start\n-1 | Advanced | https://plugin.test/advanced');
    await page.getByRole('button', { name: 'Save product' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'afterDays cannot be negative' })).toBeVisible();
    expect((await api<{ products: unknown[] }>('products.list')).products).toHaveLength(0);
    // 0.0001 days: about 9 seconds after the purchase.
    await page.getByLabel('Modules').fill('0 | Getting started | https://plugin.test/start\n0.0001 | Advanced | https://plugin.test/advanced');
    await page.getByRole('button', { name: 'Save product' }).click();
    await expect(page.getByTestId('product-row')).toHaveCount(1);
    await expect(page.getByTestId('product-row')).toContainText('Plugin Pro (49.00 USD)');

    // The buyer pays; Stripe posts the webhooks (twice: a redelivery grants nothing more).
    const hook = new URL('hooks/stripe', s.url).toString();
    const inv = stripe.invoice({ customer: cu.id, price: price.id, amount: 4900 });
    const paid = stripe.pay(inv.id);
    expect((await stripe.deliver(stripe.lastEvent('charge.succeeded'), hook, WHSEC)).status).toBe(200);
    expect((await stripe.deliver(paid, hook, WHSEC)).body).toMatchObject({ recorded: 1 });
    expect((await stripe.deliver(paid, hook, WHSEC)).status).toBe(200);
    const [welcome, m1] = await smtp.waitFor(2, 90_000);
    expect(welcome!.parsed.subject).toBe('Your access to Plugin Pro');
    expect(m1!.parsed.subject).toBe('Plugin Pro: Getting started');
    const key = /[A-Z2-9]{5}(?:-[A-Z2-9]{5}){3}/.exec(welcome!.parsed.text ?? '')![0];
    const link = /(http:\/\/\S+\/access\/[A-Za-z0-9._-]+)\/1\b/.exec(m1!.parsed.text ?? '')![1]!;
    // Module 2 by the workers' timer.
    expect((await smtp.waitFor(3, 90_000))[2]!.parsed.subject).toBe('Plugin Pro: Advanced');

    const verify = async () => (await (await fetch(`${base}/license/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key, productId: 'plugin-pro' }) })).json()) as { valid: boolean; reason: string | null };
    expect(await verify()).toMatchObject({ valid: true });
    expect((await fetch(`${link}/2`, { redirect: 'manual' })).headers.get('location')).toBe('https://plugin.test/advanced');

    // The grant shows on the page as it happens (products.changed); revoke it there: the key and the link fail at once.
    const row = page.getByTestId('grant-row');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('2 of 2');
    await expect(row).toContainText(key);
    await row.getByRole('button', { name: /^Revoke ada@buyer.test/ }).click();
    await row.getByLabel('Reason').fill('chargeback');
    await row.getByRole('button', { name: 'Revoke access' }).click();
    await expect(row).toHaveAttribute('data-status', 'revoked');
    await expect(row).toContainText('chargeback');
    expect(await verify()).toMatchObject({ valid: false, reason: 'revoked' });
    expect((await fetch(link)).status).toBe(403);

    // Sales from another platform: imported twice from the page, granted once; a bad row named by line.
    const csv = join(dataDir, 'sales.csv');
    writeFileSync(csv, 'order,buyer\nP-1,grace@buyer.test\nP-2,not-mail\n');
    await page.getByLabel('CSV file').setInputFiles(csv);
    await page.getByLabel('E-mail column').fill('buyer');
    await page.getByLabel('Order id column').fill('order');
    await page.getByLabel('Product of every row').selectOption('plugin-pro');
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    await expect(page.getByTestId('products-import-result')).toContainText('Would grant 1 of 2 row(s)');
    await expect(page.getByTestId('products-import-result')).toContainText('Line 3, buyer: "not-mail" is not an e-mail address');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(page.getByTestId('products-import-result')).toContainText('Granted 1 of 2 row(s)');
    await expect(page.getByTestId('grant-row')).toHaveCount(2);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(page.getByTestId('products-import-result')).toContainText('Granted 0 of 2 row(s); 1 already granted');
    expect((await api<{ total: number }>('products.grants.list')).total).toBe(2);
    expect(smtp.messages).toHaveLength(3);

    // A Checkout session made free by a 100 % coupon grants like a paid one; the Billing page lists it, granted.
    const free = stripe.checkout({ email: 'free@buyer.test', name: 'Fran Free', lines: [{ price: price.id }], percentOff: 100 });
    const freeId = (free.data.object as { id: string }).id;
    expect((await stripe.deliver(free, hook, WHSEC)).body).toMatchObject({ outcome: 'applied', recorded: 1 });
    const freeMail = await smtp.waitFor(4, 90_000);
    expect(freeMail[3]!.to).toEqual(['free@buyer.test']);
    expect(freeMail[3]!.parsed.subject).toBe('Your access to Plugin Pro');
    await openPage(page, 'Billing');
    const session = page.locator(`[data-testid="billing-checkout-row"][data-session="${freeId}"]`);
    await expect(session).toHaveAttribute('data-status', 'no_payment_required');
    await expect(session).toContainText('free (coupon)');
    await expect(session).toContainText('Plugin Pro');
    await expect(session).toHaveAttribute('data-granted', 'yes');
    const buyer = session.getByRole('link', { name: 'Fran Free' });
    await expect(buyer).toHaveAttribute('href', /^#\/contacts\?id=\d+$/);

    // Imported sales start the drip only when the import asks: the dialog says what will start, then it is delivered like a live sale.
    await smtp.waitFor(6, 90_000); // the free buyer's two modules
    await openPage(page, 'Products');
    writeFileSync(csv, 'order,buyer\nP-3,hedy@buyer.test\n');
    await page.getByLabel('CSV file').setInputFiles(csv);
    await page.getByLabel('E-mail column').fill('buyer');
    await page.getByLabel('Order id column').fill('order');
    await page.getByLabel('Product of every row').selectOption('plugin-pro');
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    await expect(page.getByTestId('products-import-drip')).toContainText('Nothing will be e-mailed');
    await page.getByLabel('Start the drip for these sales').check();
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    await expect(page.getByTestId('products-import-drip')).toContainText('This import will start "Products: grant access, drip the modules, then the upsell" for 1 sale, as for a live sale (Plugin Pro: 1 sale, the access e-mail, 2 module e-mails');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(page.getByTestId('products-import-result')).toContainText('Granted 1 of 1 row(s)');
    await expect(page.getByTestId('products-import-drip')).toContainText('Started 1 delivery run(s).');
    const hedy = (await smtp.waitFor(9, 90_000)).slice(6);
    expect(hedy.map((m) => [m.to[0], m.parsed.subject])).toEqual([
      ['hedy@buyer.test', 'Your access to Plugin Pro'],
      ['hedy@buyer.test', 'Plugin Pro: Getting started'],
      ['hedy@buyer.test', 'Plugin Pro: Advanced'],
    ]);
  } finally {
    await server?.stop();
    await stripe.close();
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
