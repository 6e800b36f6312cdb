import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openPage, test } from './fixtures';
import { SHOTS, shootWholePage } from './shots';

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test('a sequence is created in the UI: bad steps are refused naming the field, a good one is saved, contacts are enrolled and unenrolled', async ({ app, baton }) => {
  // A long walk through the page (about 20 s here; more on a loaded machine): more than the 30 s default.
  test.setTimeout(90_000);
  const u = unique();
  const id = `welcome-${u}`;
  const stored = async () => (await baton.api('sequences.list', {})).sequences.filter((s) => s.id === id);

  await openPage(app, 'Sequences');
  await app.getByRole('button', { name: 'New sequence' }).click();
  expect(decodeURIComponent(new URL(app.url()).hash)).toBe('#/sequences?new=1');
  const editor = app.getByTestId('seq-editor');
  await editor.getByLabel('Id', { exact: true }).fill(id);
  await editor.getByLabel('Name', { exact: true }).fill(`Welcome ${u}`);

  // An empty subject: the contract names the field as you type, and nothing can be saved.
  await editor.getByLabel('Step 1 text').fill('Hello {{ contact.first_name | default: "there" }}');
  await expect(editor.locator('[data-path="steps.0.subject"]')).toContainText('steps.0.subject: give a subject');
  await expect(editor.getByLabel('Step 1 subject')).toHaveAttribute('aria-invalid', 'true');
  await expect(editor.getByRole('button', { name: 'Create sequence' })).toBeDisabled();

  // A second step: a wait, then a task with an empty title names steps.2.title.
  await editor.getByRole('button', { name: '+ Wait' }).click();
  await editor.getByLabel('Step 2 wait').fill('2d');
  await editor.getByRole('button', { name: '+ Task' }).click();
  await expect(editor.locator('[data-path="steps.2.title"]')).toContainText('steps.2.title: give a task title');
  await editor.getByLabel('Step 3 task title').fill('Call {{name}}');

  // An unknown token: the contract accepts it, the server refuses it and the message is on the field.
  await editor.getByLabel('Step 1 subject').fill('Hi {{ first_name }}');
  await expect(editor.getByTestId('field-error')).toHaveCount(0);
  await editor.getByRole('button', { name: 'Create sequence' }).click();
  await expect(editor.locator('[data-path="steps.0.subject"]')).toContainText('steps.0.subject: unknown token {{ first_name }}');
  await expect(editor.getByTestId('seq-save-error')).toContainText('Nothing was saved');
  expect(await stored()).toEqual([]);

  // JSON view shows the same definition and checks it too.
  await editor.getByRole('button', { name: 'JSON' }).click();
  const json = editor.getByLabel('Definition (JSON)');
  await expect(json).toHaveValue(/"subject": "Hi \{\{ first_name \}\}"/);
  await json.fill((await json.inputValue()).replace('"dailyCap": 200', '"dailyCap": 0'));
  await expect(editor.getByTestId('seq-issues')).toContainText('dailyCap');
  await json.fill((await json.inputValue()).replace('"dailyCap": 0', '"dailyCap": 25'));
  await expect(editor.getByTestId('seq-issues')).toHaveCount(0);
  await editor.getByRole('button', { name: 'Form' }).click();
  await expect(editor.getByLabel('Daily cap')).toHaveValue('25');

  // The good one.
  await editor.getByLabel('Step 1 subject').fill('Welcome {{ contact.first_name | default: "there" }}');
  await editor.getByLabel('Goal event').fill('purchase');
  await editor.getByRole('button', { name: 'Create sequence' }).click();
  await expect(app.getByTestId('sequence-row').filter({ hasText: id })).toBeVisible();
  expect(decodeURIComponent(new URL(app.url()).hash)).toBe(`#/sequences?id=${id}`);
  const got = (await baton.api('sequences.get', { id })).definition;
  expect(got.name).toBe(`Welcome ${u}`);
  expect(got.steps).toEqual([
    { type: 'email', subject: 'Welcome {{ contact.first_name | default: "there" }}', text: 'Hello {{ contact.first_name | default: "there" }}' },
    { type: 'wait', duration: '2d' },
    { type: 'task', title: 'Call {{name}}' },
  ]);
  expect(got.dailyCap).toBe(25);
  expect(got.goal).toEqual({ event: 'purchase' });
  const row = app.getByTestId('sequence-row').filter({ hasText: id });
  await expect(row).toContainText('09:00–17:00');
  await expect(row).toContainText('25');

  // Enroll two contacts found by search.
  const a = await baton.api('contacts.create', { email: `ann-${u}@example.com`, firstName: 'Ann' });
  const b = await baton.api('contacts.create', { email: `bob-${u}@example.com`, firstName: 'Bob' });
  const enroll = app.getByTestId('enroll');
  await enroll.getByLabel('Search contacts').fill(u);
  const matches = enroll.getByRole('list', { name: 'Matching contacts' });
  await matches.getByLabel(a.email).check();
  await matches.getByLabel(b.email).check();
  await enroll.getByRole('button', { name: 'Enroll 2 selected' }).click();
  await expect(enroll.getByTestId('enroll-result')).toContainText('Enrolled 2 contacts.');
  const rows = app.getByTestId('enrollment-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: a.email })).toContainText('active');
  await expect(rows.filter({ hasText: b.email })).toContainText('1 of 3');
  expect((await baton.api('sequences.enrollments', { sequenceId: id })).enrollments.map((e) => e.contactId).sort()).toEqual([a.id, b.id].sort());

  // Ann again: refused with the reason.
  await matches.getByLabel(a.email).check();
  await enroll.getByRole('button', { name: 'Enroll 1 selected' }).click();
  await expect(enroll.getByTestId('enroll-skipped')).toHaveText(`${a.email} was not enrolled: already active in this sequence`);
  await expect(rows).toHaveCount(2);

  // Unenroll Bob.
  await rows.filter({ hasText: b.email }).getByRole('button', { name: 'Unenroll' }).click();
  await expect(rows.filter({ hasText: b.email })).toContainText('exited');
  await expect(rows.filter({ hasText: b.email })).toContainText('manual');
  const after = (await baton.api('sequences.enrollments', { sequenceId: id })).enrollments;
  expect(after.find((e) => e.contactId === b.id)?.status).toBe('exited');
  expect(after.find((e) => e.contactId === a.id)?.status).toBe('active');
  await expect(row).toContainText('1');

  // A reload opens the same sequence from the address.
  await app.reload();
  await expect(app.getByTestId('seq-editor').getByLabel('Id', { exact: true })).toHaveValue(id);

  mkdirSync(SHOTS, { recursive: true });
  await app.getByTestId('enroll').getByLabel('Search contacts').fill(u);
  await expect(app.getByRole('list', { name: 'Matching contacts' })).toBeVisible();
  for (const scheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme: scheme });
    await shootWholePage(app, join(SHOTS, `sequences-${scheme}.png`));
  }
  await app.emulateMedia({ colorScheme: 'light' });

  // A new sequence may not take an existing id (saving would replace it).
  await app.getByRole('button', { name: 'New sequence' }).click();
  const fresh = app.getByTestId('seq-editor');
  await fresh.getByLabel('Id', { exact: true }).fill(id);
  await expect(fresh.locator('[data-path="id"]')).toContainText(`id: there is a sequence “${id}” already`);
  await fresh.getByRole('button', { name: 'Cancel' }).click();
  await row.getByRole('link', { name: `Welcome ${u}` }).click();

  // Delete asks first.
  await app.getByRole('button', { name: 'Delete sequence…' }).click();
  await expect(app.getByTestId('seq-confirm-delete')).toContainText(`Delete “Welcome ${u}”`);
  await app.getByRole('button', { name: 'Keep it' }).click();
  expect(await stored()).toHaveLength(1);
  // A live refresh may re-render the editor between the two clicks: ask again until the question shows.
  await expect(async () => {
    if (!(await app.getByTestId('seq-confirm-delete').isVisible())) await app.getByRole('button', { name: 'Delete sequence…' }).click();
    await expect(app.getByTestId('seq-confirm-delete')).toBeVisible({ timeout: 5_000 }); // short on purpose: the retry clicks again
  }).toPass({ timeout: 60_000 });
  await app.getByTestId('seq-confirm-delete').getByRole('button', { name: 'Delete' }).click();
  await expect(app.getByTestId('sequence-row').filter({ hasText: id })).toHaveCount(0);
  expect(await stored()).toEqual([]);
  expect(new URL(app.url()).hash).toBe('#/sequences');
});

