/**
 * Every setting a person may set (shared/contract/settings.ts SETTINGS, what `baton settings set`
 * accepts besides the internal keys) is reachable in the window: the Settings page renders a field
 * for it (an input named after the key, or a card marked with it), or it is listed in
 * NOT_ON_SETTINGS_PAGE with the reason and the place it is set instead. A new setting without a
 * field fails here. Also: a field added by this audit checks and saves like the others.
 */
import { INTERNAL_SETTINGS, SETTINGS } from '../shared/api';
import { NOT_ON_SETTINGS_PAGE } from '../renderer/src/pages/settings/sections';
import { expect, openPage, test } from './fixtures';
import { freshServer } from './fresh';

test('every editable setting has a field on the Settings page, or a stated reason and place', async ({ page }) => {
  test.setTimeout(120_000);
  const f = await freshServer('settings-audit');
  try {
    // The exceptions are real settings, each with a reason; none is internal.
    for (const [key, reason] of Object.entries(NOT_ON_SETTINGS_PAGE)) {
      expect(Object.keys(SETTINGS), key).toContain(key);
      expect(reason.length, key).toBeGreaterThan(20);
    }
    for (const key of Object.keys(INTERNAL_SETTINGS)) expect(Object.keys(SETTINGS)).not.toContain(key);

    await f.open(page);
    await openPage(page, 'Settings');
    await expect(page.locator('.loading')).toHaveCount(0);
    const missing: string[] = [];
    const listed: string[] = [];
    for (const key of Object.keys(SETTINGS)) {
      const n = await page.locator(`[name="${key}"], [data-setting="${key}"]`).count();
      if (key in NOT_ON_SETTINGS_PAGE) {
        if (n > 0) listed.push(key);
      } else if (n === 0) missing.push(key);
    }
    expect(missing, 'settings without a field on the Settings page (add one, or list it in NOT_ON_SETTINGS_PAGE with the reason)').toEqual([]);
    expect(listed, 'listed as not on the page, yet shown').toEqual([]);

    // A field of the audit: the engine's step timeout, checked with the contract as typed, then saved.
    const form = page.getByTestId('engine-form');
    const timeout = form.getByLabel('Step timeout when a node sets none');
    await timeout.fill('soon');
    await expect(form.getByText(/^engine\.stepTimeout: /)).toBeVisible();
    await expect(form.getByRole('button', { name: 'Save engine limits' })).toBeDisabled();
    await timeout.fill('90s');
    await form.getByRole('button', { name: 'Save engine limits' }).click();
    await expect(form.getByRole('status')).toHaveText('Saved.');
    expect((await f.api('settings.get', {})).settings['engine.stepTimeout']).toBe('90s');
    // A list: the site snippet's origins, typed with commas, stored as a list.
    const tracking = page.getByTestId('tracking-form');
    await tracking.getByLabel('Websites the site snippet may record from').fill('https://www.example.com, https://shop.example.com');
    await tracking.getByLabel('Track clicks in e-mails').selectOption('off');
    await tracking.getByRole('button', { name: 'Save tracking settings' }).click();
    await expect(tracking.getByRole('status')).toHaveText('Saved.');
    const stored = (await f.api('settings.get', {})).settings;
    expect(stored['tracking.allowedOrigins']).toEqual(['https://www.example.com', 'https://shop.example.com']);
    expect(stored['tracking.clicks']).toBe('off');
  } finally {
    await f.stop();
  }
});
