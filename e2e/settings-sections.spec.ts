/**
 * Settings in sections, against a real `baton serve` keeping secrets in the encrypted file
 * store: the sticky section navigation and its deep links (#/settings/<section> scrolls to the
 * section, also on a fresh load), the WordPress card (site address and user as settings, the
 * application password write-only into the secret store, Test connection against a real local
 * WordPress REST server), and no sideways scroll at 390 px.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { startFakeWordPress, type FakeWordPress } from '../tests/support/fake-wordpress';
import { expect, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';
import { SHOTS } from './shots';

const WP_USER = 'editor';
const WP_PASSWORD = ['abcd', 'EFGH', 'ijkl', String(process.pid)].join(' ');
const WRONG_PASSWORD = ['wxyz', 'WRONG', String(Date.now())].join(' ');

/** The browser globals these checks read (the e2e code is typed without the DOM library). */
type Win = { scrollY: number; innerWidth: number; document: { scrollingElement: { scrollWidth: number } } };
/** No sideways scroll: the page is no wider than the window. */
const fitsWidth = (page: Page) =>
  page.evaluate(() => {
    const w = globalThis as unknown as Win;
    return w.document.scrollingElement.scrollWidth <= w.innerWidth;
  });

let server: RunningServer;
let dataDir: string;
let wp: FakeWordPress;

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-settings-sections-'));
  const env = serverEnv();
  env.BATON_SECRETS = 'file';
  env.BATON_SECRETS_PASSPHRASE = ['e2e', 'settings', 'sections', String(process.pid)].join(' ');
  server = await startServer(dataDir, 0, env);
  wp = await startFakeWordPress({ user: WP_USER, appPassword: WP_PASSWORD });
  mkdirSync(SHOTS, { recursive: true });
});
test.afterAll(async () => {
  await wp?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function api<T>(op: string, input: unknown = {}): Promise<T> {
  const res = await fetch(new URL(`api/v1/${op}`, server.url), { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await res.json()) as { result: T; error?: { message: string } };
  if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
  return body.result;
}

async function signIn(page: Page) {
  await page.goto(`${server.url}#token=${server.token}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
}

/** The section's top is at the top of the window (below the sticky strip on narrow windows). */
async function expectScrolledTo(page: Page, id: string) {
  const card = page.locator(`#settings-${id}`);
  await expect(card).toBeInViewport();
  await expect.poll(async () => Math.round((await card.boundingBox())!.y)).toBeLessThan(90);
  await expect.poll(async () => Math.round((await card.boundingBox())!.y)).toBeGreaterThanOrEqual(0);
}

test('#/settings/<section> scrolls to the section, on a fresh load too; the sticky navigation links each section', async ({ page }) => {
  await signIn(page);
  await page.goto(`${server.url}#/settings/wordpress`);
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Settings sections' });
  await expect(nav.getByRole('link', { name: 'WordPress' })).toHaveAttribute('aria-current', 'location');
  await expectScrolledTo(page, 'wordpress');
  expect(await page.evaluate(() => (globalThis as unknown as Win).scrollY)).toBeGreaterThan(300);
  expect(page.url()).toMatch(/#\/settings\/wordpress$/);

  // A fresh load of the deep link lands there too (the cards above it load after the first scroll).
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.locator('.loading')).toHaveCount(0);
  await expectScrolledTo(page, 'wordpress');

  // The navigation stays in view while the page scrolls and takes you to each section.
  await nav.getByRole('link', { name: 'Backups' }).click();
  await expect(page).toHaveURL(/#\/settings\/backups$/);
  await expect(nav).toBeInViewport();
  await expect(page.locator('#settings-backups')).toBeInViewport();
  await expect(page.locator('#settings-backups-title')).toBeFocused();
  await nav.getByRole('link', { name: 'E-mail' }).click();
  await expectScrolledTo(page, 'email');
  await expect(nav.getByRole('link', { name: 'E-mail' })).toHaveAttribute('aria-current', 'location');
  // Back returns to the previous section.
  await page.goBack();
  await expect(page).toHaveURL(/#\/settings\/backups$/);
  await expect(page.locator('#settings-backups')).toBeInViewport();
  // Every section of the navigation exists on the page.
  for (const href of await nav.getByRole('link').evaluateAll((as) => as.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('href')))) {
    await expect(page.locator(`#settings-${href.split('/').pop()}`)).toHaveCount(1);
  }
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${server.url}#/settings/wordpress`);
  await expectScrolledTo(page, 'wordpress');
  await page.screenshot({ path: join(SHOTS, 'settings-sections-light.png') });
});

test('WordPress card: the application password goes write-only into the secret store; Test connection reports success, and a wrong password names the secret', async ({ page }) => {
  await signIn(page);
  await page.goto(`${server.url}#/settings/wordpress`);
  const card = page.locator('#settings-wordpress');
  await expect(card.getByText('Write-only: kept as the secret WORDPRESS_APP_PASSWORD')).toBeVisible();

  // Not set up yet: the check says what is missing.
  await card.getByRole('button', { name: 'Test connection' }).click();
  await expect(card.getByTestId('wordpress-verify')).toContainText('WordPress is not set up: set wordpress.siteUrl');

  const form = card.getByTestId('wordpress-form');
  await form.getByLabel('WordPress site address').fill('blog.example.test');
  await expect(form.getByText(/^wordpress\.siteUrl: /)).toBeVisible();
  await expect(form.getByRole('button', { name: 'Save WordPress settings' })).toBeDisabled();
  await form.getByLabel('WordPress site address').fill(wp.url);
  await form.getByLabel('WordPress user name').fill(WP_USER);
  await form.getByRole('button', { name: 'Save WordPress settings' }).click();
  await expect(form.getByRole('status')).toHaveText('Saved.');
  const { settings } = await api<{ settings: Record<string, unknown> }>('settings.get');
  expect(settings).toMatchObject({ 'wordpress.siteUrl': wp.url, 'wordpress.user': WP_USER });

  const password = card.getByLabel(/Application password/);
  await expect(card.getByText('not set')).toBeVisible();
  await password.fill(WP_PASSWORD);
  await card.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(card.getByRole('status').filter({ hasText: 'Saved WORDPRESS_APP_PASSWORD.' })).toBeVisible();
  await expect(password).toHaveValue('');
  await expect(card.getByText('stored', { exact: true })).toBeVisible();
  // In the secret store, by name only: settings never carry it, the page never shows it again.
  expect((await api<{ names: string[]; backend: { kind: string } }>('secrets.list')).names).toContain('WORDPRESS_APP_PASSWORD');
  expect((await api<{ backend: { kind: string } }>('secrets.list')).backend.kind).toBe('file');
  expect(JSON.stringify(await api('settings.get'))).not.toContain(WP_PASSWORD);
  expect(JSON.stringify(await api('secrets.list'))).not.toContain(WP_PASSWORD);
  await page.reload();
  await expect(card.getByText('stored', { exact: true })).toBeVisible();
  expect(await page.content()).not.toContain(WP_PASSWORD);
  expect(await page.locator('input').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value))).not.toContain(WP_PASSWORD);

  const before = wp.requests.length;
  await card.getByRole('button', { name: 'Test connection' }).click();
  await expect(card.getByTestId('wordpress-verify')).toHaveText(`Connected to ${wp.url} as ${WP_USER}: Baton may write posts.`);
  // The check really logged in to the site, and wrote nothing.
  expect(wp.requests.slice(before).some((r) => r.authed && r.method === 'GET')).toBe(true);
  expect(wp.creates).toBe(0);
  await card.screenshot({ path: join(SHOTS, 'settings-wordpress-light.png') });

  // A wrong password: refused, and the message names the secret to replace.
  await password.fill(WRONG_PASSWORD);
  await card.getByRole('button', { name: 'Replace' }).click();
  await expect(card.getByRole('status').filter({ hasText: 'Saved WORDPRESS_APP_PASSWORD.' })).toBeVisible();
  await card.getByRole('button', { name: 'Test connection' }).click();
  const verdict = card.getByTestId('wordpress-verify');
  await expect(verdict).toContainText(`WordPress refused the application password of user "${WP_USER}"`);
  await expect(verdict).toContainText('store it as WORDPRESS_APP_PASSWORD');
  await expect(verdict).toHaveClass(/field-error/);
  expect(await page.content()).not.toContain(WRONG_PASSWORD);
});

test('no sideways scroll on Settings at 390 px; the section strip scrolls on its own', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  await page.goto(`${server.url}#/settings/ai`);
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.locator('.loading')).toHaveCount(0);
  await expectScrolledTo(page, 'ai');
  const nav = page.getByRole('navigation', { name: 'Settings sections' });
  await expect(nav).toBeInViewport();
  expect(await fitsWidth(page)).toBe(true);
  // The strip is wider than the phone: it scrolls by itself, the page does not.
  expect(await nav.evaluate((n) => (n as unknown as { scrollWidth: number }).scrollWidth > (n as unknown as { clientWidth: number }).clientWidth)).toBe(true);
  await nav.getByRole('link', { name: 'WordPress' }).click();
  await expectScrolledTo(page, 'wordpress');
  await expect(nav).toBeInViewport();
  await nav.getByRole('link', { name: 'Backups' }).click();
  await expect(page.locator('#settings-backups')).toBeInViewport();
  await expect(nav).toBeInViewport();
  expect(await fitsWidth(page)).toBe(true);
  await page.screenshot({ path: join(SHOTS, 'settings-wordpress-390.png') });
});
