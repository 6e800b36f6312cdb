/**
 * The Approvals inbox against the real server: decisions move runs on (the approved
 * branch POSTs to a local sink this test runs), edits reach the sink, the keyboard
 * clears ten items, bulk approve, a decision while the sink is down shows "queued"
 * and is delivered once it is back, AI items, untrusted HTML, 10 000 rows, and a
 * decision saved in the browser while Baton itself is down.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { Approval, OpInput, OpName, OpOutput } from '../shared/api';
import { expect, openPage, test, type BatonServerInfo } from './fixtures';
import { SHOTS } from './shots';
import { baton as cli, startServer, type RunningServer } from './server';

const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

interface Hit {
  method: string;
  url: string;
  body: string;
}

/** An HTTP receiver on a fixed port that can be stopped (connection refused) and started again. */
async function startSink() {
  const hits: Hit[] = [];
  let server: Server | null = null;
  let port = 0;
  const listen = async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hits.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((ok) => server!.listen(port, '127.0.0.1', ok));
    port = (server!.address() as AddressInfo).port;
  };
  await listen();
  return {
    hits,
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    sent: () => hits.filter((h) => h.url === '/send').map((h) => JSON.parse(h.body) as Record<string, unknown>),
    stop: () =>
      new Promise<void>((ok) => {
        if (!server) return ok();
        server.closeAllConnections();
        server.close(() => ok());
        server = null;
      }),
    start: listen,
  };
}
type Sink = Awaited<ReturnType<typeof startSink>>;

type Api = <N extends OpName>(name: N, input: OpInput<N>) => Promise<OpOutput<N>>;

/** approval -> approved: POST the (edited) payload to the sink; rejected: record the reason. */
function offerWorkflow(id: string, sinkUrl: string, payload: unknown = { to: '=input.email', subject: "='Hello ' & input.name", text: 'Thanks for your interest.' }) {
  return {
    id,
    name: `Inbox ${id}`,
    nodes: [
      { id: 'ask', type: 'approval', params: { title: "='Offer for ' & input.name", payload, confidence: 0.8, timeout: '48h', reason: 'New lead with a high score' } },
      { id: 'send', type: 'http.request', params: { method: 'POST', url: `${sinkUrl}/send`, body: '=prev.payload' }, retry: { maxAttempts: 40, initialDelay: '1s', factor: 1.5, maxDelay: '2s', jitter: false } },
      { id: 'drop', type: 'set', params: { values: { rejected: '=prev.reason' } } },
    ],
    edges: [
      { from: 'ask', to: 'send', branch: 'approved' },
      { from: 'ask', to: 'drop', branch: 'rejected' },
    ],
  };
}

async function startRuns(api: Api, workflow: string, names: string[]): Promise<Map<string, string>> {
  const runs = new Map<string, string>();
  for (const name of names) runs.set(name, (await api('runs.start', { workflow, input: { name, email: `${name.toLowerCase()}@example.test` } })).runId);
  await expect.poll(async () => (await api('approvals.list', { workflow, status: 'pending' })).approvals.length).toBe(names.length);
  return runs;
}

async function runStatus(api: Api, id: string) {
  return (await api('runs.get', { id })).status;
}

async function approvalsOf(api: Api, workflow: string): Promise<Approval[]> {
  return (await api('approvals.list', { workflow, status: 'all' })).approvals;
}

async function openInbox(page: Page, workflowName: string, count: number) {
  await openPage(page, 'Approvals');
  await page.getByLabel('Workflow').selectOption({ label: workflowName });
  await expect(page.getByTestId('approval-row')).toHaveCount(count);
}

const row = (page: Page, title: string) => page.getByTestId('approval-row').filter({ hasText: title });

let sink: Sink;
test.beforeAll(async () => {
  sink = await startSink();
  mkdirSync(SHOTS, { recursive: true });
});
test.afterAll(async () => {
  await sink.stop();
});

