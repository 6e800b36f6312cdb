/**
 * Contacts › Segments: create a segment with the form (common cases) and as JSON (checked as
 * you type, each problem naming its field), the live count beside the editor and in the list
 * equal to segments.count, Show contacts filters the table to the API's total, edit, delete
 * with a question first, counts that follow new contacts, and the editor kept in the address.
 * The server is shared with the other spec files: every segment made here has a unique name,
 * and numbers are compared with what the API answers, never with constants.
 */
import { mkdirSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import type { FilterInput } from '../shared/api';
import { ensureDemo } from './demo';
import { expect, openPage, test, type BatonServerInfo } from './fixtures';
import { SHOTS, shootSchemes } from './shots';

mkdirSync(SHOTS, { recursive: true });
const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  await ensureDemo(3000);
});

const shoot = (page: Page, name: string, whole = false) => shootSchemes(page, `segments-${name}`, whole);

const count = async (baton: BatonServerInfo, filter: FilterInput) => (await baton.api('segments.count', { filter })).count;
const byName = async (baton: BatonServerInfo, name: string) => (await baton.api('segments.list', {})).segments.find((s) => s.name === name);
const rowOf = (page: Page, name: string): Locator => page.getByTestId('segment-row').filter({ has: page.getByRole('button', { name: `Edit ${name}`, exact: true }) });

