import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';

/**
 * The secret form's happy path needs a writable backend: a real OS keychain.
 * Runs when one answers (`bash scripts/with-keyring.sh npx playwright test e2e/keychain.spec.ts`
 * starts a private, unlocked gnome-keyring); skipped with the reason otherwise.
 */
test('with the OS keychain, a secret is saved from Settings, listed by name only, and deleted', async ({ page }) => {
  test.setTimeout(60_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-keychain-'));
  const env = serverEnv();
  env.BATON_SECRETS = 'keychain';
  env.BATON_KEYCHAIN_SERVICE ??= `baton-e2e-${process.pid}`;
  delete env.BATON_SECRET_DEMO_KEY;
  let server: RunningServer | null = null;
  try {
    try {
      server = await startServer(dataDir, 0, env);
    } catch (e) {
      const why = (e as Error).message;
      test.skip(/keychain unavailable/i.test(why), `no usable OS keychain here: ${why.split('\n').find((l) => /keychain/i.test(l)) ?? why}`);
      throw e;
    }
    await page.goto(`${server.url}#token=${server.token}`);
    await openPage(page, 'Settings');
    await expect(page.getByTestId('secret-backend')).toHaveText('OS keychain');
    await expect(page.getByText('No secrets stored yet.')).toBeVisible();

    const value = ['e2e', 'secret', String(Date.now())].join('-');
    await page.getByLabel('Name', { exact: true }).fill('E2E_TOKEN');
    await page.getByLabel('Value', { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Save secret' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved E2E_TOKEN.' })).toBeVisible();
    const list = page.getByRole('list', { name: 'Stored secrets' });
    await expect(list).toContainText('E2E_TOKEN');
    // Write-only: the field is cleared and the value appears nowhere on the page.
    await expect(page.getByLabel('Value', { exact: true })).toHaveValue('');
    expect(await page.content()).not.toContain(value);

    await page.getByRole('button', { name: 'Delete E2E_TOKEN' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(page.getByText('No secrets stored yet.')).toBeVisible();
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
