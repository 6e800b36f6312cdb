/**
 * Affiliate through the real core on a temp SQLite file and its real HTTP
 * server: the /go/<slug> redirect (302 with the sub-id, clicks recorded, bots
 * and prefetches apart, no open redirect), a network's commission CSV imported
 * (bad rows by line, twice imports once, a status change updates), EPC and ROI
 * per link, program and content piece against sums computed by hand from the
 * fixture, commissions in the P&L without double counting the bank payout, and
 * the KPI read by kpi.summary equal to affiliate.stats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { guessAffiliateMapping, statusOf } from '../../electron/core/affiliate/import';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { startServer, type BatonServer } from '../../electron/server';
import { openTestCore } from '../helpers';
import { startFakeAnthropic } from '../support/fake-anthropic';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

interface Rig {
  core: Core;
  server: BatonServer;
  base: string;
  close(): Promise<void>;
}
let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

async function affiliateRig(): Promise<Rig> {
  const t = await openTestCore({ host: 'server', secrets: new EnvSecretStore({}, 'tests') });
  const server = await startServer(t.core, { port: 0, closeCore: false });
  const base = server.url.replace(/\/$/, '');
  await t.core.call('settings.set', { key: 'server.publicUrl', value: base });
  return {
    core: t.core,
    server,
    base,
    async close() {
      await server.close();
      await t.cleanup();
    },
  };
}

const at = (core: Core, iso: string) => {
  core.clock = () => Date.parse(iso);
};
const go = (url: string, headers: Record<string, string> = { 'user-agent': BROWSER }, method = 'GET') => fetch(url, { method, redirect: 'manual', headers });

// An Awin-style export: transaction ids, the click reference (sub-id), statuses in the network's words.
const EXPORT = [
  'Transaction ID,Transaction Date,Advertiser,Commission Amount,Sale Amount,Status,Click Ref,Currency',
  'T1,2026-03-02,Acme,12.50,125.00,approved,acme-mic,USD',
  'T2,2026-03-03,Acme,7.50,75.00,pending,acme-mic,USD',
  'T3,2026-03-04,Acme,10.00,100.00,declined,acme-mic,USD',
  'T4,2026-03-05,Acme,20.00,200.00,paid,acme-cam,USD',
  'T5,2026-03-05,Acme,3.00,30.00,approved,,USD',
  'T6,2026-03-06,Other Co,5.00,50.00,approved,zzz,USD',
  'T7,someday,Acme,1.00,1.00,approved,acme-mic,USD',
  'T8,2026-03-07,Acme,abc,1.00,approved,acme-mic,USD',
  'T9,2026-03-08,Acme,4.00,40.00,weird,acme-mic,USD',
].join('\n');

async function setUp(r: Rig) {
  const { core } = r;
  const program = (await core.call('affiliate.programs.save', { name: 'Acme', network: 'Awin', commission: '10% of the sale', cookieDays: 30, subIdParam: 'clickref', payoutMatch: 'AWIN LTD' })).program;
  const mic = (await core.call('affiliate.links.create', { program: 'Acme', destination: 'https://acme.example/studio-mic?aff=42', slug: 'acme-mic', content: 'https://blog.example/best-mics' })).link;
  const cam = (await core.call('affiliate.links.create', { program: program.id, destination: 'https://acme.example/webcam', slug: 'acme-cam', content: 'https://blog.example/best-mics' })).link;
  const desk = (await core.call('affiliate.links.create', { program: program.id, destination: 'https://acme.example/desk', content: 'https://blog.example/desk-setup' })).link;
  return { program, mic, cam, desk };
}

describe('affiliate links: the /go/<slug> redirect over real HTTP', () => {
  it('redirects 302 to the destination with the sub-id, records people\'s clicks and bots apart, and never redirects elsewhere', async () => {
    rig = await affiliateRig();
    const r = rig;
    at(r.core, '2026-03-10T12:00:00Z');
    const { mic, desk } = await setUp(r);
    expect(mic.trackedUrl).toBe(`${r.base}/go/acme-mic`);
    expect(mic.target).toBe('https://acme.example/studio-mic?aff=42&clickref=acme-mic');
    expect(desk.slug).toBe('acme-desk'); // made from the program and the destination

    const pushes: string[] = [];
    const pushed = new Promise<void>((ok) =>
      r.core.bus.on('affiliate.changed', (p) => {
        pushes.push(p.source);
        if (p.source === 'clicks') ok();
      }),
    );
    // HEAD (a link checker): answered, not recorded.
    expect((await go(mic.trackedUrl, { 'user-agent': BROWSER }, 'HEAD')).status).toBe(302);
    const res = await go(mic.trackedUrl, { 'user-agent': BROWSER, referer: 'https://blog.example/best-mics' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://acme.example/studio-mic?aff=42&clickref=acme-mic');
    // The target comes from the stored link, never from the request.
    const sneaky = await go(`${mic.trackedUrl}?to=https://evil.example/`);
    expect(sneaky.headers.get('location')).toBe('https://acme.example/studio-mic?aff=42&clickref=acme-mic');
    // Case of the slug does not matter; a program and a prefetch are recorded as machine clicks.
    expect((await go(`${r.base}/go/ACME-MIC`, { 'user-agent': 'curl/8.5.0' })).status).toBe(302);
    expect((await go(mic.trackedUrl, { 'user-agent': BROWSER, 'sec-purpose': 'prefetch' })).status).toBe(302);
    // Unknown, malformed, wrong method: the same "not valid" page, nothing recorded.
    const unknown = await go(`${r.base}/go/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('This link is not valid');
    for (const bad of ['-x', 'a/b', 'x'.repeat(81)]) expect((await go(`${r.base}/go/${bad}`)).status, bad).toBe(404);
    expect((await fetch(mic.trackedUrl, { method: 'POST', redirect: 'manual' })).status).toBe(405);

    const clicks = r.core.db.prepare('SELECT machine, reason, user_agent, referrer FROM affiliate_clicks WHERE link_id = ? ORDER BY id').all(mic.id);
    expect(clicks).toEqual([
      { machine: 0, reason: null, user_agent: 'desktop', referrer: 'blog.example' },
      { machine: 0, reason: null, user_agent: 'desktop', referrer: null },
      { machine: 1, reason: 'bot', user_agent: 'bot', referrer: null },
      { machine: 1, reason: 'prefetch', user_agent: 'desktop', referrer: null },
    ]);
    // The window hears of the clicks once (at most every 5 s), not once per click.
    await pushed;
    expect(pushes.filter((p) => p === 'clicks')).toEqual(['clicks']);
    const listed = (await r.core.call('affiliate.links.list', {})).links.find((l) => l.id === mic.id)!;
    expect([listed.clicks, listed.machineClicks]).toEqual([2, 2]);
    // Search finds a link by slug, destination or content; "%" and "_" are plain characters.
    expect((await r.core.call('affiliate.links.list', { search: 'desk' })).links.map((l) => l.slug)).toEqual(['acme-desk']);
    expect((await r.core.call('affiliate.links.list', { search: 'best-mics' })).total).toBe(2);
    expect((await r.core.call('affiliate.links.list', { search: '%' })).total).toBe(0);
    // The same slug and destination again is the same link; the slug with another destination is refused, naming the field.
    expect((await r.core.call('affiliate.links.create', { program: 'Acme', destination: 'https://acme.example/studio-mic?aff=42', slug: 'acme-mic' })).created).toBe(false);
    await expect(r.core.call('affiliate.links.create', { program: 'Acme', destination: 'https://other.example/', slug: 'acme-mic' })).rejects.toThrow(/slug: \/go\/acme-mic is taken/);
    await expect(r.core.call('affiliate.links.create', { program: 'Nobody', destination: 'https://other.example/' })).rejects.toThrow(/program: there is no program "Nobody"/);
  });
});

describe('affiliate commissions, EPC and ROI', () => {
  it('imports a network export once, updates a changed status, and computes EPC/ROI per link, program and content as summed by hand', async () => {
    rig = await affiliateRig();
    const r = rig;
    const { core } = r;
    at(core, '2026-03-10T12:00:00Z');
    const { program, mic, cam, desk } = await setUp(r);
    // People: 4 on the mic link, 2 on the webcam; machines: 2 on the mic link.
    for (let i = 0; i < 4; i++) await go(mic.trackedUrl);
    for (let i = 0; i < 2; i++) await go(cam.trackedUrl);
    await go(mic.trackedUrl, { 'user-agent': 'python-requests/2.31' });
    await go(mic.trackedUrl, { 'user-agent': BROWSER, purpose: 'prefetch' });
    // A click in April is outside the March range.
    at(core, '2026-04-02T09:00:00Z');
    await go(mic.trackedUrl);
    at(core, '2026-04-10T09:00:00Z');

    // A dry run guesses the mapping from the header and writes nothing.
    const dry = await core.call('affiliate.import', { source: 'Awin', csv: EXPORT, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, mappingFrom: 'header', imported: 6, invalidCount: 3, importId: null });
    expect(dry.mapping).toMatchObject({ date: 'Transaction Date', commission: 'Commission Amount', status: 'Status', subId: 'Click Ref', transactionId: 'Transaction ID', program: 'Advertiser', sale: 'Sale Amount', currency: 'Currency' });
    expect((await core.call('affiliate.commissions.list', {})).total).toBe(0);

    const first = await core.call('affiliate.import', { source: 'Awin', csv: EXPORT, file: 'awin-march.csv' });
    expect(first).toMatchObject({ rows: 9, imported: 6, updated: 0, duplicates: 0, invalidCount: 3, matchedLinks: 4, matchedPrograms: 1, unmatched: 1, firstDate: '2026-03-02', lastDate: '2026-03-06' });
    expect(first.invalid).toEqual([
      { line: 8, reason: 'date (column "Transaction Date"): "someday" is not a date' },
      { line: 9, reason: 'commission (column "Commission Amount"): "abc" is not an amount' },
      { line: 10, reason: expect.stringMatching(/^status \(column "Status"\): "weird" is not a status Baton knows/) as unknown as string },
    ]);
    // Each new commission is an affiliate.commission event, in the same transaction.
    const events = core.db.prepare(`SELECT data FROM events WHERE type = 'affiliate.commission' ORDER BY id`).all() as { data: string }[];
    expect(events).toHaveLength(6);
    expect(JSON.parse(events[0]!.data)).toMatchObject({ amount: 12.5, currency: 'USD', status: 'approved', program: 'Acme', slug: 'acme-mic', content: 'https://blog.example/best-mics', subId: 'acme-mic', transactionId: 'T1', source: 'Awin' });

    // The same file again adds nothing, with the remembered mapping.
    const again = await core.call('affiliate.import', { source: 'awin', csv: EXPORT });
    expect(again).toMatchObject({ mappingFrom: 'source', imported: 0, updated: 0, duplicates: 6, invalidCount: 3 });
    expect((await core.call('affiliate.commissions.list', {})).total).toBe(6);
    expect(core.db.prepare(`SELECT COUNT(*) AS n FROM events WHERE type = 'affiliate.commission'`).get()).toEqual({ n: 6 });

    // Costs: the post's production, and an ad for the webcam link.
    await core.call('affiliate.costs.add', { date: '2026-03-01', amount: 25, content: 'https://blog.example/best-mics', note: 'writing' });
    await core.call('affiliate.costs.add', { date: '2026-03-15', amount: 5, linkId: cam.id });
    await expect(core.call('affiliate.costs.add', { date: '2026-03-15', amount: 5, linkId: cam.id, programId: program.id })).rejects.toThrow(/exactly one of linkId, programId or content/);

    const s = await core.call('affiliate.stats', { from: '2026-03-01', to: '2026-03-31' });
    // By hand: mic T1 12.50 + T2 7.50 (pending) = 20.00 over 4 clicks; cam T4 20.00 over 2; T3 declined counts nowhere;
    // the program Acme adds T5 (matched by name only) = 43.00 over its 6 clicks; T6 matches nothing. Totals 48.00 over 6.
    const byLink = new Map(s.links.map((l) => [l.slug, l]));
    expect(byLink.get('acme-mic')).toMatchObject({ clicks: 4, machineClicks: 2, commissions: 2, revenue: 20, pending: 7.5, cost: 0, epc: 5, profit: 20, roi: null, conversion: 50 });
    expect(byLink.get('acme-cam')).toMatchObject({ clicks: 2, machineClicks: 0, commissions: 1, revenue: 20, pending: 0, cost: 5, epc: 10, profit: 15, roi: 300 });
    expect(byLink.get(desk.slug)).toMatchObject({ clicks: 0, commissions: 0, revenue: 0, epc: null });
    expect(s.programs).toEqual([expect.objectContaining({ label: 'Acme', network: 'Awin', clicks: 6, commissions: 4, revenue: 43, cost: 5, epc: Math.round((43 / 6) * 100) / 100, profit: 38, roi: 760 })]);
    const post = s.content.find((c) => c.key === 'https://blog.example/best-mics')!;
    expect(post).toMatchObject({ links: 2, clicks: 6, commissions: 3, revenue: 40, cost: 30, epc: Math.round((40 / 6) * 100) / 100, profit: 10, roi: Math.round((10 / 30) * 1000) / 10 });
    expect(s.content.find((c) => c.key === 'https://blog.example/desk-setup')).toMatchObject({ links: 1, clicks: 0, revenue: 0 });
    expect(s.totals).toMatchObject({ clicks: 6, machineClicks: 2, commissions: 5, revenue: 48, pending: 7.5, cost: 30, epc: 8, profit: 18, roi: 60 });
    expect(s.unmatched).toEqual({ commissions: 2, revenue: 8 });

    // The KPI tile's numbers (kpi.read) are the stats' totals, with the previous period.
    const k = await core.call('kpi.summary', { kpis: ['affiliateRevenue', 'affiliateClicks', 'affiliateEpc'], from: '2026-03-01', to: '2026-03-31' });
    expect(k.kpis.map((x) => [x.id, x.value, x.previous, x.currency])).toEqual([
      ['affiliateRevenue', s.totals.revenue, 0, 'USD'],
      ['affiliateClicks', s.totals.clicks, 0, null],
      ['affiliateEpc', s.totals.epc, null, 'USD'],
    ]);
    const april = await core.call('kpi.summary', { kpis: ['affiliateClicks'], from: '2026-04-01', to: '2026-04-30' });
    expect(april.kpis[0]).toMatchObject({ value: 1, previous: 6 });

    // P&L: approved and paid commissions are income in "Affiliate" (T1 12.50 + T4 20 + T5 3 + T6 5 = 40.50; T2 pending, T3 declined).
    const pnl1 = await core.call('finance.pnl', { from: '2026-03', to: '2026-03' });
    expect(pnl1.totals.imported).toBe(40.5);
    expect(pnl1.categories.find((c) => c.category === 'Affiliate')).toEqual({ category: 'Affiliate', kind: 'income', amount: 40.5, transactions: 4 });
    // The network's payout reaching the bank is left out (the program's payout text made a rule): no double counting.
    const bank = await core.call('finance.import', { source: 'Checking', csv: 'Date,Amount,Description\n2026-03-20,40.50,AWIN LTD PAYOUT 1234\n2026-03-21,-10.00,Hosting\n', currency: 'USD' });
    expect(bank.imported).toBe(2);
    const pnl2 = await core.call('finance.pnl', { from: '2026-03', to: '2026-03' });
    expect(pnl2.totals.income).toBe(40.5);
    expect(pnl2.totals.expenses).toBe(10);
    expect(pnl2.excluded).toBe(40.5);

    // A later export: T2 became approved. It is updated (no second commission, no second event) and moves into the P&L.
    const later = await core.call('affiliate.import', { source: 'Awin', csv: EXPORT.replace('T2,2026-03-03,Acme,7.50,75.00,pending', 'T2,2026-03-03,Acme,7.50,75.00,Locked') });
    expect(later).toMatchObject({ imported: 0, updated: 1, duplicates: 5 });
    expect((await core.call('affiliate.commissions.list', { status: 'pending' })).total).toBe(0);
    expect((await core.call('finance.pnl', { from: '2026-03', to: '2026-03' })).totals.imported).toBe(48);
    expect(core.db.prepare(`SELECT COUNT(*) AS n FROM events WHERE type = 'affiliate.commission'`).get()).toEqual({ n: 6 });

    // CSV export of the table.
    const csv = await core.call('affiliate.export', { from: '2026-03-01', to: '2026-03-31', what: 'links' });
    expect(csv.csv.split('\n')[0]).toBe('Link,Tracked URL,Program,Content,Revenue (USD),Pending,Commissions,Clicks,Machine clicks,EPC,Cost,Of which AI,Profit,ROI %,Conversion %');
    expect(csv.csv).toContain(`acme-cam,${r.base}/go/acme-cam,Acme,https://blog.example/best-mics,20,0,1,2,0,10,5,0,15,300,50`);
  });

  it('refuses a file without the needed columns, naming them, and a mapping naming a column the file lacks; nothing is written', async () => {
    rig = await affiliateRig();
    const { core } = rig;
    await expect(core.call('affiliate.import', { source: 'X', csv: 'When,What\n2026-03-01,1\n' })).rejects.toThrow(/mapping: the source "X" has no remembered column mapping .* date and commission/);
    await expect(core.call('affiliate.import', { source: 'X', csv: 'When,What\n2026-03-01,1\n', mapping: { date: 'When', commission: 'Earnings' } })).rejects.toThrow(/mapping\.commission: column "Earnings" is not in the header/);
    const ok = await core.call('affiliate.import', { source: 'X', csv: 'When,What\n2026-03-01,1\n', mapping: { date: 'When', commission: 'What' } });
    expect(ok).toMatchObject({ imported: 1, unmatched: 1 });
    expect((await core.call('affiliate.sources.list', {})).sources).toEqual([expect.objectContaining({ name: 'X', commissions: 1, mapping: expect.objectContaining({ date: 'When', commission: 'What' }) })]);
  });
});

describe('affiliate in workflows', () => {
  it('the affiliate.link node makes a tracked link once (a second run gives the same link), and a new commission starts a workflow on affiliate.commission', async () => {
    rig = await affiliateRig();
    const { core } = rig;
    await core.call('affiliate.programs.save', { name: 'Acme', subIdParam: 'subid' });
    await core.call('workflows.import', {
      definition: {
        id: 'post-links',
        name: 'Links for a new post',
        trigger: { type: 'manual' },
        nodes: [{ id: 'link', type: 'affiliate.link', params: { program: 'Acme', destination: '=input.url', content: '=input.post' } }],
      },
      enable: true,
    });
    await core.call('workflows.import', {
      definition: { id: 'on-sale', name: 'On a sale', trigger: { type: 'event', event: 'affiliate.commission' }, nodes: [{ id: 'say', type: 'log', params: { message: '=input.slug' } }] },
      enable: true,
    });
    const input = { url: 'https://acme.example/products/studio-mic', post: 'https://blog.example/best-mics' };
    const runs = [await core.call('runs.start', { workflow: 'post-links', input }), await core.call('runs.start', { workflow: 'post-links', input })];
    await engineOf(core).drain();
    const outs = [];
    for (const r of runs) {
      const got = await core.call('runs.get', { id: r.runId });
      expect(got.status).toBe('succeeded');
      outs.push(got.steps.find((st) => st.nodeId === 'link')!.output as { slug: string; created: boolean; trackedUrl: string; target: string });
    }
    expect(outs.map((o) => [o.slug, o.created])).toEqual([
      ['acme-studio-mic', true],
      ['acme-studio-mic', false],
    ]);
    expect(outs[0]!.trackedUrl).toBe(`${rig.base}/go/acme-studio-mic`);
    expect(outs[0]!.target).toBe('https://acme.example/products/studio-mic?subid=acme-studio-mic');
    expect((await core.call('affiliate.links.list', {})).total).toBe(1);

    // A bad destination fails the step with the field named.
    const bad = await core.call('runs.start', { workflow: 'post-links', input: { url: 'not a url' } });
    await engineOf(core).drain();
    const failed = await core.call('runs.get', { id: bad.runId });
    expect(failed.status).toBe('failed');
    expect(JSON.stringify(failed)).toMatch(/affiliate\.link: Invalid params: destination: use the full http\(s\) address/);

    await core.call('affiliate.import', { source: 'Awin', csv: 'Date,Commission,Sub ID\n2026-03-02,12.50,acme-studio-mic\n2026-03-03,5.00,acme-studio-mic\n' });
    await engineOf(core).drain();
    const started = (await core.call('runs.list', { workflow: 'on-sale' })).runs;
    expect(started.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    // Importing it again starts nothing.
    await core.call('affiliate.import', { source: 'Awin', csv: 'Date,Commission,Sub ID\n2026-03-02,12.50,acme-studio-mic\n2026-03-03,5.00,acme-studio-mic\n' });
    await engineOf(core).drain();
    expect((await core.call('runs.list', { workflow: 'on-sale' })).runs).toHaveLength(2);
  });
});

describe('AI spend in ROI', () => {
  it('charges the Claude spend of the run that made links (its forEach bodies included) to those links, split equally, in link, program and content ROI', async () => {
    const key = ['test', 'anthropic', 'key', String(process.pid)].join('-');
    const claude = await startFakeAnthropic({ apiKey: key });
    const t = await openTestCore({ host: 'server', secrets: new EnvSecretStore({ BATON_SECRET_ANTHROPIC_API_KEY: key }, 'tests') });
    try {
      const { core } = t;
      const engine = engineOf(core);
      let now = Date.parse('2026-03-02T10:00:00Z');
      engine.clock = () => now;
      core.clock = () => now;
      // Known prices: $3 per million input tokens, $15 per million output tokens.
      for (const [k, v] of Object.entries({ 'ai.baseUrl': claude.url, 'ai.maxRetries': 0, 'ai.dailyCapUsd': 1000, 'ai.model': 'claude-sonnet-4-6', 'ai.prices': { 'claude-sonnet-4-6': { inputPerMTok: 3, outputPerMTok: 15 } } })) await core.call('settings.set', { key: k, value: v });
      claude.respond((req) => ({ text: 'A post.', usage: JSON.stringify(req.body.messages).includes('first line') ? { input_tokens: 100_000, output_tokens: 10_000 } : { input_tokens: 1_000_000, output_tokens: 100_000 } }));
      const acmeId = (await core.call('affiliate.programs.save', { name: 'Acme', subIdParam: 'subid' })).program.id;
      await core.call('affiliate.programs.save', { name: 'Other' });
      await core.call('workflows.import', {
        definition: {
          id: 'post-with-links',
          name: 'Write a post and its links',
          trigger: { type: 'manual' },
          nodes: [
            { id: 'write', type: 'ai.generate', params: { prompt: 'Write a post about {{ input.topic }}.' } },
            {
              id: 'links',
              type: 'forEach',
              params: {
                items: '=input.links',
                concurrency: 1,
                body: {
                  nodes: [
                    { id: 'line', type: 'ai.generate', params: { prompt: 'Write a first line for {{ input.item.url }}.' } },
                    { id: 'link', type: 'affiliate.link', params: { program: '=input.item.program', destination: '=input.item.url', content: '=input.item.post' } },
                  ],
                  edges: [{ from: 'line', to: 'link' }],
                },
              },
            },
          ],
          edges: [{ from: 'write', to: 'links' }],
        },
        enable: true,
      });
      await core.call('workflows.import', { definition: { id: 'just-write', name: 'Write only', trigger: { type: 'manual' }, nodes: [{ id: 'write', type: 'ai.generate', params: { prompt: 'Write a note.' } }] }, enable: true });
      const run = async (workflow: string, input: unknown) => {
        const { runId } = await core.call('runs.start', { workflow, input });
        await engine.drain();
        const got = await core.call('runs.get', { id: runId });
        expect(got.status, JSON.stringify(got.steps.filter((x) => x.status !== 'succeeded'))).toBe('succeeded');
        return runId;
      };
      const mics = 'https://blog.example/best-mics';
      const r1 = await run('post-with-links', { topic: 'mics', links: [{ program: 'Acme', url: 'https://acme.example/mic', post: mics }, { program: 'Other', url: 'https://other.example/mic', post: mics }] });
      const r2 = await run('post-with-links', { topic: 'cams', links: [{ program: 'Acme', url: 'https://acme.example/cam', post: 'https://blog.example/cams' }] });
      await run('just-write', {});
      // A run the next day: outside the range asked below.
      now += 86_400_000;
      await run('post-with-links', { topic: 'desks', links: [{ program: 'Acme', url: 'https://acme.example/desk', post: 'https://blog.example/desks' }] });
      // A cost tagged by hand adds to the AI spend.
      await core.call('affiliate.costs.add', { date: '2026-03-02', amount: 1, currency: 'USD', programId: acmeId });

      // The expected shares, from the usage ledger: each run's own calls and its forEach bodies'.
      const spendOf = (root: string) =>
        (
          core.db
            .prepare(`SELECT SUM(u.cost_usd) AS usd FROM ai_usage u JOIN runs r ON r.id = u.run_id WHERE r.id = ? OR r.parent_run_id = ?`)
            .get(root, root) as { usd: number }
        ).usd;
      const cents1 = Math.round(spendOf(r1) * 100);
      const cents2 = Math.round(spendOf(r2) * 100);
      // 1M in + 100k out at $3/$15 = $4.50 per post, 100k in + 10k out = $0.45 per first line.
      expect([cents1, cents2]).toEqual([450 + 2 * 45, 450 + 45]);
      const s = await core.call('affiliate.stats', { from: '2026-03-02', to: '2026-03-02' });
      const byUrl = (url: string) => s.links.find((l) => (core.db.prepare('SELECT destination FROM affiliate_links WHERE id = ?').get(l.linkId) as { destination: string }).destination === url)!;
      expect(byUrl('https://acme.example/mic')).toMatchObject({ aiCost: cents1 / 2 / 100, cost: cents1 / 2 / 100 });
      expect(byUrl('https://other.example/mic')).toMatchObject({ aiCost: cents1 / 2 / 100 });
      expect(byUrl('https://acme.example/cam')).toMatchObject({ aiCost: cents2 / 100, roi: -100 });
      expect(byUrl('https://acme.example/desk')).toMatchObject({ aiCost: 0, cost: 0, roi: null });
      const acme = s.programs.find((p) => p.label === 'Acme')!;
      expect(acme).toMatchObject({ aiCost: (cents1 / 2 + cents2) / 100, cost: (cents1 / 2 + cents2 + 100) / 100 });
      expect(s.programs.find((p) => p.label === 'Other')).toMatchObject({ aiCost: cents1 / 2 / 100 });
      expect(s.content.find((c) => c.key === mics)).toMatchObject({ aiCost: cents1 / 100, links: 2 });
      // The run that made no link charges nobody; the totals hold the shares once.
      expect(s.totals).toMatchObject({ aiCost: (cents1 + cents2) / 100, cost: (cents1 + cents2 + 100) / 100 });
      // In another currency the AI spend (USD) is counted apart, not converted.
      const eur = await core.call('affiliate.stats', { from: '2026-03-02', to: '2026-03-02', currency: 'EUR' });
      expect(eur.totals.aiCost).toBe(0);
      expect(eur.otherCurrencies.find((o) => o.currency === 'USD')).toMatchObject({ cost: (cents1 + cents2 + 100) / 100 });
      const csv = await core.call('affiliate.export', { from: '2026-03-02', to: '2026-03-02', what: 'programs' });
      expect(csv.csv).toContain(`Acme,,0,0,0,0,0,,${(cents1 / 2 + cents2 + 100) / 100},${(cents1 / 2 + cents2) / 100},`);
    } finally {
      await t.cleanup();
      await claude.close();
    }
  });
});

describe('reading network exports', () => {
  it('maps the networks\' words for a status, and refuses one it does not know', () => {
    const cases: [string, string | null][] = [
      ['Pending', 'pending'], ['Extended', 'pending'], ['open', 'pending'],
      ['Approved', 'approved'], ['Locked', 'approved'], ['Confirmed', 'approved'], ['Unpaid', 'approved'], ['', 'approved'],
      ['Paid', 'paid'], ['Closed', 'paid'],
      ['Declined', 'reversed'], ['Rejected', 'reversed'], ['Void', 'reversed'], ['Reversed', 'reversed'],
      ['weird', null],
    ];
    for (const [raw, want] of cases) expect(statusOf(raw), raw).toBe(want);
  });

  it('guesses the mapping of common exports from their headers', () => {
    expect(guessAffiliateMapping(['Date', 'Ad Fees', 'Tracking ID', 'Price']).mapping).toMatchObject({ date: 'Date', commission: 'Ad Fees', subId: 'Tracking ID', sale: 'Price' });
    expect(guessAffiliateMapping(['Action Date', 'Payout', 'SubId1', 'Action Id', 'Action Status', 'Landing Page']).mapping).toMatchObject({ date: 'Action Date', commission: 'Payout', subId: 'SubId1', transactionId: 'Action Id', status: 'Action Status', url: 'Landing Page' });
    expect(guessAffiliateMapping(['When', 'What'])).toEqual({ mapping: null, missing: ['date', 'commission'] });
  });
});

describe('editing and archiving (what the Affiliate tab calls)', () => {
  it('changes a link\'s destination and content piece under the same slug, archives and unarchives it (still redirecting), edits a program clearing a field; refusals name the field and change nothing', async () => {
    rig = await affiliateRig();
    const { core, base } = rig;
    const fail = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as { code: string; message: string; issues?: { path: string }[] });
    const { program } = await core.call('affiliate.programs.save', { name: 'Acme', network: 'Awin', subIdParam: 'clickref', cookieDays: 30 });
    const { link } = await core.call('affiliate.links.create', { program: program.id, destination: 'https://shop.example/mic', slug: 'acme-mic', content: 'https://blog.example/a' });

    const edited = await core.call('affiliate.links.update', { id: link.id, destination: 'https://shop.example/mic-2', content: null });
    expect(edited.link).toMatchObject({ slug: 'acme-mic', destination: 'https://shop.example/mic-2', content: null, trackedUrl: `${base}/go/acme-mic` });
    expect((await go(`${base}/go/acme-mic`)).headers.get('location')).toBe('https://shop.example/mic-2?clickref=acme-mic');

    const bad = await fail(core.call('affiliate.links.update', { id: link.id, destination: 'shop.example/x' }));
    expect(bad?.code).toBe('invalid_input');
    expect(bad?.issues?.[0]?.path).toBe('destination');
    expect(bad?.message).toMatch(/full http\(s\) address/);
    const missing = await fail(core.call('affiliate.links.update', { id: 9999, archived: true }));
    expect(missing?.code).toBe('not_found');
    expect(missing?.message).toMatch(/^id: there is no link 9999/);
    expect((await core.call('affiliate.links.list', {})).links.map((l) => l.destination)).toEqual(['https://shop.example/mic-2']);

    await core.call('affiliate.links.update', { id: link.id, archived: true });
    expect((await core.call('affiliate.links.list', {})).total).toBe(0);
    expect((await core.call('affiliate.links.list', { archived: true })).links.map((l) => [l.slug, l.archived])).toEqual([['acme-mic', true]]);
    expect((await go(`${base}/go/acme-mic`)).status).toBe(302);
    await core.call('affiliate.links.update', { id: link.id, archived: false });
    expect((await core.call('affiliate.links.list', {})).links.map((l) => [l.slug, l.archived])).toEqual([['acme-mic', false]]);

    const saved = await core.call('affiliate.programs.save', { id: program.id, name: 'Acme Audio', network: null, cookieDays: 45 });
    expect(saved.program).toMatchObject({ id: program.id, name: 'Acme Audio', network: null, cookieDays: 45, subIdParam: 'clickref' });
    await core.call('affiliate.programs.save', { name: 'Other' });
    const taken = await fail(core.call('affiliate.programs.save', { id: program.id, name: 'other' }));
    expect(taken?.code).toBe('conflict');
    expect(taken?.issues?.[0]?.path).toBe('name');
    const badSub = await fail(core.call('affiliate.programs.save', { id: program.id, name: 'Acme Audio', subIdParam: 'click ref' }));
    expect(badSub?.issues?.[0]?.path).toBe('subIdParam');
    expect((await core.call('affiliate.programs.list', {})).programs.find((p) => p.id === program.id)).toMatchObject({ name: 'Acme Audio', subIdParam: 'clickref' });
  });
});
