/**
 * Deals as a CRM user expects (a server of its own): a deal created from the Pipeline's New deal
 * dialog (a bad value or an empty title refused naming the field, nothing stored), its value
 * edited and a note added in the deal panel, moved with the card's "Move to" menu from the
 * keyboard; the stored deal, read through the API, is what was typed. A deal is also created from
 * a contact's page.
 */
import { axe } from './axe';
import { expect, openPage, test } from './fixtures';
import { freshServer } from './fresh';

test('a deal is created on the pipeline, edited and noted in its panel, moved with Move to; bad input named and nothing stored; New deal from a contact', async ({ page }) => {
  test.setTimeout(150_000);
  const f = await freshServer('deals');
  try {
    const ada = await f.api('contacts.create', { email: 'ada@deals.test', firstName: 'Ada', lastName: 'Lovelace', companyName: 'Analytical' });
    const stored = async () => (await f.api('deals.list', { limit: 1000 })).rows;
    await f.open(page);
    await openPage(page, 'Pipeline');

    // New deal: an empty title and a value that is not an amount are named by field; nothing is stored.
    await page.getByRole('button', { name: 'New deal' }).click();
    const dialog = page.getByRole('dialog', { name: 'New deal' });
    await expect(dialog.getByLabel('Title')).toBeFocused();
    await dialog.getByLabel('Contact (optional)').fill('ada@deals.test');
    await dialog.getByLabel('Value').fill('12 thousand');
    await dialog.getByRole('button', { name: 'Create deal' }).click();
    await expect(dialog.locator('[data-testid=field-error][data-path=title]')).toHaveText('title: give the deal a title');
    await expect(dialog.locator('[data-testid=field-error][data-path=value]')).toHaveText('value: use a number such as 1200 (no currency sign)');
    await expect(dialog.getByLabel('Value')).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.getByTestId('new-deal-problems')).toHaveText('Fix title, value: nothing was saved.');
    expect(await axe(page, '.pl-dialog')).toEqual([]);
    // A negative amount: the contract's own message.
    await dialog.getByLabel('Title').fill('Website audit');
    await dialog.getByLabel('Value').fill('-5');
    await dialog.getByRole('button', { name: 'Create deal' }).click();
    await expect(dialog.locator('[data-testid=field-error][data-path=value]')).toHaveText('value: use 0 or more');
    await expect(dialog.locator('[data-testid=field-error][data-path=title]')).toHaveCount(0);
    expect(await stored()).toEqual([]);
    expect((await f.api('contacts.list', { limit: 10 })).total).toBe(1);

    // Good input: stored as typed, the card on the board, its panel open.
    await dialog.getByLabel('Value').fill('1,200');
    await dialog.getByLabel('Expected close (optional)').fill('2030-03-31');
    await dialog.getByRole('button', { name: 'Create deal' }).click();
    await expect(dialog).toHaveCount(0);
    await expect.poll(async () => (await stored()).length).toBe(1);
    const [deal] = await stored();
    expect(deal).toMatchObject({ title: 'Website audit', value: 1200, currency: 'USD', stage: 'qualification', closeDate: '2030-03-31', contactId: ada.id });
    await expect(page).toHaveURL(new RegExp(`#/pipeline\\?deal=${deal!.id}$`));
    const card = page.getByTestId('column-qualification').locator(`[data-deal="${deal!.id}"]`);
    await expect(card.getByRole('button', { name: 'Website audit', exact: true })).toBeVisible();
    await expect(card.getByRole('link', { name: 'Ada Lovelace' })).toBeVisible();
    await expect(card.locator('.crm-deal-value')).toHaveText('$1,200');
    // One menu button per card, no select.
    await expect(card.locator('select')).toHaveCount(0);
    await expect(card.getByRole('button', { name: 'Move to… “Website audit”' })).toHaveAttribute('aria-haspopup', 'menu');

    const panel = page.getByTestId('deal-panel');
    await expect(panel.getByRole('heading', { level: 2, name: 'Website audit' })).toBeFocused();
    await expect(panel.getByTestId('deal-value')).toHaveText('$1,200');
    await expect(panel.getByRole('link', { name: 'Ada Lovelace' })).toHaveAttribute('href', `#/contacts?id=${ada.id}`);
    await expect(panel.getByRole('table', { name: 'Deal activity' }).getByRole('row').filter({ hasText: 'Opened' })).toHaveCount(1);

    // Edit the value: a bad one named, nothing changes; a good one stored and shown on the card.
    const edit = panel.getByRole('form', { name: 'Edit deal' });
    await edit.getByLabel('Value (USD)').fill('-1');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(edit.locator('[data-testid=field-error][data-path=value]')).toHaveText('value: use 0 or more');
    expect((await f.api('deals.get', { id: deal!.id })).deal.value).toBe(1200);
    await edit.getByLabel('Value (USD)').fill('2500');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(edit.getByRole('status')).toHaveText('Saved.');
    await expect.poll(async () => (await f.api('deals.get', { id: deal!.id })).deal.value).toBe(2500);
    await expect(panel.getByTestId('deal-value')).toHaveText('$2,500');
    await expect(card.locator('.crm-deal-value')).toHaveText('$2,500');

    // A note: an empty one named, then added and listed.
    const notes = panel.getByRole('form', { name: 'Add a note' });
    await notes.getByRole('button', { name: 'Add note' }).click();
    await expect(notes.getByRole('alert')).toHaveText('text: write the note first');
    await notes.getByLabel('New note').fill('Asked for a discount.');
    await notes.getByRole('button', { name: 'Add note' }).click();
    await expect(panel.getByRole('list', { name: 'Notes' }).getByRole('listitem')).toHaveText([/Asked for a discount\./]);
    await expect(notes.getByLabel('New note')).toHaveValue('');
    expect(await axe(page, '[data-testid=deal-panel]')).toEqual([]);

    // Move with the card's menu, from the keyboard: Enter opens it on the first other stage.
    const menuButton = card.getByRole('button', { name: 'Move to… “Website audit”' });
    await menuButton.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('menu', { name: 'Move “Website audit” to' });
    await expect(menu.getByRole('menuitem', { name: 'Proposal' })).toBeFocused();
    await expect(menu.getByRole('menuitem', { name: 'Qualification' })).toHaveCount(0);
    expect(await axe(page, '.pl-menu')).toEqual([]);
    await expect(menu.getByRole('menuitem', { name: 'Proposal' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(menu.getByRole('menuitem', { name: 'Negotiation' })).toBeFocused();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);
    await expect(menuButton).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(menu.getByRole('menuitem', { name: 'Proposal' })).toBeFocused();
    await page.keyboard.press('Enter');
    const moved = page.getByTestId('column-proposal').locator(`[data-deal="${deal!.id}"]`);
    await expect(moved).toBeVisible();
    await expect(moved.getByRole('button', { name: 'Move to… “Website audit”' })).toBeFocused();
    await expect(page.getByTestId('column-qualification').locator(`[data-deal="${deal!.id}"]`)).toHaveCount(0);
    await expect(panel.getByTestId('deal-stage')).toContainText('Proposal');
    await expect(panel.getByRole('table', { name: 'Deal activity' }).getByRole('row').filter({ hasText: 'Moved from Qualification to Proposal' })).toHaveCount(1);

    // The stored deal is what the window shows.
    const got = await f.api('deals.get', { id: deal!.id });
    expect(got.deal).toMatchObject({ id: deal!.id, title: 'Website audit', value: 2500, currency: 'USD', stage: 'proposal', closeDate: '2030-03-31', contactId: ada.id, contactName: 'Ada Lovelace', companyName: 'Analytical' });
    expect(got.notes.map((n) => n.text)).toEqual(['Asked for a discount.']);
    expect(got.activity.map((e) => e.type)).toEqual(['deal.stage_changed', 'deal.opened']);

    // Close the panel (Escape): focus goes back to the card.
    await panel.getByRole('heading', { level: 2, name: 'Website audit' }).focus();
    await page.keyboard.press('Escape');
    await expect(panel).toHaveCount(0);
    await expect(page).toHaveURL(/#\/pipeline$/);
    await expect(moved.getByRole('button', { name: 'Website audit', exact: true })).toBeFocused();
    // A click on the card opens it again.
    await moved.locator('.crm-deal-value').click();
    await expect(panel.getByRole('heading', { level: 2, name: 'Website audit' })).toBeVisible();

    // The board follows deals changed elsewhere (the query cache, invalidated by deal events): no Refresh.
    const other = await f.api('deals.create', { title: 'Made through the API', value: 900, contactId: ada.id });
    const otherCard = page.getByTestId('column-qualification').locator(`[data-deal="${other.id}"]`);
    await expect(otherCard.getByRole('button', { name: 'Made through the API', exact: true })).toBeVisible();
    await f.api('deals.update', { id: other.id, stage: 'negotiation' });
    await expect(otherCard).toHaveCount(0);
    await expect(page.getByTestId('column-negotiation').locator(`[data-deal="${other.id}"]`)).toBeVisible();

    // New deal from a contact's page: the contact is set; the deal lists there and links to its panel.
    await page.goto(`${f.server.url}#/contacts?id=${ada.id}`);
    const deals = page.getByRole('region', { name: 'Deals' });
    await deals.getByRole('button', { name: 'New deal' }).click();
    const fromContact = page.getByRole('dialog', { name: 'New deal with Ada Lovelace' });
    await expect(fromContact.getByLabel('Contact (optional)')).toHaveCount(0);
    await fromContact.getByLabel('Title').fill('Retainer');
    await fromContact.getByLabel('Value').fill('300');
    await fromContact.getByLabel('Stage').selectOption('negotiation');
    await fromContact.getByRole('button', { name: 'Create deal' }).click();
    await expect(fromContact).toHaveCount(0);
    await expect(deals.getByRole('link', { name: 'Retainer' })).toBeVisible();
    await expect(deals.getByRole('button', { name: 'New deal' })).toBeFocused();
    const retainer = (await stored()).find((d) => d.title === 'Retainer');
    expect(retainer).toMatchObject({ contactId: ada.id, value: 300, stage: 'negotiation', closeDate: null });
    await expect(deals.getByRole('link', { name: 'Retainer' })).toHaveAttribute('href', `#/pipeline?deal=${retainer!.id}`);

    // A short page with many deals: compact cards, each column scrolls its own list (the page does not grow with the deals).
    for (let i = 0; i < 40; i++) await f.api('deals.create', { contactId: ada.id, title: `Bulk ${i}`, value: i * 10 });
    await page.goto(`${f.server.url}#/pipeline`);
    const qual = page.getByTestId('column-qualification');
    await expect(qual.locator('[data-count]')).toHaveAttribute('data-count', '40');
    await expect(qual.locator('[data-deal]')).toHaveCount(40);
    const cardHeight = (await qual.locator('[data-deal]').first().boundingBox())!.height;
    const pageHeight = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } }).document.documentElement.scrollHeight);
    console.log(`pipeline with 40 deals in a column: card ${Math.round(cardHeight)} px, page ${pageHeight} px (window 860 px)`);
    expect(cardHeight).toBeLessThan(100);
    expect(pageHeight).toBeLessThan(2 * 860);
  } finally {
    await f.stop();
  }
});
