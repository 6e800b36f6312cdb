import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openPage, test } from './fixtures';
import { SHOTS } from './shots';
import { freshServer } from './fresh';

const DAY = 86_400_000;

test('pipeline stages edited in the UI: bad values named and nothing saved; a time limit set here is what pipeline.scan uses; a stage holding deals is not removed', async ({ page }) => {
  test.setTimeout(120_000);
  const f = await freshServer('pipeline');
  try {
    const nina = await f.api('contacts.create', { email: 'nina@stale.test', firstName: 'Nina' });
    const deal = await f.api('deals.create', { contactId: nina.id, title: 'Nina deal', stage: 'negotiation', value: 500, openedAt: new Date(Date.now() - 10 * DAY).toISOString() });
    const omar = await f.api('contacts.create', { email: 'omar@proposal.test', firstName: 'Omar' });
    await f.api('deals.create', { contactId: omar.id, title: 'Omar deal', stage: 'proposal', value: 100 });
    const before = await f.api('pipeline.get', {});
    // Nothing is stale under the default 21-day limit.
    expect((await f.api('pipeline.scan', {})).stale).toBe(0);

    await f.open(page);
    await openPage(page, 'Pipeline');
    await page.getByRole('button', { name: 'Configure stages' }).click();
    const editor = page.getByTestId('stages-editor');
    await expect(editor.getByTestId('stage-row')).toHaveCount(4);
    const nego = editor.locator('[data-testid=stage-row][data-stage=negotiation]');
    await expect(nego.getByLabel('Id')).toHaveValue('negotiation');
    await expect(nego.getByLabel('Id')).toHaveAttribute('readonly', '');

    // A bad limit and a bad currency are named by field; Save stores nothing.
    await nego.getByLabel('Time limit (days)').fill('ten');
    await expect(nego.getByText('stages.2.limitDays: use a number of days, or leave it empty for no limit')).toBeVisible();
    await expect(nego.getByLabel('Time limit (days)')).toHaveAttribute('aria-invalid', 'true');
    await editor.getByLabel('Currency').fill('US');
    await expect(editor.getByText(/^autoCreate\.currency: /)).toBeVisible();
    await editor.getByRole('button', { name: 'Save pipeline' }).click();
    await expect(editor.getByTestId('stages-problems')).toContainText('stages.2.limitDays, autoCreate.currency');
    expect(await f.api('pipeline.get', {})).toEqual(before);
    mkdirSync(SHOTS, { recursive: true });
    await nego.screenshot({ path: join(SHOTS, 'pipeline-config-errors.png') });

    // Good values: a 5-day limit, a new name and task, a new stage moved into place, auto-create on SQL off.
    await editor.getByLabel('Currency').fill('EUR');
    await nego.getByLabel('Time limit (days)').fill('5');
    await nego.getByLabel('Name').fill('Negotiating');
    await nego.getByLabel('Task created at this stage').fill('Call {{name}} about the terms');
    await editor.getByRole('button', { name: 'Add a stage' }).click();
    await expect(editor.getByTestId('stage-row')).toHaveCount(5);
    const added = editor.getByTestId('stage-row').nth(3);
    await expect(added.getByLabel('Name')).toBeFocused();
    await page.keyboard.type('Demo booked');
    await expect(added.getByLabel('Id')).toHaveValue('demo-booked');
    await added.getByLabel('Time limit (days)').fill('2');
    await added.getByLabel('Entry events').fill('demo.booked, meeting.booked');
    await added.getByRole('button', { name: 'Move up Demo booked' }).click();
    await expect(editor.getByRole('button', { name: 'Move up Demo booked' })).toBeFocused();
    await editor.getByLabel('When a contact reaches SQL').uncheck();
    await editor.getByRole('button', { name: 'Save pipeline' }).click();
    await expect(editor.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();

    const after = await f.api('pipeline.get', {});
    expect(after.stages.map((s) => s.id)).toEqual(['qualification', 'proposal', 'demo-booked', 'negotiation', 'won']);
    expect(after.stages[2]).toEqual({ id: 'demo-booked', name: 'Demo booked', enterOn: ['demo.booked', 'meeting.booked'], limitDays: 2, task: null });
    expect(after.stages[3]).toMatchObject({ id: 'negotiation', name: 'Negotiating', limitDays: 5, task: 'Call {{name}} about the terms' });
    expect(after.autoCreate).toEqual({ onSql: false, onDemoRequest: true, value: 0, currency: 'EUR' });

    // The board follows: the renamed column and the deal marked stale against the new limit.
    const col = page.getByTestId('column-negotiation');
    await expect(col.getByRole('heading', { name: 'Negotiating' })).toBeVisible();
    await expect(col.getByText('Limit 5 days')).toBeVisible();
    await expect(col.locator(`[data-deal="${deal.id}"]`).getByTestId('days-in-stage')).toHaveText('Stale: 10 days (limit 5)');
    await expect(page.getByTestId('column-demo-booked')).toBeVisible();

    // The core uses the limit typed in the UI: the scan raises the stale-deal escalation.
    expect((await f.api('pipeline.scan', {})).stale).toBe(1);
    const esc = await f.api('escalations.list', { limit: 20 });
    expect(esc.escalations.map((e) => `${e.title} | ${e.detail}`)).toContainEqual(`Stale deal: Nina deal | Deal ${deal.id} has been in Negotiating for 10 days (limit 5).`);

    // Proposal holds Omar's open deal: removing it is refused with the reason, nothing changes.
    const proposal = editor.locator('[data-testid=stage-row][data-stage=proposal]');
    await expect(proposal.locator('legend')).toContainText('1 open');
    await proposal.getByRole('button', { name: 'Remove Proposal' }).click();
    await expect(editor.getByTestId('stage-blocked')).toHaveText(/“Proposal” still holds 1 open deal: move it to another stage on the board first/);
    await expect(editor.getByTestId('stage-row')).toHaveCount(5);
    // The new stage takes deals: Omar's moves there from the keyboard ("Move to…"), and Proposal, now empty, can go.
    const omarCard = page.locator(`[data-deal]`).filter({ hasText: 'Omar deal' });
    await omarCard.getByRole('button', { name: 'Move to… “Omar deal”' }).click();
    await page.getByRole('menu', { name: 'Move “Omar deal” to' }).getByRole('menuitem', { name: 'Demo booked' }).click();
    await expect(page.getByTestId('column-demo-booked').getByRole('heading', { name: 'Omar deal' })).toBeVisible();
    expect((await f.api('deals.list', { stage: 'demo-booked' })).total).toBe(1);
    await expect(editor.locator('[data-testid=stage-row][data-stage=demo-booked] legend')).toContainText('1 open');
    await expect(proposal.locator('legend')).not.toContainText('open');
    await proposal.getByRole('button', { name: 'Remove Proposal' }).click();
    await expect(editor.getByTestId('stage-row')).toHaveCount(4);
    await editor.getByRole('button', { name: 'Save pipeline' }).click();
    await expect(editor.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
    expect((await f.api('pipeline.get', {})).stages.map((s) => s.id)).toEqual(['qualification', 'demo-booked', 'negotiation', 'won']);
    await expect(page.getByTestId('column-proposal')).toHaveCount(0);

    await page.setViewportSize({ width: 1280, height: 2000 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: join(SHOTS, `pipeline-config-${scheme}.png`), fullPage: true });
    }
    // A deal opened elsewhere after the editor loaded: the core still refuses to drop its stage, and the editor says so.
    await editor.locator('[data-testid=stage-row][data-stage=qualification]').getByRole('button', { name: 'Remove Qualification' }).click();
    await expect(editor.getByTestId('stage-row')).toHaveCount(3);
    const pia = await f.api('contacts.create', { email: 'pia@late.test', firstName: 'Pia' });
    await f.api('deals.create', { contactId: pia.id, title: 'Pia deal', stage: 'qualification' });
    await editor.getByRole('button', { name: 'Save pipeline' }).click();
    await expect(editor.getByRole('alert')).toContainText('The pipeline was not saved');
    await expect(editor.getByRole('alert')).toContainText('cannot remove "Qualification" (1 open deal); move those deals to another stage first');
    expect((await f.api('pipeline.get', {})).stages.map((s) => s.id)).toEqual(['qualification', 'demo-booked', 'negotiation', 'won']);

    // Cancel drops an unsaved edit.
    await editor.locator('[data-testid=stage-row][data-stage=won]').getByLabel('Name').fill('Closed');
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await expect(editor).toHaveCount(0);
    expect((await f.api('pipeline.get', {})).stages.map((s) => s.name)).toEqual(['Qualification', 'Demo booked', 'Negotiating', 'Won']);
  } finally {
    await f.stop();
  }
});
