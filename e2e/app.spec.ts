import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_NAME_RULE } from '../shared/api';
import { expect, openPage, test } from './fixtures';
import { SHOTS, shootWholePage } from './shots';

const PAGES = ['Dashboard', 'Approvals', 'Workflows', 'Runs', 'Contacts', 'Pipeline', 'Tasks', 'Sequences', 'Growth', 'Billing', 'Products', 'Finance', 'Playbooks', 'Documents', 'Settings'];

test('the app loads from the login link, keeps the token out of the address bar, and goes live', async ({ app, baton }) => {
  expect(app.url()).not.toContain(baton.token);
  const stored = await app.context().storageState();
  expect(stored.origins.flatMap((o) => o.localStorage).find((e) => e.name === 'baton.token')?.value).toBe(baton.token);
  await expect(app.getByTestId('connection')).toHaveAttribute('data-state', 'connected');
  // A reload signs in from storage.
  await app.reload();
  await expect(app.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(app.getByText('Healthy')).toBeVisible();
});

test('every page opens from the navigation and lives in the address', async ({ app }) => {
  await openPage(app, 'Workflows');
  expect(app.url()).toMatch(/#\/workflows$/);
  for (const label of PAGES) await openPage(app, label);
  await app.goBack();
  await expect(app.getByRole('heading', { level: 1, name: 'Documents' })).toBeVisible();
});

test('the navigation works from the keyboard with a visible focus', async ({ app }) => {
  const settings = app.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' });
  await app.keyboard.press('Tab'); // skip link
  await expect(app.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  for (let i = 0; i < PAGES.length; i++) await app.keyboard.press('Tab');
  await expect(settings).toBeFocused();
  await expect(settings).not.toHaveCSS('outline-style', 'none');
  await app.keyboard.press('Enter');
  await expect(app.getByRole('heading', { level: 1, name: 'Settings' })).toBeFocused();
  await expect(settings).toHaveAttribute('aria-current', 'page');
});

test('Settings shows the real data folder, schema version and secret backend', async ({ app, baton }) => {
  const info = await baton.api('system.info', {});
  await openPage(app, 'Settings');
  await expect(app.getByTestId('schema-version')).toHaveText(String(info.schemaVersion));
  await expect(app.getByText(`(latest ${info.latestSchemaVersion})`)).toBeVisible();
  await expect(app.getByTestId('data-dir')).toHaveText(baton.dataDir);
  await expect(app.getByTestId('secret-backend')).toHaveText('Environment variables');
  await expect(app.getByTestId('secret-backend-detail')).toHaveText(info.secretBackend.detail);
  await expect(app.getByRole('list', { name: 'Stored secrets' })).toContainText('DEMO_KEY');
  await expect(app.getByTestId('connection-detail')).toContainText('Connected');
});

test('Back up now adds a row, and a backup made elsewhere appears live', async ({ app, baton }) => {
  await openPage(app, 'Settings');
  const rows = app.getByTestId('backup-row');
  await expect(app.getByRole('button', { name: 'Back up now' })).toBeEnabled();
  const before = (await baton.api('backups.list', {})).backups.length;
  await expect(rows).toHaveCount(before);
  await app.getByRole('button', { name: 'Back up now' }).click();
  await expect(rows).toHaveCount(before + 1);
  const after = await baton.api('backups.list', {});
  expect(after.backups).toHaveLength(before + 1);
  await expect(rows.first()).toContainText(after.backups[0]!.file.split('/').pop()!);
  // Made by another client: arrives over the WebSocket, no reload.
  await baton.api('backups.create', {});
  await expect(rows).toHaveCount(before + 2);
});

test('a bad secret name shows the rule as you type; the read-only backend explains itself', async ({ app }) => {
  await openPage(app, 'Settings');
  const name = app.getByLabel('Name', { exact: true });
  const help = app.getByTestId('secret-name-help');
  await name.fill('bad name');
  await expect(help).toContainText(SECRET_NAME_RULE);
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await name.fill('smtp_pass');
  await expect(help).toContainText('Try SMTP_PASS');
  await name.fill('SMTP_PASS');
  await expect(name).not.toHaveAttribute('aria-invalid', 'true');
  const value = app.getByLabel('Value', { exact: true });
  await expect(value).toHaveAttribute('type', 'password');
  await app.getByRole('button', { name: 'Save secret' }).click();
  await expect(app.getByText('Enter the value to store.')).toBeVisible();
  await value.fill('x' + 'y');
  await app.getByRole('button', { name: 'Save secret' }).click();
  const error = app.getByRole('alert').filter({ hasText: 'Could not save the secret' });
  await expect(error).toContainText('BATON_SECRET_SMTP_PASS');
  mkdirSync(SHOTS, { recursive: true });
  await shootWholePage(app, join(SHOTS, 'settings-secret-errors.png'));
  // Delete asks first, and the environment backend says where the value really comes from.
  await app.getByRole('button', { name: 'Delete DEMO_KEY' }).click();
  await app.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(app.getByRole('alert').filter({ hasText: 'Could not delete the secret' })).toContainText('BATON_SECRET_DEMO_KEY');
  await expect(app.getByRole('list', { name: 'Stored secrets' })).toContainText('DEMO_KEY');
});

test('an API failure shows what failed and a Retry that recovers', async ({ app }) => {
  let fail = true;
  await app.route('**/api/v1/backups.list', (route) =>
    fail ? route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'Simulated failure for the test.' } }) }) : route.continue(),
  );
  await openPage(app, 'Settings');
  const panel = app.getByRole('alert').filter({ hasText: 'Could not list the backups' });
  await expect(panel).toContainText('Simulated failure for the test.');
  await expect(app.getByTestId('schema-version')).toBeVisible(); // the rest of the page still works
  fail = false;
  await panel.getByRole('button', { name: 'Retry' }).click();
  await expect(panel).toHaveCount(0);
  await expect(app.getByRole('button', { name: 'Back up now' })).toBeVisible();
});

