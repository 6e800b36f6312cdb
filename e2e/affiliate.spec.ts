/**
 * Affiliate links in the window, on real components: `baton serve` (a real SQLite file), Chromium,
 * and a local HTTP server as the offer's page. A program and a tracked link are created on the
 * Finance page's Affiliate tab; the browser follows the tracked address and lands on the offer
 * with the sub-id; a network's commission CSV whose columns the header does not name is mapped
 * in the mapping step (missing columns named, bad rows named by line, the same file again adds
 * nothing); EPC on the page and on the dashboard's tile equal the API; the program and the link are
 * edited on the page (a bad destination refused by name, the slug kept), the link archived and
 * unarchived. The category rule form
 * picks its client from the CRM. axe finds nothing serious.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';

/** The offer's page (the advertiser's site): records each request's address. */
async function startOffer(): Promise<{ origin: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/studio-mic') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><head><title>Studio mic</title></head><body><h1>Acme studio mic</h1></body></html>');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return { origin: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

async function axeClean(page: Page): Promise<void> {
  const r = await new AxeBuilder({ page }).analyze();
  expect(r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (day: string, n: number) => utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000));

test('a tracked link made on the page is followed in the browser, a commission CSV is mapped and imported once, and EPC on the page and the dashboard equals the API', async ({ page }) => {
  test.setTimeout(180_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-affiliate-'));
  const offer = await startOffer();
  let server: RunningServer | null = null;
  try {
    server = await startServer(dataDir, 0, serverEnv());
    const s = server;
    const base = s.url.replace(/\/$/, '');
    const api = async <T = Record<string, unknown>>(op: string, input: unknown = {}): Promise<T> => {
      const res = await fetch(new URL(`api/v1/${op}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      const body = (await res.json()) as { result: T; error?: { message: string } };
      if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
      return body.result;
    };
    for (const [key, value] of Object.entries({ 'setup.completed': true, 'finance.currency': 'USD', 'server.publicUrl': base })) await api('settings.set', { key, value });
    const today = utcDay(new Date());

    await page.goto(`${s.url}#token=${s.token}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await openPage(page, 'Finance');
    await page.getByRole('tab', { name: 'Affiliate' }).click();
    await expect(page.getByTestId('aff-totals')).toBeVisible();

    // A program, on the page.
    const programs = page.locator('#affiliate-programs');
    await programs.getByLabel('Program name').fill('Acme Audio');
    await programs.getByLabel('Network (optional)').fill('Awin');
    await programs.getByLabel('Sub-id parameter (optional)').fill('clickref');
    await programs.getByLabel('Bank payout text (optional)').fill('AWIN LTD');
    await programs.getByRole('button', { name: 'Add program' }).click();
    await expect(programs.getByRole('status')).toContainText('Program “Acme Audio” saved; its bank payouts are now left out of the P&L');
    await expect(page.getByTestId('aff-program-row')).toHaveCount(1);

    // A tracked link, on the page.
    const links = page.locator('#affiliate-links');
    await links.getByLabel('Destination (your affiliate link)').fill(`${offer.origin}/studio-mic?aff=42`);
    await links.getByLabel('Short name (optional)').fill('acme-mic');
    await links.getByLabel('Appears in (post URL or name, optional)').fill('https://blog.example/best-mics');
    await links.getByRole('button', { name: 'Create link' }).click();
    await expect(page.getByTestId('aff-link-made')).toContainText(`${base}/go/acme-mic`);
    await expect(page.locator('[data-testid="aff-link-row"][data-slug="acme-mic"]')).toBeVisible();
    await axeClean(page);

    // Followed in the browser: the offer's page, with the sub-id; the click is recorded.
    await page.goto(`${base}/go/acme-mic`);
    await expect(page.getByRole('heading', { name: 'Acme studio mic' })).toBeVisible();
    expect(page.url()).toBe(`${offer.origin}/studio-mic?aff=42&clickref=acme-mic`);
    expect(offer.seen).toContain('/studio-mic?aff=42&clickref=acme-mic');
    const listed = await api<{ links: { slug: string; clicks: number }[] }>('affiliate.links.list', {});
    expect(listed.links.find((l) => l.slug === 'acme-mic')!.clicks).toBe(1);

    // The network's export, with column names the import cannot guess: the mapping step asks.
    await page.goto(`${s.url}#/finance?tab=affiliate`);
    const card = page.locator('#affiliate-import');
    await card.getByLabel('Source (the network or program the file comes from)').fill('Awin');
    const csv = ['When,Earned,Ref,State', `${today},12.50,acme-mic,approved`, `${today},7.50,acme-mic,pending`, 'someday,1.00,acme-mic,approved'].join('\n');
    await page.getByTestId('affiliate-file').setInputFiles({ name: 'awin.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const mapping = page.getByTestId('affiliate-mapping');
    await expect(mapping.getByRole('table', { name: 'The first rows of awin.csv' })).toContainText('acme-mic');
    await card.getByRole('button', { name: 'Import' }).click();
    await expect(mapping.getByTestId('field-error')).toHaveText(['choose the column with the date', 'choose the column with the commission (what you earn, not the sale)']);
    await mapping.getByLabel('Date', { exact: true }).selectOption('When');
    await mapping.getByLabel('Commission (what you earn)').selectOption('Earned');
    await mapping.getByLabel('Sub-id (click reference)').selectOption('Ref');
    await mapping.getByLabel('Status').selectOption('State');
    await card.getByRole('button', { name: 'Import' }).click();
    const result = page.getByTestId('affiliate-import-result');
    await expect(result).toHaveAttribute('data-dry-run', 'false');
    await expect(result).toContainText('Imported 2 of 3 rows from “Awin”; 1 row with errors, left out. Matched: 2 to a link');
    await expect(result.getByRole('listitem')).toHaveText(['Line 4: date (column "When"): "someday" is not a date']);

    // EPC on the page equals the API for the page's months (the last 12, this one included).
    const now = new Date();
    const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1));
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0));
    const stats = await api<{ totals: { revenue: number; clicks: number; epc: number | null } }>('affiliate.stats', { from: utcDay(first), to: utcDay(last) });
    expect(stats.totals).toMatchObject({ revenue: 20, clicks: 1, epc: 20 });
    await expect(page.getByTestId('aff-total-epc')).toHaveAttribute('data-value', String(stats.totals.epc));
    await expect(page.getByTestId('aff-revenue')).toHaveAttribute('data-value', String(stats.totals.revenue));
    await expect(page.locator('[data-testid="aff-links-row"]').filter({ hasText: '/go/acme-mic' }).getByTestId('aff-epc')).toHaveAttribute('data-value', '20');

    // The same file again: the source remembers the mapping, nothing is added.
    await page.reload();
    await card.getByLabel('Source (the network or program the file comes from)').fill('Awin');
    await page.getByTestId('affiliate-file').setInputFiles({ name: 'awin.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect(mapping.getByLabel('Commission (what you earn)')).toHaveValue('Earned');
    await card.getByRole('button', { name: 'Import' }).click();
    await expect(result).toContainText('Imported 0 of 3 rows from “Awin”; 2 already imported before');
    expect((await api<{ total: number }>('affiliate.commissions.list', {})).total).toBe(2);
    await axeClean(page);
    await page.emulateMedia({ colorScheme: 'dark' });
    await axeClean(page);
    await page.emulateMedia({ colorScheme: 'light' });
    // On a phone: the tab fits the width (tables stack, long addresses wrap).
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByTestId('aff-total-epc')).toBeVisible();
    type Win = { document: { documentElement: { scrollWidth: number; clientWidth: number } } };
    const wide = await page.evaluate(() => {
      const root = (globalThis as unknown as Win).document.documentElement;
      return { scroll: root.scrollWidth, client: root.clientWidth };
    });
    expect(wide.scroll, 'the Affiliate tab scrolls sideways at 390 px').toBeLessThanOrEqual(wide.client);
    await page.setViewportSize({ width: 1280, height: 800 });

    // Edited on the page: the program's network; the link's destination and content piece (its slug stays); archived and back.
    await programs.getByRole('button', { name: 'Edit the program Acme Audio' }).click();
    await expect(programs.getByLabel('Program name')).toHaveValue('Acme Audio');
    await programs.getByLabel('Network (optional)').fill('Awin UK');
    await programs.getByRole('button', { name: 'Save program' }).click();
    await expect(page.getByTestId('aff-program-row')).toContainText('Awin UK');
    await expect(programs.getByRole('button', { name: 'Add program' })).toBeVisible();
    const linkRow = page.locator('[data-testid="aff-link-row"][data-slug="acme-mic"]');
    await links.getByRole('button', { name: 'Edit /go/acme-mic' }).click();
    const edit = page.getByTestId('aff-link-edit');
    await edit.getByLabel('New destination').fill('studio-mic');
    await edit.getByRole('button', { name: 'Save link' }).click();
    await expect(edit.getByRole('alert')).toContainText('destination');
    await expect(edit.getByRole('alert')).toContainText('use the full http(s) address');
    await edit.getByLabel('New destination').fill(`${offer.origin}/studio-mic?aff=43`);
    await edit.getByLabel('Content piece (empty for none)').fill('https://blog.example/mic-review');
    await edit.getByRole('button', { name: 'Save link' }).click();
    await expect(edit).toHaveCount(0);
    await expect(linkRow).toContainText(`${offer.origin}/studio-mic?aff=43&clickref=acme-mic`);
    await expect(linkRow).toContainText('https://blog.example/mic-review');
    await expect(linkRow.getByTestId('aff-tracked-url')).toHaveText(`${base}/go/acme-mic`);
    await links.getByRole('button', { name: 'Archive /go/acme-mic' }).click();
    await expect(linkRow).toHaveCount(0);
    await page.getByTestId('aff-archived').locator('summary').click();
    const archivedRow = page.locator('[data-testid="aff-archived-row"][data-slug="acme-mic"]');
    await expect(archivedRow).toBeVisible();
    await axeClean(page);
    await archivedRow.getByRole('button', { name: 'Unarchive /go/acme-mic' }).click();
    await expect(linkRow).toBeVisible();
    await expect(archivedRow).toHaveCount(0);
    const after = await api<{ links: { slug: string; destination: string; content: string | null; archived: boolean }[] }>('affiliate.links.list', {});
    expect(after.links).toEqual([expect.objectContaining({ slug: 'acme-mic', destination: `${offer.origin}/studio-mic?aff=43`, content: 'https://blog.example/mic-review', archived: false })]);
    expect((await api<{ programs: { name: string; network: string | null }[] }>('affiliate.programs.list')).programs).toEqual([expect.objectContaining({ name: 'Acme Audio', network: 'Awin UK' })]);

    // The dashboard's affiliate tile: the numbers of kpi.summary for its range (the last 30 days).
    const range = { from: addDays(today, -29), to: today };
    const kpi = await api<{ kpis: { id: string; value: number | null }[] }>('kpi.summary', { kpis: ['affiliateRevenue', 'affiliateClicks', 'affiliateEpc'], ...range });
    expect(kpi.kpis.map((k) => k.value)).toEqual([20, 1, 20]);
    await openPage(page, 'Dashboard');
    for (const k of kpi.kpis) await expect(page.getByTestId(`affiliate-${k.id}-value`)).toHaveAttribute('data-value', String(k.value));

    // The category rule form picks its client from the CRM instead of a typed key.
    const ada = await api<{ id: number; companyId: number }>('contacts.create', { email: 'ada@acme.test', firstName: 'Ada', companyDomain: 'acme.test' });
    await api('companies.list', { search: 'acme' });
    await openPage(page, 'Finance');
    await expect(page.getByRole('tab', { name: 'Profit and loss' })).toHaveAttribute('aria-selected', 'true');
    const rules = page.locator('#finance-rules');
    await rules.getByLabel('Description contains').fill('ACME RETAINER');
    await rules.getByLabel('Category', { exact: true }).fill('Retainers');
    await rules.getByLabel('Kind').selectOption('income');
    await rules.getByPlaceholder('Find a company or contact…').fill('acme');
    const picker = rules.getByTestId('client-picker');
    await expect(picker.locator(`option[value="company:${ada.companyId}"]`)).toHaveCount(1);
    await expect(picker.locator(`option[value="contact:${ada.id}"]`)).toHaveCount(1);
    await picker.selectOption(`company:${ada.companyId}`);
    await rules.getByRole('button', { name: 'Add rule' }).click();
    await expect(page.getByTestId('finance-rule-note')).toContainText('Rule added');
    const stored = await api<{ rules: { contains: string; client: string | null; clientName: string | null }[] }>('finance.rules.list', {});
    expect(stored.rules.find((r) => r.contains === 'ACME RETAINER')).toMatchObject({ client: `company:${ada.companyId}` });
    // The payout rule the program made is there too (no double counting of the network's payouts).
    expect(stored.rules.find((r) => r.contains === 'AWIN LTD')).toMatchObject({ client: null });
    await expect(page.locator('[data-testid="finance-rule-row"]').filter({ hasText: 'ACME RETAINER' })).toContainText('acme');
    await axeClean(page);
  } finally {
    await server?.stop();
    await offer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
