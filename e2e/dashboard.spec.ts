/**
 * Dashboard: every KPI tile equals what the API answers for the same range (value and change against
 * the previous period), for several ranges; an escalation raised by a run appears live as a toast
 * (and a Web Notification once allowed) and in the feed, and is acknowledged from there.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import type { OpOutput } from '../shared/api';
import { expect, test, type BatonServerInfo } from './fixtures';
import { SHOTS, shootWholePage } from './shots';
import { ensureDemo } from './demo';


test.beforeAll(async () => {
  // Demo data in the live server's folder (another spec may have seeded it already: then that data is used).
  await ensureDemo(500);
});

const DAY = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const today = () => utcDay(Date.now());
const addDays = (d: string, n: number) => utcDay(Date.parse(d + 'T00:00:00Z') + n * DAY);

const pctChange = (c: number, p: number) => (p === 0 ? 'new' : String(Math.round(((c - p) / p) * 1000) / 10));
const ptsChange = (c: number | null, p: number | null) => (c === null || p === null ? null : String(Math.round((c - p) * 10) / 10));
const sumUsd = (l: { currency: string; value: number }[]) => l.filter((x) => x.currency === 'USD').reduce((s, x) => s + x.value, 0);

/** The little of the DOM the page functions use (the e2e code is type-checked without the DOM library). */
interface El {
  getAttribute(name: string): string | null;
  textContent: string | null;
  querySelector(sel: string): El | null;
  querySelectorAll(sel: string): ArrayLike<El>;
}

/** What the tiles show: value and change (data attributes), and the value's text. */
async function readTiles(page: Page) {
  return page.locator('.kpi-grid').evaluate((node) => {
    const grid = node as unknown as El;
    const out: Record<string, { value: string | null; text: string; delta: string | null; noComparison: boolean }> = {};
    for (const tile of Array.from(grid.querySelectorAll('[data-testid^="kpi-"][data-testid$="-value"]'))) {
      const id = tile.getAttribute('data-testid')!.slice(4, -6);
      const d = grid.querySelector(`[data-testid="kpi-${id}-delta"]`);
      out[id] = {
        value: tile.getAttribute('data-value'),
        text: tile.textContent ?? '',
        delta: d ? d.getAttribute('data-delta') : null,
        noComparison: (grid.querySelector(`[data-testid="kpi-${id}"]`)?.textContent ?? '').includes('No comparison'),
      };
    }
    return { range: grid.getAttribute('data-loaded-range'), tiles: out };
  });
}

/**
 * Wait until the tiles show [from, to], then compare every one with the API (value and change against
 * the previous period). Retried as a whole: the server's numbers may move while it works.
 */
async function checkTiles(page: Page, api: BatonServerInfo['api'], from: string, to: string) {
  await expect(page.locator('.kpi-grid')).toHaveAttribute('data-loaded-range', `${from}..${to}`);
  let k!: OpOutput<'kpi.dashboard'>;
  await expect(async () => {
    k = await api('kpi.dashboard', { from, to });
    const a = await api('kpi.automation', { from, to });
    const appr = await api('approvals.list', { limit: 1 });
    const esc = await api('escalations.list', { acknowledged: false, limit: 1 });
    const shown = await readTiles(page);
    expect(shown.range).toBe(`${from}..${to}`);
    const t = shown.tiles;
    const num = (id: string) => (t[id]?.value === '' ? null : Number(t[id]?.value));
    const same = (id: string, value: number | null, change?: string | null) => {
      if (value === null) expect(num(id), `tile ${id}`).toBeNull();
      else expect(num(id), `tile ${id}`).toBeCloseTo(value, 2);
      if (change === undefined) return;
      if (change === null) expect(t[id]?.noComparison, `tile ${id} has no comparison`).toBe(true);
      else expect(t[id]?.delta, `change of tile ${id}`).toBe(change);
    };
    same('leads', k.current.newLeads, pctChange(k.current.newLeads, k.previous.newLeads));
    expect(t.leads?.text).toBe(k.current.newLeads.toLocaleString('en-US'));
    same('mql-rate', k.current.leadToMql, ptsChange(k.current.leadToMql, k.previous.leadToMql));
    if (k.current.leadToMql !== null) expect(t['mql-rate']?.text).toBe(`${k.current.leadToMql.toLocaleString('en-US', { maximumFractionDigits: 1 })}%`);
    same('sql-rate', k.current.mqlToSql, ptsChange(k.current.mqlToSql, k.previous.mqlToSql));
    const pipe = sumUsd(k.current.pipeline);
    same('pipeline', pipe, pctChange(pipe, sumUsd(k.previous.pipeline)));
    expect(t.pipeline?.text).toBe(pipe.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }));
    const rev = sumUsd(k.current.revenueWon);
    same('revenue', rev, pctChange(rev, sumUsd(k.previous.revenueWon)));
    same('automation', a.current.successRate, ptsChange(a.current.successRate, a.previous.successRate));
    same('approvals', appr.pending);
    same('escalations', esc.unacknowledged);
    // The funnel shows the same counts, and the health card the failures of the last 24 h.
    const funnel = await page.locator('.funnel').evaluate((f) => Array.from((f as unknown as El).querySelectorAll('[data-testid^="funnel-"]')).map((e) => Number(e.getAttribute('data-value'))));
    expect(funnel).toEqual([k.current.newLeads, k.current.reachedMql, k.current.reachedSql, k.current.dealsWon]);
    expect(await page.getByTestId('failed-24h').getAttribute('data-value')).toBe(String(a.failedLast24h));
  }).toPass({ timeout: 60_000 });
  const days = Math.round((Date.parse(to) - Date.parse(from)) / DAY) + 1;
  expect(k.previousRange).toEqual({ from: addDays(from, -days), to: addDays(from, -1) });
  return k;
}

