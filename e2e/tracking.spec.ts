/**
 * Engagement tracking as a recipient meets it, on real components: `baton
 * serve` (Bree workers send the e-mail), the SMTP test server, real Chromium,
 * and the operator's website (a local HTTP server on another origin with the
 * site snippet pasted in). The tracked link is parsed out of the delivered
 * e-mail and clicked in the browser: it lands on the target page; the snippet
 * there records the page visit and the form coming into view for the contact
 * (no cookie is set); the contact's score moves by the click and the pricing
 * visit, and the contact's page in the app shows the new score.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtp } from '../tests/support/smtp';
import { expect, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';

const SMTP_PW = ['smtp', 'e2e', 'tracking', String(process.pid)].join('-');

/** The operator's website: /pricing with the snippet and a demo-request form below a tall block. */
async function startSite(snippet: () => string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/pricing') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>Pricing</title></head><body>
<h1>Pricing</h1><p>Plans for every size.</p>
<form id="demo-request" data-baton-form="demo-request"><input name="email"><button>Ask for a demo</button></form>
${snippet()}
</body></html>`);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

test('a click on a tracked link in a delivered e-mail lands on the page, the snippet records the visit and the form view, and the score moves', async ({ page }) => {
  test.setTimeout(180_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-tracking-'));
  const smtp = await startSmtp({ user: 'mailer', password: SMTP_PW });
  let snippetTag = '';
  const site = await startSite(() => snippetTag);
  let server: RunningServer | null = null;
  try {
    server = await startServer(dataDir, 0, { ...serverEnv(), BATON_SECRET_SMTP_PASSWORD: SMTP_PW, BATON_SECRET_TRACKING_KEY: randomBytes(32).toString('base64url') });
    const s = server;
    const base = s.url.replace(/\/$/, '');
    const api = async <T = Record<string, unknown>>(op: string, input: unknown = {}): Promise<T> => {
      const res = await fetch(new URL(`api/v1/${op}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const body = (await res.json()) as { result: T; error?: { message: string } };
      if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
      return body.result;
    };
    const settings = {
      'email.smtp.host': '127.0.0.1',
      'email.smtp.port': smtp.port,
      'email.smtp.user': 'mailer',
      'email.from': 'owner@solo.test',
      'email.fromName': 'Sam Solo',
      'server.publicUrl': base,
      'tracking.clicks': 'on',
      'tracking.opens': 'on',
      'tracking.allowedOrigins': [site.origin],
      'setup.completed': true,
    };
    for (const [key, value] of Object.entries(settings)) await api('settings.set', { key, value });
    snippetTag = (await api<{ snippet: string }>('tracking.snippet')).snippet;
    expect(snippetTag).toMatch(new RegExp(`^<script async src="${base.replace(/[.]/g, '\\.')}/t/s\\.js" data-key="pk_[A-Za-z0-9_-]+"></script>$`));

    const contact = await api<{ id: number }>('contacts.create', { email: 'ada@analytical.test', firstName: 'Ada' });
    await api('workflows.import', {
      definition: {
        id: 'newsletter',
        name: 'Newsletter',
        trigger: { type: 'manual' },
        nodes: [{ id: 'send', type: 'email.send', params: { contactId: contact.id, subject: 'Our new plans', html: `<p>Hi {{ contact.first_name }}, see <a href="${site.origin}/pricing">the new plans</a>.</p>` } }],
      },
      enable: true,
    });
    const scoreBefore = (await api<{ contact: { score: number } }>('contacts.get', { id: contact.id })).contact.score;
    await api('runs.start', { workflow: 'newsletter' });

    // The delivered e-mail: its link is a tracked link on the public address.
    const mail = (await smtp.waitFor(1, 90_000))[0]!;
    const html = mail.parsed.html as string;
    expect(html).not.toContain(`href="${site.origin}`);
    const link = /href="([^"]+)"/.exec(html)![1]!;
    expect(link.startsWith(`${base}/t/c/`)).toBe(true);

    // The recipient clicks it: the browser lands on the pricing page (the visitor id taken off the address bar).
    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Pricing' })).toBeVisible();
    await expect.poll(() => page.url()).toBe(`${site.origin}/pricing`);

    const timeline = async () => (await api<{ timeline: { type: string }[] }>('contacts.get', { id: contact.id })).timeline.map((e) => e.type);
    await expect.poll(timeline, { timeout: 60_000 }).toEqual(expect.arrayContaining(['email.clicked', 'page.visited', 'form.viewed']));
    expect(await page.context().cookies()).toEqual([]);
    // Click (5) + a visit to /pricing (10), by the default scoring rules.
    await expect.poll(async () => (await api<{ contact: { score: number } }>('contacts.get', { id: contact.id })).contact.score).toBe(scoreBefore + 15);

    // The operator sees it in the app: the contact's score and the events on its timeline.
    await page.goto(`${s.url}#token=${s.token}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await page.goto(`${s.url}#/contacts?id=${contact.id}`);
    await expect(page.getByTestId('score-total')).toHaveText(String(scoreBefore + 15));
    const items = page.getByRole('list', { name: 'Activity, newest first' }).locator('li');
    for (const type of ['email.clicked', 'page.visited', 'form.viewed']) await expect(items.filter({ hasText: type })).toHaveCount(1);
  } finally {
    await server?.stop();
    await site.close();
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
