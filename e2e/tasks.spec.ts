import { expect, openPage, test } from './fixtures';
import { freshServer, type Fresh } from './fresh';
import { shootSchemes } from './shots';

/** Run a workflow to the end (on the server's worker threads) and return its output. */
async function runToEnd(f: Fresh, workflow: string, input: unknown): Promise<unknown> {
  const { runId } = await f.api('runs.start', { workflow, input });
  await expect.poll(async () => (await f.api('runs.get', { id: runId })).status, { timeout: 20_000 }).toBe('succeeded');
  return (await f.api('runs.get', { id: runId })).output;
}

test('tasks a workflow creates show on the Pipeline page and on the contact, live, and are completed there', async ({ page }) => {
  test.setTimeout(90_000);
  const f = await freshServer('tasks');
  try {
    const ada = await f.api('contacts.create', { email: 'ada@tasks.test', firstName: 'Ada', lastName: 'Lovelace' });
    const bob = await f.api('contacts.create', { email: 'bob@tasks.test', firstName: 'Bob' });
    await f.api('workflows.import', {
      definition: {
        id: 'follow-up',
        name: 'Follow-up task',
        nodes: [{ id: 't', type: 'crm.task.create', params: { title: '{{ vars.title }}', vars: { title: '=input.title' }, contactId: '=input.id', due: '=input.due' } }],
      },
    });
    await f.api('workflows.import', {
      definition: {
        id: 'call-task',
        name: 'Call task',
        nodes: [{ id: 't', type: 'crm.task.create', params: { title: 'Call {{ contact.first_name }} about the proposal', contactId: '=input.id', due: '2d' } }],
      },
    });
    await runToEnd(f, 'call-task', { id: ada.id });
    await runToEnd(f, 'call-task', { id: bob.id });

    await f.open(page);
    await openPage(page, 'Pipeline');
    const tasks = page.getByTestId('tasks');
    await expect(tasks.getByRole('row')).toHaveCount(3); // header + 2
    const adaRow = tasks.getByRole('row', { name: /Call Ada about the proposal/ });
    await expect(adaRow.getByRole('link', { name: 'Ada Lovelace' })).toHaveAttribute('href', `#/contacts?id=${ada.id}`);
    await expect(adaRow).toContainText('Workflow call-task');
    await page.getByRole('heading', { name: 'Tasks' }).scrollIntoViewIfNeeded();
    await shootSchemes(page, 'pipeline-tasks', true);

    // Complete one from the list: it leaves the open list, the API has it done, the Done filter shows it.
    await adaRow.getByRole('button', { name: 'Done: Call Ada about the proposal' }).click();
    await expect(tasks.getByRole('row', { name: /Call Ada/ })).toHaveCount(0);
    await expect(page.getByRole('status').filter({ hasText: 'Done: “Call Ada about the proposal”.' })).toBeAttached();
    const adaTasks = (await f.api('tasks.list', { contactId: ada.id })).tasks;
    expect(adaTasks).toMatchObject([{ title: 'Call Ada about the proposal', status: 'done' }]);
    await tasks.getByRole('button', { name: 'Done', exact: true }).click();
    await expect(page).toHaveURL(/#\/pipeline\?tasks=done$/);
    await expect(tasks.getByRole('row', { name: /Call Ada about the proposal/ })).toBeVisible();
    await tasks.getByRole('button', { name: 'Open', exact: true }).click();

    // A task created while the page is open appears without a reload (pushed from the worker thread).
    await runToEnd(f, 'follow-up', { id: bob.id, title: 'Send Bob the contract', due: '1h' });
    await expect(tasks.getByRole('row', { name: /Send Bob the contract/ })).toBeVisible();

    // The contact's page lists its tasks and completes them too.
    await page.goto(`${f.server.url}#/contacts?id=${bob.id}`);
    const mine = page.getByTestId('contact-tasks');
    await expect(mine.getByRole('row')).toHaveCount(3);
    // Open tasks come by due date: the one due in an hour first.
    await expect(mine.getByRole('row').nth(1)).toContainText('Send Bob the contract');
    await page.getByRole('heading', { name: 'Tasks' }).scrollIntoViewIfNeeded();
    await shootSchemes(page, 'contact-tasks', true);
    await mine.getByRole('button', { name: 'Done: Send Bob the contract' }).click();
    await expect(mine.getByRole('row')).toHaveCount(2);
    expect((await f.api('tasks.list', { contactId: bob.id, status: 'open' })).tasks.map((t) => t.title)).toEqual(['Call Bob about the proposal']);
  } finally {
    await f.stop();
  }
});
