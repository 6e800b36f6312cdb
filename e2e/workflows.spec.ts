/**
 * Workflows and Runs pages against the real server: import (paste) with validation,
 * run now, a failed run explained and retried, the global pause switch on a
 * per-second schedule, enable/disable, and the graph's per-node counts.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import type { RunSummary } from '../shared/api';
import { expect, openPage, test, type BatonServerInfo } from './fixtures';
import { shootSchemes } from './shots';

const uid = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

const shoot = (page: Page, name: string) => shootSchemes(page, name, true);

/** Collect CSP violations and page errors: the pages must render under the server's strict CSP. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    // (index.html's meta CSP notes that frame-ancestors only works as a header: not a violation.)
    if (m.type() === 'error' && /Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

async function importThroughUi(app: Page, definition: unknown): Promise<void> {
  await openPage(app, 'Workflows');
  const toggle = app.getByRole('button', { name: 'Import workflow' });
  if (await toggle.isVisible()) await toggle.click();
  await app.getByLabel('Workflow definition (JSON)').fill(JSON.stringify(definition, null, 2));
  await app.getByRole('button', { name: 'Import', exact: true }).click();
}

/** Wait on state: until the runs read by `read` are the same two reads a second apart (what was in flight has landed). */
async function settled(read: () => Promise<RunSummary[]>): Promise<void> {
  const shape = async () => JSON.stringify((await read()).map((r) => [r.id, r.status, r.finishedAt]));
  let last = await shape();
  await expect
    .poll(async () => {
      await new Promise((r) => setTimeout(r, 1000));
      const now = await shape();
      const same = now === last;
      last = now;
      return same;
    })
    .toBe(true);
}

async function waitForRun(baton: BatonServerInfo, id: string, statuses: RunSummary['status'][]): Promise<RunSummary> {
  let last: RunSummary | undefined;
  await expect
    .poll(
      async () => {
        last = await baton.api('runs.get', { id });
        return statuses.includes(last.status);
      },
    )
    .toBe(true);
  return last!;
}

