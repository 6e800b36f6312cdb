/**
 * What the first run surprised people with, as they meet it now (a server of its own):
 * AI steps waiting for the Anthropic key are counted on the Dashboard's automation health
 * (saving the key and the run/discard prompt: keychain.spec.ts, which has a writable keychain);
 * a workflow enabled after events were recorded does not run for them, and its page offers to
 * run it for them: counted first, started on confirmation, once.
 */
import { expect, openPage, test } from './fixtures';
import { freshServer, type Fresh } from './fresh';
import { shootSchemes } from './shots';

let fresh: Fresh;
test.beforeAll(async () => {
  fresh = await freshServer('waiting');
  await fresh.api('settings.set', { key: 'setup.completed', value: true });
});
test.afterAll(async () => fresh?.stop());

test('the Dashboard counts the AI steps waiting for the Anthropic key and says where to add it', async ({ page }) => {
  await fresh.api('workflows.import', {
    definition: { id: 'hello-ai', name: 'Say hello', nodes: [{ id: 'write', type: 'ai.generate', params: { prompt: 'Say hello.', maxTokens: 50 } }], edges: [] },
  });
  for (let i = 0; i < 3; i++) await fresh.api('runs.start', { workflow: 'hello-ai', input: {} });
  // The server runs them to the point where they wait for the key (state, not time).
  await expect.poll(async () => (await fresh.api('ai.waiting', {})).key).toBe(3);

  await fresh.open(page);
  const fact = page.getByTestId('ai-waiting');
  await expect(fact).toHaveAttribute('data-key', '3');
  await expect(fact).toHaveAttribute('data-budget', '0');
  await expect(fact.getByTestId('ai-waiting-key')).toHaveText(/3 AI steps wait for the Anthropic key\.\s*Add the key in Settings/);
  // No key yet: nothing to decide.
  await expect(fact.getByRole('button', { name: 'Run them' })).toHaveCount(0);
  await fact.scrollIntoViewIfNeeded();
  await shootSchemes(page, 'dashboard-ai-waiting', true);
  await fact.getByRole('button', { name: 'Add the key in Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
});

test("a workflow enabled after events were recorded runs for them only when asked: its page counts them first, then starts them once", async ({ page }) => {
  test.setTimeout(90_000);
  for (let i = 0; i < 4; i++) await fresh.api('events.publish', { type: 'lead.in', data: { n: i, hot: i % 2 === 0 } });
  await fresh.api('workflows.import', {
    definition: {
      id: 'lead-note',
      name: 'Note hot leads',
      trigger: { type: 'event', event: 'lead.in', filter: 'event.data.hot = true' },
      nodes: [{ id: 'note', type: 'log', params: { message: 'hot lead' } }],
      edges: [],
    },
  });
  // A new event runs by itself; the four older ones do not.
  await fresh.api('events.publish', { type: 'lead.in', data: { n: 9, hot: true } });
  await expect.poll(async () => (await fresh.api('runs.list', { workflow: 'lead-note' })).runs.length).toBe(1);

  await fresh.open(page);
  await page.goto(`${fresh.server.url}#/workflows?wf=lead-note`);
  const card = page.locator('#wf-past-events');
  await expect(card).toContainText('Listening for lead.in since');
  await card.getByRole('button', { name: 'Count existing matching events' }).click();
  const count = card.getByTestId('backfill-count');
  await expect(count).toHaveAttribute('data-matching', '2');
  await expect(count).toContainText('2 lead.in events recorded before it listened match its filter (of 4). Dry run: nothing was started.');
  expect((await fresh.api('runs.list', { workflow: 'lead-note' })).runs).toHaveLength(1);

  await count.getByRole('button', { name: 'Run for the 2 existing events…' }).click();
  await expect(count.getByRole('group', { name: 'Confirm the runs' })).toContainText('Start 2 runs now? Each event runs once.');
  await shootSchemes(page, 'workflow-past-events', true);
  await count.getByRole('button', { name: 'Start 2 runs' }).click();
  await expect(card.getByTestId('backfill-result')).toHaveText('Started 2 runs.');
  await expect.poll(async () => (await fresh.api('runs.list', { workflow: 'lead-note' })).runs.length).toBe(3);

  // Again: they already ran, nothing is started twice.
  await card.getByRole('button', { name: 'Count existing matching events' }).click();
  await expect(count).toHaveAttribute('data-to-start', '0');
  await expect(count).toContainText('2 already have a run');
  await expect(count).toContainText('Nothing to run.');
  await openPage(page, 'Workflows');
});
