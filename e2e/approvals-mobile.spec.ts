/**
 * Approvals on a phone (390 x 844, a touch screen) against its own real `baton serve`: the list
 * first, tapping an approval shows its detail with a Back button (and the phone's back), the
 * Approve / Edit / Reject bar stays in view without scrolling however long the draft, approving
 * from it decides the stored approval and moves the run on; no key legend on a touch screen and
 * no sideways scroll.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { Approval } from '../shared/api';
import { expect, test } from './fixtures';
import { startServer, type RunningServer } from './server';
import { SHOTS } from './shots';

/** The browser globals read here (the e2e code is typed without the DOM library). */
type Win = { scrollY: number; innerWidth: number; innerHeight: number; document: { scrollingElement: { scrollWidth: number; scrollHeight: number } } };
const layout = (page: Page) =>
  page.evaluate(() => {
    const w = globalThis as unknown as Win;
    return { scrollY: w.scrollY, innerWidth: w.innerWidth, innerHeight: w.innerHeight, scrollWidth: w.document.scrollingElement.scrollWidth, scrollHeight: w.document.scrollingElement.scrollHeight };
  });

const LONG_TEXT = Array.from({ length: 60 }, (_, i) => `Paragraph ${i + 1}: thanks for your interest in our services, here is what we can do for you.`).join('\n\n');

const workflow = {
  id: 'phone-offers',
  name: 'Phone offers',
  nodes: [
    { id: 'ask', type: 'approval', params: { title: "='Offer for ' & input.name", payload: { to: '=input.email', subject: "='Hello ' & input.name", text: LONG_TEXT }, timeout: '48h', reason: 'A long offer to read on the phone' } },
    { id: 'sent', type: 'set', params: { values: { sent: '=prev.payload.subject' } } },
    { id: 'dropped', type: 'set', params: { values: { rejected: '=prev.reason' } } },
  ],
  edges: [
    { from: 'ask', to: 'sent', branch: 'approved' },
    { from: 'ask', to: 'dropped', branch: 'rejected' },
  ],
};

let server: RunningServer;
let dataDir: string;
let context: BrowserContext;

