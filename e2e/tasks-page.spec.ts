/**
 * The Tasks view (#/tasks): a task added in the window is stored as typed, the due filters live in
 * the address, Done completes a task, and at 390 px the list is stacked rows with no sideways scroll.
 */
import { expect, openPage, test } from './fixtures';

test('Tasks: add one (an empty title is named, nothing stored), filter by due, complete it; no sideways scroll at 390 px', async ({ app, baton }) => {
  const stamp = Date.now().toString(36);
  // Due long ago: first among the open tasks (by due date), whatever else the store holds.
  const old = await baton.api('tasks.create', { title: `E2E old task ${stamp}`, dueAt: '2000-01-01T09:00:00.000Z' });
  const count = async () => (await baton.api('tasks.list', { limit: 1000 })).tasks.length;
  await openPage(app, 'Tasks');
  const page = app.getByTestId('tasks');
  const form = page.getByRole('form', { name: 'New task' });

  // Bad input: named, nothing stored.
  const before = await count();
  await form.getByRole('button', { name: 'Add task' }).click();
  await expect(form.getByRole('alert')).toHaveText('Say what is to be done.');
  expect(await count()).toBe(before);

  const title = `E2E task ${stamp}`;
  await form.getByLabel('New task').fill(title);
  await form.getByLabel('Due (optional)').fill('2000-01-02T09:00');
  await form.getByRole('button', { name: 'Add task' }).click();
  await expect(form.getByLabel('New task')).toHaveValue('');
  const open = page.getByRole('table', { name: 'Open tasks' });
  await expect(open.getByRole('row').filter({ hasText: title })).toHaveCount(1);
  const mine = (await baton.api('tasks.list', { status: 'open', limit: 1000 })).tasks.find((t) => t.title === title)!;
  expect(new Date(mine.dueAt!).getTime()).toBe(new Date(2000, 0, 2, 9, 0).getTime());

  // Due filters: in the address; both old tasks are overdue.
  await page.getByRole('group', { name: 'Due' }).getByRole('button', { name: 'Overdue' }).click();
  await expect(app).toHaveURL(/#\/tasks\?due=overdue$/);
  await expect(page.getByRole('group', { name: 'Due' }).getByRole('button', { name: 'Overdue' })).toHaveAttribute('aria-pressed', 'true');
  await expect(open.getByRole('row').filter({ hasText: stamp })).toHaveCount(2);

  // Done: off the open list, on the done one, done in the store.
  await open.getByRole('button', { name: `Done: ${title}` }).click();
  await expect(open.getByRole('row').filter({ hasText: title })).toHaveCount(0);
  await expect.poll(async () => (await baton.api('tasks.list', { status: 'done', limit: 1000 })).tasks.some((t) => t.id === mine.id)).toBe(true);
  await page.getByRole('group', { name: 'Show tasks' }).getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('table', { name: 'Done tasks' }).getByRole('row').filter({ hasText: title })).toHaveCount(1);

  // A phone: the open list fits, nothing wider than the screen (DataTable stacks its rows).
  await page.getByRole('group', { name: 'Show tasks' }).getByRole('button', { name: 'Open' }).click();
  await app.setViewportSize({ width: 390, height: 844 });
  await expect(open.getByRole('row').filter({ hasText: old.title })).toBeVisible();
  expect(await app.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await baton.api('tasks.done', { id: old.id });
});
