/**
 * Contacts (virtual table, detail with score explanation, CSV import, scoring rules)
 * and the Pipeline board (drag and drop, the keyboard "Move to" menu, rollback).
 * The server's data folder is shared with the other spec files: numbers are compared
 * with what the API answers, never with constants, and every record made here has a
 * unique name.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { ensureDemo } from './demo';
import { expect, openPage, test } from './fixtures';
import { SHOTS, shootSchemes } from './shots';

mkdirSync(SHOTS, { recursive: true });
const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

test.describe.configure({ mode: 'serial' });


const shoot = (page: Page, name: string, whole = false) => shootSchemes(page, `contacts-${name}`, whole);

const row = (page: Page, index: number) => page.locator(`.ct-body [role="row"][aria-rowindex="${index + 2}"]`);

test('the table shows the API total, scrolls to the end, sorts and searches like the API, and opens a contact with its score explanation', async ({ app, baton }) => {
  test.setTimeout(120_000);
  const total = await ensureDemo(3000);
  expect(total).toBeGreaterThan(500);
  await openPage(app, 'Contacts');
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(total));
  await expect(app.getByTestId('contact-total')).toHaveText(`${total.toLocaleString('en-US')} contacts`);
  const first = (await baton.api('contacts.list', { limit: 1 })).rows[0]!;
  await expect(row(app, 0)).toContainText(first.email);
  await shoot(app, 'table');

  // Deep scroll: the last row is fetched (page by offset) and rendered.
  const last = (await baton.api('contacts.list', { offset: total - 1, limit: 1 })).rows[0]!;
  await app.locator('.ct-body').evaluate((el) => (el as unknown as { scrollTop: number; scrollHeight: number }).scrollTop = (el as unknown as { scrollHeight: number }).scrollHeight);
  await expect(row(app, total - 1)).toContainText(last.email);
  // Only the rows in view are in the DOM.
  expect(await app.locator('.ct-body [role="row"]').count()).toBeLessThan(80);

  // Sort by score, highest first: the first row is the API's first row.
  const scoreHeader = app.getByRole('columnheader', { name: /Score/ });
  await scoreHeader.getByRole('button').click();
  await expect(scoreHeader).toHaveAttribute('aria-sort', 'descending');
  const top = (await baton.api('contacts.list', { sort: { field: 'score', dir: 'desc' }, limit: 3 })).rows;
  await expect(row(app, 0)).toContainText(top[0]!.email);
  await expect(row(app, 0).getByTestId('score')).toHaveText(String(top[0]!.score));
  await expect(row(app, 1)).toContainText(top[1]!.email);
  await scoreHeader.getByRole('button').click();
  await expect(scoreHeader).toHaveAttribute('aria-sort', 'ascending');
  const bottom = (await baton.api('contacts.list', { sort: { field: 'score', dir: 'asc' }, limit: 1 })).rows[0]!;
  await expect(row(app, 0)).toContainText(bottom.email);

  // Search finds a known contact (the one with the most points, so its explanation has lines).
  const known = top[0]!;
  const search = known.email.split('@')[0]!;
  const found = await baton.api('contacts.list', { search, limit: 1 });
  await app.getByRole('searchbox', { name: 'Search' }).fill(search);
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(found.total));
  await expect(app.locator('.ct-body')).toContainText(known.email);

  // Stage filter: the count matches the API's.
  const customers = await baton.api('contacts.list', { search, filter: { conditions: [{ kind: 'field', field: 'stage', op: 'eq', value: 'customer' }] }, limit: 1 });
  await app.getByLabel('Stage').selectOption('customer');
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(customers.total));
  await app.getByLabel('Stage').selectOption('');
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(found.total));

  // Open it: the address keeps the id; the explanation is the API's.
  await app.locator('.ct-body [role="row"]', { hasText: known.email }).getByRole('link').click();
  await expect(app).toHaveURL(new RegExp(`#/contacts\\?id=${known.id}$`));
  const detail = await baton.api('contacts.get', { id: known.id });
  await expect(app.getByTestId('contact-name')).toBeVisible();
  await expect(app.getByTestId('score-total')).toHaveText(String(detail.score.total));
  await expect(app.getByTestId('contact-score')).toContainText(String(detail.score.total));
  const lines = app.getByTestId('score-explanation').locator('tbody tr');
  await expect(lines).toHaveCount(detail.score.lines.length);
  for (const [i, l] of detail.score.lines.entries()) {
    await expect(lines.nth(i)).toHaveAttribute('data-rule', l.rule);
    await expect(lines.nth(i).locator('td').nth(2)).toHaveText(l.points > 0 ? `+${l.points}` : String(l.points));
  }
  const timeline = app.getByRole('list', { name: 'Activity, newest first' }).locator('li');
  await expect(timeline).toHaveCount(detail.timeline.length);
  if (detail.timeline.length) await expect(timeline.first()).toContainText(detail.timeline[0]!.type);
  await shoot(app, 'detail', true);

  // A reload of the address opens the same contact; Back returns to the list.
  await app.reload();
  await expect(app.getByTestId('score-total')).toHaveText(String(detail.score.total));
  await app.getByRole('button', { name: '← All contacts' }).click();
  await expect(app).toHaveURL(/#\/contacts$/);
  await expect(app.getByRole('table', { name: 'Contacts' })).toBeVisible();
});

test('a search matching more than 1,000 contacts says "1,000+ contacts match"; scrolling to the end counts them all', async ({ app, baton }) => {
  test.setTimeout(120_000);
  // Its own 1,200 matches (the shared server's contacts may be fewer than 1,000): imported, so they
  // start no workflow; the search term is their e-mails' common part (the trigram path of a wide search).
  const term = `wide${stamp}`;
  const csv = ['email,first_name', ...Array.from({ length: 1200 }, (_, i) => `${term}-${i}@example.com,Wide${i}`)].join('\n') + '\n';
  expect((await baton.api('contacts.import', { csv, file: `wide-${stamp}.csv` })).created).toBe(1200);
  // The API's exact count (no totalUpTo) is the yardstick.
  const all = await baton.api('contacts.list', { search: term, limit: 1 });
  expect(all.total).toBe(1200);
  const capped = await baton.api('contacts.list', { search: term, limit: 1, totalUpTo: 1000 });
  expect({ total: capped.total, totalCapped: capped.totalCapped }).toEqual({ total: 1000, totalCapped: true });
  await openPage(app, 'Contacts');
  await app.getByRole('searchbox', { name: 'Search' }).fill(term);
  const count = app.getByTestId('contact-total');
  await expect(count).toHaveAttribute('data-capped', 'true');
  await expect(count).toHaveAttribute('data-total', '1000');
  await expect(count).toContainText('1,000+ contacts match');
  // The end of the first 1,000: the table asks for the exact count, and the last match can be reached.
  const body = app.locator('.ct-body');
  const toEnd = () => body.evaluate((el) => ((el as unknown as { scrollTop: number }).scrollTop = (el as unknown as { scrollHeight: number }).scrollHeight));
  await toEnd();
  await expect(count).toHaveAttribute('data-total', String(all.total));
  await expect(count).not.toHaveAttribute('data-capped', 'true');
  await expect(count).toHaveText(`${all.total.toLocaleString('en-US')} contacts match`);
  const last = (await baton.api('contacts.list', { search: term, offset: all.total - 1, limit: 1 })).rows[0]!;
  await toEnd();
  await expect(row(app, all.total - 1)).toContainText(last.email);
});

test('importing a CSV imports the valid rows and reports the bad one with its line and reason; a segment filters the table', async ({ app, baton }) => {
  const segment = await baton.api('segments.save', { name: `E2E import ${stamp}`, filter: { conditions: [{ kind: 'tag', op: 'has', tag: `e2e-${stamp}` }] } });
  await openPage(app, 'Contacts');
  const csv = ['email,first_name,last_name,tags', `imp-a-${stamp}@example.com,Ida,Import,e2e-${stamp}`, `not-an-email-${stamp},Bad,Row,`, `imp-b-${stamp}@example.com,Ivo,Import,e2e-${stamp}`].join('\n') + '\n';
  await app.getByRole('button', { name: 'Import CSV…' }).click();
  await app.getByLabel('CSV file to import').setInputFiles({ name: `contacts-${stamp}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  // The file is checked first: what it would create, and which workflows the import would start (the core's own sentence).
  const preview = app.getByTestId('import-preview');
  await expect(preview).toBeVisible({ timeout: 15_000 });
  await expect(preview).toContainText('2 new contacts');
  const plan = await baton.api('contacts.import.preview', { csv, file: `contacts-${stamp}.csv` });
  await expect(app.getByTestId('import-workflows')).toHaveText(plan.workflows.summary);
  expect((await baton.api('contacts.list', { search: `imp-a-${stamp}` })).total).toBe(0); // nothing written yet
  await app.getByRole('button', { name: 'Import 2 rows' }).click();
  const report = app.getByTestId('import-report');
  await expect(report).toBeVisible();
  await expect(app.getByTestId('import-created')).toHaveText('2');
  await expect(app.getByTestId('import-invalid')).toHaveText('1');
  const bad = app.getByRole('table', { name: 'Rows not imported' }).locator('tbody tr');
  await expect(bad).toHaveCount(1);
  await expect(bad.first().locator('td').first()).toHaveText('3');
  await expect(bad.first()).toContainText(/e-?mail/i);
  // The valid rows are really there.
  const imported = await baton.api('contacts.list', { search: `imp-`, filter: { conditions: [{ kind: 'tag', op: 'has', tag: `e2e-${stamp}` }] } });
  expect(imported.rows.map((r) => r.email).sort()).toEqual([`imp-a-${stamp}@example.com`, `imp-b-${stamp}@example.com`]);
  // The table finds them.
  await app.getByRole('searchbox', { name: 'Search' }).fill(`imp-a-${stamp}`);
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', '1');
  await expect(app.locator('.ct-body')).toContainText(`imp-a-${stamp}@example.com`);
  await shoot(app, 'import', true);

  // The segment (saved before the import) now counts the two, live; choosing it filters the table.
  await app.getByRole('button', { name: 'Clear filters' }).click();
  await expect(app.getByLabel('Segment').locator('option', { hasText: `E2E import ${stamp} (2)` })).toHaveCount(1);
  await app.getByLabel('Segment').selectOption(String(segment.id));
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', '2');
  await expect(app.locator('.ct-body [role="row"]')).toHaveCount(2);
  await baton.api('segments.delete', { id: segment.id });
});

test('scoring rules: bad JSON names the field, a good edit saves and re-scores, a .json file imports', async ({ app, baton }) => {
  test.setTimeout(90_000);
  const original = await baton.api('scoring.rules.get', {});
  const contact = await baton.api('contacts.create', { email: `score-${stamp}@example.com`, firstName: 'Sally', tags: [`vip-${stamp}`] });
  try {
    await openPage(app, 'Contacts');
    // Tabs follow the arrow keys (they wrap: left of the first is the last).
    await app.getByRole('tab', { name: 'All contacts' }).focus();
    await app.keyboard.press('ArrowLeft');
    await expect(app.getByRole('tab', { name: 'Scoring rules' })).toBeFocused();
    await expect(app.getByRole('tab', { name: 'Scoring rules' })).toHaveAttribute('aria-selected', 'true');
    await expect(app).toHaveURL(/#\/contacts\?view=scoring$/);
    await expect(app.getByLabel('MQL at (points)')).toHaveValue(String(original.thresholds.mql));
    await app.getByRole('button', { name: 'JSON', exact: true }).click();
    const editor = app.getByLabel('Scoring rules (JSON)');
    await expect(editor).toHaveValue(JSON.stringify(original, null, 2));

    // Invalid: the SQL threshold below the MQL one, and a rule with a bad id.
    const bad = { ...original, thresholds: { mql: 50, sql: 10 }, fit: [...original.fit, { id: 'Bad Id', when: { kind: 'tag', op: 'has', tag: 'x' }, points: 1 }] };
    await editor.fill(JSON.stringify(bad, null, 2));
    await app.getByRole('button', { name: 'Save and re-score' }).click();
    const alert = app.locator('.sr-errors');
    await expect(alert).toContainText('thresholds.sql');
    await expect(alert).toContainText(`fit.${original.fit.length}.id`);
    await expect(editor).toHaveAttribute('aria-invalid', 'true');
    // Not JSON at all: the line is named.
    await editor.fill('{\n  "thresholds": {\n    "mql": 40,,\n  }\n}');
    await app.getByRole('button', { name: 'Save and re-score' }).click();
    await expect(alert).toContainText(/line 3/);
    expect(await baton.api('scoring.rules.get', {})).toEqual(original); // nothing saved
    await shoot(app, 'scoring-error', true);

    // Good: a fit rule for this test's tag, +7.
    const ruleId = `e2e-vip-${stamp}`.toLowerCase();
    const good = { ...original, fit: [...original.fit, { id: ruleId, label: 'E2E VIP', when: { kind: 'tag', op: 'has', tag: `vip-${stamp}` }, points: 7 }] };
    await editor.fill(JSON.stringify(good, null, 2));
    await app.getByRole('button', { name: 'Save and re-score' }).click();
    const done = app.getByTestId('rescored');
    await expect(done).toContainText(/Saved\. Re-scored [\d,]+ contacts?: [\d,]+ scores? changed/, { timeout: 60_000 });
    const saved = await baton.api('scoring.rules.get', {});
    expect(saved.fit.map((r) => r.id)).toContain(ruleId);
    const rescored = Number((await done.textContent())!.match(/Re-scored ([\d,]+)/)![1]!.replace(/,/g, ''));
    expect(rescored).toBeGreaterThanOrEqual((await baton.api('contacts.list', { limit: 1 })).total);
    const after = await baton.api('contacts.get', { id: contact.id });
    expect(after.score.lines.find((l) => l.rule === ruleId)?.points).toBe(7);
    await app.getByRole('button', { name: 'Form', exact: true }).click();
    await expect(app.getByLabel(`Fit rule ${saved.fit.length} Label (optional)`)).toHaveValue('E2E VIP');
    await app.getByRole('button', { name: 'JSON', exact: true }).click();

    // Import from a file: it loads into the editor, checked; saving applies it (back to the original rules).
    await app.locator('input[type="file"][accept*="json"]').setInputFiles({ name: 'rules.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(original)) });
    await expect(app.getByText('rules.json')).toBeVisible();
    await expect(editor).toHaveValue(JSON.stringify(original));
    await app.getByRole('button', { name: 'Save and re-score' }).click();
    await expect(done).toBeVisible({ timeout: 60_000 });
    expect(await baton.api('scoring.rules.get', {})).toEqual(original);
    await shoot(app, 'scoring', true);
  } finally {
    await baton.api('scoring.rules.set', { config: original });
    await baton.api('contacts.delete', { id: contact.id });
  }
});

test('pipeline: drag a deal to another stage, move one from the keyboard, and a failed move rolls back', async ({ app, baton }) => {
  test.setTimeout(90_000);
  const pipe = await baton.api('pipeline.get', {});
  const [s0, s1, s2] = pipe.stages;
  expect(s2).toBeDefined();
  const c = await baton.api('contacts.create', { email: `deal-${stamp}@example.com`, firstName: 'Dora', lastName: 'Deal' });
  const dragDeal = await baton.api('deals.create', { contactId: c.id, title: `Drag me ${stamp}`, stage: s0!.id as 'qualification', value: 1234 });
  const keyDeal = await baton.api('deals.create', { contactId: c.id, title: `Keyboard ${stamp}`, stage: s0!.id as 'qualification', value: 500 });
  const failDeal = await baton.api('deals.create', { contactId: c.id, title: `Refused ${stamp}`, stage: s0!.id as 'qualification', value: 10 });
  const staleDays = (s0!.limitDays ?? 7) + 5;
  await baton.api('deals.create', { contactId: c.id, title: `Old ${stamp}`, stage: s0!.id as 'qualification', value: 99, openedAt: new Date(Date.now() - staleDays * 86_400_000).toISOString() });

  await openPage(app, 'Pipeline');
  const col = (id: string) => app.getByTestId(`column-${id}`);
  const card = (title: string) => app.locator('.crm-deal', { hasText: title });
  // Column counts are the API's.
  for (const s of pipe.stages) {
    const n = (await baton.api('deals.list', { stage: s.id, limit: 1 })).total;
    await expect(col(s.id).locator('[data-count]')).toHaveAttribute('data-count', String(n));
  }
  await expect(col(s0!.id).locator('.crm-deal', { hasText: `Drag me ${stamp}` })).toBeVisible();
  await expect(card(`Drag me ${stamp}`)).toContainText('Dora Deal');
  await expect(card(`Drag me ${stamp}`)).toContainText('0 days in stage');
  if (s0!.limitDays !== null) await expect(card(`Old ${stamp}`).getByTestId('days-in-stage')).toHaveText(`Stale: ${staleDays} days (limit ${s0!.limitDays})`);
  await shoot(app, 'pipeline');

  // Drag and drop (HTML5 DnD).
  const before1 = (await baton.api('deals.list', { stage: s1!.id, limit: 1 })).total;
  await card(`Drag me ${stamp}`).dragTo(col(s1!.id));
  await expect(col(s1!.id).locator('.crm-deal', { hasText: `Drag me ${stamp}` })).toBeVisible();
  await expect.poll(async () => (await baton.api('deals.list', { contactId: c.id })).rows.find((d) => d.id === dragDeal.id)?.stage).toBe(s1!.id);
  await expect(col(s1!.id).locator('[data-count]')).toHaveAttribute('data-count', String(before1 + 1));
  await expect(app.getByRole('status').filter({ hasText: `Moved “Drag me ${stamp}” to ${s1!.name}.` })).toHaveCount(1);

  // Keyboard: the card's "Move to…" menu button (Enter opens it on the first other stage).
  const menuButton = (title: string) => app.getByRole('button', { name: `Move to… “${title}”` });
  const menu = (title: string) => app.getByRole('menu', { name: `Move “${title}” to` });
  await menuButton(`Keyboard ${stamp}`).focus();
  await app.keyboard.press('Enter');
  await expect(menu(`Keyboard ${stamp}`).getByRole('menuitem', { name: s1!.name })).toBeFocused();
  await app.keyboard.press('ArrowDown');
  await expect(menu(`Keyboard ${stamp}`).getByRole('menuitem', { name: s2!.name })).toBeFocused();
  await app.keyboard.press('Enter');
  await expect(col(s2!.id).locator('.crm-deal', { hasText: `Keyboard ${stamp}` })).toBeVisible();
  await expect.poll(async () => (await baton.api('deals.list', { contactId: c.id })).rows.find((d) => d.id === keyDeal.id)?.stage).toBe(s2!.id);
  await expect(menuButton(`Keyboard ${stamp}`)).toBeFocused();

  // The server refuses: the card goes back and the reason is shown.
  await app.route('**/api/v1/deals.update', (route) =>
    route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: { code: 'conflict', message: 'Simulated refusal for the test.' } }) }),
  );
  await menuButton(`Refused ${stamp}`).click();
  await menu(`Refused ${stamp}`).getByRole('menuitem', { name: s1!.name }).click();
  await expect(app.getByRole('alert')).toContainText(`Could not move “Refused ${stamp}” to ${s1!.name}: Simulated refusal for the test.`);
  await expect(col(s0!.id).locator('.crm-deal', { hasText: `Refused ${stamp}` })).toBeVisible();
  await expect(col(s1!.id).locator('.crm-deal', { hasText: `Refused ${stamp}` })).toHaveCount(0);
  expect((await baton.api('deals.list', { contactId: c.id })).rows.find((d) => d.id === failDeal.id)?.stage).toBe(s0!.id);
  await app.unroute('**/api/v1/deals.update');
  await shoot(app, 'pipeline-moved');

  // Closing a deal asks first: dismissed, nothing moves; accepted, it is won.
  const won = pipe.stages.find((s) => s.id === 'won');
  if (won) {
    app.once('dialog', (d) => void d.dismiss());
    await menuButton(`Refused ${stamp}`).click();
    await menu(`Refused ${stamp}`).getByRole('menuitem', { name: won.name }).click();
    await expect(col(s0!.id).locator('.crm-deal', { hasText: `Refused ${stamp}` })).toBeVisible();
    expect((await baton.api('deals.list', { contactId: c.id })).rows.find((d) => d.id === failDeal.id)?.wonAt).toBeNull();
    app.once('dialog', (d) => void d.accept());
    await menuButton(`Refused ${stamp}`).click();
    await menu(`Refused ${stamp}`).getByRole('menuitem', { name: won.name }).click();
    await expect(col('won').locator('.crm-deal', { hasText: `Refused ${stamp}` })).toContainText('Won');
    await expect.poll(async () => (await baton.api('deals.list', { contactId: c.id })).rows.find((d) => d.id === failDeal.id)?.wonAt).not.toBeNull();
  }
});