test('approve, reject with a reason, and edit then approve each move the run on', async ({ app, baton }) => {
  test.setTimeout(90_000);
  const wf = `offers-${tag}`;
  await baton.api('workflows.import', { definition: offerWorkflow(wf, sink.url), enable: true });
  const runs = await startRuns(baton.api, wf, ['Ann', 'Bob', 'Cy']);
  await openInbox(app, `Inbox ${wf}`, 3);
  await expect(app.getByTestId('shortcuts')).toContainText('approve');

  // Approve: the email as the recipient sees it, then the run POSTs it.
  await row(app, 'Offer for Ann').getByRole('button').click();
  const detail = app.getByTestId('detail');
  await expect(detail.getByTestId('detail-title')).toHaveText('Offer for Ann');
  await expect(detail.getByTestId('preview')).toHaveAttribute('data-kind', 'email');
  await expect(detail.getByTestId('preview')).toContainText('Hello Ann');
  await expect(detail.getByTestId('preview')).toContainText('ann@example.test');
  await expect(row(app, 'Offer for Ann')).toContainText(`Inbox ${wf}`);
  await expect(row(app, 'Offer for Ann')).toContainText('47 h left');
  await detail.getByRole('button', { name: /^Approve/ }).click();
  await expect.poll(() => runStatus(baton.api, runs.get('Ann')!)).toBe('succeeded');
  expect(sink.sent()).toContainEqual({ to: 'ann@example.test', subject: 'Hello Ann', text: 'Thanks for your interest.' });
  await row(app, 'Offer for Ann').getByRole('button').click();
  await expect(detail.getByTestId('delivery')).toHaveText('delivered');
  await expect(detail.getByTestId('decided-by')).toHaveText('operator');

  // Reject with a reason: the run takes the rejected branch with it.
  await row(app, 'Offer for Bob').getByRole('button').click();
  await app.keyboard.press('r');
  const reason = app.getByLabel('Reason for rejecting');
  await expect(reason).toBeFocused();
  await reason.press('Enter');
  await expect(app.getByText('Give a reason')).toBeVisible();
  await reason.fill('Not a fit this quarter');
  await reason.press('Enter');
  await expect.poll(async () => (await baton.api('runs.get', { id: runs.get('Bob')! })).output).toEqual({ rejected: 'Not a fit this quarter' });
  await expect(row(app, 'Offer for Bob')).toContainText('Rejected');

  // Edit, then approve: the word diff shows the change and the sink gets the edited payload.
  await row(app, 'Offer for Cy').getByRole('button').click();
  await detail.getByRole('button', { name: /^Edit/ }).click();
  await app.getByLabel('Subject').fill('Hello Cy, a special offer');
  await app.getByLabel('Body', { exact: true }).fill('Thanks for your interest. Here is 10% off.');
  await expect(app.getByTestId('edit-diff').locator('ins')).toContainText([', a special offer', ' Here is 10% off.']);
  await app.screenshot({ path: join(SHOTS, 'approvals-edit-light.png') });
  await app.getByRole('button', { name: 'Approve with edits' }).click();
  await expect.poll(() => runStatus(baton.api, runs.get('Cy')!)).toBe('succeeded');
  expect(sink.sent()).toContainEqual({ to: 'cy@example.test', subject: 'Hello Cy, a special offer', text: 'Thanks for your interest. Here is 10% off.' });
  await row(app, 'Offer for Cy').getByRole('button').click();
  await expect(detail.getByTestId('edit-diff')).toContainText('Edits made before approving');
  const cy = (await approvalsOf(baton.api, wf)).find((a) => a.title === 'Offer for Cy')!;
  expect(cy).toMatchObject({ status: 'approved', decidedPayload: { subject: 'Hello Cy, a special offer' } });

  await app.emulateMedia({ colorScheme: 'light' });
  await app.screenshot({ path: join(SHOTS, 'approvals-decided-light.png') });
  await app.emulateMedia({ colorScheme: 'dark' });
  await app.screenshot({ path: join(SHOTS, 'approvals-decided-dark.png') });
  await app.emulateMedia({ colorScheme: 'light' });
});