async function api<T>(op: string, input: unknown = {}): Promise<T> {
  const res = await fetch(new URL(`api/v1/${op}`, server.url), { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await res.json()) as { result: T; error?: { message: string } };
  if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
  return body.result;
}

async function phone(browser: Browser): Promise<Page> {
  context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const page = await context.newPage();
  await page.goto(`${server.url}#token=${server.token}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  return page;
}

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-approvals-mobile-'));
  server = await startServer(dataDir);
  mkdirSync(SHOTS, { recursive: true });
});
test.afterAll(async () => {
  await context?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('at 390 px on a touch screen: list, then detail with Back; Approve in view without scrolling; approving decides the stored approval', async ({ browser }) => {
  await api('workflows.import', { definition: workflow, enable: true });
  const runs: Record<string, string> = {};
  for (const name of ['Ann', 'Bob']) runs[name] = (await api<{ runId: string }>('runs.start', { workflow: workflow.id, input: { name, email: `${name.toLowerCase()}@example.test` } })).runId;
  await expect.poll(async () => (await api<{ approvals: Approval[] }>('approvals.list', { status: 'pending' })).approvals.length).toBe(2);

  const page = await phone(browser);
  // The tab bar's Approvals tab, with the pending count.
  const tabs = page.getByRole('navigation', { name: 'Tabs' });
  await tabs.getByRole('link', { name: /Approvals/ }).tap();
  await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible();

  // The list first, no detail beside it; no key legend on a touch screen; nothing scrolls sideways.
  const rows = page.getByTestId('approval-row');
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('detail')).toBeHidden();
  await expect(page.getByTestId('shortcuts')).toBeHidden();
  expect((await layout(page)).scrollWidth).toBeLessThanOrEqual(390);
  await page.screenshot({ path: join(SHOTS, 'approvals-390-list.png') });

  // Tap an approval: its detail, the list gone, a Back button; the address names it.
  await rows.filter({ hasText: 'Offer for Bob' }).getByRole('button').tap();
  const detail = page.getByTestId('detail');
  await expect(detail.getByTestId('detail-title')).toHaveText('Offer for Bob');
  await expect(page.getByTestId('approval-list')).toBeHidden();
  await expect(page).toHaveURL(/#\/approvals\?id=/);
  const approve = detail.getByRole('button', { name: /^Approve/ });
  // The draft is far longer than the screen, yet Approve, Edit and Reject are in view without scrolling.
  const l = await layout(page);
  expect(l.scrollY).toBe(0);
  expect(l.scrollHeight).toBeGreaterThan(l.innerHeight * 2);
  expect(l.scrollWidth).toBeLessThanOrEqual(l.innerWidth);
  for (const name of [/^Approve/, /^Edit/, /^Reject/]) await expect(detail.getByRole('button', { name })).toBeInViewport({ ratio: 1 });
  await expect(approve).toHaveAccessibleName('Approve');
  await page.screenshot({ path: join(SHOTS, 'approvals-390-detail.png') });
  // The detail with its bar passes axe too (the a11y spec sees the list view at this width).
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
  // Still there at the end of the draft, above the tab bar.
  await page.mouse.wheel(0, 4000);
  await expect.poll(async () => (await layout(page)).scrollY).toBeGreaterThan(500);
  await expect(approve).toBeInViewport({ ratio: 1 });

  // Back (the button, and the phone's back) shows the list again.
  await detail.getByRole('button', { name: 'Back to the list' }).tap();
  await expect(page.getByTestId('approval-list')).toBeVisible();
  await expect(page.getByTestId('detail')).toBeHidden();
  await expect(page).toHaveURL(/#\/approvals$/);
  await rows.filter({ hasText: 'Offer for Ann' }).getByRole('button').tap();
  await expect(detail.getByTestId('detail-title')).toHaveText('Offer for Ann');
  await page.goBack();
  await expect(page.getByTestId('approval-list')).toBeVisible();
  await page.goForward();
  await expect(detail.getByTestId('detail-title')).toHaveText('Offer for Ann');

  // Approve from the bar: the stored approval is approved and the run takes the approved branch.
  await approve.tap();
  const ann = async () => (await api<{ approvals: Approval[] }>('approvals.list', { status: 'all' })).approvals.find((a) => a.title === 'Offer for Ann')!;
  await expect.poll(async () => (await ann()).status).toBe('approved');
  await expect.poll(async () => (await api<{ status: string; output: unknown }>('runs.get', { id: runs.Ann })).output).toEqual({ sent: 'Hello Ann' });
  expect((await api<{ approvals: Approval[] }>('approvals.list', { status: 'all' })).approvals.find((a) => a.title === 'Offer for Bob')!.status).toBe('pending');
  // The detail moves on to the next one waiting (Bob), still with the bar in view.
  await expect(detail.getByTestId('detail-title')).toHaveText('Offer for Bob');
  await expect(approve).toBeInViewport({ ratio: 1 });
  expect((await layout(page)).scrollWidth).toBeLessThanOrEqual(390);
});

test('on a wide screen with a mouse: list and detail side by side, the key legend shown, no Back button', async ({ browser }) => {
  const wide = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    const page = await wide.newPage();
    await page.goto(`${server.url}#token=${server.token}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await page.goto(`${server.url}#/approvals`);
    await expect(page.getByTestId('approval-row')).not.toHaveCount(0);
    await expect(page.getByTestId('detail')).toBeVisible();
    await expect(page.getByTestId('approval-list')).toBeVisible();
    await expect(page.getByTestId('shortcuts')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Back to the list' })).toHaveCount(0);
  } finally {
    await wide.close();
  }
});
