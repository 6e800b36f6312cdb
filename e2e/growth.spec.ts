/**
 * The Growth page as a person meets it, on real components: `baton serve` (the real Anthropic
 * SDK talking to a local Messages API server, the real WordPress client talking to a local
 * WordPress REST server). A keyword export is imported through the page, the SEO engine is
 * started from its card, and its cycle goes through ANALYZING -> PLANNING -> EXECUTING ->
 * LEARNING -> IDLE on the page to a plan whose item was drafted, reviewed and published.
 * 30 days later (the first server ran under libfaketime 30 days back, the second on the real
 * clock, on the same data folder) a rank export is imported and the next cycle learns: the
 * learning with its evidence appears on the page, and the cycle after it plans with it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest, type Reply } from '../tests/support/fake-anthropic';
import { startFakeWordPress, type FakeWordPress } from '../tests/support/fake-wordpress';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';
import { shootSchemes } from './shots';

const KEY = ['sk', 'test', String(process.pid)].join('-');
const WP_PASSWORD = ['wp', 'app', String(process.pid)].join('-');
const FAKETIME_LIB = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find((p) => existsSync(p));

function script(claude: FakeAnthropic) {
  claude.respond((req: RecordedRequest): Reply => {
    if (req.body.tool_choice?.name === 'submit_review') return { json: { pass: true, issues: [], confidence: 0.92 } };
    const text = JSON.stringify(req.body.messages);
    if (text.includes('Improve our page for the search keyword')) {
      return { json: { title: 'CRM for plumbers: the complete guide', meta: 'Jobs, quotes and invoices in one place for plumbing firms.', body: '## Why plumbers need a CRM\n\nJobs and quotes.\n\n## Pricing\n\nFrom $19.' } };
    }
    // The planning step: Claude keeps the order of the candidates.
    return { json: { decisions: [], notes: 'keep the order' } };
  });
}

async function api(s: RunningServer, op: string, input: unknown = {}) {
  const res = await fetch(new URL(`api/v1/${op}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await res.json()) as { result: Record<string, unknown>; error?: { message: string } };
  if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
  return body.result;
}

async function importThroughPage(page: Page, kind: string, name: string, csv: string) {
  const card = page.locator('#growth-import');
  await card.getByLabel('What it holds').selectOption(kind);
  await card.getByLabel('CSV file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(card.getByTestId('import-preview')).toBeVisible();
  await card.getByRole('button', { name: 'Import' }).click();
  return card.getByTestId('import-result');
}

const KEYWORDS = [
  'Keyword,Position,Search Volume,Keyword Difficulty,URL',
  // the one quick win: ranking 14 on our page, easy, wanted
  'crm for plumbers,14,2400,22,https://shop.example/crm-for-plumbers',
  // no quick wins: too hard, or too few searches, or already on top
  'crm,45,20000,99,',
  'plumbing software free download,9,40,12,https://shop.example/free',
  'invoice template,2,5000,30,https://shop.example/invoice-template',
].join('\n');

test('Growth page: import keywords, start the SEO engine, watch the cycle to a plan; 30 days later its next cycle learns from the new ranks', async ({ page }) => {
  test.setTimeout(240_000);
  test.skip(process.env.CI !== 'true' && !FAKETIME_LIB, 'libfaketime is not installed (apt-get install faketime); CI installs it and never skips');
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-growth-'));
  const claude = await startFakeAnthropic({ apiKey: KEY });
  const wp: FakeWordPress = await startFakeWordPress({ user: 'editor', appPassword: WP_PASSWORD });
  const env = { ...serverEnv(), BATON_SECRET_ANTHROPIC_API_KEY: KEY, BATON_SECRET_WORDPRESS_APP_PASSWORD: WP_PASSWORD };
  let server: RunningServer | null = null;
  try {
    // ---- cycle 1, 30 days ago
    server = await startServer(dataDir, 0, { ...env, LD_PRELOAD: FAKETIME_LIB!, FAKETIME: '-30d' });
    let s = server;
    for (const [key, value] of Object.entries({ 'ai.baseUrl': claude.url, 'ai.maxRetries': 0, 'wordpress.siteUrl': wp.url, 'wordpress.user': 'editor', 'setup.completed': true, 'growth.seo': { executePerCycle: 1, planSize: 10 } })) {
      await api(s, 'settings.set', { key, value });
    }
    script(claude);

    await page.goto(`${s.url}#token=${s.token}`);
    await openPage(page, 'Growth');
    const seo = page.locator('[data-testid="growth-engine"][data-engine="seo"]');
    await expect(seo).toHaveAttribute('data-phase', 'IDLE');
    await expect(page.locator('#growth-quick-wins')).toContainText('No quick wins');

    const result = await importThroughPage(page, 'seo.keywords', 'semrush-positions.csv', KEYWORDS);
    await expect(result).toContainText('4 rows: 4 imported, 0 updated, 0 skipped');
    // The quick wins follow the import (growth.changed invalidates them).
    await expect(page.getByTestId('quick-win')).toHaveCount(1);
    await expect(page.getByTestId('quick-win')).toContainText('crm for plumbers');

    await seo.getByRole('button', { name: 'Start SEO' }).click();
    await expect(seo.getByText('on', { exact: true })).toBeVisible();
    // The cycle runs through its phases to IDLE; the page follows it.
    await expect(seo.getByTestId('engine-last-cycle')).toContainText('Last cycle: succeeded', { timeout: 120_000 });
    await expect(seo).toHaveAttribute('data-phase', 'IDLE');
    await seo.getByText('Recent phase changes').click();
    await expect(seo.getByTestId('engine-transitions').locator('li')).toHaveCount(5);
    const steps = (await Promise.all((await seo.getByTestId('engine-transitions').locator('li').all()).map((li) => li.getAttribute('data-step')))).reverse();
    expect(steps).toEqual(['IDLE>ANALYZING', 'ANALYZING>PLANNING', 'PLANNING>EXECUTING', 'EXECUTING>LEARNING', 'LEARNING>IDLE']);
    await expect(seo.getByTestId('engine-last-cycle')).toContainText('quick wins 1');

    const plan = page.getByTestId('growth-plan');
    await expect(plan).toContainText('Move the best quick-win keywords into the top 3');
    await expect(plan).toContainText('nothing learned yet when planned');
    const done = plan.locator('[data-testid="plan-item"][data-status="done"]');
    await expect(done).toHaveCount(1);
    await expect(done).toContainText('crm for plumbers');
    await expect(done).toContainText('expand');
    // WordPress: the page of the keyword was rewritten in place (its slug), once.
    expect(wp.posts).toHaveLength(1);
    expect(wp.posts[0]).toMatchObject({ slug: 'crm-for-plumbers', title: 'CRM for plumbers: the complete guide' });
    await expect(page.getByTestId('learning-row')).toHaveCount(0);

    // Stop the engine (its schedule off) before the clock moves on.
    await seo.getByRole('button', { name: 'Stop SEO' }).click();
    await expect(seo.getByText('off', { exact: true })).toBeVisible();
    await server.stop();
    server = null;

    // ---- 30 days later: the keyword moved from 14 to 5
    server = await startServer(dataDir, 0, env);
    s = server;
    await page.goto(`${s.url}#token=${s.token}`);
    await openPage(page, 'Growth');
    const ranks = await importThroughPage(page, 'seo.ranks', 'ranks-today.csv', ['Keyword,Position,URL', 'crm for plumbers,5,https://shop.example/crm-for-plumbers'].join('\n'));
    await expect(ranks).toContainText('1 row: 1 imported');

    const seo2 = page.locator('[data-testid="growth-engine"][data-engine="seo"]');
    await seo2.getByRole('button', { name: 'Start SEO' }).click();
    const learning = page.locator('[data-testid="learning-row"][data-subject="action:expand"]');
    await expect(learning).toHaveCount(1, { timeout: 120_000 });
    await expect(learning).toContainText('moved up 9 places');
    // Its evidence: the run of cycle 1 that made the change, and the measured delta.
    await learning.getByText('1 measured change').click();
    await expect(learning).toContainText('position 14 → 5 (+9)');
    await expect(learning.getByRole('link', { name: /^run / })).toHaveCount(1);
    await expect(seo2).toHaveAttribute('data-phase', 'IDLE', { timeout: 120_000 });
    // The cycle after the learning plans with it.
    await seo2.getByRole('button', { name: 'Run now: one SEO cycle' }).click();
    await expect(page.getByTestId('growth-plan')).toContainText('planned with 1 learning', { timeout: 120_000 });
    await expect(seo2).toHaveAttribute('data-phase', 'IDLE', { timeout: 120_000 });
    await shootSchemes(page, 'growth', true);

    // The filled page: no critical or serious axe violation in light and dark, 1280 and 390 px,
    // and nothing scrolls sideways on a phone.
    const found: string[] = [];
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width < 600 ? 844 : 860 });
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        const r = await new AxeBuilder({ page }).analyze();
        found.push(...r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${scheme} ${width}: ${v.impact} ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`));
      }
      const sideways = await page.locator('html').evaluate((h) => (h as unknown as { scrollWidth: number }).scrollWidth - (h as unknown as { clientWidth: number }).clientWidth);
      expect(sideways, `sideways scroll at ${width} px`).toBeLessThanOrEqual(0);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await shootSchemes(page, 'growth-390', true);
    expect(found).toEqual([]);
  } finally {
    await server?.stop();
    await claude.close();
    await wp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
