import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtp } from '../tests/support/smtp';
import { expect, openPage, test } from './fixtures';
import { SHOTS } from './shots';
import { startServer, type RunningServer } from './server';


test('SMTP settings validate as you type, save, and Test connection logs in to a real SMTP server', async ({ app, baton }) => {
  const smtp = await startSmtp();
  try {
    await openPage(app, 'Settings');
    const form = app.getByTestId('smtp-form');
    const port = form.getByLabel('SMTP port');
    await port.fill('70000');
    await expect(form.getByText('email.smtp.port: use a port from 1 to 65535')).toBeVisible();
    await expect(form.getByRole('button', { name: 'Save SMTP settings' })).toBeDisabled();
    await form.getByLabel('SMTP server', { exact: true }).fill('http://127.0.0.1');
    await expect(form.getByText(/email\.smtp\.host: use a host name or IP address without scheme/)).toBeVisible();
    await form.getByLabel('SMTP server', { exact: true }).fill('127.0.0.1');
    await port.fill(String(smtp.port));
    await form.getByLabel('Sender address').fill('Owner@Solo.TEST');
    await form.getByRole('button', { name: 'Save SMTP settings' }).click();
    await expect(form.getByRole('status')).toHaveText('Saved.');
    const { settings } = await baton.api('settings.get', {});
    expect(settings).toMatchObject({ 'email.smtp.host': '127.0.0.1', 'email.smtp.port': smtp.port, 'email.from': 'owner@solo.test' });
    await app.getByRole('button', { name: 'Test SMTP connection' }).click();
    await expect(app.getByTestId('smtp-verify')).toHaveText(`Connected to 127.0.0.1:${smtp.port}.`);
    await smtp.close();
    await app.getByRole('button', { name: 'Test SMTP connection' }).click();
    await expect(app.getByTestId('smtp-verify')).toContainText(`Cannot reach 127.0.0.1:${smtp.port}: check email.smtp.host / email.smtp.port`);
  } finally {
    await smtp.close().catch(() => {});
    await baton.api('settings.set', { key: 'email.smtp.host', value: null });
  }
});

test('AI, notification and general settings: bad values are named and refused, good ones stored', async ({ app, baton }) => {
  await openPage(app, 'Settings');
  const ai = app.getByTestId('ai-form');
  await ai.getByLabel('Ask me below this confidence').fill('1.5');
  await expect(ai.getByText('ai.confidenceThreshold: use a number from 0 to 1')).toBeVisible();
  await ai.getByLabel('Ask me below this confidence').fill('0.8');
  await ai.getByLabel('Daily spend cap (USD)').fill('2.5');
  await ai.getByRole('button', { name: 'Save AI settings' }).click();
  await expect(ai.getByRole('status')).toHaveText('Saved.');
  const status = await baton.api('ai.status', {});
  expect(status.confidenceThreshold).toBe(0.8);
  expect(status.dailyCapUsd).toBe(2.5);
  await expect(app.getByTestId('ai-status')).toContainText('of $2.50');
  await expect(app.getByText('Anthropic API key')).toBeVisible();

  const general = app.getByTestId('general-form');
  await general.getByLabel('Default time zone').fill('Europe/Berlinn');
  await expect(general.getByText(/email\.timeZone: use an IANA time zone/)).toBeVisible();
  await general.getByLabel('Default time zone').fill('Europe/Berlin');
  await general.getByRole('button', { name: 'Save' }).click();
  await expect(general.getByRole('status')).toHaveText('Saved.');

  const notif = app.getByTestId('notifications-form');
  await notif.getByLabel('Lowest severity that notifies').selectOption('critical');
  await notif.getByLabel('Play a sound').uncheck();
  await notif.getByRole('button', { name: 'Save' }).click();
  await expect(notif.getByRole('status')).toHaveText('Saved.');
  const { settings } = await baton.api('settings.get', {});
  expect(settings).toMatchObject({ 'email.timeZone': 'Europe/Berlin', 'notifications.minSeverity': 'critical', 'notifications.sound': false });

  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme: scheme });
    await app.setViewportSize({ width: 1280, height: 3200 });
    await app.screenshot({ path: join(SHOTS, `settings-full-${scheme}.png`) });
  }
  for (const [k, v] of [['ai.confidenceThreshold', null], ['ai.dailyCapUsd', null], ['email.timeZone', null], ['notifications.minSeverity', 'warning'], ['notifications.sound', true]] as const) await baton.api('settings.set', { key: k, value: v });
});

