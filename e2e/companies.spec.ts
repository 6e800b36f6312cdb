/**
 * Contacts › Companies: the table is companies.list (names, domains, contact counts, total),
 * search and paging ask the API the same question, and a company opens the contacts list
 * narrowed to exactly the contacts contacts.list gives for it (kept in the address, kept
 * while a contact is open, removable). Numbers come from the API, never from constants.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { ensureDemo } from './demo';
import { expect, openPage, test } from './fixtures';
import { SHOTS, shootSchemes } from './shots';

mkdirSync(SHOTS, { recursive: true });
const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  await ensureDemo(3000);
});

const shoot = (page: Page, name: string) => shootSchemes(page, `companies-${name}`);

const tableRow = (page: Page, index: number) => page.locator(`.ct-body [role="row"][aria-rowindex="${index + 2}"]`);

async function openCompanies(page: Page): Promise<void> {
  await openPage(page, 'Contacts');
  await page.getByRole('tab', { name: 'Companies' }).click();
  await expect(page).toHaveURL(/#\/contacts\?view=companies$/);
}

test('the table is companies.list: total, names, domains and contact counts; search and pages ask the API the same', async ({ app, baton }) => {
  await openCompanies(app);
  const all = await baton.api('companies.list', { limit: 100 });
  expect(all.total).toBeGreaterThan(0);
  await expect(app.getByTestId('company-total')).toHaveAttribute('data-total', String(all.total));
  const rows = app.getByTestId('company-row');
  await expect(rows).toHaveCount(all.rows.length);
  for (const i of [0, 1, all.rows.length - 1]) {
    const c = all.rows[i]!;
    await expect(rows.nth(i)).toHaveAttribute('data-company-id', String(c.id));
    await expect(rows.nth(i).locator('td').nth(0)).toHaveText(c.name ?? c.domain ?? `Company ${c.id}`);
    await expect(rows.nth(i).locator('td').nth(1)).toHaveText(c.domain ?? '—');
    await expect(rows.nth(i).getByTestId('company-contacts')).toHaveText(c.contacts.toLocaleString('en-US'));
  }
  await shoot(app, 'list');

  // Pages of 100, when there are more.
  if (all.total > 100) {
    await app.getByRole('button', { name: 'Next →' }).click();
    const second = await baton.api('companies.list', { offset: 100, limit: 100 });
    await expect(app.getByTestId('company-range')).toHaveText(`101–${100 + second.rows.length} of ${all.total.toLocaleString('en-US')}`);
    await expect(rows.first()).toHaveAttribute('data-company-id', String(second.rows[0]!.id));
    await app.getByRole('button', { name: '← Previous' }).click();
    await expect(rows.first()).toHaveAttribute('data-company-id', String(all.rows[0]!.id));
  }

  // Search by a domain: the API's answer.
  const pick = all.rows.find((c) => c.domain && c.contacts > 1) ?? all.rows.find((c) => c.domain)!;
  const q = pick.domain!.split('.')[0]!;
  const found = await baton.api('companies.list', { search: q, limit: 100 });
  await app.getByRole('searchbox', { name: 'Search companies' }).fill(q);
  await expect(app.getByTestId('company-total')).toHaveAttribute('data-total', String(found.total));
  await expect(rows).toHaveCount(found.rows.length);
  await expect(app.locator(`[data-company-id="${pick.id}"]`)).toBeVisible();
  // Nothing matches: said so.
  await app.getByRole('searchbox', { name: 'Search companies' }).fill(`no-such-company-${stamp}`);
  await expect(app.getByTestId('company-total')).toHaveAttribute('data-total', '0');
  await expect(app.getByRole('heading', { name: 'No companies match' })).toBeVisible();
});

test('a company opens its contacts: exactly the API’s, kept in the address and while a contact is open, and removable', async ({ app, baton }) => {
  test.setTimeout(120_000);
  // A company of our own, so its contacts are known; and one from the demo.
  const domain = `e2e-${stamp}.example`;
  const made = [];
  for (const who of ['ann', 'ben', 'cat']) made.push(await baton.api('contacts.create', { email: `${who}@${domain}`, firstName: who.toUpperCase(), companyName: `E2E Co ${stamp}`, companyDomain: domain }));
  const companyId = made[0]!.companyId!;
  expect(made.every((c) => c.companyId === companyId)).toBe(true);
  await baton.api('contacts.delete', { id: made[2]!.id }); // a deleted contact is not the company's any more

  await openCompanies(app);
  await app.getByRole('searchbox', { name: 'Search companies' }).fill(domain);
  const row = app.locator(`[data-company-id="${companyId}"]`);
  await expect(row.getByTestId('company-contacts')).toHaveText('2');
  // Keyboard: the company's name is a link.
  await row.getByRole('link', { name: `E2E Co ${stamp}` }).focus();
  await app.keyboard.press('Enter');
  await expect(app).toHaveURL(new RegExp(`#/contacts\\?company=${companyId}$`));
  await expect(app.getByRole('tab', { name: 'All contacts' })).toHaveAttribute('aria-selected', 'true');
  await expect(app.getByTestId('company-filter-name')).toHaveText(`E2E Co ${stamp} (${domain})`);
  const api = await baton.api('contacts.list', { companyId, limit: 100 });
  expect(api.rows.map((c) => c.email)).toEqual([`ann@${domain}`, `ben@${domain}`]);
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(api.total));
  await expect(app.locator('.ct-body [role="row"]')).toHaveCount(api.total);
  for (const [i, c] of api.rows.entries()) await expect(tableRow(app, i)).toContainText(c.email);
  await shoot(app, 'contacts');

  // A reload keeps the filter; a contact opened from it comes back to it.
  await app.reload();
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(api.total));
  await tableRow(app, 1).getByRole('link').click();
  await expect(app).toHaveURL(new RegExp(`#/contacts\\?id=${api.rows[1]!.id}&company=${companyId}$`));
  await expect(app.getByTestId('contact-name')).toHaveText('BEN');
  await app.getByRole('button', { name: '← All contacts' }).click();
  await expect(app).toHaveURL(new RegExp(`#/contacts\\?company=${companyId}$`));
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(api.total));
  // Within the company, the stage filter combines with it as the API does.
  await app.getByLabel('Stage').selectOption('lead');
  const leads = await baton.api('contacts.list', { companyId, filter: { conditions: [{ kind: 'field', field: 'stage', op: 'eq', value: 'lead' }] }, limit: 1 });
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(leads.total));
  await app.getByLabel('Stage').selectOption('');

  // Remove the company filter: everyone again.
  await app.getByRole('button', { name: 'Remove the company filter' }).click();
  await expect(app).toHaveURL(/#\/contacts$/);
  await expect(app.getByTestId('company-filter')).toHaveCount(0);
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String((await baton.api('contacts.list', { limit: 1 })).total));

  // A demo company with the most contacts on the first page: the table's total is the API's and the company's count.
  const demo = (await baton.api('companies.list', { limit: 100 })).rows.filter((c) => c.id !== companyId).sort((a, b) => b.contacts - a.contacts)[0]!;
  await app.getByRole('tab', { name: 'Companies' }).click();
  await app.getByRole('searchbox', { name: 'Search companies' }).fill('');
  await app.locator(`[data-company-id="${demo.id}"] td`).nth(2).click(); // the whole row opens it
  await expect(app).toHaveURL(new RegExp(`#/contacts\\?company=${demo.id}$`));
  const demoContacts = await baton.api('contacts.list', { companyId: demo.id, limit: 1 });
  expect(demoContacts.total).toBe(demo.contacts);
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(demo.contacts));
  await expect(tableRow(app, 0)).toContainText(demoContacts.rows[0]!.email);
});

test('no companies, and a failing list: said so, with a Retry that recovers', async ({ app, baton }) => {
  const fail = (route: import('@playwright/test').Route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'Simulated outage.' } }) });
  const none = (route: import('@playwright/test').Route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ result: { total: 0, rows: [] } }) });
  await app.route('**/api/v1/companies.list', none);
  await openCompanies(app);
  await expect(app.getByRole('heading', { name: 'No companies yet' })).toBeVisible();
  await shoot(app, 'empty');
  await app.unroute('**/api/v1/companies.list', none);
  await app.route('**/api/v1/companies.list', fail);
  await app.reload();
  const alert = app.getByRole('alert').filter({ hasText: 'Could not load the companies' });
  await expect(alert).toContainText('Simulated outage.');
  await app.unroute('**/api/v1/companies.list', fail);
  await alert.getByRole('button', { name: 'Retry' }).click();
  await expect(app.getByTestId('company-total')).toHaveAttribute('data-total', String((await baton.api('companies.list', { limit: 1 })).total));
});
