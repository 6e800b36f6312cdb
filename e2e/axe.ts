/** axe-core inside the e2e: part of a page checked in light and dark. */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

/** axe-core on part of the page, light and dark: the critical and serious violations found (none: []). */
export async function axe(page: Page, selector: string): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const r = await new AxeBuilder({ page }).include(selector).analyze();
    found.push(...r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${selector} ${scheme}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}