test('the keyboard clears ten approvals; shortcuts do not fire while typing; bulk approve', async ({ app, baton }) => {
  test.setTimeout(120_000);
  const wf = `keys-${tag}`;
  await baton.api('workflows.import', { definition: offerWorkflow(wf, sink.url), enable: true });
  const names = Array.from({ length: 10 }, (_, i) => `K${String(i).padStart(2, '0')}`);
  await startRuns(baton.api, wf, names);
  await openInbox(app, `Inbox ${wf}`, 10);

  // Typing "a" in the search box searches, it does not approve.
  const search = app.getByLabel('Search');
  await search.fill('a');
  await search.fill('');
  await expect.poll(async () => (await approvalsOf(baton.api, wf)).filter((a) => a.status === 'pending').length).toBe(10);

  await app.getByRole('heading', { level: 1, name: 'Approvals' }).click();
  const active = app.locator('[data-testid="approval-row"] button[aria-current="true"]');
  const first = await active.textContent();
  await app.keyboard.press('j');
  await expect(active).not.toHaveText(first!);
  await app.keyboard.press('k');
  await expect(active).toHaveText(first!);

  await app.keyboard.press('x');
  await expect(app.getByTestId('bulk-bar')).toContainText('1 selected');
  await app.keyboard.press('x');
  await expect(app.getByTestId('bulk-bar')).toHaveCount(0);

  for (let i = 0; i < 10; i++) await app.keyboard.press('a');
  await expect.poll(async () => (await approvalsOf(baton.api, wf)).filter((a) => a.status === 'approved').length).toBe(10);
  await expect(app.getByTestId('approval-row').filter({ hasText: 'Approved' })).toHaveCount(10);
  await expect.poll(() => sink.sent().filter((s) => String(s.subject).startsWith('Hello K')).length, { timeout: 60_000 }).toBe(10);

  // Bulk: select all shown, approve in one call.
  const bulk = `bulk-${tag}`;
  await baton.api('workflows.import', { definition: offerWorkflow(bulk, sink.url), enable: true });
  await startRuns(baton.api, bulk, ['B1', 'B2', 'B3', 'B4', 'B5']);
  await app.getByLabel('Workflow').selectOption({ label: `Inbox ${bulk}` });
  await expect(app.getByTestId('approval-row')).toHaveCount(5);
  await app.getByLabel('Select all').check();
  await app.getByRole('button', { name: 'Approve 5 selected' }).click();
  await expect(app.getByTestId('banner')).toHaveText(/Approved 5 of 5/);
  expect((await approvalsOf(baton.api, bulk)).map((a) => a.status)).toEqual(['approved', 'approved', 'approved', 'approved', 'approved']);
});

test('a decision while the network is down shows "queued — sends when online" and is delivered after', async ({ app, baton }) => {
  test.setTimeout(90_000);
  const wf = `net-${tag}`;
  await baton.api('workflows.import', { definition: offerWorkflow(wf, sink.url), enable: true });
  const runs = await startRuns(baton.api, wf, ['Nia']);
  await openInbox(app, `Inbox ${wf}`, 1);
  await app.getByRole('heading', { level: 1, name: 'Approvals' }).click();
  await sink.stop();
  const before = sink.hits.length;
  try {
    await app.keyboard.press('a');
    const detail = app.getByTestId('detail');
    await expect(detail.getByTestId('delivery')).toHaveText('queued — sends when online');
    await expect(row(app, 'Offer for Nia')).toContainText('queued — sends when online');
    await expect(detail).toContainText('ECONNREFUSED');
    expect(await runStatus(baton.api, runs.get('Nia')!)).not.toBe('succeeded');
    const a = (await approvalsOf(baton.api, wf))[0]!;
    expect(a).toMatchObject({ status: 'approved', delivery: 'queued' });
    await app.screenshot({ path: join(SHOTS, 'approvals-queued-light.png') });
  } finally {
    await sink.start();
  }
  await expect(app.getByTestId('detail').getByTestId('delivery')).toHaveText('delivered', { timeout: 60_000 });
  expect(await runStatus(baton.api, runs.get('Nia')!)).toBe('succeeded');
  expect(sink.hits.length).toBeGreaterThan(before);
  expect(sink.sent()).toContainEqual({ to: 'nia@example.test', subject: 'Hello Nia', text: 'Thanks for your interest.' });
});