test('a failing API shows what failed and a Retry that recovers, on both pages', async ({ app, baton }) => {
  const fail = (route: import('@playwright/test').Route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'Simulated outage.' } }) });
  await app.route('**/api/v1/contacts.list', fail);
  await openPage(app, 'Contacts');
  await expect(app.getByRole('alert')).toContainText('Could not load contacts');
  await expect(app.getByRole('alert')).toContainText('Simulated outage.');
  await app.unroute('**/api/v1/contacts.list', fail);
  await app.getByRole('button', { name: 'Retry' }).click();
  const { total } = await baton.api('contacts.list', { limit: 1 });
  await expect(app.getByTestId('contact-total')).toHaveAttribute('data-total', String(total));

  await app.route('**/api/v1/deals.list', fail);
  await openPage(app, 'Pipeline');
  await expect(app.getByRole('alert')).toContainText('Could not load the pipeline');
  await app.unroute('**/api/v1/deals.list', fail);
  await app.getByRole('button', { name: 'Retry' }).click();
  const first = (await baton.api('pipeline.get', {})).stages[0]!;
  const n = (await baton.api('deals.list', { stage: first.id, limit: 1 })).total;
  await expect(app.getByTestId(`column-${first.id}`).locator('[data-count]')).toHaveAttribute('data-count', String(n));
});