// Its own server: the restore is applied when that server starts again.
test('a backup restored from Settings is checked, scheduled, can be cancelled, and is applied at the next start', async ({ page }) => {
  test.setTimeout(90_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-restore-'));
  let server: RunningServer | null = await startServer(dataDir);
  try {
    const api = async (s: RunningServer, op: string, input: unknown = {}) => {
      const res = await fetch(new URL(`api/v1/${op}`, s.url), { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      return ((await res.json()) as { result: Record<string, unknown> }).result;
    };
    await api(server, 'settings.set', { key: 'email.fromName', value: 'Before the backup' });
    await page.goto(`${server.url}#token=${server.token}`);
    await openPage(page, 'Settings');
    await expect(page.getByTestId('last-verified-backup')).toContainText('No verified backup yet');
    await page.getByRole('button', { name: 'Back up now' }).click();
    await expect(page.getByTestId('backup-row')).toHaveCount(1);
    // Each backup is opened and fully checked before it counts: the card names the last verified one.
    const taken = ((await api(server, 'backups.list')).backups as { file: string; verifiedAt: string | null }[])[0]!;
    expect(taken.verifiedAt).not.toBeNull();
    await expect(page.getByTestId('backup-check')).toHaveText('✓ Verified');
    await expect(page.getByTestId('last-verified-backup')).toContainText(`Last verified backup: ${taken.file.split('/').pop()}`);
    mkdirSync(SHOTS, { recursive: true });
    await page.locator('#settings-backups').screenshot({ path: join(SHOTS, 'settings-backups-light.png') });
    await api(server, 'settings.set', { key: 'email.fromName', value: 'After the backup' });

    const row = page.getByTestId('backup-row');
    await row.getByRole('button', { name: /^Restore baton-/ }).click();
    await row.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('pending-restore')).toHaveCount(0);
    await row.getByRole('button', { name: /^Restore baton-/ }).click();
    await row.getByRole('button', { name: 'Restore', exact: true }).click();
    await expect(page.getByTestId('pending-restore')).toContainText('replaces the current data when Baton next starts');
    expect(((await api(server, 'backups.pendingRestore')).pending as { file: string }).file).toMatch(/baton-.*\.sqlite$/);
    await page.getByRole('button', { name: 'Cancel the restore' }).click();
    await expect(page.getByTestId('pending-restore')).toHaveCount(0);
    expect((await api(server, 'backups.pendingRestore')).pending).toBeNull();
    await row.getByRole('button', { name: /^Restore baton-/ }).click();
    await row.getByRole('button', { name: 'Restore', exact: true }).click();
    await expect(page.getByTestId('pending-restore')).toBeVisible();
    // Still the current data until the restart.
    expect(((await api(server, 'settings.get')).settings as Record<string, unknown>)['email.fromName']).toBe('After the backup');

    const port = server.port;
    await server.stop();
    server = await startServer(dataDir, port);
    expect(((await api(server, 'settings.get')).settings as Record<string, unknown>)['email.fromName']).toBe('Before the backup');
    expect((await api(server, 'backups.pendingRestore')).pending).toBeNull();
    const backups = (await api(server, 'backups.list')).backups as { file: string }[];
    expect(backups.length).toBe(1);
    await page.reload();
    await expect(page.getByTestId('pending-restore')).toHaveCount(0);
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
