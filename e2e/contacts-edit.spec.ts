/**
 * Contacts: create (validated as you type with the contract's schemas), edit (only changed
 * fields, tags added/removed), duplicate e-mail refused, delete + Undo, restore from the
 * Deleted view, merge a duplicate. The server is shared with the other spec files: every
 * e-mail made here is unique, and what the UI did is checked through the API.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { ensureDemo } from './demo';
import { expect, openPage, test, type BatonServerInfo } from './fixtures';
import { SHOTS, shootSchemes } from './shots';

mkdirSync(SHOTS, { recursive: true });
const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const mail = (who: string) => `${who}.${stamp}@edit-e2e.example`;

test.describe.configure({ mode: 'serial' });

// The demo seed needs an empty CRM: seed it before this file adds its own contacts (contacts.spec.ts reuses it).
test.beforeAll(async () => {
  test.setTimeout(120_000);
  await ensureDemo(3000);
});

const shoot = (page: Page, name: string) => shootSchemes(page, `contacts-edit-${name}`);

async function findByEmail(baton: BatonServerInfo, email: string, deleted = false) {
  return (await baton.api('contacts.list', { search: email, deleted, limit: 5 })).rows.find((c) => c.email === email);
}

async function openContact(page: Page, id: number): Promise<void> {
  await page.evaluate(`location.hash = '#/contacts?id=${id}'`);
  await expect(page.getByTestId('contact-name')).toBeVisible();
}

test('create: a bad e-mail is refused as you type and nothing is stored; a good one is created and opens', async ({ app, baton }) => {
  await openPage(app, 'Contacts');
  await app.getByRole('button', { name: 'New contact' }).click();
  const form = app.getByTestId('contact-form');
  await expect(form.getByRole('heading', { name: 'New contact' })).toBeVisible();
  await expect(form.getByLabel('E-mail')).toBeFocused();
  await app.keyboard.press('Escape');
  await expect(form).toHaveCount(0);
  await app.getByRole('button', { name: 'New contact' }).press('Enter');
  await expect(form.getByLabel('E-mail')).toBeFocused();
  const bad = `not-an-email-${stamp}`;
  await form.getByLabel('E-mail').fill(bad);
  await expect(form.getByTestId('error-email')).toContainText('E-mail: use a valid e-mail address');
  await expect(form.getByLabel('E-mail')).toHaveAttribute('aria-invalid', 'true');
  // A bad time zone names its field too.
  await form.getByLabel('Time zone').fill('Mars/Olympus');
  await expect(form.getByTestId('error-timeZone')).toContainText('Time zone: use an IANA time zone');
  await form.getByRole('button', { name: 'Create contact' }).click();
  await expect(form).toBeVisible();
  expect((await baton.api('contacts.list', { search: bad, limit: 5 })).total).toBe(0);
  await shoot(app, 'invalid');

  const email = mail('ada');
  await form.getByLabel('E-mail').fill(email);
  await form.getByLabel('Time zone').fill('Europe/Berlin');
  await expect(form.getByTestId('error-email')).toHaveCount(0);
  await form.getByLabel('First name').fill('Ada');
  await form.getByLabel('Last name').fill(`Lovelace ${stamp}`);
  await form.getByLabel('Title').fill('Engineer');
  await form.getByLabel('Company name').fill('Analytical Engines');
  await form.getByLabel('Lifecycle stage').selectOption('lead');
  await form.getByLabel('Consent').selectOption('granted');
  await form.getByLabel('Tags').fill('e2e, math');
  await form.getByRole('button', { name: 'Create contact' }).click();
  await expect(app.getByTestId('contact-name')).toHaveText(`Ada Lovelace ${stamp}`);
  const c = await findByEmail(baton, email);
  expect(c).toBeTruthy();
  expect(c!.timeZone).toBe('Europe/Berlin');
  expect(c!.consent).toBe('granted');
  expect([...c!.tags].sort()).toEqual(['e2e', 'math']);
  expect(app.url()).toContain(`id=${c!.id}`);
});

test('edit: stage, title and tags are saved (only what changed); a duplicate e-mail is refused on its field', async ({ app, baton }) => {
  const email = mail('grace');
  const other = mail('taken');
  const c = await baton.api('contacts.create', { email, firstName: 'Grace', lastName: `Hopper ${stamp}`, title: 'Officer', phone: '+1 555 0100', tags: ['navy', 'cobol'] });
  await baton.api('contacts.create', { email: other, firstName: 'Taken' });
  await openPage(app, 'Contacts');
  await openContact(app, c.id);
  await app.getByRole('button', { name: 'Edit', exact: true }).click();
  const form = app.getByTestId('contact-form');
  await expect(form.getByLabel('E-mail')).toHaveValue(email);
  await form.getByLabel('Lifecycle stage').selectOption('sql');
  await form.getByLabel('Title').fill('Rear Admiral');
  await form.getByLabel('Tags').fill('navy, compilers');
  await shoot(app, 'edit');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form).toHaveCount(0);
  await expect(app.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  const got = (await baton.api('contacts.get', { id: c.id })).contact;
  expect(got.stage).toBe('sql');
  expect(got.title).toBe('Rear Admiral');
  expect([...got.tags].sort()).toEqual(['compilers', 'navy']);
  expect(got.phone).toBe('+1 555 0100'); // untouched fields stay
  await expect(app.locator('.cd-facts')).toContainText('Rear Admiral');

  // The e-mail of another live contact: the server refuses, the message sits on the e-mail field.
  await app.getByRole('button', { name: 'Edit', exact: true }).click();
  await form.getByLabel('E-mail').fill(other);
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form.getByTestId('error-email')).toContainText(`E-mail: ${other} already belongs to contact`);
  expect((await baton.api('contacts.get', { id: c.id })).contact.email).toBe(email);
  await form.getByRole('button', { name: 'Cancel' }).click();

  // Creating with a taken e-mail: refused on the field too.
  await app.getByRole('button', { name: 'New contact' }).click();
  const create = app.getByTestId('contact-form');
  await create.getByLabel('E-mail').fill(email.toUpperCase());
  await create.getByRole('button', { name: 'Create contact' }).click();
  await expect(create.getByTestId('error-email')).toContainText('already belongs to contact');
  expect((await baton.api('contacts.list', { search: email, limit: 5 })).total).toBe(1);
});

test('delete asks first, then Undo restores the contact', async ({ app, baton }) => {
  const email = mail('undo');
  const c = await baton.api('contacts.create', { email, firstName: 'Undo', lastName: stamp });
  await openPage(app, 'Contacts');
  await openContact(app, c.id);
  await app.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = app.getByRole('alertdialog');
  await expect(dialog).toContainText(`Delete Undo ${stamp}?`);
  await expect(dialog.getByRole('button', { name: 'Yes, delete' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Yes, delete' }).click();
  const undo = app.getByRole('region', { name: 'Deleted contact' });
  await expect(undo).toContainText('you can undo this until');
  expect((await baton.api('contacts.get', { id: c.id })).contact.deletedAt).not.toBeNull();
  expect(await findByEmail(baton, email)).toBeUndefined();
  await shoot(app, 'deleted');
  await undo.getByRole('button', { name: 'Undo' }).click();
  await expect(app.getByRole('status').filter({ hasText: 'is back' })).toBeVisible();
  await expect(app.getByRole('button', { name: 'Edit', exact: true })).toBeVisible();
  expect((await baton.api('contacts.get', { id: c.id })).contact.deletedAt).toBeNull();
  expect(await findByEmail(baton, email)).toBeTruthy();
});

test('the Deleted view lists soft-deleted contacts and restores them', async ({ app, baton }) => {
  const email = mail('restore');
  const c = await baton.api('contacts.create', { email, firstName: 'Restore', lastName: stamp });
  await baton.api('contacts.delete', { id: c.id });
  await openPage(app, 'Contacts');
  await app.getByLabel('Show').selectOption('deleted');
  await app.getByRole('searchbox', { name: 'Search' }).fill(email);
  const deletedTotal = (await baton.api('contacts.list', { search: email, deleted: true, limit: 1 })).total;
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(deletedTotal));
  const row = app.locator('.ct-body [role="row"]', { hasText: email });
  await expect(row).toBeVisible();
  await shoot(app, 'deleted-view');
  await row.getByRole('button', { name: `Restore Restore ${stamp}` }).click();
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', '0');
  expect((await baton.api('contacts.get', { id: c.id })).contact.deletedAt).toBeNull();
  await app.getByLabel('Show').selectOption('live');
  await expect(app.locator('.ct-body [role="row"]', { hasText: email })).toBeVisible();
});

test('merge a duplicate: its events and tags move to this contact', async ({ app, baton }) => {
  const targetEmail = mail('target');
  const sourceEmail = mail('dupe');
  const target = await baton.api('contacts.create', { email: targetEmail, firstName: 'Merge', lastName: `Target ${stamp}`, tags: ['keep'] });
  const source = await baton.api('contacts.create', { email: sourceEmail, firstName: 'Merge', lastName: `Dupe ${stamp}`, phone: '+44 20 7946 0000', tags: ['dupe-tag'] });
  await baton.api('events.ingest', {
    events: [
      { contactId: source.id, type: 'page.visited', data: { url: `https://example.com/pricing?${stamp}` } },
      { contactId: source.id, type: 'email.opened' },
    ],
  });
  const sourceEvents = (await baton.api('contacts.get', { id: source.id })).timeline.map((e) => e.id);
  expect(sourceEvents.length).toBeGreaterThanOrEqual(2);

  await openPage(app, 'Contacts');
  await openContact(app, target.id);
  await app.getByRole('button', { name: 'Merge a duplicate into this contact' }).click();
  const panel = app.locator('.ca-merge');
  await panel.getByLabel('Find the duplicate (e-mail or name)').fill(sourceEmail);
  await panel.getByRole('radio', { name: new RegExp(sourceEmail.replace(/[.+]/g, '\\$&')) }).check();
  await expect(panel.getByRole('status')).toContainText(`Merge ${sourceEmail} into ${targetEmail}?`);
  await shoot(app, 'merge');
  await panel.getByRole('button', { name: `Merge ${sourceEmail} into this contact` }).click();
  await expect(app.getByRole('status').filter({ hasText: `Merged ${sourceEmail}` })).toBeVisible();
  await expect(app.locator('.cd-facts')).toContainText('dupe-tag');
  await expect(app.locator('.cd-facts')).toContainText('+44 20 7946 0000');

  const after = await baton.api('contacts.get', { id: target.id });
  expect([...after.contact.tags].sort()).toEqual(['dupe-tag', 'keep']);
  expect(after.contact.phone).toBe('+44 20 7946 0000');
  const ids = after.timeline.map((e) => e.id);
  for (const id of sourceEvents) expect(ids).toContain(id);
  expect(after.timeline.some((e) => e.type === 'contact.merged')).toBe(true);
  const gone = (await baton.api('contacts.get', { id: source.id })).contact;
  expect(gone.mergedInto).toBe(target.id);
  expect(await findByEmail(baton, sourceEmail)).toBeUndefined();
  await expect(app.locator('.crm-timeline')).toContainText('contact.merged');
});
