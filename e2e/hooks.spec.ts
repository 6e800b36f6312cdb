/**
 * Third-party webhooks end to end: a real `baton serve` keeping secrets in the
 * encrypted file store, secrets and authentication set from Settings in real
 * Chromium (write-only), then deliveries signed as Stripe (the official
 * package's test-header helper) and Meta (GET hub.challenge, then
 * X-Hub-Signature-256) start runs, and bad signatures start none. The dashboard
 * warns while the public address only reaches this computer.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';
import { SHOTS } from './shots';

const wf = (id: string, slug: string, auth?: unknown) => ({
  id,
  name: id,
  trigger: { type: 'webhook', slug, ...(auth ? { auth } : {}) },
  nodes: [{ id: 'note', type: 'log', params: { message: 'delivery received' } }],
  edges: [],
});

test('Stripe-signed and Meta-verified webhooks start runs, bad signatures start none; secrets and authentication are set from Settings', async ({ page, playwright }) => {
  test.setTimeout(90_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-hooks-'));
  const env = serverEnv();
  env.BATON_SECRETS = 'file';
  env.BATON_SECRETS_PASSPHRASE = ['e2e', 'hooks', 'passphrase', String(process.pid)].join(' ');
  const stripeSecret = ['whsec', 'e2e', String(Date.now()), 'a1b2c3'].join('_');
  const appSecret = ['meta', 'app', 'secret', String(Date.now())].join('-');
  const verifyToken = ['verify', String(Date.now())].join('-');
  let server: RunningServer | null = null;
  try {
    server = await startServer(dataDir, 0, env);
    const api = await playwright.request.newContext({ baseURL: server.url, extraHTTPHeaders: { authorization: `Bearer ${server.token}` } });
    const call = async <T,>(op: string, input: unknown = {}): Promise<T> => {
      const res = await api.post(`api/v1/${op}`, { data: input });
      const body = (await res.json()) as { result: T; error?: { message: string } };
      if (!res.ok()) throw new Error(`${op}: ${body.error?.message}`);
      return body.result;
    };
    await call('workflows.import', { definition: wf('stripe-payments', 'payments', { type: 'stripe' }) });
    await call('workflows.import', { definition: wf('meta-leads', 'meta', { type: 'meta' }) });
    await call('workflows.import', { definition: wf('github-issues', 'github') });
    const runs = async (workflow: string) => (await call<{ runs: unknown[] }>('runs.list', { workflow, limit: 100 })).runs.length;

    // The dashboard says mail links, forms and webhooks cannot reach this loopback address.
    await page.goto(`${server.url}#token=${server.token}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    const warning = page.getByTestId('reachability-warning');
    await expect(warning).toContainText('Mail links and forms will not reach Baton');
    await expect(warning).toContainText('3 webhooks');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'dashboard-public-address.png') });

    await openPage(page, 'Settings');
    await expect(page.getByTestId('secret-backend')).toHaveText('Encrypted file');
    const card = page.locator('#settings-webhooks');
    const stripe = card.getByTestId('hook-payments');
    await expect(stripe.getByTestId('hook-url')).toHaveText(`${server.url}hooks/payments`);
    await expect(stripe.getByTestId('hook-auth')).toHaveText('Stripe signature, events older than 300 s refused');
    await stripe.getByLabel(/Signing secret/).fill(stripeSecret);
    await stripe.getByRole('button', { name: 'Save' }).click();
    await expect(stripe.getByRole('status')).toHaveText('Saved the signing secret of /hooks/payments.');
    await expect(stripe.getByText('stored')).toBeVisible();
    await expect(stripe.getByLabel(/Signing secret/)).toHaveValue('');

    const meta = card.getByTestId('hook-meta');
    await meta.getByLabel(/Signing secret/).fill(appSecret);
    await meta.getByRole('button', { name: 'Save' }).first().click();
    await expect(meta.getByRole('status')).toHaveText('Saved the signing secret of /hooks/meta.');
    await meta.getByLabel(/Verify token/).fill(verifyToken);
    await meta.locator('form', { has: page.getByLabel(/Verify token/) }).getByRole('button', { name: 'Save' }).click();
    await expect(meta.getByRole('status').filter({ hasText: 'verify token' })).toHaveText('Saved the verify token of /hooks/meta.');

    // The GitHub hook's authentication is chosen here: the preset fills GitHub's documented signing.
    const gh = card.getByTestId('hook-github');
    await gh.getByRole('button', { name: 'Change…' }).click();
    const editor = gh.getByRole('form', { name: 'Authentication of /hooks/github' });
    await editor.getByLabel('How callers prove who they are').selectOption('hmac');
    await editor.getByRole('button', { name: 'Save authentication' }).click();
    await expect(editor.getByText(/auth\.header/).first()).toBeVisible(); // nothing saved without a header
    await editor.getByLabel('Fill in for').selectOption('github');
    await editor.getByRole('button', { name: 'Save authentication' }).click();
    await expect(gh.getByTestId('hook-auth')).toHaveText('SHA256 HMAC in X-Hub-Signature-256, delivery id X-GitHub-Delivery');
    mkdirSync(SHOTS, { recursive: true });
    await card.screenshot({ path: join(SHOTS, 'settings-webhooks.png') });

    // Write-only: no secret is on the page, in the API's answers, or in clear on disk.
    const html = await page.content();
    for (const s of [stripeSecret, appSecret, verifyToken]) expect(html).not.toContain(s);
    const listed = JSON.stringify(await call('hooks.list'));
    for (const s of [stripeSecret, appSecret, verifyToken]) expect(listed).not.toContain(s);
    const onDisk = readFileSync(join(dataDir, 'secrets.enc'), 'utf8');
    for (const s of [stripeSecret, appSecret, verifyToken]) expect(onDisk).not.toContain(s);

    // Stripe: the official helper signs; a good delivery starts a run, bad ones start none.
    const hooks = await playwright.request.newContext({ baseURL: server.url });
    const event = JSON.stringify({ id: 'evt_e2e_1', object: 'event', type: 'invoice.paid', data: { object: { id: 'in_1' } } });
    const signed = await hooks.post('hooks/payments', { data: event, headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: event, secret: stripeSecret }) } });
    expect(signed.status()).toBe(202);
    const { runId } = (await signed.json()) as { runId: string };
    for (const sig of [
      Stripe.webhooks.generateTestHeaderString({ payload: event, secret: 'whsec_wrong' }),
      Stripe.webhooks.generateTestHeaderString({ payload: event, secret: stripeSecret, timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      Stripe.webhooks.generateTestHeaderString({ payload: event, secret: stripeSecret }), // the same event again: a replay
    ]) {
      const r = await hooks.post('hooks/payments', { data: event, headers: { 'content-type': 'application/json', 'stripe-signature': sig } });
      expect(r.status()).toBe(401);
    }
    expect(await runs('stripe-payments')).toBe(1);

    // Meta: the subscription check, then signed deliveries.
    const challenge = await hooks.get(`hooks/meta?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(verifyToken)}&hub.challenge=847362`);
    expect(challenge.status()).toBe(200);
    expect(await challenge.text()).toBe('847362');
    expect((await hooks.get('hooks/meta?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1')).status()).toBe(403);
    const lead = JSON.stringify({ object: 'page', entry: [{ id: '99', time: 1767225600, changes: [{ field: 'leadgen', value: { leadgen_id: '123' } }] }] });
    const metaSig = `sha256=${createHmac('sha256', appSecret).update(lead).digest('hex')}`;
    const metaOk = await hooks.post('hooks/meta', { data: lead, headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSig } });
    expect(metaOk.status()).toBe(202);
    const metaBad = await hooks.post('hooks/meta', { data: lead, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'wrong').update(lead).digest('hex')}` } });
    expect(metaBad.status()).toBe(401);
    expect(await runs('meta-leads')).toBe(1);

    // The runs are in the UI.
    await page.goto(`${server.url}#/runs?run=${runId}`);
    await expect(page.getByText('stripe-payments').first()).toBeVisible();

    // A public address: the addresses use it and the warning goes away.
    await openPage(page, 'Settings');
    const serverForm = page.getByTestId('server-form');
    await serverForm.getByLabel('Public address').fill('https://baton.example.com');
    await serverForm.getByRole('button', { name: 'Save' }).click();
    await expect(serverForm.getByRole('status')).toHaveText('Saved.');
    await expect(card.getByTestId('hook-payments').getByTestId('hook-url')).toHaveText('https://baton.example.com/hooks/payments');
    await openPage(page, 'Dashboard');
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await expect(page.getByTestId('reachability-warning')).toHaveCount(0);
    await hooks.dispose();
    await api.dispose();
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