test('KPI tiles equal the API for the default range, the presets and a custom range', async ({ app, baton }) => {
  const t = today();
  // Default: the last 30 days.
  const k30 = await checkTiles(app, baton.api, addDays(t, -29), t);
  await expect(app.getByRole('button', { name: '30 days' })).toHaveAttribute('aria-pressed', 'true');
  const k90 = await (async () => {
    await app.getByRole('button', { name: '90 days' }).click();
    return checkTiles(app, baton.api, addDays(t, -89), t);
  })();
  // The demo business has activity: the comparison is not between two zeros.
  expect(k90.current.newLeads + k90.previous.newLeads).toBeGreaterThan(0);
  expect(k90.current.newLeads).toBeGreaterThanOrEqual(k30.current.newLeads);
  // E-mail and sequence numbers, and open deals by time in stage, are the API's.
  const e90 = (await baton.api('kpi.dashboard', { from: addDays(t, -89), to: t })).engagement;
  const pctText = (n: number | null) => (n === null ? '–' : `${n.toLocaleString('en-US', { maximumFractionDigits: 1 })}%`);
  expect(e90.current.emailsSent).toBeGreaterThan(0);
  await expect(app.getByTestId('engagement-sent').locator('td').first()).toHaveText(e90.current.emailsSent.toLocaleString('en-US'));
  await expect(app.getByTestId('engagement-reply').locator('td').first()).toHaveText(pctText(e90.current.replyRate));
  await expect(app.getByTestId('engagement-bounce').locator('td').nth(1)).toHaveText(pctText(e90.previous.bounceRate));
  await app.getByRole('button', { name: '7 days' }).click();
  await checkTiles(app, baton.api, addDays(t, -6), t);
  await app.getByRole('button', { name: 'This month' }).click();
  await checkTiles(app, baton.api, t.slice(0, 8) + '01', t);

  // Custom: a quarter half a year ago.
  const from = addDays(t, -200);
  const to = addDays(t, -110);
  await app.getByLabel('From', { exact: true }).fill(from);
  await app.getByLabel('To', { exact: true }).fill(to);
  await app.getByRole('button', { name: 'Apply' }).click();
  const kc = await checkTiles(app, baton.api, from, to);
  expect(kc.newLeadsPerDay).toHaveLength(91);
  await expect(app.getByTestId('range-caption')).toContainText('compared with');
  // A reversed range is refused in place, and the tiles keep the last good range.
  await app.getByLabel('From', { exact: true }).fill(to);
  await app.getByLabel('To', { exact: true }).fill(from);
  await app.getByRole('button', { name: 'Apply' }).click();
  await expect(app.getByRole('alert').filter({ hasText: 'The start date must be on or before the end date.' })).toBeVisible();
  await expect(app.locator('.kpi-grid')).toHaveAttribute('data-loaded-range', `${from}..${to}`);

  // The trend chart is drawn (a canvas sized to its card) and has a table for screen readers and keyboards.
  await app.getByRole('button', { name: '30 days' }).click();
  await checkTiles(app, baton.api, addDays(t, -29), t);
  const canvas = app.locator('.trend-chart canvas').first();
  await expect(canvas).toBeVisible();
  const cardWidth = (await app.locator('#dash-trend').boundingBox())!.width;
  const canvasWidth = (await canvas.boundingBox())!.width;
  expect(canvasWidth).toBeGreaterThan(cardWidth * 0.8);
  expect(canvasWidth).toBeLessThanOrEqual(cardWidth);

  mkdirSync(SHOTS, { recursive: true });
  const pixels: Record<string, string> = {};
  const paint = () => canvas.evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());
  for (const scheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme: scheme });
    // Wait for the redraw (state), not 150 ms: the dark pass waits until the canvas differs from the light one.
    if (scheme === 'dark') await expect.poll(paint).not.toBe(pixels.light);
    pixels[scheme] = await paint();
    await shootWholePage(app, resolve(SHOTS, `dashboard-${scheme}.png`));
  }
  // Redrawn with the dark theme's colours (uPlot paints on a canvas; CSS alone would not change it).
  expect(pixels.dark).not.toBe(pixels.light);
  await app.emulateMedia({ colorScheme: 'light' });
});

