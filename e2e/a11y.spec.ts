/**
 * Accessibility as a test: axe-core on every page of the window, in the light and the dark
 * colour scheme and 390 px wide, with demo data (lists, cards, charts are filled):
 * no critical and no serious violation (WCAG 2 A/AA rules and axe's best practices).
 * One test per width and scheme runs every page (and, on a phone, the tab bar's More menu open)
 * and reports all their violations at once.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { PAGES } from '../renderer/src/api/nav';
import { ensureDemo } from './demo';
import { expect, test } from './fixtures';

test.beforeAll(async () => {
  await ensureDemo(500);
});

/** Every page, hidden ones (Setup, Escalations) included, and views with their own address (the template gallery). */
const ALL = [...PAGES.map((p) => ({ id: p.id as string, label: p.id === 'setup' ? 'Set up Baton' : p.label })), { id: 'workflows/templates', label: 'Workflow templates' }];

async function violationsOf(page: Page, id: string, label: string): Promise<string[]> {
  await page.goto(`${page.url().split('#')[0]}#/${id}`);
  await expect(page.getByRole('heading', { level: 1, name: label })).toBeVisible();
  // Wait for the page's data: nothing says "Loading" any more.
  await expect(page.locator('[aria-busy="true"], .loading')).toHaveCount(0);
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => `${id}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')}${v.nodes.length > 4 ? ` and ${v.nodes.length - 4} more` : ''}`);
}

for (const { scheme, width } of [
  { scheme: 'light', width: 1280 },
  { scheme: 'dark', width: 1280 },
  { scheme: 'light', width: 390 },
  { scheme: 'dark', width: 390 },
] as const) {
  test(`no critical or serious axe violation on any page: ${scheme}, ${width} px`, async ({ app }) => {
    test.setTimeout(240_000);
    await app.emulateMedia({ colorScheme: scheme });
    await app.setViewportSize({ width, height: width < 600 ? 844 : 860 });
    const found: string[] = [];
    for (const p of ALL) found.push(...(await violationsOf(app, p.id, p.label)));
    if (width < 640) {
      // The tab bar's More menu, open.
      const tabs = app.getByRole('navigation', { name: 'Tabs' });
      await tabs.getByRole('button', { name: 'More' }).click();
      await expect(tabs.getByRole('list', { name: 'More pages' })).toBeVisible();
      const r = await new AxeBuilder({ page: app }).analyze();
      found.push(...r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `More menu: ${v.impact} ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`));
    }
    expect(found).toEqual([]);
  });
}