test('the suppression list: a bad address is refused as you type, a good one is added and removed', async ({ app, baton }) => {
  const u = unique();
  const email = `nobody-${u}@example.com`;
  await openPage(app, 'Sequences');
  const card = app.locator('#seq-suppressions');
  const input = card.getByLabel('E-mail address to suppress');
  await input.fill(`not-an-address-${u}`);
  await expect(card.getByTestId('suppress-email-help')).toContainText('email: give an e-mail address');
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(card.getByRole('button', { name: 'Suppress' })).toBeDisabled();
  await input.press('Enter');
  expect((await baton.api('email.suppressions.list', { limit: 5000 })).suppressions.filter((s) => s.email.includes(u))).toEqual([]);

  await input.fill(email);
  await expect(input).not.toHaveAttribute('aria-invalid', 'true');
  await card.getByLabel('Reason').selectOption('bounced');
  await card.getByRole('button', { name: 'Suppress' }).click();
  const row = card.getByTestId('suppression-row').filter({ hasText: email });
  await expect(row).toContainText('bounced');
  await expect(input).toHaveValue('');
  expect((await baton.api('email.suppressions.list', { limit: 5000 })).suppressions.find((s) => s.email === email)?.reason).toBe('bounced');

  await row.getByRole('button', { name: `Remove ${email}` }).click();
  await expect(row).toHaveCount(0);
  await expect(card.getByRole('status')).toContainText(`${email} was removed from the list.`);
  expect((await baton.api('email.suppressions.list', { limit: 5000 })).suppressions.find((s) => s.email === email)).toBeUndefined();
});

test('a failed load shows what failed with a Retry that works', async ({ app }) => {
  let fail = true;
  await app.route('**/api/v1/sequences.list', (route) => (fail ? route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'database is locked' } }) }) : route.continue()));
  await openPage(app, 'Sequences');
  const panel = app.getByRole('alert').filter({ hasText: 'Could not load the sequences' });
  await expect(panel).toContainText('database is locked');
  fail = false;
  await panel.getByRole('button', { name: 'Retry' }).click();
  await expect(panel).toHaveCount(0);
  await expect(app.getByRole('heading', { name: 'Recent e-mails' })).toBeVisible();
});
