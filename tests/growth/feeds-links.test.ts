/**
 * The trend sources and the link gap analysis against real HTTP servers on
 * 127.0.0.1: RSS and Atom feeds parsed by rss-parser (a feed that is down or
 * malformed is marked failing with the reason, the others go on; lifecycles
 * from the items' days), and a backlink export of ours and a competitor's
 * analysed by the links.analyze node in a workflow run by the engine, its
 * broken-link checks real HEAD requests through the outbox.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { openTestCore } from '../helpers';

let t: { core: Core; cleanup: () => Promise<void> } | null = null;
let server: Server | null = null;
afterEach(async () => {
  await t?.cleanup();
  t = null;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; hits: { method: string; url: string }[] }> {
  const hits: { method: string; url: string }[] = [];
  server = createServer((req, res) => {
    hits.push({ method: req.method ?? '', url: req.url ?? '' });
    handler(req, res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, hits };
}

const DAY = 86_400_000;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** An RSS 2.0 feed over the last 14 days: "AI agents" only in the last 7 (rising), "Spreadsheets" only before (falling). */
function rss(now: number): string {
  const items: string[] = [];
  for (let d = 13; d >= 0; d--) {
    // An hour before the same time d days ago, but never before that UTC day began (just after midnight
    // an hour earlier would move the item to the day before, and the trend's days with it).
    const at = now - d * DAY;
    const date = new Date(Math.max(at - (at % DAY), at - 3_600_000)).toUTCString();
    const cats = d < 7 ? ['AI agents', 'AI agents', 'AI agents'] : ['Spreadsheets', 'Spreadsheets', 'Spreadsheets'];
    cats.forEach((c, k) => items.push(`<item><title>${esc(`${c} for small firms, part ${d}-${k}`)}</title><link>https://news.test/${d}/${k}</link><pubDate>${date}</pubDate><category>${esc(c)}</category></item>`));
  }
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Small business news</title><link>https://news.test/</link><description>x</description>${items.join('')}</channel></rss>`;
}

