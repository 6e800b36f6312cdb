/**
 * The link-building engine's full cycle (growth.run), started by a real import of
 * backlink exports, on a real SQLite file, Claude at a local Messages API server and the
 * web (competitor pages, prospect pages) at a local HTTP server:
 * ANALYZING (gap analysis, real HEAD checks: 404 competitor pages make broken-link
 * opportunities) -> PLANNING -> EXECUTING (a reviewed first line per prospect, contact,
 * sequence enrollment) -> LEARNING (prospect pages fetched: a link to our domain is a won
 * link; reply rates per opportunity type become learnings) -> IDLE.
 * Cycle N's learning (broken-link pitches won nothing, resource pages won links) changes
 * cycle N+1's plan: the resource pages come first although a broken link scores higher.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { markReplies } from '../../electron/core/growth/links';
import { handleInbound } from '../../electron/core/sales/imap';
import { EnvSecretStore } from '../../electron/core/secrets';
import { fakeKey } from '../ai/setup';
import { openTestCore } from '../helpers';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';

let t: { core: Core; cleanup: () => Promise<void> } | null = null;
let claude: FakeAnthropic | null = null;
let servers: Server[] = [];
afterEach(async () => {
  await t?.cleanup();
  await claude?.close();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  t = claude = null;
  servers = [];
});

const NAMES = ['b1', 'b2', 'b3', 'r1', 'r2', 'r3', 'b4', 'b5', 'r4', 'r5'];

/**
 * The web: the competitor's site on 127.0.0.1 (/comp/gone-* answer 404), and each prospect
 * its own site on its own loopback address (127.0.0.11 …), some linking to us.
 */
async function startWeb(linkingToUs: Set<string>): Promise<{ competitor: string; prospect: Record<string, string> }> {
  const listen = async (host: string, handler: (path: string) => [number, string]) => {
    const srv = createServer((req, res) => {
      const [status, html] = handler(req.url ?? '/');
      res.writeHead(status, { 'content-type': 'text/html' }).end(html);
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, host, r));
    return `http://${host}:${(srv.address() as AddressInfo).port}`;
  };
  const competitor = await listen('127.0.0.1', (path) => (path.startsWith('/gone') ? [404, ''] : [200, '<h1>Competitor</h1>']));
  const prospect: Record<string, string> = {};
  for (const [i, name] of NAMES.entries()) {
    prospect[name] = await listen(`127.0.0.${11 + i}`, () => [200, linkingToUs.has(name) ? '<p>See <a href="https://ours.example/guide">this guide</a>.</p>' : '<p>Nothing for you here.</p>']);
  }
  return { competitor, prospect };
}

const phasesOf = async (core: Core, runId: string) =>
  (await core.call('growth.phases', { engine: 'links', limit: 50 })).transitions
    .filter((x) => x.runId === runId)
    .reverse()
    .map((x) => `${x.from}>${x.to}`);

