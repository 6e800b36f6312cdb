/**
 * The Growth page's engines other than SEO (e2e/growth.spec.ts), each through a full cycle driven
 * from the page, on real components: one `baton serve` for the file (Bree workers, its sales
 * service sending sequences over a real SMTP server and reading replies from a real IMAP server),
 * the real Anthropic SDK at a local Messages API server, the real WordPress client at a local
 * WordPress REST server, the web (feeds, competitor and prospect pages) as local HTTP servers.
 * The server runs under libfaketime with a clock the test moves (a timestamp file).
 * - Campaigns: memories imported through the page -> success/failure patterns on the page -> a
 *   cycle plans campaigns citing their memories -> approved on the Approvals page -> running,
 *   with the portfolio's allocation on the page.
 * - Link building: our and a competitor's backlink exports imported through the page -> real
 *   HEAD checks (404: broken-link opportunities) -> reviewed first lines, prospects enrolled in
 *   the outreach sequence, its e-mails arriving at the SMTP server -> a prospect page linking to
 *   us is a won link; a reply in the IMAP mailbox -> the next cycle learns the reply rates.
 * - Trend content: a feed added on the page -> its rising phrase EMERGING -> ideas, briefs into
 *   the content calendar -> an entry dragged to another slot, another moved with the keyboard's
 *   "Move" control, a taken slot refused with the reason, unscheduled ideas dragged onto a slot and
 *   scheduled with the "Schedule" control -> three days later the due pieces are
 *   produced as WordPress drafts and the engine learns per channel.
 * Each waits on state (the page or the API), never on a fixed delay.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import Database from 'better-sqlite3';
import type { Page } from '@playwright/test';
import type { OpInput, OpName, OpOutput } from '../shared/api';
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest, type Reply } from '../tests/support/fake-anthropic';
import { startFakeWordPress, type FakeWordPress } from '../tests/support/fake-wordpress';
import { hasDovecot, startImap, type TestImap } from '../tests/support/imap';
import { startSmtp, type TestSmtp } from '../tests/support/smtp';
import { expect, openPage, test } from './fixtures';
import { serverEnv, startServer, type RunningServer } from './server';

const KEY = ['sk', 'test', String(process.pid)].join('-');
const WP_PASSWORD = ['wp', 'app', String(process.pid)].join('-');
const SMTP_PW = ['smtp', 'e2e', String(process.pid)].join('-');
const FAKETIME_LIB = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find((p) => existsSync(p));
const DAY = 86_400_000;

test.describe.configure({ mode: 'serial' });
// Skipped only outside CI: .ci/run installs both, and a CI run without them must fail, not skip.
test.skip(process.env.CI !== 'true' && (!FAKETIME_LIB || !hasDovecot()), 'needs libfaketime (apt: faketime) and dovecot (apt: dovecot-imapd)');

/** A fixed-offset zone where it is about noon now: the outreach sequence's sending window is open. */
function noonZone(): string {
  let off = (12 - new Date().getUTCHours() + 24) % 24;
  if (off > 14) off -= 24;
  return off === 0 ? 'Etc/GMT' : off > 0 ? `Etc/GMT-${off}` : `Etc/GMT+${-off}`;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let dataDir = '';
let clockFile = '';
let server: RunningServer;
let claude: FakeAnthropic;
let wp: FakeWordPress;
let smtp: TestSmtp;
let imap: TestImap;
const servers: Server[] = [];

async function listen(host: string, handler: (path: string) => [number, string, string?]): Promise<string> {
  const srv = createServer((req, res) => {
    const [status, body, type] = handler(req.url ?? '/');
    res.writeHead(status, { 'content-type': type ?? 'text/html' }).end(req.method === 'HEAD' ? undefined : body);
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, host, r));
  return `http://${host}:${(srv.address() as AddressInfo).port}`;
}

/** fetch, once more when a kept-alive connection was closed under it (the server's clock jumping ahead times its idle connections out). */
async function fetchAgain(url: URL | string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    if ((e as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw e;
    return fetch(url, init);
  }
}

async function api<N extends OpName>(op: N, input: OpInput<N>): Promise<OpOutput<N>> {
  const res = await fetchAgain(new URL(`api/v1/${op}`, server.url), { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input ?? {}) });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (!res.ok) throw new Error(`${op}: HTTP ${res.status} ${body.error?.message ?? ''}`);
  return body.result as OpOutput<N>;
}

function script(c: FakeAnthropic) {
  c.respond((req: RecordedRequest): Reply => {
    if (req.body.tool_choice?.name === 'submit_review') return { json: { pass: true, issues: [], confidence: 0.9 } };
    const text = JSON.stringify(req.body.messages);
    if (text.includes('Write the first line of an outreach e-mail')) return { json: { line: 'Your list of plumbing tools is the best we found.' } };
    if (text.includes('content ideas for each planned trend')) {
      const refs = [...new Set(text.match(/trend:\d+/g) ?? [])];
      return { json: { ideas: refs.flatMap((ref) => [1, 2].flatMap((k) => [{ ref, title: `Grants explained ${k}`, angle: 'what changes', channel: 'blog' }, { ref, title: `LinkedIn take ${k}`, angle: 'opinion', channel: 'linkedin' }])) } };
    }
    if (text.includes('Write a content brief')) return { json: { headline: 'Heat pump grants', audience: 'home owners', outline: ['what', 'who', 'how'], keyPoints: ['deadline'], cta: 'Book a survey' } };
    const piece = /piece from this brief: (.+?)\. Follow/.exec(text);
    if (piece) return { json: { title: piece[1]!, body: `## ${piece[1]!}\n\nThe grant, in short.` } };
    return { json: { decisions: [], notes: 'keep the order' } };
  });
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-growth-engines-'));
  clockFile = join(dataDir, '..', `${dataDir.split('/').pop()}-clock`);
  writeFileSync(clockFile, '+0d\n');
  claude = await startFakeAnthropic({ apiKey: KEY });
  script(claude);
  wp = await startFakeWordPress({ user: 'editor', appPassword: WP_PASSWORD });
  smtp = await startSmtp({ user: 'mailer', password: SMTP_PW });
  imap = await startImap();
  const env = {
    ...serverEnv(),
    BATON_SECRET_ANTHROPIC_API_KEY: KEY,
    BATON_SECRET_WORDPRESS_APP_PASSWORD: WP_PASSWORD,
    BATON_SECRET_SMTP_PASSWORD: SMTP_PW,
    BATON_SECRET_IMAP_PASSWORD: imap.password,
    // The clock the test moves: libfaketime reads the offset from the file (again each second).
    LD_PRELOAD: FAKETIME_LIB!,
    FAKETIME_TIMESTAMP_FILE: clockFile,
    FAKETIME_CACHE_DURATION: '1',
  };
  server = await startServer(dataDir, 0, env);
  const settings: Record<string, unknown> = {
    'setup.completed': true,
    'ai.baseUrl': claude.url,
    'ai.maxRetries': 0,
    'wordpress.siteUrl': wp.url,
    'wordpress.user': 'editor',
    'email.smtp.host': '127.0.0.1',
    'email.smtp.port': smtp.port,
    'email.smtp.user': 'mailer',
    'email.from': 'sam@solo.test',
    'email.fromName': 'Sam Solo',
    'email.publicUrl': server.url.replace(/\/$/, ''),
    'email.timeZone': noonZone(),
    'email.imap.host': imap.host,
    'email.imap.port': imap.port,
    'email.imap.secure': false,
    'email.imap.user': imap.user,
    // The sales service's pace (read when the server starts): the mailbox every 5 s, sequences every second.
    'email.imap.pollSeconds': 5,
    'sales.tickSeconds': 1,
    'growth.links': { domain: 'ours.example', outreachPerCycle: 6, checksPerCycle: 40 },
    'growth.content': { minRelevance: 0, briefsPerCycle: 4 },
  };
  for (const [key, value] of Object.entries(settings)) await api('settings.set', { key, value });
  await server.stop();
  server = await startServer(dataDir, server.port, env);
});