test('an answer the page cannot render shows what failed and a Retry, not a blank page', async ({ app }) => {
  let broken = true;
  await app.route('**/api/v1/secrets.list', (route) =>
    broken ? route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ result: {} }) }) : route.continue(),
  );
  await app.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  const panel = app.getByRole('alert').filter({ hasText: 'The Settings page could not be shown' });
  await expect(panel).toBeVisible();
  await expect(app.getByRole('navigation', { name: 'Main' })).toBeVisible();
  broken = false;
  await panel.getByRole('button', { name: 'Retry' }).click();
  await expect(app.getByTestId('secret-backend')).toHaveText('Environment variables');
});

test('without a token the sign-in screen explains where to find it and checks it', async ({ page, baton }) => {
  await page.goto(baton.url);
  await expect(page.getByRole('heading', { name: 'Sign in to this Baton' })).toBeVisible();
  await expect(page.getByText('npx baton token', { exact: true })).toBeVisible();
  await expect(page.getByText('<data>/server-token')).toBeVisible();
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'sign-in.png') });
  const field = page.getByLabel('Access token');
  await field.fill('not' + 'it');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('not accepted');
  await field.fill(baton.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
});

test('a stale saved token leads back to sign-in with an explanation', async ({ page, baton }) => {
  await page.goto(`${baton.url}#token=stale${'x'.repeat(10)}`);
  await expect(page.getByRole('heading', { name: 'Sign in to this Baton' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('did not accept the saved token');
});

test('screenshots of every page, light and dark', async ({ app }) => {
  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme: scheme });
    for (const label of PAGES) {
      await openPage(app, label);
      if (label === 'Settings') await expect(app.getByTestId('backup-row').first().or(app.getByTestId('no-backups'))).toBeVisible();
      if (label === 'Dashboard') await expect(app.getByText('Healthy')).toBeVisible();
      await shootWholePage(app, join(SHOTS, `${label.toLowerCase()}-${scheme}.png`));
    }
  }
  // A phone reviewing from a browser: the navigation becomes a tab bar at the bottom, Settings under More.
  await app.emulateMedia({ colorScheme: 'light' });
  await app.setViewportSize({ width: 420, height: 860 });
  const tabs = app.getByRole('navigation', { name: 'Tabs' });
  await tabs.getByRole('button', { name: 'More' }).click();
  await tabs.getByRole('link', { name: 'Settings' }).click();
  await expect(app.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await shootWholePage(app, join(SHOTS, 'settings-narrow.png'));
});