function atom(now: number): string {
  const entries = [0, 1, 2].map((d) => `<entry><title>Automation weekly ${d}</title><id>urn:a:${d}</id><link href="https://atom.test/${d}"/><updated>${new Date(now - d * DAY).toISOString()}</updated><category term="Workflow automation"/></entry>`);
  return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Automation</title><id>urn:a</id><updated>${new Date(now).toISOString()}</updated>${entries.join('')}</feed>`;
}

describe('trend sources', () => {
  it('reads RSS and Atom feeds from a local server; a down or malformed feed is marked failing with the reason while the others go on', async () => {
    const now = Date.now();
    const http = await serve((req, res) => {
      if (req.url === '/news.rss') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(now));
      else if (req.url === '/auto.atom') res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(atom(now));
      else if (req.url === '/down.rss') res.writeHead(503).end('maintenance');
      else res.writeHead(200, { 'content-type': 'application/rss+xml' }).end('<rss><channel><item><title>broken');
    });
    t = await openTestCore();
    const core = t.core;
    await core.call('docs.put', { path: 'brand/positioning.md', content: 'We sell AI agents and workflow automation to small firms.' });
    const down = await core.call('content.sources.add', { url: `${http.url}/down.rss`, name: 'Down' });
    const bad = await core.call('content.sources.add', { url: `${http.url}/bad.rss`, name: 'Bad' });
    const news = await core.call('content.sources.add', { url: `${http.url}/news.rss`, name: 'News' });
    const auto = await core.call('content.sources.add', { url: `${http.url}/auto.atom`, name: 'Automation' });
    const dup = await core.call('content.sources.add', { url: `${http.url}/news.rss` }).then(
      () => null,
      (e: unknown) => e as { code: string },
    );
    expect(dup?.code).toBe('conflict');

    const r = await core.call('content.refresh', {});
    const byId = new Map(r.sources.map((s) => [s.id, s]));
    expect(byId.get(down.id)).toMatchObject({ status: 'failing', lastError: 'the feed answered HTTP 503' });
    expect(byId.get(bad.id)?.status).toBe('failing');
    expect(byId.get(bad.id)?.lastError).toMatch(/^not an RSS or Atom feed/);
    expect(byId.get(news.id)).toMatchObject({ status: 'ok', items: 42, lastError: null });
    expect(byId.get(auto.id)).toMatchObject({ status: 'ok', items: 3 });

    const tr = await core.call('content.trending', { series: true, limit: 100, offset: 0 });
    const find = (label: string) => tr.rows.find((x) => x.label === label);
    expect(find('AI agents')).toMatchObject({ lifecycle: 'EMERGING' });
    expect(find('AI agents')!.velocity).toBeGreaterThanOrEqual(0.5);
    expect(find('Spreadsheets')).toMatchObject({ lifecycle: 'DECLINING' });
    expect(find('Workflow automation')).toBeDefined();
    // Relevance against the brand documents: the brand's own words score higher.
    expect(find('AI agents')!.relevance).toBeGreaterThan(find('Spreadsheets')!.relevance);
    // Emerging trends come first.
    expect(tr.rows[0]!.lifecycle).toBe('EMERGING');

    // The failing feed comes back: the next refresh marks it ok.
    server!.removeAllListeners('request');
    server!.on('request', (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(now)));
    const again = await core.call('content.refresh', {});
    expect(again.sources.find((s) => s.id === down.id)).toMatchObject({ status: 'ok', lastError: null });
  });
});

describe('link gap analysis', () => {
  it('domains linking to competitors and not to us become scored opportunities; a competitor page answering 404 makes a broken-link opportunity (real HEAD through the outbox)', async () => {
    const http = await serve((req, res) => {
      if (req.url?.startsWith('/gone')) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    });
    t = await openTestCore();
    const core = t.core;
    await core.call('settings.set', { key: 'growth.links', value: { domain: 'ours.test' } });
    const head = 'Referring page URL,Referring page title,Domain rating,Target URL,Anchor';
    const ours = [head, 'https://shared.test/tools,Tools,50,https://ours.test/,Baton', 'https://mine.test/post,Post,20,https://ours.test/blog,our blog'].join('\n');
    const rival = [
      head,
      'https://shared.test/tools,Tools,50,https://rival.test/,Rival', // links to us too: no opportunity
      `https://blog-a.test/write-for-us,Write for us,70,${http.url}/ok/1,rival guide`,
      `https://list-b.test/resources,Resources,40,${http.url}/gone/2,a dead guide`,
      `https://news-c.test/story,Story,10,${http.url}/ok/3,rival`,
    ].join('\n');
    const other = [head, `https://blog-a.test/write-for-us,Write for us,60,${http.url}/ok/other,other`].join('\n');
    expect((await core.call('growth.import', { kind: 'links.backlinks', csv: ours })).imported).toBe(2);
    expect((await core.call('growth.import', { kind: 'links.backlinks', csv: rival, owner: 'rival.test' })).imported).toBe(4);
    expect((await core.call('growth.import', { kind: 'links.backlinks', csv: other, owner: 'other.test' })).imported).toBe(1);
    expect(core.db.prepare(`SELECT COUNT(*) AS n FROM growth_backlinks WHERE owner = 'us'`).get()).toEqual({ n: 2 });

    await core.call('workflows.import', { definition: { id: 'gap', name: 'Gap analysis', trigger: { type: 'manual' }, nodes: [{ id: 'analyze', type: 'links.analyze', params: {} }], edges: [] } });
    const { runId } = await core.call('runs.start', { workflow: 'gap', input: {} });
    await engineOf(core).drain();
    const run = await core.call('runs.get', { id: runId });
    expect(run.status).toBe('succeeded');

    const opp = await core.call('links.opportunities', { limit: 100, offset: 0 });
    const by = new Map(opp.rows.map((o) => [o.domain, o]));
    expect([...by.keys()].sort()).toEqual(['blog-a.test', 'list-b.test', 'news-c.test']);
    expect(by.get('blog-a.test')).toMatchObject({ type: 'guest_post', competitors: 2 });
    expect(by.get('list-b.test')).toMatchObject({ type: 'broken_link' });
    expect(by.get('news-c.test')).toMatchObject({ type: 'mention', competitors: 1 });
    // The documented score: 40 × rating/100 + 30 × min(competitors, 5)/5 + 20 × type weight (+10 with an e-mail).
    expect(by.get('blog-a.test')!.score).toBeCloseTo(40 * 0.7 + 30 * (2 / 5) + 20 * 0.7, 1);
    expect(by.get('list-b.test')!.score).toBeCloseTo(40 * 0.4 + 30 * (1 / 5) + 20 * 1, 1);
    // Each competitor page was checked with a real request; the check is recorded in the outbox once.
    expect(http.hits.filter((h) => h.method === 'HEAD').map((h) => h.url).sort()).toEqual(['/gone/2', '/ok/1', '/ok/3']);
    expect(core.db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE kind = 'links.check'`).get()).toEqual({ n: 3 });
  });
});
