/**
 * Money and client delivery in the window, on real components: `baton serve` (Bree workers,
 * a real SQLite file), Chromium, the SMTP test server (smtp-server).
 * - Finance: a bank CSV whose columns the header does not name is uploaded on the Finance page,
 *   its columns mapped in the mapping step; the bad rows are named by line, the P&L moves and
 *   equals the API; the source remembers the mapping (the same file again imports nothing);
 *   a category rule added on the page categorises the rows. No sideways scroll at 390 px.
 * - Client report: the client-report template started with Run now renders the report; its
 *   approval shows the PDF drawn by pdf.js in the inbox (a canvas per page, not blank, the page
 *   count); approved, the client's e-mail arrives at the SMTP server with the PDF attached. The
 *   file route serves workspace files only, with the token.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { startSmtp } from '../tests/support/smtp';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';
import { SHOTS, shootSchemes } from './shots';

const SMTP_PW = ['smtp', 'e2e', 'fin', String(process.pid)].join('-');

function apiOf(s: RunningServer) {
  return async <T = Record<string, unknown>>(op: string, input: unknown = {}): Promise<T> => {
    const res = await fetch(new URL(`api/v1/${op}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
    const body = (await res.json()) as { result: T; error?: { message: string } };
    if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
    return body.result;
  };
}

/** This month, as YYYY-MM and a day in it (UTC). */
function thisMonth(): { month: string; day: (d: number) => string } {
  const now = new Date();
  const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  return { month, day: (d) => `${month}-${String(Math.min(d, now.getUTCDate())).padStart(2, '0')}` };
}

