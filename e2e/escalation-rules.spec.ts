import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openPage, test } from './fixtures';
import { SHOTS } from './shots';
import { freshServer, type Fresh } from './fresh';


/** A contact scored 90 (a fit rule on the tag vip) that asks for a demo and buys; the sales reactor has read it all. */
async function vipActs(f: Fresh, email: string, firstName: string): Promise<number> {
  const c = await f.api('contacts.create', { email, firstName, tags: ['vip'] });
  await f.api('events.ingest', {
    events: [
      { contactId: c.id, type: 'form.submitted', data: { form: 'request-demo' } },
      { contactId: c.id, type: 'purchase', data: { value: 99 } },
    ],
  });
  for (let i = 0; i < 20 && (await f.api('sequences.tick', {})).events > 0; i++);
  expect((await f.api('contacts.get', { id: c.id })).contact.score).toBe(90);
  return c.id;
}

const titles = async (f: Fresh) => (await f.api('escalations.list', { limit: 200 })).escalations.map((e) => e.title);

test('escalation rules edited in Settings change what the core raises: a higher hot-lead threshold, a disabled rule, a new event rule; Restore defaults brings the playbook back', async ({ page }) => {
  test.setTimeout(90_000);
  const f = await freshServer('rules');
  try {
    const scoring = await f.api('scoring.rules.get', {});
    await f.api('scoring.rules.set', { config: { ...scoring, fit: [{ id: 'vip', when: { kind: 'tag', op: 'has', tag: 'vip' }, points: 90 }], behavior: [], decay: null } });
    const defaults = (await f.api('escalationRules.get', {})).rules;

    await f.open(page);
    await openPage(page, 'Settings');
    const card = page.getByTestId('escalation-rules');
    await expect(card.getByTestId('rule-row')).toHaveCount(6);
    const hot = card.locator('[data-rule=hot-lead]');
    await expect(hot.getByLabel('Score threshold of Hot lead')).toHaveValue('80');

    // A threshold that is not a number is named; nothing can be saved.
    await hot.getByLabel('Score threshold of Hot lead').fill('lots');
    await expect(card.getByTestId('rule-problems')).toHaveText('rules.0.threshold: use a number');
    await expect(hot.getByLabel('Score threshold of Hot lead')).toHaveAttribute('aria-invalid', 'true');
    await expect(card.getByRole('button', { name: 'Save rules' })).toBeDisabled();
    await hot.getByLabel('Score threshold of Hot lead').fill('95');
    // Disable the demo request rule from the keyboard.
    await card.getByLabel('Enabled: Demo requested').focus();
    await page.keyboard.press('Space');
    await expect(card.getByLabel('Enabled: Demo requested')).not.toBeChecked();
    // A new rule: an event without its type is named, then completed.
    await card.getByRole('button', { name: 'Add a rule' }).click();
    await expect(card.getByLabel('Title of rule 7')).toBeFocused();
    await page.keyboard.type('New purchase');
    const added = card.getByTestId('rule-row').nth(6);
    await expect(card.getByTestId('rule-problems')).toHaveText('rules.6.event: give the event type');
    await added.getByLabel('Event type of New purchase').fill('purchase');
    await added.getByLabel('Severity of New purchase').selectOption('info');
    await added.getByLabel('Task for New purchase').check();
    await expect(card.getByTestId('rule-problems')).toHaveCount(0);
    await card.getByRole('button', { name: 'Save rules' }).click();
    await expect(card.getByRole('status')).toHaveText('Saved.');

    const saved = (await f.api('escalationRules.get', {})).rules;
    expect(saved.find((r) => r.id === 'hot-lead')).toMatchObject({ threshold: 95, enabled: true });
    expect(saved.find((r) => r.id === 'demo-request')).toMatchObject({ enabled: false });
    expect(saved[6]).toEqual({ id: 'new-purchase', enabled: true, when: 'event', event: 'purchase', severity: 'info', title: 'New purchase', task: true, exitSequences: false });

    // The core follows the edited rules: a score of 90 is no hot lead under 95, the demo request raises nothing, the purchase does.
    await vipActs(f, 'ann@vip.test', 'Ann');
    let raised = await titles(f);
    expect(raised).toContain('New purchase: Ann');
    expect(raised).not.toContain('Hot lead: Ann');
    expect(raised).not.toContain('Demo requested: Ann');
    expect((await f.api('tasks.list', {})).tasks.map((t) => t.title)).toContain('New purchase: Ann');

    mkdirSync(SHOTS, { recursive: true });
    await card.scrollIntoViewIfNeeded();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.locator('#settings-escalations').screenshot({ path: join(SHOTS, `escalation-rules-${scheme}.png`) });
    }

    // Delete a rule, then discard: nothing changes.
    await card.getByRole('button', { name: 'Delete New purchase' }).click();
    await expect(card.getByTestId('rule-row')).toHaveCount(6);
    await card.getByRole('button', { name: 'Discard changes' }).click();
    await expect(card.getByTestId('rule-row')).toHaveCount(7);

    // Restore defaults: loaded into the editor, applied on Save; the same contact story now escalates.
    await card.getByRole('button', { name: 'Restore defaults' }).click();
    await expect(card.getByRole('status')).toContainText('The default rules are loaded: Save rules to apply them');
    await expect(card.getByTestId('rule-row')).toHaveCount(6);
    expect((await f.api('escalationRules.get', {})).rules).toHaveLength(7);
    await card.getByRole('button', { name: 'Save rules' }).click();
    await expect(card.getByRole('status')).toHaveText('Saved.');
    expect((await f.api('escalationRules.get', {})).rules).toEqual(defaults);
    await vipActs(f, 'ben@vip.test', 'Ben');
    raised = await titles(f);
    expect(raised).toEqual(expect.arrayContaining(['Hot lead: Ben', 'Demo requested: Ben']));
    expect(raised).not.toContain('New purchase: Ben');

    // Delete for real: the complaint rule is gone from what the core reads.
    await card.getByRole('button', { name: 'Delete Spam complaint' }).click();
    await card.getByRole('button', { name: 'Save rules' }).click();
    await expect(card.getByRole('status')).toHaveText('Saved.');
    expect((await f.api('escalationRules.get', {})).rules.map((r) => r.id)).toEqual(['hot-lead', 'demo-request', 'pricing-request', 'enterprise', 'stale-deal']);
  } finally {
    await f.stop();
  }
});