test.afterAll(async () => {
  await server?.stop();
  await claude?.close();
  await wp?.close();
  await smtp?.close();
  await imap?.close();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(clockFile, { force: true });
});

async function openGrowth(page: Page, tab?: string) {
  await page.goto(`${server.url}#token=${server.token}`);
  await openPage(page, 'Growth');
  if (tab) await page.getByRole('tab', { name: tab }).click();
}

async function importThroughPage(page: Page, kind: string, name: string, csv: string, owner?: string) {
  const card = page.locator('#growth-import');
  await card.getByLabel('What it holds').selectOption(kind);
  if (owner !== undefined) await card.getByLabel('Whose backlinks').fill(owner);
  await card.getByLabel('CSV file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(card.getByTestId('import-preview')).toBeVisible();
  await card.getByRole('button', { name: 'Import' }).click();
  return card.getByTestId('import-result');
}

const engineCard = (page: Page, engine: string) => page.locator(`[data-testid="growth-engine"][data-engine="${engine}"]`);

/** Run one cycle from the engine's card and wait until it finished and the engine is IDLE again. */
async function runCycle(page: Page, engine: string, label: string) {
  const state = async () => (await api('growth.status', {})).engines.find((e) => e.engine === engine)!;
  const before = (await state()).lastCycle?.runId ?? null;
  const card = engineCard(page, engine);
  await expect(card).toHaveAttribute('data-phase', 'IDLE');
  await card.getByRole('button', { name: `Run now: one ${label} cycle` }).click();
  await expect
    .poll(
      async () => {
        const s = await state();
        return s.phase === 'IDLE' && s.lastCycle && s.lastCycle.runId !== before ? s.lastCycle.status : 'running';
      },
      { timeout: 150_000 },
    )
    .toBe('succeeded');
  await expect(card).toHaveAttribute('data-phase', 'IDLE');
}

async function axeClean(page: Page) {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const r = await new AxeBuilder({ page }).analyze();
    found.push(...r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${scheme}: ${v.impact} ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  expect(found).toEqual([]);
}

test('campaigns: memories imported on the page, patterns, a plan citing its memories approved, the portfolio', async ({ page }) => {
  test.setTimeout(180_000);
  await openGrowth(page);
  const lines = ['Campaign ID,Campaign,Channel,Audience,Offer,Cost,Conversions,Revenue,Status'];
  for (let i = 0; i < 18; i++) {
    const good = i % 3 === 0;
    lines.push(good ? `m${i},Mail ${i},email,customers,bundle,${500 + i * 10},${20 + i},${2500 + i * 40},finished` : `m${i},Ads ${i},display,cold,discount,${1000 + i * 20},${5 + i},${700 + i * 15},finished`);
  }
  await expect(await importThroughPage(page, 'campaigns.memories', 'campaigns.csv', lines.join('\n'))).toContainText('18 rows: 18 imported');

  await page.getByRole('tab', { name: 'Campaigns' }).click();
  const patterns = page.getByTestId('campaign-patterns');
  await expect(patterns).toContainText('18 finished campaigns');
  await expect(page.getByTestId('patterns-success')).toContainText('channel email');
  await expect(page.getByTestId('patterns-failure')).toContainText('channel display');
  await expect(page.getByTestId('allocation')).toHaveCount(0);

  await page.getByRole('tab', { name: 'Engines' }).click();
  const card = engineCard(page, 'campaigns');
  await card.getByRole('button', { name: 'Run now: one Campaigns cycle' }).click();
  // The cycle waits in EXECUTING for the launch's approval.
  await expect(card).toHaveAttribute('data-phase', 'EXECUTING', { timeout: 120_000 });
  await expect.poll(async () => (await api('approvals.list', {})).approvals.length, { timeout: 60_000 }).toBe(1);
  const approval = (await api('approvals.list', {})).approvals[0]!;
  const cited = (approval.payload as { campaigns: { id: string; sources: string[] }[] }).campaigns;
  expect(cited.length).toBeGreaterThan(0);
  expect(cited.every((c) => c.sources.length >= 3)).toBe(true);

  // Approved where a person approves: the Approvals page.
  await openPage(page, 'Approvals');
  await page.getByTestId('approval-row').filter({ hasText: 'Launch' }).getByRole('button').first().click();
  await page.getByTestId('detail').getByRole('button', { name: /^Approve/ }).click();

  await openPage(page, 'Growth');
  await expect(engineCard(page, 'campaigns').getByTestId('engine-last-cycle')).toContainText('Last cycle: succeeded', { timeout: 120_000 });
  await page.getByRole('tab', { name: 'Campaigns' }).click();
  const running = page.locator('#growth-running [data-testid="campaign"]');
  await expect(running).toHaveCount(cited.length);
  // Each running campaign shows the memories its expected ROI comes from.
  await expect(running.first()).toContainText(/\d+ memories: m\d+/);
  await expect(page.getByTestId('allocation')).toHaveCount(cited.length);
  const portfolio = await api('campaigns.portfolio', {});
  await expect(page.getByTestId('portfolio-total')).toContainText(`$${portfolio.allocated.toLocaleString('en-US', { maximumFractionDigits: 2 })}`);
  await axeClean(page);
});

test('link building: backlink exports on the page, HEAD checks, outreach over SMTP, a won link, a reply over IMAP learned', async ({ page }) => {
  test.setTimeout(240_000);
  const names = ['b1', 'b2', 'b3', 'r1', 'r2', 'r3'];
  const prospect: Record<string, string> = {};
  const competitor = await listen('127.0.0.1', (path) => (path.startsWith('/gone') ? [404, ''] : [200, '<h1>Competitor</h1>']));
  for (const [i, name] of names.entries()) {
    // r1's page links to us: a won link once the engine fetches it.
    prospect[name] = await listen(`127.0.0.${31 + i}`, () => [200, name === 'r1' ? '<p>See <a href="https://ours.example/guide">this guide</a>.</p>' : '<p>Nothing for you here.</p>']);
  }
  const site = (n: string) => `${prospect[n]}/${n.startsWith('r') ? 'plumbing-resources' : 'blog/plumbing-news'}`;
  const competitorCsv = (ns: string[], gone: boolean) => ['Referring page URL,Target URL,Domain rating,Contact email', ...ns.map((n, i) => `${site(n)},${competitor}/${gone ? 'gone' : 'live'}-${n},${50 + i},editor@${n}.example`)].join('\n');

  await openGrowth(page);
  await expect(await importThroughPage(page, 'links.backlinks', 'ours.csv', ['Source URL,Target URL,Domain Rating', 'https://already.example/x,https://ours.example/,40'].join('\n'), '')).toContainText('1 row: 1 imported');
  await expect(await importThroughPage(page, 'links.backlinks', 'rival-broken.csv', competitorCsv(['b1', 'b2', 'b3'], true), 'rival.example')).toContainText('3 rows: 3 imported');
  await expect(await importThroughPage(page, 'links.backlinks', 'rival-live.csv', competitorCsv(['r1', 'r2', 'r3'], false), 'rival.example')).toContainText('3 rows: 3 imported');

  await runCycle(page, 'links', 'Link building');
  const card = engineCard(page, 'links');
  await expect(card.getByTestId('engine-last-cycle')).toContainText('Last cycle: succeeded', { timeout: 120_000 });
  await page.getByRole('tab', { name: 'Link building' }).click();
  // The HEAD checks: the competitor's gone pages made broken-link opportunities.
  await expect(page.locator('[data-testid="opportunity"][data-type="broken_link"]')).toHaveCount(3);
  await expect(page.locator('[data-testid="opportunity"][data-type="broken_link"]').first()).toContainText('HTTP 404');
  // r1 links to us: won; the others were contacted.
  await expect(page.locator('[data-testid="opportunity"][data-status="won"]')).toHaveCount(1);
  await expect(page.getByTestId('links-roi')).toContainText('1 link won');
  // The outreach sequence's first e-mails, with the reviewed first line, at the SMTP server.
  await expect.poll(() => smtp.messages.filter((m) => m.to[0]?.endsWith('.example')).length, { timeout: 90_000 }).toBe(6);
  const toB1 = smtp.messages.find((m) => m.to[0] === 'editor@b1.example')!;
  expect(toB1.parsed.text).toContain('Your list of plumbing tools is the best we found.');

  // b1 replies; the sales service reads it from the mailbox.
  await imap.append(
    [
      'From: Editor <editor@b1.example>',
      'To: sam@solo.test',
      `Subject: Re: ${toB1.parsed.subject}`,
      `Message-ID: <reply-b1-${process.pid}@b1.example>`,
      `In-Reply-To: ${toB1.parsed.messageId}`,
      `References: ${toB1.parsed.messageId}`,
      `Date: ${new Date().toUTCString()}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Sure, send it over.',
      '',
    ].join('\n'),
  );
  // The reply ends b1's outreach sequence.
  const b1 = (await api('links.outreachQueue', { limit: 50, offset: 0 })).rows.find((o) => o.contactEmail === 'editor@b1.example')!;
  await expect.poll(async () => (await api('sequences.enrollments', { contactId: b1.contactId! })).enrollments.map((e) => e.status), { timeout: 90_000 }).toEqual(['exited']);

  // The next cycle sees the reply and learns the reply rate of broken-link pitches.
  await page.getByRole('tab', { name: 'Engines' }).click();
  await runCycle(page, 'links', 'Link building');
  const learning = page.locator('[data-testid="learning-row"][data-subject="action:broken_link"]').filter({ hasText: '1 of 3 prospects replied' });
  await expect(learning).toHaveCount(1, { timeout: 120_000 });
  await page.getByRole('tab', { name: 'Link building' }).click();
  await expect(page.locator('[data-testid="opportunity"][data-status="replied"]')).toHaveCount(1);
  await axeClean(page);
});

test('trend content: a feed added on the page, trends, ideas and briefs into the calendar, rescheduled by drag and by keyboard, produced and learned', async ({ page }) => {
  test.setTimeout(240_000);
  const now = Date.now();
  // An RSS feed whose category "Heat pump grants" rises over the last 14 days.
  const feed = await listen('127.0.0.1', () => {
    const items: string[] = [];
    for (let d = 13; d >= 0; d--) {
      const n = d >= 7 ? (d % 2 === 0 ? 1 : 0) : 3;
      for (let k = 0; k < n; k++) {
        items.push(`<item><title>Bulletin ${d * 10 + k}</title><link>https://news.example/${d}/${k}</link><pubDate>${new Date(now - d * DAY - k * 60_000).toUTCString()}</pubDate><category>Heat pump grants</category></item>`);
      }
    }
    return [200, `<?xml version="1.0"?><rss version="2.0"><channel><title>Energy news</title><link>https://news.example</link><description>x</description>${items.join('')}</channel></rss>`, 'application/rss+xml'];
  });

  await openGrowth(page, 'Content calendar');
  await page.getByLabel('Feed address (RSS or Atom)').fill(`${feed}/feed.xml`);
  await page.getByLabel('Name (optional)').fill('Energy news');
  await page.getByRole('button', { name: 'Add feed' }).click();
  await expect(page.getByTestId('trend-source')).toContainText('Energy news');

  await page.getByRole('tab', { name: 'Engines' }).click();
  await runCycle(page, 'content', 'Trend content');
  await expect(engineCard(page, 'content').getByTestId('engine-last-cycle')).toContainText('Last cycle: succeeded', { timeout: 120_000 });
  await page.getByRole('tab', { name: 'Content calendar' }).click();
  await expect(page.locator('[data-testid="trend-row"][data-lifecycle="EMERGING"]').filter({ hasText: /heat pump/i })).toHaveCount(1);
  await expect(page.getByTestId('trend-source')).toHaveAttribute('data-status', 'ok');

  // Four briefs in the calendar, one slot per channel and day, from tomorrow.
  const entries = page.locator('[data-testid="calendar-entry"][data-status="scheduled"]');
  await expect(entries).toHaveCount(4);
  // At 1280 px a whole week shows, Monday to Sunday: neither a week's box nor the page scrolls sideways.
  expect(await weekOverflow(page), 'a week scrolls sideways at 1280 px').toEqual([]);
  const cal = async () => (await api('content.calendar', { from: isoDay(now - 14 * DAY), to: isoDay(now + 30 * DAY) })).entries;
  const scheduled = await cal();
  const blog = scheduled.filter((e) => e.channel === 'blog').sort((a, b) => a.day!.localeCompare(b.day!));
  const linkedin = scheduled.filter((e) => e.channel === 'linkedin').sort((a, b) => a.day!.localeCompare(b.day!));
  expect(blog).toHaveLength(2);
  expect(linkedin).toHaveLength(2);
  const plus = (n: number) => isoDay(now + n * DAY);

  // Drag the first blog piece to the newsletter slot three days from now.
  const slot = (day: string, channel: string) => page.locator(`[data-testid="calendar-slot"][data-day="${day}"][data-channel="${channel}"]`);
  await page.locator(`[data-testid="calendar-entry"][data-id="${blog[0]!.id}"]`).dragTo(slot(plus(3), 'newsletter'));
  await expect(slot(plus(3), 'newsletter').getByTestId('calendar-entry')).toHaveAttribute('data-id', String(blog[0]!.id));
  expect((await cal()).find((e) => e.id === blog[0]!.id)).toMatchObject({ day: plus(3), channel: 'newsletter' });

  // With the keyboard: the second LinkedIn piece to three days from now, by its Move control.
  const second = page.locator(`[data-testid="calendar-entry"][data-id="${linkedin[1]!.id}"]`);
  await second.getByRole('button', { name: /^Move ".*" to another day or channel$/ }).focus();
  await page.keyboard.press('Enter');
  const form = second.getByRole('form');
  await form.getByLabel('Day').fill(plus(3));
  await form.getByLabel('Channel').selectOption('linkedin');
  await form.getByRole('button', { name: 'Move' }).press('Enter');
  await expect(slot(plus(3), 'linkedin').getByTestId('calendar-entry')).toHaveAttribute('data-id', String(linkedin[1]!.id));
  expect((await cal()).find((e) => e.id === linkedin[1]!.id)).toMatchObject({ day: plus(3), channel: 'linkedin' });

  // A taken slot is refused with the reason; nothing moves.
  await page.locator(`[data-testid="calendar-entry"][data-id="${blog[1]!.id}"]`).dragTo(slot(plus(3), 'newsletter'));
  await expect(page.getByTestId('calendar-problem')).toContainText(`${plus(3)} already has`);
  expect((await cal()).find((e) => e.id === blog[1]!.id)).toMatchObject({ day: blog[1]!.day, channel: 'blog' });

  // Unscheduled: an idea without a day (the cycle briefed and scheduled all of its own, so one is
  // written into the database here) is scheduled from the keyboard, five days out (not due below).
  const db = new Database(join(dataDir, 'baton.db'), { timeout: 10_000 });
  const add = db.prepare(`INSERT INTO growth_ideas (title, angle, channel, status, created_at) VALUES (?, '', 'blog', 'idea', ?)`);
  add.run('Grants for renters', new Date(now - 60_000).toISOString());
  add.run('Heat pump myths', new Date(now).toISOString());
  db.close();
  await page.reload();
  const waiting = (await api('content.calendar', { from: plus(0), to: plus(13) })).unscheduled;
  expect(waiting.map((e) => e.title)).toEqual(['Heat pump myths', 'Grants for renters']);
  // The first dragged onto a slot. Six days out can be next week's box, below this week's: a tall window
  // keeps the Unscheduled panel and that slot on screen, as a drag that must scroll the page midway is not
  // what this checks.
  await page.setViewportSize({ width: 1280, height: 1800 });
  await page.getByTestId('calendar-unscheduled').locator(`[data-testid="calendar-entry"][data-id="${waiting[0]!.id}"]`).dragTo(slot(plus(6), 'blog'));
  await expect(slot(plus(6), 'blog').getByTestId('calendar-entry')).toHaveAttribute('data-id', String(waiting[0]!.id));
  expect((await cal()).find((e) => e.id === waiting[0]!.id)).toMatchObject({ day: plus(6), channel: 'blog', status: 'scheduled' });
  waiting.shift();
  const idea = page.getByTestId('calendar-unscheduled').locator(`[data-testid="calendar-entry"][data-id="${waiting[0]!.id}"]`);
  await idea.getByRole('button', { name: /^Schedule ".*" on a day and channel$/ }).click();
  const sform = idea.getByRole('form');
  await sform.getByLabel('Day').fill(plus(5));
  await sform.getByLabel('Channel').selectOption('newsletter');
  await sform.getByRole('button', { name: 'Schedule' }).press('Enter');
  await expect(slot(plus(5), 'newsletter').getByTestId('calendar-entry')).toHaveAttribute('data-id', String(waiting[0]!.id));
  await expect(idea).toHaveCount(0);
  expect((await cal()).find((e) => e.id === waiting[0]!.id)).toMatchObject({ day: plus(5), channel: 'newsletter', status: 'scheduled' });
  await axeClean(page);
  // On a phone the calendar scrolls in its own box, not the page.
  await page.setViewportSize({ width: 390, height: 844 });
  await axeClean(page);
  const sideways = await page.locator('html').evaluate((h) => (h as unknown as { scrollWidth: number }).scrollWidth - (h as unknown as { clientWidth: number }).clientWidth);
  expect(sideways, 'sideways scroll at 390 px').toBeLessThanOrEqual(0);
  // Usable on a phone: the week scrolls in its own box (focusable, labelled), Sunday's slots reachable by scrolling it.
  const week = page.getByRole('region', { name: /^Week of / }).first();
  await expect(week).toHaveAttribute('tabindex', '0');
  const sunday = week.locator('[data-testid="calendar-slot"]').last();
  await sunday.scrollIntoViewIfNeeded();
  await expect(sunday).toBeInViewport();
  await page.setViewportSize({ width: 1280, height: 860 });
  expect(await weekOverflow(page), 'a week scrolls sideways at 1280 px').toEqual([]);

  // Three days later (the server's clock moves): every piece is due; the cycle writes, reviews and
  // publishes them as WordPress drafts, and learns per channel.
  writeFileSync(clockFile, '+3d\n');
  // The server's clock has moved when its HTTP Date header says so.
  await expect.poll(async () => Date.parse((await fetchAgain(server.url)).headers.get('date') ?? '') - Date.now(), { timeout: 30_000 }).toBeGreaterThan(2 * DAY);
  await page.getByRole('tab', { name: 'Engines' }).click();
  await runCycle(page, 'content', 'Trend content');
  const learning = page.locator('[data-testid="learning-row"][data-subject="action:linkedin"]');
  await expect(learning).toContainText('linkedin: 2 of 2 briefed pieces passed review and were produced', { timeout: 120_000 });
  await page.getByRole('tab', { name: 'Content calendar' }).click();
  await expect(page.locator('[data-testid="calendar-entry"][data-status="produced"]')).toHaveCount(4);
  expect(wp.posts.filter((p) => p.status === 'draft')).toHaveLength(4);
});

