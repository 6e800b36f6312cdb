/**
 * Needs you now: escalations of one cause (the workflow and the title before its first ": ") show as
 * one group on the dashboard, "See all" opens the Escalations page filtered to that cause, and the
 * whole group is acknowledged in one click; the dashboard follows live.
 */
import { expect, test } from './fixtures';

test('escalations of one cause are one group on the dashboard, listed on the Escalations page and acknowledged in one click', async ({ app, baton }) => {
  const stamp = Date.now().toString(36);
  const id = `e2e-needs-${stamp}`;
  const cause = `Needs-you e2e ${stamp}`;
  await baton.api('workflows.import', {
    definition: {
      id,
      name: `Needs you e2e ${stamp}`,
      nodes: [{ id: 'raise', type: 'escalate', params: { severity: 'critical', title: `="${cause}: item " & $string(input.n)`, detail: 'Raised by e2e/needs-you.spec.ts' } }],
      edges: [],
    },
    enable: true,
  });
  if ((await baton.api('engine.status', {})).paused) await baton.api('engine.resumeAll', {});
  for (const n of [1, 2, 3]) await baton.api('runs.start', { workflow: id, input: { n } });
  const groupOf = async () => (await baton.api('escalations.groups', { state: 'open', workflow: id, limit: 10 })).groups;
  await expect.poll(async () => (await groupOf()).map((g) => [g.title, g.open]), { timeout: 60_000 }).toEqual([[cause, 3]]);
  const key = (await groupOf())[0]!.cause;

  // The dashboard: one item for the three, newest detail, a link to all of them.
  const needs = app.getByRole('list', { name: 'What needs you' });
  const group = needs.locator(`[data-testid="escalation-group"][data-cause="${key}"]`);
  await expect(group).toContainText(`3× ${cause}`);
  await expect(needs.getByTestId('escalation').filter({ hasText: cause })).toHaveCount(0);

  // "See all 3": the Escalations page filtered to the cause lists the three.
  await group.getByRole('link', { name: 'See all 3' }).click();
  await expect(app.getByRole('heading', { level: 1, name: 'Escalations' })).toBeVisible();
  const rows = app.getByRole('table', { name: 'Escalations' }).getByTestId('escalation-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: `${cause}: item 2` })).toHaveCount(1);

  // Back on the dashboard, one click acknowledges the whole group.
  await app.goBack();
  await expect(app.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await group.getByRole('button', { name: `Acknowledge all 3: ${cause}` }).click();
  await expect(group).toHaveCount(0);
  expect(await groupOf()).toEqual([]);
  const acked = (await baton.api('escalations.list', { acknowledged: true, workflow: id, limit: 10 })).escalations;
  expect(acked.map((e) => e.title).sort()).toEqual([1, 2, 3].map((n) => `${cause}: item ${n}`));
  expect(acked.every((e) => e.acknowledgedAt)).toBe(true);
  await baton.api('workflows.disable', { id });
});