/** A local HTTP service that answers 500 until it is "fixed". */
async function startFlakyService(): Promise<{ url: string; hits: () => number; fix: () => void; close: () => Promise<void> }> {
  let broken = true;
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    if (broken) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'database is down' }));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, items: 3 }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    fix: () => {
      broken = false;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test('import by pasting JSON: it appears in the list; a broken definition names node, field and rule, and changes nothing', async ({ app, baton }) => {
  const problems = watchConsole(app);
  const id = `greeter-${uid()}`;
  const good = {
    id,
    name: `Greeter ${id}`,
    description: 'Says hello.',
    nodes: [
      { id: 'greet', type: 'set', params: { values: { hello: '=input.name ? input.name : "world"' } } },
      { id: 'shout', type: 'transform', params: { expression: '$uppercase(prev.hello)' } },
    ],
    edges: [{ from: 'greet', to: 'shout' }],
  };
  await importThroughUi(app, good);
  await expect(app.getByTestId('import-result')).toContainText(`Imported Greeter ${id}`);
  const row = app.locator(`[data-testid="workflow-row"][data-id="${id}"]`);
  await expect(row).toContainText(`Greeter ${id}`);
  await expect(row.getByTestId('wf-enabled')).toHaveText('Enabled');
  const stored = await baton.api('workflows.get', { id });
  expect(stored.workflow.version).toBe(1);

  // Not JSON at all.
  await app.getByLabel('Workflow definition (JSON)').fill('{ "id": ');
  await app.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(app.getByRole('alert').filter({ hasText: 'Nothing was imported' })).toContainText('not valid JSON');

  // Valid JSON, invalid workflow: every problem with its node, field and rule.
  const bad = {
    ...good,
    nodes: [
      good.nodes[0],
      { id: 'shout', type: 'transform', params: { expression: '$uppercase(prev.hello' } },
      { id: 'post', type: 'http.request', params: { method: 'POST' } },
    ],
    edges: [
      { from: 'greet', to: 'shout' },
      { from: 'shout', to: 'post' },
    ],
  };
  const expected = await baton.api('workflows.validate', { definition: bad });
  expect(expected.ok).toBe(false);
  await app.getByLabel('Workflow definition (JSON)').fill(JSON.stringify(bad, null, 2));
  await app.getByRole('button', { name: 'Import', exact: true }).click();
  const issues = app.getByTestId('import-issue');
  await expect(issues).toHaveCount(expected.issues.length);
  for (const [n, issue] of expected.issues.entries()) {
    await expect(issues.nth(n).getByRole('cell').nth(0)).toHaveText(issue.nodeId ?? '—');
    await expect(issues.nth(n).getByRole('cell').nth(1)).toHaveText(issue.path);
    await expect(issues.nth(n).getByRole('cell').nth(2)).toHaveText(issue.message);
  }
  await expect(issues.filter({ hasText: 'nodes.1.params.expression' })).toContainText('shout');
  await expect(issues.filter({ hasText: 'nodes.2.params.url' })).toContainText('missing required parameter "url"');
  await expect(app.getByTestId('import-issues')).toContainText('Nothing was imported: 2 problems');
  await shoot(app, 'workflows-import-errors');
  // Nothing changed: same version, same definition.
  const after = await baton.api('workflows.get', { id });
  expect(after.workflow.version).toBe(1);
  expect(after.definition).toEqual(stored.definition);

  // "Check only" validates without storing.
  await app.getByLabel('Workflow definition (JSON)').fill(JSON.stringify({ ...good, description: 'checked only' }));
  await app.getByRole('button', { name: 'Check only' }).click();
  await expect(app.getByText('No problems found. Import it when ready.')).toBeVisible();
  expect((await baton.api('workflows.get', { id })).workflow.description).toBe('Says hello.');

  // A file chosen from disk fills the editor; importing the same id stores version 2.
  await app.getByRole('button', { name: 'Clear' }).click();
  await expect(app.getByLabel('Workflow definition (JSON)')).toHaveValue('');
  await app.getByLabel('Choose a file').setInputFiles({ name: `${id}.json`, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ ...good, description: 'Says hello, louder.' })) });
  await expect(app.getByLabel('Workflow definition (JSON)')).toHaveValue(/Says hello, louder/);
  await app.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(app.getByTestId('import-result')).toContainText(`Updated Greeter ${id} (${id}), version 2`);
  expect((await baton.api('workflows.get', { id })).workflow.version).toBe(2);
  // Both versions on its page; the older one downloads as stored.
  await app.getByRole('button', { name: 'Open it' }).click();
  await expect(app.getByRole('heading', { level: 1, name: `Greeter ${id}` })).toBeVisible();
  await expect(app.locator('.page-intro')).toHaveText('Says hello, louder.');
  await app.getByLabel('Version', { exact: true }).selectOption('1');
  const download = app.waitForEvent('download');
  await app.getByRole('button', { name: 'Download this version' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${id}.v1.json`);
  expect(JSON.parse(readFileSync(await file.path(), 'utf8'))).toEqual((await baton.api('workflows.export', { id, version: 1 })).definition);
  expect(problems).toEqual([]);
});

test('Run now: the run succeeds in Runs with its steps, and the graph shows per-node counts equal to the API', async ({ app, baton }) => {
  const problems = watchConsole(app);
  const id = `router-${uid()}`;
  await baton.api('workflows.import', {
    definition: {
      id,
      name: `Router ${id}`,
      nodes: [
        { id: 'check', type: 'condition', name: 'Is it big?', params: { if: 'input.amount > 100' } },
        { id: 'big', type: 'set', params: { values: { route: 'sales' } } },
        { id: 'small', type: 'set', params: { values: { route: 'self-serve' } } },
        { id: 'done', type: 'log', params: { message: '="routed to " & prev.route' } },
      ],
      edges: [
        { from: 'check', to: 'big', branch: 'true' },
        { from: 'check', to: 'small', branch: 'false' },
        { from: 'big', to: 'done' },
        { from: 'small', to: 'done' },
      ],
    },
  });
  // Two runs with input through the API (big path), then one from the UI (no input: the small path).
  for (const amount of [500, 900]) {
    const { runId } = await baton.api('runs.start', { workflow: id, input: { amount } });
    await waitForRun(baton, runId, ['succeeded']);
  }

  await openPage(app, 'Workflows');
  const row = app.locator(`[data-testid="workflow-row"][data-id="${id}"]`);
  await row.getByRole('button', { name: `Run now: Router ${id}` }).click();
  const link = app.getByTestId('started-run-link');
  await expect(link).toBeVisible();
  const runId = ((await link.textContent()) ?? '').replace('Open run ', '').trim();
  expect(runId).toMatch(/^r_/);
  await waitForRun(baton, runId, ['succeeded']);
  await expect(row.getByTestId('wf-last-status')).toHaveAttribute('data-status', 'succeeded');
  await expect(row.getByTestId('wf-success')).toContainText('100%');
  await shoot(app, 'workflows-list');

  // The run in Runs: its steps and output, the same as the API's.
  await link.click();
  await expect(app.getByRole('heading', { level: 1, name: `Run of Router ${id}` })).toBeVisible();
  expect(app.url()).toContain(`#/runs?run=${runId}`);
  await expect(app.getByTestId('run-status')).toHaveAttribute('data-status', 'succeeded');
  const detail = await baton.api('runs.get', { id: runId });
  const steps = app.getByTestId('step');
  await expect(steps).toHaveCount(detail.steps.length);
  for (const [n, s] of detail.steps.entries()) {
    await expect(steps.nth(n)).toHaveAttribute('data-node', s.nodeId);
    await expect(steps.nth(n)).toHaveAttribute('data-status', s.status);
  }
  expect(detail.steps.map((s) => `${s.nodeId}:${s.status}`).sort()).toEqual(['big:skipped', 'check:succeeded', 'done:succeeded', 'small:succeeded']);
  await app.getByText('Run output').click();
  await expect(app.getByRole('region', { name: 'Summary' }).locator('pre').last()).toContainText('routed to self-serve');
  // A reload keeps the run open (it lives in the address).
  await app.reload();
  await expect(app.getByTestId('run-id')).toHaveText(runId);

  // The graph: one box per node with the counts of workflows.nodeStats.
  await app.getByRole('link', { name: `workflow ${id}` }).click();
  await expect(app.getByRole('heading', { level: 1, name: `Router ${id}` })).toBeVisible();
  expect(app.url()).toContain(`#/workflows?wf=${id}`);
  const stats = await baton.api('workflows.nodeStats', { id });
  expect(stats.runs).toBe(3);
  expect(stats.nodes.check?.succeeded).toBe(3);
  expect(stats.nodes.big).toMatchObject({ succeeded: 2, skipped: 1 });
  for (const node of ['check', 'big', 'small', 'done']) {
    const box = app.getByTestId(`graph-node-${node}`);
    const s = stats.nodes[node]!;
    await expect(box).toHaveAttribute('data-succeeded', String(s.succeeded));
    await expect(box).toHaveAttribute('data-failed', String(s.failed));
    await expect(box).toHaveAttribute('data-skipped', String(s.skipped));
  }
  await expect(app.getByTestId('graph-node-check')).toContainText('Is it big?');
  await expect(app.getByTestId('graph-node-check')).toContainText('condition');
  await expect(app.getByTestId('workflow-graph').locator('.react-flow__edge')).toHaveCount(4);
  // Run with input from the detail page; the counts follow live.
  await app.getByText('Run with input…').click();
  const inputBox = app.getByLabel('Run input (JSON)');
  await inputBox.fill('{ "amount": ');
  await app.getByRole('button', { name: 'Start run with this input' }).click();
  await expect(app.getByText(/This is not valid JSON/)).toBeVisible();
  await inputBox.fill('{ "amount": 1000 }');
  await app.getByRole('button', { name: 'Start run with this input' }).click();
  const started = app.getByTestId('started-run-link');
  await expect(started).toBeVisible();
  const withInput = ((await started.textContent()) ?? '').replace('Open run ', '').trim();
  const finishedRun = await waitForRun(baton, withInput, ['succeeded']);
  expect(finishedRun.status).toBe('succeeded');
  expect((await baton.api('runs.get', { id: withInput })).output).toEqual({ message: 'routed to sales' });
  await expect(app.getByTestId('graph-node-big')).toHaveAttribute('data-succeeded', '3');
  await expect(app.getByTestId('graph-node-check')).toHaveAttribute('data-succeeded', '4');
  expect((await baton.api('workflows.nodeStats', { id })).nodes.big?.succeeded).toBe(3);

  // Export downloads the stored definition.
  const download = app.waitForEvent('download');
  await app.getByRole('button', { name: 'Export JSON' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${id}.json`);
  const exported = JSON.parse(readFileSync(await file.path(), 'utf8')) as unknown;
  expect(exported).toEqual((await baton.api('workflows.export', { id })).definition);
  await shoot(app, 'workflows-detail');
  expect(problems).toEqual([]);
});

test('a failed run: find it in Runs, read why, fix the cause, Retry from the UI and see it succeed', async ({ app, baton }) => {
  const problems = watchConsole(app);
  const service = await startFlakyService();
  const id = `sync-${uid()}`;
  try {
    await baton.api('workflows.import', {
      definition: {
        id,
        name: `Inventory sync ${id}`,
        nodes: [
          { id: 'fetch', type: 'http.request', params: { url: `${service.url}/inventory` }, retry: { maxAttempts: 2, initialDelay: '100ms', jitter: false } },
          { id: 'count', type: 'transform', params: { expression: 'prev.body.items' } },
        ],
        edges: [{ from: 'fetch', to: 'count' }],
        settings: { escalateOnFailure: 'none' },
      },
    });
    const { runId } = await baton.api('runs.start', { workflow: id });
    const failed = await waitForRun(baton, runId, ['failed', 'succeeded']);
    expect(failed.status).toBe('failed');
    expect(service.hits()).toBe(2);

    // A newcomer: Runs, filter on the workflow and "Failed", open the run.
    await openPage(app, 'Runs');
    await app.getByLabel('Workflow').selectOption(id);
    await app.getByLabel('Status').selectOption('failed');
    const rows = app.getByTestId('run-row');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-id', runId);
    await expect(rows.first()).toContainText(failed.error!.message);
    await shoot(app, 'runs-list');
    await rows.first().getByRole('link', { name: runId }).click();

    const why = app.getByTestId('why-failed');
    await expect(why).toBeVisible();
    await expect(app.getByTestId('run-error')).toContainText(failed.error!.message);
    await expect(app.getByTestId('run-error')).toContainText('fetch');
    expect(failed.error!.message).toMatch(/500/);
    const step = app.locator('[data-testid="step"][data-node="fetch"]');
    await expect(step).toHaveAttribute('data-status', 'failed');
    await expect(step.getByTestId('step-error')).toContainText('500');
    const attempts = (await baton.api('runs.get', { id: runId })).steps.find((s) => s.nodeId === 'fetch')!.history;
    expect(attempts).toHaveLength(2);
    await step.getByText(/Attempt history/).click();
    const tries = step.getByRole('list', { name: 'Attempts of fetch' }).getByRole('listitem');
    await expect(tries).toHaveCount(2);
    await expect(tries.nth(1)).toContainText(attempts[1]!.error!.message);
    await expect(app.getByRole('button', { name: 'Cancel run' })).toHaveCount(0);
    await shoot(app, 'runs-detail-failed');

    // Fix the cause, then Retry.
    service.fix();
    await app.getByRole('button', { name: 'Retry' }).click();
    await expect(app.getByTestId('run-status')).toHaveAttribute('data-status', 'succeeded');
    await expect(why).toHaveCount(0);
    await expect(step).toHaveAttribute('data-status', 'succeeded');
    await expect(app.locator('[data-testid="step"][data-node="count"]')).toHaveAttribute('data-status', 'succeeded');
    const done = await baton.api('runs.get', { id: runId });
    expect(done.status).toBe('succeeded');
    expect(done.output).toBe(3);
    expect(service.hits()).toBe(3);
    // (still open from before: the step's element is kept across updates)
    if (!(await step.locator('details.attempts').evaluate((d) => (d as unknown as { open: boolean }).open))) await step.getByText(/Attempt history/).click();
    await expect(tries).toHaveCount(3);
    await expect(tries.nth(2)).toContainText('after Retry');
    await shoot(app, 'runs-detail-retried');
    await app.setViewportSize({ width: 420, height: 860 });
    await shoot(app, 'runs-detail-narrow');
    await app.setViewportSize({ width: 1280, height: 860 });
    // The sidebar's Runs goes back to the list from deep in a run.
    await openPage(app, 'Runs');
    await expect(app.getByTestId('run-row').first()).toBeVisible();
    expect(app.url()).toMatch(/#\/runs$/);
  } finally {
    await service.close();
  }
  expect(problems).toEqual([]);
});

test('an expression error shows the expression and the message on the run and its step', async ({ app, baton }) => {
  const id = `price-${uid()}`;
  await baton.api('workflows.import', {
    definition: { id, name: `Price ${id}`, nodes: [{ id: 'total', type: 'transform', params: { expression: 'input.price * input.quantity' } }] },
  });
  const { runId } = await baton.api('runs.start', { workflow: id, input: { price: 'ten', quantity: 2 } });
  const failed = await waitForRun(baton, runId, ['failed', 'succeeded']);
  expect(failed.status).toBe('failed');
  expect(failed.error?.expression).toBe('input.price * input.quantity');
  await app.goto(`${baton.url}#/runs?run=${runId}`);
  const why = app.getByTestId('why-failed');
  await expect(why).toContainText(failed.error!.message);
  await expect(why).toContainText('In the expression input.price * input.quantity');
  const step = app.locator('[data-testid="step"][data-node="total"]').getByTestId('step-error');
  await expect(step).toContainText(failed.error!.message);
  await expect(step).toContainText('Expression: input.price * input.quantity');
  await app.getByRole('button', { name: 'Go to step total' }).click();
  await expect(app.locator('[data-testid="step"][data-node="total"]')).toBeFocused();
});

test('a new run appears live in the filtered Runs list, and an active run can be cancelled from its page', async ({ app, baton }) => {
  const id = `hold-${uid()}`;
  await baton.api('workflows.import', { definition: { id, name: `Hold ${id}`, nodes: [{ id: 'nap', type: 'wait', params: { duration: '1h' } }] } });
  await app.goto(`${baton.url}#/runs?workflow=${id}`);
  await expect(app.getByRole('heading', { level: 1, name: 'Runs' })).toBeVisible();
  await expect(app.getByLabel('Workflow')).toHaveValue(id);
  await expect(app.getByText('No run matches these filters')).toBeVisible();
  // Started elsewhere: it arrives over the event stream, no reload.
  const { runId } = await baton.api('runs.start', { workflow: id });
  const row = app.locator(`[data-testid="run-row"][data-id="${runId}"]`);
  await expect(row).toHaveAttribute('data-status', 'waiting');
  await row.getByRole('link', { name: runId }).click();
  await expect(app.getByTestId('run-status')).toHaveAttribute('data-status', 'waiting');
  await expect(app.locator('[data-testid="step"][data-node="nap"]')).toContainText('Waiting for');
  await expect(app.getByRole('button', { name: 'Retry' })).toHaveCount(0);
  await app.getByRole('button', { name: 'Cancel run' }).click();
  await expect(app.getByRole('button', { name: 'Keep it running' })).toBeFocused();
  await app.keyboard.press('Enter');
  await expect(app.getByRole('button', { name: 'Cancel run' })).toBeVisible();
  expect((await baton.api('runs.get', { id: runId })).status).toBe('waiting');
  await app.getByRole('button', { name: 'Cancel run' }).click();
  await app.getByRole('button', { name: 'Yes, cancel it' }).click();
  await expect(app.getByTestId('run-status')).toHaveAttribute('data-status', 'cancelled');
  expect((await baton.api('runs.get', { id: runId })).status).toBe('cancelled');
  // A cancelled run can be retried.
  await expect(app.getByRole('button', { name: 'Retry' })).toBeVisible();
  // Back to the list: the filter is kept and the row is cancelled.
  await app.getByRole('link', { name: '← All runs' }).click();
  await expect(app.getByLabel('Workflow')).toHaveValue(id);
  await expect(row).toHaveAttribute('data-status', 'cancelled');
});

test('the Runs list pages through more than one page with Load more', async ({ app, baton }) => {
  const id = `many-${uid()}`;
  await baton.api('workflows.import', { definition: { id, name: `Many ${id}`, nodes: [{ id: 'note', type: 'log', params: { message: '=input.n' } }] } });
  const ids: string[] = [];
  for (let n = 0; n < 57; n++) ids.push((await baton.api('runs.start', { workflow: id, input: { n } })).runId);
  await expect.poll(async () => (await baton.api('runs.list', { workflow: id, status: 'succeeded', limit: 100 })).runs.length).toBe(57);
  await app.goto(`${baton.url}#/runs?workflow=${id}`);
  const rows = app.getByTestId('run-row');
  await expect(rows).toHaveCount(50);
  const first = await baton.api('runs.list', { workflow: id, limit: 50 });
  await expect(rows.first()).toHaveAttribute('data-id', first.runs[0]!.id);
  await expect(rows.last()).toHaveAttribute('data-id', first.runs[49]!.id);
  await app.getByRole('button', { name: 'Load more' }).click();
  await expect(rows).toHaveCount(57);
  await expect(app.getByText('57 runs shown, all of them')).toBeVisible();
  await expect(app.getByRole('button', { name: 'Load more' })).toHaveCount(0);
  const shown = await rows.evaluateAll((els) => els.map((e) => (e as unknown as { getAttribute(name: string): string | null }).getAttribute('data-id')));
  expect(new Set(shown)).toEqual(new Set(ids));
  // Date filters (the browser's days): from today matches all, from tomorrow none; From after To is explained.
  const day = (offset: number) => {
    const d = new Date(Date.now() + offset * 86_400_000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  await app.getByLabel('From').fill(day(0));
  await expect(rows).toHaveCount(50);
  expect(app.url()).toContain(`from=${day(0)}`);
  await app.getByLabel('From').fill(day(1));
  await expect(app.getByText('No run matches these filters')).toBeVisible();
  await app.getByLabel('To').fill(day(0));
  await expect(app.getByRole('alert').filter({ hasText: 'The "From" date is after the "To" date' })).toBeVisible();
  await app.getByLabel('From').fill('');
  await expect(rows).toHaveCount(50);
  await app.getByLabel('To').fill('');
  // Status filter: none failed.
  await app.getByLabel('Status').selectOption('failed');
  await expect(app.getByText('No run matches these filters')).toBeVisible();
  expect(app.url()).toContain('status=failed');
  await app.getByRole('button', { name: 'Clear filters' }).click();
  await expect(app.getByLabel('Workflow')).toHaveValue('');
});

test('the pause switch stops a per-second schedule; resume starts it again; disabling stops it too', async ({ app, baton }) => {
  const id = `ticker-${uid()}`;
  const finished = async () => (await baton.api('runs.list', { workflow: id, limit: 1000 })).runs.filter((r) => r.finishedAt !== null);
  const all = async () => (await baton.api('runs.list', { workflow: id, limit: 1000 })).runs;
  const wasPaused = (await baton.api('engine.status', {})).paused;
  expect(wasPaused).toBe(false);
  try {
    await baton.api('workflows.import', {
      definition: {
        id,
        name: `Ticker ${id}`,
        trigger: { type: 'schedule', cron: '* * * * * *', timezone: 'UTC', catchUp: 'skip' },
        nodes: [{ id: 'tick', type: 'log', params: { message: '=input.fireAt' } }],
      },
    });
    await expect.poll(async () => (await finished()).length).toBeGreaterThanOrEqual(2);

    await openPage(app, 'Workflows');
    const row = app.locator(`[data-testid="workflow-row"][data-id="${id}"]`);
    await expect(row).toContainText('Schedule * * * * * * (UTC)');
    await expect(row.getByTestId('wf-last-status')).toBeVisible();
    await app.getByRole('button', { name: 'Pause all' }).click();
    await expect(app.getByTestId('engine-state')).toContainText('Paused.');
    await expect(app.getByTestId('engine-card')).toHaveAttribute('data-paused', 'true');
    expect((await baton.api('engine.status', {})).paused).toBe(true);
    await shoot(app, 'workflows-paused');

    // Let anything already in flight settle (the runs stop changing), then watch: nothing starts and nothing completes while paused.
    await settled(all);
    const before = await all();
    const doneBefore = before.filter((r) => r.finishedAt !== null).length;
    await app.waitForTimeout(3500); // the window watched (an absence has no state to wait for): three ticks of the per-second schedule
    const during = await all();
    expect(during.length).toBe(before.length);
    expect(during.filter((r) => r.finishedAt !== null).length).toBe(doneBefore);

    await app.getByRole('button', { name: 'Resume all' }).click();
    await expect(app.getByTestId('engine-state')).toContainText('Running.');
    expect((await baton.api('engine.status', {})).paused).toBe(false);
    await expect.poll(async () => (await finished()).length).toBeGreaterThan(doneBefore);

    // Disable from the list: the schedule stops starting runs.
    const toggle = row.getByRole('switch', { name: `Ticker ${id} enabled` });
    await expect(toggle).toHaveAttribute('aria-checked', 'true');
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-checked', 'false');
    await expect(row.getByTestId('wf-enabled')).toHaveText('Disabled');
    expect((await baton.api('workflows.get', { id })).workflow.enabled).toBe(false);
    await settled(all);
    const offCount = (await all()).length;
    await app.waitForTimeout(2500); // the window watched: two ticks of the per-second schedule
    expect((await all()).length).toBe(offCount);
    // And enable again from the detail page.
    await row.getByRole('link', { name: `Ticker ${id}` }).click();
    const detailSwitch = app.getByRole('switch', { name: `Ticker ${id} enabled` });
    await expect(detailSwitch).toHaveAttribute('aria-checked', 'false');
    await detailSwitch.click();
    await expect(detailSwitch).toHaveAttribute('aria-checked', 'true');
    expect((await baton.api('workflows.get', { id })).workflow.enabled).toBe(true);
    await expect.poll(async () => (await all()).length).toBeGreaterThan(offCount);
  } finally {
    // Leave the shared server as it was: running, and this ticker off.
    if ((await baton.api('engine.status', {})).paused) await baton.api('engine.resumeAll', {});
    await baton.api('workflows.disable', { id }).catch(() => undefined);
  }
});

test('the docs example: import it from a file, watch it fire on its schedule, approve, see the run finish', async ({ app, baton }) => {
  // The "Hello Baton" workflow of docs/workflows.md, made quick: every 2 seconds, a 1 s wait, a local receiver.
  const docs = readFileSync(resolve(import.meta.dirname, '..', 'docs', 'workflows.md'), 'utf8');
  const block = [...docs.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('"hello-baton"'));
  expect(block).toBeDefined();
  const example = JSON.parse(block!) as { id: string; name: string; trigger: Record<string, unknown>; nodes: { id: string; params: Record<string, unknown> }[] };
  const receiver = await startFlakyService();
  receiver.fix();
  const id = `hello-${uid()}`;
  example.id = id;
  example.name = `Hello Baton ${id}`;
  example.trigger = { ...example.trigger, cron: '*/2 * * * * *', catchUp: 'skip' };
  for (const n of example.nodes) {
    if (n.id === 'pause') n.params.duration = '1s';
    if (n.id === 'send') n.params.url = `${receiver.url}/greetings`;
  }
  try {
    await openPage(app, 'Workflows');
    await app.getByRole('button', { name: 'Import workflow' }).click();
    await app.getByLabel('Choose a file').setInputFiles({ name: 'hello.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(example, null, 2)) });
    await expect(app.getByLabel('Workflow definition (JSON)')).toHaveValue(/hello-baton|Hello Baton/);
    await app.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(app.getByTestId('import-result')).toContainText(`Imported Hello Baton ${id}`);
    const row = app.locator(`[data-testid="workflow-row"][data-id="${id}"]`);
    await expect(row).toContainText('Schedule */2 * * * * *');
    // It fires: the row's last run appears (waiting for the approval) without a reload; then switch it off.
    await expect(row.getByTestId('wf-last-status')).toHaveAttribute('data-status', 'waiting');
    await row.getByRole('switch', { name: `Hello Baton ${id} enabled` }).click();
    await expect(row.getByTestId('wf-enabled')).toHaveText('Disabled');
    const runs = (await baton.api('runs.list', { workflow: id })).runs;
    const run = runs[runs.length - 1]!;
    expect(run.trigger.type).toBe('schedule');

    // Runs: the run waits at the approval.
    await app.goto(`${baton.url}#/runs?workflow=${id}`);
    const runRow = app.locator(`[data-testid="run-row"][data-id="${run.id}"]`);
    await expect(runRow).toHaveAttribute('data-status', 'waiting');
    await runRow.getByRole('link', { name: run.id }).click();
    const ask = app.locator('[data-testid="step"][data-node="ask"]');
    await expect(ask).toHaveAttribute('data-status', 'waiting');
    await expect(ask).toContainText('Waiting for');
    await expect(app.getByRole('button', { name: 'Cancel run' })).toBeVisible();

    // Approve (the Approvals page's job; here through the API), and watch the run finish live.
    const approval = (await baton.api('approvals.list', { status: 'pending', limit: 1000 })).approvals.find((a) => a.runId === run.id)!;
    expect(approval.title).toContain('Send the greeting for');
    await baton.api('approvals.decide', { id: approval.id, decision: 'approve', payload: { text: 'Hello, edited' } });
    await expect(app.getByTestId('run-status')).toHaveAttribute('data-status', 'succeeded');
    for (const node of ['ask', 'pause', 'send']) await expect(app.locator(`[data-testid="step"][data-node="${node}"]`)).toHaveAttribute('data-status', 'succeeded');
    await expect(app.locator('[data-testid="step"][data-node="skip"]')).toHaveAttribute('data-status', 'skipped');
    await expect(ask).toContainText('approved');
    expect(receiver.hits()).toBe(1);
  } finally {
    await baton.api('workflows.disable', { id }).catch(() => undefined);
    for (const r of (await baton.api('runs.list', { workflow: id, limit: 1000 })).runs) {
      if (['queued', 'running', 'waiting'].includes(r.status)) await baton.api('runs.cancel', { id: r.id }).catch(() => undefined);
    }
    await receiver.close();
  }
});