/**
 * The weeks of the content calendar that do not show whole: each week's box scrolls sideways, or
 * its Sunday column ends past the box or the window; plus the page itself when it is wider than the window.
 */
async function weekOverflow(page: Page): Promise<string[]> {
  await expect(page.getByTestId('calendar-week').first()).toBeVisible();
  return page.evaluate(() => {
    type Box = { scrollWidth: number; clientWidth: number; getAttribute(n: string): string | null; getBoundingClientRect(): { right: number }; querySelector(s: string): Box | null };
    const w = globalThis as unknown as { innerWidth: number; document: { documentElement: Box; querySelectorAll(s: string): Iterable<Box> } };
    const out: string[] = [];
    const html = w.document.documentElement;
    if (html.scrollWidth > html.clientWidth) out.push(`the page: ${html.scrollWidth} px in ${html.clientWidth}`);
    for (const box of w.document.querySelectorAll('.growth-calendar-scroll')) {
      const name = box.getAttribute('aria-label') ?? '?';
      if (box.scrollWidth > box.clientWidth) out.push(`${name}: ${box.scrollWidth} px in ${box.clientWidth}`);
      const sunday = box.querySelector('thead th:last-child');
      const right = sunday?.getBoundingClientRect().right ?? Infinity;
      if (right > box.getBoundingClientRect().right + 1 || right > w.innerWidth) out.push(`${name}: Sunday ends at ${Math.round(right)} px`);
    }
    return out;
  });
}
