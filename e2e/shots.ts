/** Screenshots for looking at what the tests saw (e2e/screenshots/, not committed). */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';

export const SHOTS = resolve(import.meta.dirname, 'screenshots');

/** Grow the viewport to the page's height (at most 4,000 px) for `fn`: fullPage screenshots distort the sticky sidebar. */
async function tall(page: Page, fn: () => Promise<void>): Promise<void> {
  const size = page.viewportSize() ?? { width: 1280, height: 860 };
  const height = await page.locator('body').evaluate((b) => (b as unknown as { scrollHeight: number }).scrollHeight);
  await page.setViewportSize({ width: size.width, height: Math.min(Math.max(size.height, height), 4000) });
  try {
    await fn();
  } finally {
    await page.setViewportSize(size);
  }
}

/** `<name>-light.png` and `<name>-dark.png`; `whole` shows the whole page. */
export async function shootSchemes(page: Page, name: string, whole = false): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const both = async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: resolve(SHOTS, `${name}-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  };
  await (whole ? tall(page, both) : both());
}

/** One screenshot of the whole page at `path`. */
export async function shootWholePage(page: Page, path: string): Promise<void> {
  await tall(page, () => page.screenshot({ path }).then(() => undefined));
}