async function openSegments(page: Page): Promise<void> {
  await openPage(page, 'Contacts');
  await page.getByRole('tab', { name: 'Segments' }).click();
  await expect(page).toHaveURL(/#\/contacts\?view=segments$/);
  await expect(page.getByRole('heading', { name: 'Segments', exact: true })).toBeVisible();
}

test('create with the form: the preview is the API count at every step, bad values name the field, the saved segment is the API’s', async ({ app, baton }) => {
  test.setTimeout(90_000);
  const name = `E2E engaged ${stamp}`;
  await openSegments(app);
  await app.getByRole('button', { name: 'New segment' }).click();
  await expect(app).toHaveURL(/#\/contacts\?view=segments&seg=new$/);
  const editor = app.getByTestId('segment-editor');
  await expect(editor.getByRole('heading', { name: 'New segment' })).toBeFocused();
  const preview = editor.getByTestId('segment-preview');
  // No conditions: everyone.
  await expect(preview).toHaveAttribute('data-count', String(await count(baton, { conditions: [] })));

  // Saving without a name names the field and stores nothing.
  await editor.getByRole('button', { name: 'Create segment' }).click();
  await expect(editor.locator('[data-path="name"]')).toContainText('name: give the segment a name');
  await expect(editor.getByLabel('Name', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await editor.getByLabel('Name', { exact: true }).fill(name);
  await editor.getByLabel('Description (optional)').fill('Clicked lately, scoring');

  // "Clicked in the last 30 days", one click.
  await editor.getByLabel('Add a condition').selectOption({ label: 'Clicked in the last 30 days' });
  await editor.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(editor.getByLabel('Condition 1', { exact: true })).toBeFocused();
  await expect(editor.getByLabel('Condition 1 activity')).toHaveValue('email.clicked');
  await expect(editor.getByLabel('Condition 1 in the last … days')).toHaveValue('30');
  const clicked = { kind: 'event', type: 'email.clicked', withinDays: 30 } as const;
  await expect(preview).toHaveAttribute('data-count', String(await count(baton, { conditions: [clicked] })));

  // "Score at least …": a word instead of a number is named, and the count waits.
  await editor.getByLabel('Add a condition').selectOption({ label: 'Score at least …' });
  await editor.getByRole('button', { name: 'Add', exact: true }).click();
  const value = editor.getByLabel('Condition 2 value');
  await value.fill('high');
  await expect(editor.locator('[data-path="conditions.1.value"]')).toContainText('conditions.1.value: the score is a number');
  await expect(value).toHaveAttribute('aria-invalid', 'true');
  await expect(preview).toHaveAttribute('data-count', '');
  await expect(editor.getByRole('button', { name: 'Create segment' })).toBeDisabled();
  // A day count of 0 is named too.
  await editor.getByLabel('Condition 1 in the last … days').fill('0');
  await expect(editor.locator('[data-path="conditions.0.withinDays"]')).toContainText('conditions.0.withinDays');
  await editor.getByLabel('Condition 1 in the last … days').fill('30');
  await value.fill('10');
  const score = { kind: 'field', field: 'score', op: 'gte', value: 10 } as const;
  await expect(preview).toHaveAttribute('data-count', String(await count(baton, { conditions: [clicked, score] })));
  // Any instead of all.
  await editor.getByLabel('Contacts must match').selectOption('any');
  const anyCount = await count(baton, { match: 'any', conditions: [clicked, score] });
  await expect(preview).toHaveAttribute('data-count', String(anyCount));
  await expect(preview).toContainText(`${anyCount.toLocaleString('en-US')} contact`);
  await shoot(app, 'editor-form', true);

  // Save: back to the list, the segment is the API's, its count the API's.
  await editor.getByRole('button', { name: 'Create segment' }).click();
  await expect(app).toHaveURL(/#\/contacts\?view=segments$/);
  await expect(app.getByTestId('segment-notice')).toContainText(`Saved “${name}”`);
  await expect(app.getByRole('heading', { name: 'Segments', exact: true })).toBeFocused();
  const saved = await byName(baton, name);
  expect(saved).toBeDefined();
  expect(saved!.description).toBe('Clicked lately, scoring');
  expect(saved!.filter).toEqual({ match: 'any', conditions: [{ ...clicked, op: 'did', minCount: 1 }, score] });
  const row = rowOf(app, name);
  await expect(row.getByTestId('segment-count')).toHaveText((await count(baton, saved!.filter)).toLocaleString('en-US'));
  await expect(row).toContainText('email.clicked in the last 30 days or score ≥ 10');

  // Show contacts: the table narrowed to the segment, with the API's total.
  await row.getByRole('link', { name: `Show the contacts of ${name}` }).click();
  await expect(app).toHaveURL(new RegExp(`#/contacts\\?segment=${saved!.id}$`));
  await expect(app.getByRole('tab', { name: 'All contacts' })).toHaveAttribute('aria-selected', 'true');
  const listed = await baton.api('contacts.list', { segmentId: saved!.id, limit: 3 });
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(listed.total));
  await expect(app.getByLabel('Segment')).toHaveValue(String(saved!.id));
  await expect(app.getByLabel('Segment').locator('option:checked')).toHaveText(`${name} (${saved!.count.toLocaleString('en-US')})`);
  if (listed.total > 0) await expect(app.locator('.ct-body [role="row"][aria-rowindex="2"]')).toContainText(listed.rows[0]!.email);
  // A contact opened from it comes back to the same filtered list.
  if (listed.total > 0) {
    await app.locator('.ct-body [role="row"][aria-rowindex="2"]').getByRole('link').click();
    await expect(app).toHaveURL(new RegExp(`#/contacts\\?id=${listed.rows[0]!.id}&segment=${saved!.id}$`));
    await app.getByRole('button', { name: '← All contacts' }).click();
    await expect(app).toHaveURL(new RegExp(`#/contacts\\?segment=${saved!.id}$`));
    await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(listed.total));
  }
  // Clear filters shows everyone again.
  await app.getByRole('button', { name: 'Clear filters' }).click();
  await expect(app).toHaveURL(/#\/contacts$/);
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String((await baton.api('contacts.list', { limit: 1 })).total));
  await baton.api('segments.delete', { id: saved!.id });
});

test('JSON: the full filter language, checked as you typed with the field named; a data condition stays intact in the form', async ({ app, baton }) => {
  test.setTimeout(120_000);
  const name = `E2E pricing ${stamp}`;
  await openSegments(app);
  await app.getByRole('button', { name: 'New segment' }).click();
  const editor = app.getByTestId('segment-editor');
  await editor.getByLabel('Name', { exact: true }).fill(name);
  await editor.getByLabel('Add a condition').selectOption({ label: 'No activity for 30 days' });
  await editor.getByRole('button', { name: 'Add', exact: true }).click();
  await editor.getByRole('button', { name: 'JSON' }).click();
  await expect(editor.getByRole('button', { name: 'JSON' })).toHaveAttribute('aria-pressed', 'true');
  const json = editor.getByLabel('Filter (JSON)');
  expect(JSON.parse(await json.inputValue())).toEqual({ match: 'all', conditions: [{ kind: 'inactive', days: 30 }] });

  // Broken text: where.
  await json.fill('{\n  "match": "all",\n  "conditions": [,]\n}');
  await expect(editor.getByTestId('segment-json-error')).toContainText('line 3');
  await expect(json).toHaveAttribute('aria-invalid', 'true');
  await expect(editor.getByRole('button', { name: 'Form' })).toBeDisabled();
  // Valid JSON, wrong filter: every problem names its field.
  await json.fill(JSON.stringify({ match: 'some', conditions: [{ kind: 'weather' }, { kind: 'event', type: 'email.teleported', withinDays: 0 }, { kind: 'field', field: 'shoeSize', op: 'eq', value: 42 }] }, null, 2));
  const issues = editor.getByTestId('segment-issues');
  await expect(issues).toContainText('match:');
  await expect(issues).toContainText('conditions.0.kind:');
  await expect(issues).toContainText('conditions.1.type:');
  await expect(issues).toContainText('conditions.1.withinDays:');
  await expect(issues).toContainText('conditions.2.field: use one of email');
  await expect(editor.getByRole('button', { name: 'Create segment' })).toBeDisabled();
  await shoot(app, 'editor-json-errors', true);

  // Good: pricing-page visitors in 90 days who are not customers; the preview is the API's count.
  const filter: FilterInput = {
    match: 'all',
    conditions: [
      { kind: 'event', type: 'page.visited', withinDays: 90, where: { path: 'url', op: 'contains', value: 'pricing' } },
      { kind: 'field', field: 'stage', op: 'neq', value: 'customer' },
    ],
  };
  await json.fill(JSON.stringify(filter, null, 2));
  await expect(editor.getByTestId('segment-issues')).toHaveCount(0);
  await expect(editor.getByTestId('segment-preview')).toHaveAttribute('data-count', String(await count(baton, filter)));
  // Back to the form: the data condition is shown as it is (the form cannot edit it), the other one as fields.
  await editor.getByRole('button', { name: 'Form' }).click();
  const conds = editor.getByTestId('segment-condition');
  await expect(conds).toHaveCount(2);
  await expect(conds.nth(0)).toContainText('page.visited where url contains pricing in the last 90 days');
  await expect(editor.getByLabel('Condition 2 field')).toHaveValue('stage');
  await expect(editor.getByLabel('Condition 2 operator')).toHaveValue('neq');
  await expect(editor.getByLabel('Condition 2 value')).toHaveValue('customer');
  await editor.getByRole('button', { name: 'Create segment' }).click();
  await expect(app).toHaveURL(/#\/contacts\?view=segments$/);
  const saved = await byName(baton, name);
  expect(saved?.filter).toEqual({
    match: 'all',
    conditions: [
      { kind: 'event', type: 'page.visited', op: 'did', minCount: 1, withinDays: 90, where: { path: 'url', op: 'contains', value: 'pricing' } },
      { kind: 'field', field: 'stage', op: 'neq', value: 'customer' },
    ],
  });
  await expect(rowOf(app, name).getByTestId('segment-count')).toHaveText(saved!.count.toLocaleString('en-US'));
  await baton.api('segments.delete', { id: saved!.id });
});

test('edit and rename from the address, a taken name is refused, delete asks first; counts follow new contacts live', async ({ app, baton }) => {
  test.setTimeout(120_000);
  const tag = `e2e-seg-${stamp}`;
  const other = await baton.api('segments.save', { name: `E2E other ${stamp}`, filter: { conditions: [{ kind: 'inactive', days: 3650 }] } });
  const seg = await baton.api('segments.save', { name: `E2E tagged ${stamp}`, filter: { conditions: [{ kind: 'tag', op: 'has', tag }] } });
  expect(seg.count).toBe(0);
  await openSegments(app);
  const row = rowOf(app, seg.name);
  await expect(row.getByTestId('segment-count')).toHaveText('0');
  await expect(rowOf(app, other.name).getByTestId('segment-count')).toHaveText((await count(baton, other.filter)).toLocaleString('en-US'));
  await shoot(app, 'list');

  // Live: two contacts get the tag; the count follows without a reload, as the API counts.
  await baton.api('contacts.create', { email: `seg-a-${stamp}@example.com`, tags: [tag] });
  await baton.api('contacts.create', { email: `seg-b-${stamp}@example.com`, tags: [tag] });
  expect(await count(baton, seg.filter)).toBe(2);
  await expect(row.getByTestId('segment-count')).toHaveText('2');

  // The editor is in the address: a reload opens it again.
  await row.getByRole('button', { name: `Edit segment ${seg.name}` }).click();
  await expect(app).toHaveURL(new RegExp(`#/contacts\\?view=segments&seg=${seg.id}$`));
  await app.reload();
  const editor = app.getByTestId('segment-editor');
  await expect(editor.getByRole('heading', { name: `Edit “${seg.name}”` })).toBeVisible();
  await expect(editor.getByLabel('Condition 1 tag')).toHaveValue(tag);
  await expect(editor.getByTestId('segment-preview')).toHaveAttribute('data-count', '2');
  // Another segment's name is refused before saving.
  await editor.getByLabel('Name', { exact: true }).fill(other.name);
  await expect(editor.locator('[data-path="name"]')).toContainText('already');
  await expect(editor.getByRole('button', { name: 'Save' })).toBeDisabled();
  // Rename, and narrow it to one of the two contacts.
  const renamed = `E2E tagged A ${stamp}`;
  await editor.getByLabel('Name', { exact: true }).fill(renamed);
  await editor.getByLabel('Add a condition').selectOption({ label: 'A field (score, stage, e-mail, custom …)' });
  await editor.getByRole('button', { name: 'Add', exact: true }).click();
  await editor.getByLabel('Condition 2 field').selectOption('email');
  await editor.getByLabel('Condition 2 operator').selectOption('starts_with');
  await editor.getByLabel('Condition 2 value').fill('seg-a-');
  await expect(editor.getByTestId('segment-preview')).toHaveAttribute('data-count', '1');
  await editor.getByRole('button', { name: 'Save' }).click();
  await expect(app).toHaveURL(/#\/contacts\?view=segments$/);
  const after = (await baton.api('segments.list', {})).segments.find((s) => s.id === seg.id)!;
  expect(after.name).toBe(renamed);
  expect(after.count).toBe(1);
  expect(after.filter.conditions[1]).toEqual({ kind: 'field', field: 'email', op: 'starts_with', value: 'seg-a-' });
  await expect(rowOf(app, renamed).getByTestId('segment-count')).toHaveText('1');

  // Delete asks first; "Keep it" keeps it.
  await rowOf(app, renamed).getByRole('button', { name: `Delete segment ${renamed}…` }).click();
  const confirm = app.getByTestId('segment-confirm-delete');
  await expect(confirm).toContainText(`Delete the segment “${renamed}”?`);
  await expect(confirm.getByRole('button', { name: 'Keep it' })).toBeFocused();
  await shoot(app, 'confirm-delete');
  await confirm.getByRole('button', { name: 'Keep it' }).click();
  await expect(confirm).toHaveCount(0);
  expect(await byName(baton, renamed)).toBeDefined();
  // From the editor this time: Delete.
  await rowOf(app, renamed).getByRole('button', { name: `Edit segment ${renamed}` }).click();
  await editor.getByRole('button', { name: 'Delete segment…' }).click();
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(app).toHaveURL(/#\/contacts\?view=segments$/);
  await expect(app.getByTestId('segment-notice')).toContainText(`Deleted “${renamed}”`);
  await expect(rowOf(app, renamed)).toHaveCount(0);
  expect(await byName(baton, renamed)).toBeUndefined();
  // A deleted segment's address says so.
  await app.evaluate(`location.hash = '#/contacts?view=segments&seg=${seg.id}'`);
  await expect(app.getByRole('heading', { name: `There is no segment ${seg.id}` })).toBeVisible();
  await app.getByRole('button', { name: '← All segments' }).click();
  await expect(app).toHaveURL(/#\/contacts\?view=segments$/);
  await baton.api('segments.delete', { id: other.id });
});

test('keyboard: the arrow keys walk the four tabs; a segment is made with the keyboard alone', async ({ app, baton }) => {
  await openPage(app, 'Contacts');
  await app.getByRole('tab', { name: 'All contacts' }).focus();
  for (const [name, hash] of [
    ['Companies', /view=companies$/],
    ['Segments', /view=segments$/],
    ['Scoring rules', /view=scoring$/],
    ['All contacts', /#\/contacts$/],
  ] as const) {
    await app.keyboard.press('ArrowRight');
    await expect(app.getByRole('tab', { name })).toBeFocused();
    await expect(app.getByRole('tab', { name })).toHaveAttribute('aria-selected', 'true');
    await expect(app).toHaveURL(hash);
  }
  await app.keyboard.press('ArrowLeft');
  await expect(app.getByRole('tab', { name: 'Scoring rules' })).toBeFocused();
  await app.keyboard.press('ArrowLeft');
  await expect(app.getByRole('tab', { name: 'Segments' })).toBeFocused();

  // Tab into the panel: New segment, then type and save with Enter.
  const name = `E2E keys ${stamp}`;
  await app.getByRole('button', { name: 'New segment' }).focus();
  await app.keyboard.press('Enter');
  const editor = app.getByTestId('segment-editor');
  await expect(editor.getByRole('heading', { name: 'New segment' })).toBeFocused();
  await app.keyboard.press('Tab'); // ← All segments
  await app.keyboard.press('Tab');
  await expect(editor.getByLabel('Name', { exact: true })).toBeFocused();
  await app.keyboard.type(name);
  await editor.getByLabel('Add a condition').focus();
  await app.keyboard.press('Tab');
  await expect(editor.getByRole('button', { name: 'Add', exact: true })).toBeFocused();
  await app.keyboard.press('Enter');
  await expect(editor.getByLabel('Condition 1', { exact: true })).toBeFocused();
  await app.keyboard.press('Tab');
  await app.keyboard.press('Tab');
  await expect(editor.getByLabel('Condition 1 in the last … days')).toBeFocused();
  await app.keyboard.press('Enter'); // submits the form
  await expect(app).toHaveURL(/#\/contacts\?view=segments$/);
  const saved = await byName(baton, name);
  expect(saved?.filter.conditions).toEqual([{ kind: 'event', type: 'email.clicked', op: 'did', withinDays: 30, minCount: 1 }]);
  await baton.api('segments.delete', { id: saved!.id });
});

test('empty, failing and recovering: the first-segment invitation, what failed with a Retry, a count that could not be taken', async ({ app, baton }) => {
  const fail = (route: import('@playwright/test').Route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'Simulated outage.' } }) });
  const empty = (route: import('@playwright/test').Route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ result: { segments: [] } }) });
  await app.route('**/api/v1/segments.list', empty);
  await openSegments(app);
  await expect(app.getByRole('heading', { name: 'No segments yet' })).toBeVisible();
  await shoot(app, 'empty');
  await app.unroute('**/api/v1/segments.list', empty);

  await app.route('**/api/v1/segments.list', fail);
  await app.reload();
  const alert = app.getByRole('alert').filter({ hasText: 'Could not load the segments' });
  await expect(alert).toContainText('Simulated outage.');
  await app.unroute('**/api/v1/segments.list', fail);
  await alert.getByRole('button', { name: 'Retry' }).click();
  await expect(app.getByRole('table', { name: 'Segments' }).or(app.getByRole('heading', { name: 'No segments yet' }))).toBeVisible();
  const n = (await baton.api('segments.list', {})).segments.length;
  await expect(app.getByTestId('segment-row')).toHaveCount(n);

  // The live count fails: said beside the editor, and Retry counts.
  await app.route('**/api/v1/segments.count', fail);
  await app.getByRole('button', { name: 'New segment' }).click();
  const preview = app.getByTestId('segment-preview');
  await expect(preview).toContainText('Could not count: Simulated outage.');
  await app.unroute('**/api/v1/segments.count', fail);
  await preview.getByRole('button', { name: 'Retry' }).click();
  await expect(preview).toHaveAttribute('data-count', String(await count(baton, { conditions: [] })));
});