test('AI items show the draft, review notes, confidence and cost; untrusted HTML runs nothing and loads nothing', async ({ app, baton }) => {
  const wf = `ai-${tag}`;
  const aiPayload = {
    draft: { text: '# Spring offer\n\nHi **Ann**, our *spring plan* saves you time.\n\n- Weekly invoices\n- Reminders' },
    reviewNotes: ['States a price without the currency', 'Second paragraph is long'],
    confidence: 0.62,
    costUsd: 0.0042,
    revisions: 1,
    checklist: ['No prices without currency', 'Under 120 words'],
    history: [],
  };
  await baton.api('workflows.import', { definition: offerWorkflow(wf, sink.url, aiPayload), enable: true });
  const evil = `evil-${tag}`;
  const html = `<p>Hi <b>there</b></p><img src="${sink.url}/pixel.gif" alt="logo"><script>window.__pwned = 1</script><a href="javascript:window.__pwned=2">click</a><p onclick="window.__pwned=3">x</p><iframe src="${sink.url}/frame"></iframe><style>body{display:none}</style>`;
  await baton.api('workflows.import', { definition: offerWorkflow(evil, sink.url, { to: 'x@example.test', subject: 'Tracking test', html }), enable: true });
  await startRuns(baton.api, wf, ['Ann']);
  await startRuns(baton.api, evil, ['Eve']);

  await openInbox(app, `Inbox ${wf}`, 1);
  const detail = app.getByTestId('detail');
  await expect(detail.getByTestId('preview')).toHaveAttribute('data-kind', 'text');
  await expect(detail.getByTestId('preview').locator('strong')).toHaveText('Ann');
  await expect(detail.getByTestId('preview').locator('li')).toHaveText(['Weekly invoices', 'Reminders']);
  await expect(detail.getByTestId('review-notes').locator('li')).toHaveText(aiPayload.reviewNotes);
  await expect(detail.getByTestId('ai-confidence')).toHaveText('62%');
  await expect(detail.getByTestId('ai-cost')).toHaveText('$0.0042');
  await app.screenshot({ path: join(SHOTS, 'approvals-ai-light.png') });
  await app.emulateMedia({ colorScheme: 'dark' });
  await app.screenshot({ path: join(SHOTS, 'approvals-ai-dark.png') });
  await app.emulateMedia({ colorScheme: 'light' });

  await app.getByLabel('Workflow').selectOption({ label: `Inbox ${evil}` });
  await expect(app.getByTestId('approval-row')).toHaveCount(1);
  const pv = app.getByTestId('detail').getByTestId('preview');
  await expect(pv).toContainText('Hi there');
  await expect(pv).toContainText('[image: logo]');
  await expect(pv.locator('script, img, iframe, style, [onclick]')).toHaveCount(0);
  await expect(pv.getByText('click')).not.toHaveAttribute('href', /./);
  await pv.getByText('click').click();
  await pv.getByText('x', { exact: true }).click();
  expect(await app.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(sink.hits.filter((h) => h.url === '/pixel.gif' || h.url === '/frame')).toHaveLength(0);
});

test('10 000 pending approvals: a virtualized list that reaches the last one', async ({ app }) => {
  // The list endpoint answers with 10 000 synthetic items (10 pages), so this measures the UI alone.
  const now = Date.now();
  const items: Approval[] = Array.from({ length: 10_000 }, (_, i) => ({
    id: `a_syn${String(i).padStart(5, '0')}`,
    runId: `r_syn${i}`,
    workflowId: 'synthetic',
    workflowName: 'Synthetic load',
    nodeId: 'ask',
    title: `Synthetic item ${i + 1}`,
    payload: { text: `Body ${i + 1}` },
    confidence: (i % 10) / 10,
    reason: null,
    status: 'pending',
    decidedPayload: null,
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    expiresAt: i % 3 ? new Date(now + (i % 72) * 3_600_000).toISOString() : null,
    createdAt: new Date(now - i * 1000).toISOString(),
    priority: i % 3 === 0 ? 'high' : i % 3 === 1 ? 'normal' : 'low',
    delivery: null,
    deliveryDetail: null,
  }));
  let calls = 0;
  await app.route('**/api/v1/approvals.list', async (route) => {
    calls++;
    const input = route.request().postDataJSON() as { cursor?: string };
    const start = input.cursor ? Number(input.cursor.split('~')[1]) : 0;
    const page = items.slice(start, start + 1000);
    const next = start + 1000 < items.length ? `${page[page.length - 1]!.createdAt}~${start + 1000}` : null;
    await route.fulfill({ json: { result: { approvals: page, pending: items.length, nextCursor: next } } });
  });
  await openPage(app, 'Approvals');
  await expect(app.getByRole('heading', { name: '10000 to decide' })).toBeVisible();
  expect(calls).toBe(10);
  expect(await app.getByTestId('approval-row').count()).toBeLessThan(60);

  // Scroll 200 frames of 10 rows each and record the frame times, then jump to the end.
  const frames = await app.getByTestId('approval-list').evaluate(async (node) => {
    const el = node as unknown as { scrollTop: number; scrollHeight: number };
    const requestAnimationFrame = (globalThis as unknown as { requestAnimationFrame: (cb: () => void) => void }).requestAnimationFrame;
    const times: number[] = [];
    let last = performance.now();
    for (let y = 0; y <= 200 * 720; y += 720) {
      el.scrollTop = y;
      await new Promise<void>((r) => requestAnimationFrame(() => r()));
      const t = performance.now();
      times.push(t - last);
      last = t;
    }
    el.scrollTop = el.scrollHeight;
    await new Promise<void>((r) => requestAnimationFrame(() => r()));
    return times.sort((a, b) => a - b);
  });
  await expect(app.getByText('Synthetic item 10000')).toBeVisible();
  expect(await app.getByTestId('approval-row').count()).toBeLessThan(60);
  const p90 = frames[Math.floor(frames.length * 0.9)]!;
  console.log(`10k list: ${frames.length} scroll frames, median ${frames[Math.floor(frames.length / 2)]!.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms`);
  // A gross-jank guard that holds on a loaded 2-core CI box (rendering all 10 000 rows takes seconds a frame);
  // the log line gives the real numbers (about 16-40 ms a frame on an idle machine).
  expect(p90).toBeLessThan(250);
  // The keyboard moves from the last row too.
  await app.getByText('Synthetic item 10000').click();
  await app.keyboard.press('k');
  await expect(app.locator('[data-testid="approval-row"] button[aria-current="true"]')).toContainText('Synthetic item 9999');
  await app.screenshot({ path: join(SHOTS, 'approvals-10k-light.png') });
  await app.unroute('**/api/v1/approvals.list');
});

// Its own server: this test stops Baton itself while the page stays open.
test('decisions made while Baton is unreachable are saved in the browser, sent on reconnect, and a decision made elsewhere wins', async ({ page }) => {
  test.setTimeout(90_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-approvals-'));
  let server: RunningServer | null = await startServer(dataDir);
  try {
    const own: BatonServerInfo['api'] = async (name, input) => {
      const res = await fetch(new URL(`api/v1/${name}`, server!.url), { method: 'POST', headers: { authorization: `Bearer ${server!.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input ?? {}) });
      const body = (await res.json()) as { result?: unknown; error?: { message: string } };
      if (!res.ok) throw new Error(`${name}: ${body.error?.message}`);
      return body.result as never;
    };
    const wf = `offline-${tag}`;
    await own('workflows.import', { definition: offerWorkflow(wf, sink.url), enable: true });
    await startRuns(own, wf, ['Oda', 'Pia']);
    await page.goto(`${server.url}#token=${server.token}`);
    await openInbox(page, `Inbox ${wf}`, 2);
    const ids = Object.fromEntries((await approvalsOf(own, wf)).map((a) => [a.title, a.id]));

    const port = server.port;
    await server.stop();
    server = null;
    await expect(page.getByTestId('connection')).not.toHaveAttribute('data-state', 'connected');
    await row(page, 'Offer for Oda').getByRole('button').click();
    await page.keyboard.press('a');
    await row(page, 'Offer for Pia').getByRole('button').click();
    await page.keyboard.press('a');
    await expect(page.getByTestId('local-queue')).toContainText('2 decisions saved on this device — sends when connected');
    await expect(row(page, 'Offer for Oda')).toContainText('saved — sends when connected');
    // A reload keeps them (localStorage).
    expect(await page.evaluate(() => (JSON.parse((globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('baton.approvals.queue') ?? '[]') as unknown[]).length)).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'approvals-offline-light.png') });

    // Meanwhile someone rejects Pia from the command line.
    await cli(dataDir, 'approvals', 'decide', ids['Offer for Pia']!, 'reject', '--reason', 'Already a customer', '--by', 'alice');
    server = await startServer(dataDir, port);
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
    await expect(page.getByTestId('local-queue')).toHaveCount(0);
    const after = await approvalsOf(own, wf);
    expect(after.find((a) => a.title === 'Offer for Oda')).toMatchObject({ status: 'approved', decidedBy: 'operator' });
    expect(after.find((a) => a.title === 'Offer for Pia')).toMatchObject({ status: 'rejected', decidedBy: 'alice', decisionReason: 'Already a customer' });
    await row(page, 'Offer for Pia').getByRole('button').click();
    await expect(page.getByTestId('detail-note')).toContainText('already rejected by alice');
    await expect(page.getByTestId('decided-by')).toHaveText('alice');
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