/** axe-core on what is shown now: no critical or serious violation. */
async function axeClean(page: Page): Promise<void> {
  const r = await new AxeBuilder({ page }).analyze();
  expect(r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
}

async function noSidewaysScroll(page: Page): Promise<void> {
  type Win = { document: { documentElement: { scrollWidth: number; clientWidth: number } } };
  const { scroll, client } = await page.evaluate(() => {
    const root = (globalThis as unknown as Win).document.documentElement;
    return { scroll: root.scrollWidth, client: root.clientWidth };
  });
  expect(scroll, 'the page scrolls sideways').toBeLessThanOrEqual(client);
}

test('a bank CSV uploaded on the Finance page: columns mapped, bad rows named by line, the P&L moves and equals the API, the mapping is remembered', async ({ page }) => {
  test.setTimeout(180_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-finance-'));
  let server: RunningServer | null = null;
  try {
    server = await startServer(dataDir, 0, serverEnv());
    const api = apiOf(server);
    for (const [key, value] of Object.entries({ 'setup.completed': true, 'finance.currency': 'USD', 'finance.taxRate': 25 })) await api('settings.set', { key, value });
    const { month, day } = thisMonth();

    await page.goto(`${server.url}#token=${server.token}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await openPage(page, 'Finance');
    await expect(page.getByTestId('finance-income')).toHaveAttribute('data-value', '0');
    await expect(page.getByTestId('finance-profit')).toHaveAttribute('data-value', '0');

    // Column names the import cannot guess ("When", "Who", "Sum"): the mapping step asks.
    const csv = [
      'When,Who,Sum,Ref',
      `${day(1)},Acme Corp retainer,2400.00,INV-1`,
      `${day(2)},ADOBE CREATIVE CLOUD,-59.99,card`,
      'someday,Broken date row,-10.00,x',
      `${day(3)},Coworking rent,-300.01,rent`,
      `${day(4)},Bad amount row,twelve,x`,
    ].join('\n');
    const file = page.getByTestId('finance-file');
    const card = page.locator('#finance-import');
    await card.getByLabel('Source (the account the file comes from)').fill('Business checking');
    await file.setInputFiles({ name: 'checking.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const mapping = page.getByTestId('finance-mapping');
    await expect(mapping).toBeVisible();
    await expect(page.getByTestId('finance-mapping-from')).toContainText('Choose the columns');
    await expect(mapping.getByRole('table', { name: 'The first rows of checking.csv' })).toContainText('Acme Corp retainer');
    // Import without the columns: each missing one is named.
    await card.getByRole('button', { name: 'Import' }).click();
    await expect(mapping.getByTestId('field-error')).toHaveText(['choose the column with the date', 'choose the column with the amount', 'choose the column with the description (payee, purpose)']);
    await mapping.getByLabel('Date', { exact: true }).selectOption('When');
    await mapping.getByLabel('Amount (money out negative)').selectOption('Sum');
    await mapping.getByLabel('Description', { exact: true }).selectOption('Who');
    await card.getByRole('button', { name: 'Import' }).click();

    const result = page.getByTestId('finance-import-result');
    await expect(result).toHaveAttribute('data-dry-run', 'false');
    await expect(result).toContainText('Imported 3 of 5 rows into “Business checking”; 2 rows with errors, left out');
    const invalid = page.getByTestId('finance-import-invalid').getByRole('listitem');
    await expect(invalid).toHaveCount(2);
    await expect(invalid.nth(0)).toContainText('Line 4:');
    await expect(invalid.nth(1)).toContainText('Line 6:');

    // The P&L moved, live, and equals the API.
    const pnl = await api<{ totals: { income: number; expenses: number; profit: number; taxSetAside: number } }>('finance.pnl', { from: month, to: month });
    expect(pnl.totals).toMatchObject({ income: 2400, expenses: 360 });
    await expect(page.getByTestId('finance-income')).toHaveAttribute('data-value', String(pnl.totals.income));
    await expect(page.getByTestId('finance-expenses')).toHaveAttribute('data-value', String(pnl.totals.expenses));
    await expect(page.getByTestId('finance-profit')).toHaveAttribute('data-value', String(pnl.totals.profit));
    await expect(page.getByTestId('finance-tax')).toHaveAttribute('data-value', String(pnl.totals.taxSetAside));
    expect(pnl.totals.taxSetAside).toBeCloseTo(pnl.totals.profit * 0.25, 2);
    await expect(page.locator(`[data-testid="finance-month-row"][data-month="${month}"]`)).toHaveAttribute('data-profit', String(pnl.totals.profit));
    await expect(page.getByTestId('finance-chart').locator('canvas')).toHaveCount(1);

    // A category rule, added on the page, categorises the rows already imported.
    const rules = page.locator('#finance-rules');
    await rules.getByLabel('Description contains').fill('ADOBE');
    await rules.getByLabel('Category', { exact: true }).fill('Software');
    await rules.getByLabel('Kind').selectOption('expense');
    await rules.getByRole('button', { name: 'Add rule' }).click();
    await expect(page.getByTestId('finance-rule-note')).toHaveText('Rule added; 1 transaction categorised.');
    await expect(page.getByTestId('finance-rule-row')).toHaveCount(1);
    await expect(page.getByRole('table', { name: 'Per category' })).toContainText('Software');

    // The same file again (an overlapping export): the source remembers the mapping, nothing is added.
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Finance' })).toBeVisible();
    await card.getByLabel('Source (the account the file comes from)').fill('Business checking');
    await file.setInputFiles({ name: 'checking.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect(page.getByTestId('finance-mapping-from')).toContainText('The mapping remembered for “Business checking”');
    await expect(mapping.getByLabel('Amount (money out negative)')).toHaveValue('Sum');
    await card.getByRole('button', { name: 'Import' }).click();
    await expect(result).toContainText('Imported 0 of 5 rows into “Business checking”; 3 already imported before');
    await expect(page.getByTestId('finance-income')).toHaveAttribute('data-value', '2400');

    // With the mapping step and the import result open, in both colour schemes.
    await axeClean(page);
    await page.emulateMedia({ colorScheme: 'dark' });
    await axeClean(page);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByTestId('finance-totals').scrollIntoViewIfNeeded();
    await shootSchemes(page, 'finance', true);
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByTestId('finance-chart').locator('canvas')).toHaveCount(1);
    await noSidewaysScroll(page);
    await page.screenshot({ path: join(SHOTS, 'finance-390.png'), fullPage: true });
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the client report: Run now renders it, the inbox shows the PDF drawn page by page, and the approved one reaches the client with the PDF attached', async ({ page }) => {
  test.setTimeout(240_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-report-'));
  const smtp = await startSmtp({ user: 'mailer', password: SMTP_PW });
  let server: RunningServer | null = null;
  try {
    server = await startServer(dataDir, 0, { ...serverEnv(), BATON_SECRET_SMTP_PASSWORD: SMTP_PW });
    const s = server;
    const api = apiOf(s);
    const settings = { 'email.smtp.host': '127.0.0.1', 'email.smtp.port': smtp.port, 'email.smtp.user': 'mailer', 'email.from': 'owner@solo.test', 'email.fromName': 'Sam Solo', 'email.publicUrl': s.url.replace(/\/$/, ''), 'setup.completed': true, 'brand.name': 'Solo Studio' };
    for (const [key, value] of Object.entries(settings)) await api('settings.set', { key, value });
    const ada = await api<{ id: number; companyId: number }>('contacts.create', { email: 'ada@acme.test', firstName: 'Ada', companyDomain: 'acme.test' });
    await api('reports.definitions.set', { client: `company:${ada.companyId}`, title: 'Acme monthly report', recipient: 'ada@acme.test', sections: [{ kind: 'summary' }, { kind: 'leads' }, { kind: 'email' }, { kind: 'pipeline' }, { kind: 'runs' }, { kind: 'content' }] });
    await api('templates.install', { ids: ['client-report'], enable: true });

    // Run now, from the Workflows page.
    await page.goto(`${s.url}#token=${s.token}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await openPage(page, 'Workflows');
    await page.locator('[data-testid="workflow-row"][data-id="client-report"]').getByRole('button', { name: 'Run now: Monthly client reports' }).click();
    await expect(page.getByTestId('started-run-link')).toBeVisible();

    // The approval waits; its payload names the rendered PDF.
    await expect.poll(async () => (await api<{ approvals: unknown[] }>('approvals.list', { workflow: 'client-report' })).approvals.length, { timeout: 90_000 }).toBe(1);
    const [approval] = (await api<{ approvals: { id: number; title: string; payload: { report: { path: string; pages: number; bytes: number; filename: string } } }[] }>('approvals.list', { workflow: 'client-report' })).approvals;
    const rep = approval!.payload.report;
    expect(rep.path).toMatch(/^workspace\/deliverables\/reports\/\d{4}-\d{2}\/.+\.pdf$/);
    const onDisk = readFileSync(join(dataDir, ...rep.path.split('/')));

    // The file route: the token is needed, and only files of the workspace are served.
    const route = (p: string, auth = true) => fetch(new URL(`api/files/${p}`, s.url), { headers: auth ? { authorization: `Bearer ${s.token}` } : {} });
    expect((await route(rep.path, false)).status).toBe(401);
    const served = await route(rep.path.split('/').map(encodeURIComponent).join('/'));
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await served.arrayBuffer()).equals(onDisk)).toBe(true);
    mkdirSync(join(dataDir, 'workspace', 'deliverables'), { recursive: true });
    symlinkSync(join(dataDir, 'baton.db'), join(dataDir, 'workspace', 'deliverables', 'store.pdf'));
    expect((await route('workspace/deliverables/store.pdf')).status).toBe(403); // a symbolic link out of the workspace
    expect((await route('baton.db')).status).toBe(403); // the data folder, outside the workspace
    expect((await route('server-token')).status).toBe(403);
    expect((await route('workspace/..%2Fbaton.db')).status).toBe(400);
    expect((await route(`${encodeURIComponent(join(dataDir, 'baton.db'))}`)).status).toBe(400); // an absolute path
    expect((await route('workspace/deliverables/none.pdf')).status).toBe(404);

    // The inbox: the PDF drawn by pdf.js, one canvas per page, not blank.
    await openPage(page, 'Approvals');
    await page.getByTestId('approval-row').filter({ hasText: 'Acme monthly report' }).getByRole('button').click();
    const detail = page.getByTestId('detail');
    const pv = detail.getByTestId('pdf-preview');
    await expect(pv).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
    await expect(pv).toHaveAttribute('data-pages', String(rep.pages));
    await expect(detail.getByTestId('pdf-preview-info')).toContainText(`${rep.pages} page${rep.pages === 1 ? '' : 's'}`);
    const canvases = pv.locator('canvas.pdf-page');
    await expect(canvases).toHaveCount(rep.pages);
    await expect(canvases.first()).toHaveAttribute('aria-label', `Page 1 of ${rep.pages} of ${rep.filename}`);
    const ink = await canvases.first().evaluate((c) => {
      // The e2e files are type-checked without the DOM library: the canvas as far as it is used.
      const cv = c as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
      let dark = 0;
      let colour = 0;
      for (let i = 0; i < d.length; i += 4) {
        const [r, g, b, a] = [d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!];
        if (a > 0 && r + g + b < 600) dark++;
        if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) colour++;
      }
      return { width: cv.width, height: cv.height, dark, colour };
    });
    expect(ink.width).toBeGreaterThan(300);
    expect(ink.height).toBeGreaterThan(ink.width); // a portrait page
    expect(ink.dark).toBeGreaterThan(2000); // text and charts were drawn
    expect(ink.colour).toBeGreaterThan(200); // the brand colour
    await axeClean(page);
    await pv.scrollIntoViewIfNeeded();
    await shootSchemes(page, 'report-pdf-preview', true);
    expect(smtp.messages).toHaveLength(0);

    // Approve: the client's e-mail arrives with the PDF attached.
    await detail.getByRole('button', { name: /^Approve/ }).click();
    const [mail] = await smtp.waitFor(1, 90_000);
    expect(mail!.to).toEqual(['ada@acme.test']);
    expect(mail!.parsed.subject).toMatch(/^Acme monthly report \(\d{4}-\d{2}-01 to \d{4}-\d{2}-\d{2}\)$/);
    const att = mail!.parsed.attachments;
    expect(att.map((a) => [a.filename, a.contentType])).toEqual([[rep.filename, 'application/pdf']]);
    expect(att[0]!.content.equals(onDisk)).toBe(true);
  } finally {
    await server?.stop();
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
