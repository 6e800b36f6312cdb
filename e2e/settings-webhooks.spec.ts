/**
 * Settings > Monitoring alerts: a webhook's address is write-only. Added from the page, it goes to
 * the secret store (the encrypted file here); the page shows its host only, never the address (a
 * Slack address is its token), nor does settings.get; Remove deletes it and its address.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer } from './server';

test('an alert webhook is added write-only: the page and settings.get show its host, never its address', async ({ page }) => {
  test.setTimeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-webhooks-'));
  const env = { ...serverEnv(), BATON_SECRETS: 'file', BATON_SECRETS_PASSPHRASE: 'a long enough e2e passphrase' };
  const server = await startServer(dataDir, 0, env);
  const api = async (op: string, input: unknown) => {
    const res = await fetch(new URL(`api/v1/${op}`, server.url), { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
    return ((await res.json()) as { result: Record<string, unknown> }).result;
  };
  try {
    const token = ['e2e', 'hook', String(Date.now())].join('');
    await page.goto(`${server.url}#token=${server.token}`);
    await openPage(page, 'Settings');
    const form = page.locator('form[data-setting="monitoring.webhooks"]');
    await expect(form.getByText('No webhook yet.')).toBeVisible();
    await form.getByLabel('Webhook address').fill('hooks.slack.com/services/x');
    await expect(form.getByText(/^monitoring\.webhooks: .*use the http\(s\) address of the webhook/)).toBeVisible();
    await expect(form.getByRole('button', { name: 'Add webhook' })).toBeDisabled();
    await form.getByLabel('Webhook address').fill(`https://hooks.slack.com/services/T000/B000/${token}`);
    await form.getByLabel('Format').selectOption('slack');
    await form.getByLabel('Webhook name').fill('Team');
    await form.getByRole('button', { name: 'Add webhook' }).click();
    await expect(form.getByRole('status')).toHaveText('Webhook added; its address is in the secret store.');
    const row = form.getByRole('row', { name: /Team/ });
    await expect(row).toContainText('set · hooks.slack.com');
    await expect(form.getByLabel('Webhook address')).toHaveValue('');
    // Nowhere on the page, nor in what the API returns.
    expect(await page.content()).not.toContain(token);
    const settings = await api('settings.get', {});
    expect(JSON.stringify(settings)).not.toContain(token);
    expect((settings.settings as Record<string, unknown>)['monitoring.webhooks']).toEqual([{ id: 'slack', format: 'slack', name: 'Team' }]);
    expect((await api('secrets.list', {})).names).toContain('MONITORING_WEBHOOK_SLACK');

    await row.getByRole('button', { name: 'Remove Team' }).click();
    await expect(form.getByText('No webhook yet.')).toBeVisible();
    expect((await api('secrets.list', {})).names).not.toContain('MONITORING_WEBHOOK_SLACK');
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