describe('link-building engine', () => {
  it('runs full cycles from a backlink import; what cycle N learned reorders cycle N+1', async () => {
    const key = fakeKey();
    claude = await startFakeAnthropic({ apiKey: key });
    claude.respond((req) => {
      if (req.body.tool_choice?.name === 'submit_review') return { json: { pass: true, issues: [], confidence: 0.9 } };
      if (JSON.stringify(req.body.messages).includes('Write the first line of an outreach e-mail')) return { json: { line: 'Your list of plumbing tools is the best we found.' } };
      return { json: { decisions: [], notes: 'keep the order' } };
    });
    // Of the resource pages, r1 and r2 link to us by the time the cycle learns.
    const web = await startWeb(new Set(['r1', 'r2']));
    t = await openTestCore({ secrets: new EnvSecretStore({ BATON_SECRET_ANTHROPIC_API_KEY: key }, 'tests') });
    const core = t.core;
    for (const [k, v] of Object.entries({ 'ai.baseUrl': claude.url, 'ai.maxRetries': 0, 'growth.links': { domain: 'ours.example', outreachPerCycle: 6, checksPerCycle: 40 } })) await core.call('settings.set', { key: k, value: v });

    // The real trigger: backlink exports imported (ours, then the competitor's).
    const site = (name: string) => `${web.prospect[name]}/${name.startsWith('r') ? 'plumbing-resources' : 'blog/plumbing-news'}`;
    await core.call('growth.import', { kind: 'links.backlinks', csv: ['Source URL,Target URL,Domain Rating', `https://already.example/x,https://ours.example/,40`].join('\n') });
    const competitor = (names: string[], gone: boolean) =>
      ['Referring page URL,Target URL,Domain rating,Contact email', ...names.map((n, i) => `${site(n)},${web.competitor}/${gone ? 'gone' : 'live'}-${n},${50 + i},editor@${n}.example`)].join('\n');
    // b1-b3 link to competitor pages that are gone (broken links), r1-r3 are resource pages.
    await core.call('growth.import', { kind: 'links.backlinks', owner: 'rival.example', csv: competitor(['b1', 'b2', 'b3'], true) });
    await core.call('growth.import', { kind: 'links.backlinks', owner: 'rival.example', csv: competitor(['r1', 'r2', 'r3'], false) });

    const engine = engineOf(core);
    const c1 = await core.call('growth.run', { engine: 'links' });
    await engine.drain();
    const r1 = await core.call('runs.get', { id: c1.runId });
    expect(r1.status, JSON.stringify([r1.error, r1.steps.filter((s) => s.status === 'failed').map((s) => [s.nodeId, s.error])])).toBe('succeeded');
    expect(await phasesOf(core, c1.runId)).toEqual(['IDLE>ANALYZING', 'ANALYZING>PLANNING', 'PLANNING>EXECUTING', 'EXECUTING>LEARNING', 'LEARNING>IDLE']);

    const p1 = (await core.call('plans.list', { engine: 'links', items: true, limit: 1 })).plans[0]!;
    // Broken links score highest before anything is learned.
    expect(p1.items!.slice(0, 3).map((i) => i.action)).toEqual(['broken_link', 'broken_link', 'broken_link']);
    expect(p1.items!.filter((i) => i.status === 'done')).toHaveLength(6);
    // Every prospect is a contact enrolled in the outreach sequence, with its reviewed first line.
    const contacted = await core.call('links.outreachQueue', { limit: 50, offset: 0 });
    expect(contacted.total).toBe(6);
    // The two resource pages that now link to us are won links.
    const won = contacted.rows.filter((o) => o.status === 'won');
    expect(won.map((o) => o.url).sort()).toEqual([site('r1'), site('r2')]);
    expect(won.every((o) => o.type === 'resource_page' && o.linkUrl === 'https://ours.example/guide')).toBe(true);

    const learned = (await core.call('learnings.list', { engine: 'links', limit: 10 })).learnings;
    const bySubject = Object.fromEntries(learned.map((l) => [l.subject, l]));
    expect(bySubject['action:broken_link']!.whatDidNot).toContain('0 of 3 prospects replied');
    expect(bySubject['action:resource_page']!.whatWorked).toContain('2 of 3 prospects replied');
    expect(bySubject['action:resource_page']!.evidence.runIds).toEqual([c1.runId]);

    // b1 answers the outreach e-mail. Its Date header is the prospect's clock, in whole
    // seconds, and reads before the outreach: it still counts, because it answers the outreach.
    const b1 = contacted.rows.find((o) => o.contactEmail === 'editor@b1.example')!;
    const opp = core.db.prepare('SELECT outreach_at, enrollment_id FROM growth_opportunities WHERE id = ?').get(b1.id) as { outreach_at: string; enrollment_id: number };
    expect(opp.enrollment_id).toBeGreaterThan(0);
    core.db
      .prepare(`INSERT INTO email_messages (key, message_id, contact_id, to_addr, subject, status, enrollment_id, sent_at) VALUES ('outreach-b1', '<outreach-b1@baton.test>', ?, 'editor@b1.example', 'Your plumbing list', 'sent', ?, ?)`)
      .run(b1.contactId, opp.enrollment_id, Date.parse(opp.outreach_at));
    const reply = [
      'From: Editor <editor@b1.example>',
      'To: sam@solo.test',
      'Subject: Re: Your plumbing list',
      'Message-ID: <reply-b1@b1.example>',
      'In-Reply-To: <outreach-b1@baton.test>',
      `Date: ${new Date(Date.parse(opp.outreach_at) - 2000).toUTCString()}`,
      '',
      'Sure, send it over.',
    ].join('\r\n');
    await handleInbound(core, Buffer.from(reply), 'fallback-b1', { seen: 0, unsubscribes: 0, replies: 0, autoReplies: 0, bounces: 0, complaints: 0, unmatched: 0 });
    expect(markReplies(core.db, new Date().toISOString())).toBe(1);
    const replied = core.db.prepare('SELECT status, replied_at FROM growth_opportunities WHERE id = ?').get(b1.id) as { status: string; replied_at: string };
    expect(replied).toEqual({ status: 'replied', replied_at: opp.outreach_at });

    // Cycle N+1: new prospects of both kinds arrive by import; the learning reorders them.
    await core.call('growth.import', { kind: 'links.backlinks', owner: 'rival.example', csv: competitor(['b4', 'b5'], true) });
    await core.call('growth.import', { kind: 'links.backlinks', owner: 'rival.example', csv: competitor(['r4', 'r5'], false) });
    const c2 = await core.call('growth.run', { engine: 'links' });
    await engine.drain();
    expect((await core.call('runs.get', { id: c2.runId })).status).toBe('succeeded');
    const p2 = (await core.call('plans.list', { engine: 'links', items: true, limit: 1 })).plans[0]!;
    expect(p2.id).not.toBe(p1.id);
    expect(p2.learningIds.sort()).toEqual(learned.map((l) => l.id).sort());
    expect(p2.items!.slice(0, 2).map((i) => i.action)).toEqual(['resource_page', 'resource_page']);
    expect(claude.requests.some((r) => JSON.stringify(r.body).includes('0 of 3 prospects replied'))).toBe(true);
  });
});
