/**
 * Contacts › Scoring rules as a form (a server of its own, the real `baton serve`): a fit rule added
 * with the form (a word for points and an SQL threshold below the MQL one named by field, nothing
 * saved), the preview's scores equal to what saving then stores, the rule edited and deleted; each
 * save re-scores (the contact's stored score moves with it).
 */
import { axe } from './axe';
import { expect, openPage, test } from './fixtures';
import { freshServer } from './fresh';

test('scoring rules are added, previewed, edited and deleted with the form; bad values named, nothing saved; saving re-scores', async ({ page }) => {
  test.setTimeout(150_000);
  const f = await freshServer('scoring-form');
  try {
    const ann = await f.api('contacts.create', { email: 'ann@score.test', firstName: 'Ann', tags: ['vip'] });
    await f.api('contacts.create', { email: 'ben@score.test', firstName: 'Ben' });
    const original = await f.api('scoring.rules.get', {});
    const scoreOf = async (id: number) => (await f.api('contacts.get', { id })).score.total;
    const annBefore = await scoreOf(ann.id);

    await f.open(page);
    await openPage(page, 'Contacts');
    await page.getByRole('tab', { name: 'Scoring rules' }).click();
    const form = page.getByRole('form', { name: 'Scoring rules' });
    await expect(form.getByLabel('MQL at (points)')).toHaveValue(String(original.thresholds.mql));
    const n = original.fit.length + 1;
    const rule = form.getByRole('group', { name: `Fit rule ${n}` });

    // Add a fit rule: tag "vip", +"lots" points: named, nothing saved.
    await form.getByRole('button', { name: 'Add a fit rule' }).click();
    await rule.getByLabel(`Fit rule ${n} Id`).fill('vip');
    await rule.getByLabel(`Fit rule ${n} Condition on`).selectOption('tag');
    await rule.getByLabel(`Fit rule ${n} Tag name`).fill('vip');
    await rule.getByLabel(`Fit rule ${n} Points`).fill('lots');
    await expect(rule.locator(`[data-testid=field-error][data-path="fit.${n - 1}.points"]`)).toHaveText(`fit.${n - 1}.points: use a whole number`);
    await expect(rule.getByLabel(`Fit rule ${n} Points`)).toHaveAttribute('aria-invalid', 'true');
    // And an SQL threshold at the MQL one.
    await form.getByLabel('SQL at (points)').fill(String(original.thresholds.mql));
    await expect(form.locator('[data-testid=field-error][data-path="thresholds.sql"]')).toContainText('thresholds.sql: the SQL threshold');
    await form.getByRole('button', { name: 'Save and re-score' }).click();
    await expect(form.getByTestId('scoring-problems')).toContainText('Not saved: 2 problems to fix');
    expect(await f.api('scoring.rules.get', {})).toEqual(original);

    // Fixed: the preview shows Ann +25, nothing stored yet.
    await form.getByLabel('SQL at (points)').fill(String(original.thresholds.sql));
    await rule.getByLabel(`Fit rule ${n} Points`).fill('25');
    await expect(form.locator('[data-testid=field-error]')).toHaveCount(0);
    await form.getByRole('button', { name: 'Preview the change' }).click();
    const preview = form.getByTestId('scoring-preview');
    const annRow = preview.locator(`tr[data-contact="${ann.id}"]`);
    await expect(annRow.getByTestId('score-before')).toHaveText(String(annBefore));
    await expect(annRow.getByTestId('score-after')).toHaveText(String(annBefore + 25));
    await expect(preview.getByTestId('scoring-preview-everyone')).toHaveText('Across all 2 contacts: 1 score would change, 0 would cross a threshold. Nothing is saved yet.');
    expect(await f.api('scoring.rules.get', {})).toEqual(original);
    expect(await scoreOf(ann.id)).toBe(annBefore);
    expect(await axe(page, 'form.sr-form')).toEqual([]);

    // Save: stored as typed, Ann re-scored.
    await form.getByRole('button', { name: 'Save and re-score' }).click();
    await expect(page.getByTestId('rescored')).toContainText('Saved. Re-scored 2 contacts: 1 score changed');
    const saved = await f.api('scoring.rules.get', {});
    expect(saved.fit.at(-1)).toEqual({ id: 'vip', when: { kind: 'tag', op: 'has', tag: 'vip' }, points: 25 });
    expect(await scoreOf(ann.id)).toBe(annBefore + 25);

    // Edit: 25 -> 40, and a label.
    await rule.getByLabel(`Fit rule ${n} Points`).fill('40');
    await rule.getByLabel(`Fit rule ${n} Label (optional)`).fill('VIP customer');
    await form.getByRole('button', { name: 'Save and re-score' }).click();
    await expect.poll(async () => (await f.api('scoring.rules.get', {})).fit.at(-1)).toEqual({ id: 'vip', label: 'VIP customer', when: { kind: 'tag', op: 'has', tag: 'vip' }, points: 40 });
    await expect.poll(() => scoreOf(ann.id)).toBe(annBefore + 40);

    // Delete it: back to the original rules and score.
    await rule.getByRole('button', { name: `Delete fit rule ${n}` }).click();
    await expect(rule).toHaveCount(0);
    await form.getByRole('button', { name: 'Save and re-score' }).click();
    await expect.poll(async () => f.api('scoring.rules.get', {})).toEqual(original);
    await expect.poll(() => scoreOf(ann.id)).toBe(annBefore);
  } finally {
    await f.stop();
  }
});