test('a failed load says what failed, keeps the rest of the dashboard, and Retry recovers', async ({ app, baton }) => {
  const t = today();
  await checkTiles(app, baton.api, addDays(t, -29), t);
  let fail = true;
  await app.route('**/api/v1/kpi.dashboard', (route) =>
    fail ? route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'Simulated failure for the test.' } }) }) : route.continue(),
  );
  await app.getByRole('button', { name: '90 days' }).click();
  const panel = app.getByRole('alert').filter({ hasText: 'Could not load the funnel numbers' });
  await expect(panel).toContainText('Simulated failure for the test.');
  // The last numbers stay, dimmed and marked busy, not presented as the new range's.
  await expect(app.getByTestId('kpi-leads')).toHaveAttribute('aria-busy', 'true');
  await expect(app.getByTestId('kpi-automation-value')).toBeVisible(); // the other tiles still work
  await expect(app.getByText('Healthy')).toBeVisible();
  fail = false;
  await panel.getByRole('button', { name: 'Retry' }).click();
  await expect(panel).toHaveCount(0);
  await checkTiles(app, baton.api, addDays(t, -89), t);
});

test('a new contact made elsewhere moves the New leads tile live, without a reload', async ({ page, baton }) => {
  await page.goto(`${baton.url}#token=${baton.token}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  const app = page;
  const t = today();
  await app.getByRole('button', { name: '7 days' }).click();
  const before = await checkTiles(app, baton.api, addDays(t, -6), t);
  await app.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
  await baton.api('contacts.create', { email: `dash-live-${Date.now().toString(36)}@example.com`, firstName: 'Live' });
  await expect(app.getByTestId('kpi-leads-value')).toHaveAttribute('data-value', String(before.current.newLeads + 1));
  await checkTiles(app, baton.api, addDays(t, -6), t);
  // Same document: the page was not reloaded.
  expect(await app.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
});

test('the system card shows the last verified backup, and a new backup taken elsewhere appears live', async ({ app, baton }) => {
  const cell = app.getByTestId('dash-last-backup');
  const before = (await baton.api('system.info', {})).lastVerifiedBackup;
  await expect(cell).toHaveAttribute('data-file', before?.file ?? '');
  if (!before) await expect(cell).toHaveText('None yet');
  const b = await baton.api('backups.create', {});
  expect(b.verifiedAt).not.toBeNull();
  await expect(cell).toHaveAttribute('data-file', b.file, { timeout: 10_000 });
  await expect(cell.locator('time')).toHaveAttribute('datetime', b.createdAt);
});

test('an escalation appears live as a toast and a Web Notification, and is acknowledged from the feed', async ({ page, baton }) => {
  // A stand-in for the browser's Notification API that records what would be shown.
  await page.addInitScript(() => {
    const w = globalThis as unknown as { __notes: { title: string; body?: string }[]; Notification: unknown };
    w.__notes = [];
    class FakeNotification {
      static permission: 'default' | 'granted' | 'denied' = 'default';
      static requestPermission() {
        FakeNotification.permission = 'granted';
        return Promise.resolve('granted' as const);
      }
      onclick: (() => void) | null = null;
      constructor(title: string, opts?: { body?: string }) {
        w.__notes.push({ title, ...(opts?.body ? { body: opts.body } : {}) });
      }
      close() {}
    }
    w.Notification = FakeNotification;
  });
  await page.goto(`${baton.url}#token=${baton.token}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'connected');
  await page.getByRole('button', { name: 'Allow desktop notifications' }).click();
  await expect(page.getByText('Desktop notifications on')).toBeVisible();

  const before = (await baton.api('escalations.list', { acknowledged: false, limit: 1 })).unacknowledged;
  await expect(page.getByTestId('kpi-escalations-value')).toHaveAttribute('data-value', String(before));

  const stamp = Date.now().toString(36);
  const id = `e2e-dash-esc-${stamp}`;
  const title = `Dashboard e2e escalation ${stamp}`;
  await baton.api('workflows.import', {
    definition: {
      id,
      name: `Dashboard e2e ${stamp}`,
      nodes: [
        { id: 'loud', type: 'escalate', params: { severity: 'critical', title, detail: 'Raised by e2e/dashboard.spec.ts' } },
        { id: 'quiet', type: 'escalate', params: { severity: 'info', title: `${title} (info)`, detail: 'An info one' } },
      ],
      edges: [{ from: 'loud', to: 'quiet' }],
    },
    enable: true,
  });
  const wasPaused = (await baton.api('engine.status', {})).paused;
  if (wasPaused) await baton.api('engine.resumeAll', {});
  try {
    const { runId } = await baton.api('runs.start', { workflow: id });

    // The toast arrives over the event stream, without a reload: critical ones are alerts.
    const toast = page.getByRole('alert').getByTestId('toast').filter({ hasText: title });
    await expect(toast).toBeVisible();
    await expect(toast).toContainText('Critical:');
    await expect(toast.getByRole('link', { name: 'Open the run' })).toHaveAttribute('href', `#/runs?run=${runId}`);
    const info = page.getByRole('status').getByTestId('toast').filter({ hasText: `${title} (info)` });
    await expect(info).toBeVisible();
    await expect(info).toContainText('Info:');

    // A Web Notification for the critical one; the info one stays in the app (default minimum: warning).
    const settings = (await baton.api('settings.get', {})).settings;
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { __notes: { title: string }[] }).__notes.map((n) => n.title))).toContain(`Critical: ${title}`);
    if (settings['notifications.minSeverity'] === undefined) {
      expect(await page.evaluate(() => (globalThis as unknown as { __notes: { title: string }[] }).__notes.map((n) => n.title))).not.toContain(`${title} (info)`);
    }

    // The feed and the tile follow live.
    const item = page.getByTestId('escalation').filter({ hasText: title }).filter({ hasNotText: '(info)' });
    await expect(item).toBeVisible();
    await expect(item).toContainText('Critical');
    await expect(item.getByRole('link', { name: 'Open the run' })).toHaveAttribute('href', `#/runs?run=${runId}`);
    // (Other escalations may arrive meanwhile, e.g. hot-lead rules on the demo data: compare with the API as it is.)
    expect((await baton.api('escalations.list', { acknowledged: false, limit: 1 })).unacknowledged).toBeGreaterThanOrEqual(before + 2);
    await expect(async () => {
      const open = (await baton.api('escalations.list', { acknowledged: false, limit: 1 })).unacknowledged;
      expect(await page.getByTestId('kpi-escalations-value').getAttribute('data-value')).toBe(String(open));
    }).toPass({ timeout: 60_000 });
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: resolve(SHOTS, 'dashboard-toast-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: resolve(SHOTS, 'dashboard-toast-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });

    // Acknowledge from the list: gone from the feed and the toasts, and acknowledged in the API.
    const escId = await item.getAttribute('data-id');
    await item.getByRole('button', { name: `Acknowledge: ${title}` }).click();
    await expect(item).toHaveCount(0);
    await expect(toast).toHaveCount(0);
    const acked = (await baton.api('escalations.list', { acknowledged: true, limit: 50 })).escalations.find((e) => e.id === escId);
    expect(acked?.acknowledgedAt).toBeTruthy();
    expect(acked?.acknowledgedBy).toBe('operator');
    await expect(async () => {
      const open = (await baton.api('escalations.list', { acknowledged: false, limit: 1 })).unacknowledged;
      expect(await page.getByTestId('kpi-escalations-value').getAttribute('data-value')).toBe(String(open));
    }).toPass({ timeout: 60_000 });

    // Toasts can be dismissed by hand.
    await info.getByRole('button', { name: `Dismiss: ${title} (info)` }).click();
    await expect(info).toHaveCount(0);
  } finally {
    if (wasPaused) await baton.api('engine.pauseAll', {});
  }
});

