/**
 * The trend content engine's full cycles (growth.run) from a real RSS feed served over local
 * HTTP (parsed by rss-parser), on a real SQLite file, Claude at a local Messages API server,
 * WordPress at a local REST server, the engine's clock moved by days:
 * cycle 1 (day D): the feed's rising phrase becomes an EMERGING trend (an escalation says it
 * is time-sensitive) -> plan -> ideas -> briefs scheduled into the calendar (one slot per
 * channel and day) -> LEARNING (nothing produced yet) -> IDLE;
 * cycle 2 (D+3): the due entries are written and reviewed: the blog pieces pass and become
 * WordPress drafts, the LinkedIn pieces fail review and are dropped; the learning says so per
 * channel;
 * cycle 3 (D+4): the EMERGING trend's preferred channel (LinkedIn) measured a loss, so the plan
 * takes the blog instead (the lesson is in the planning prompt).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { fakeKey } from '../ai/setup';
import { openTestCore } from '../helpers';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';
import { startFakeWordPress, type FakeWordPress } from '../support/fake-wordpress';

let t: { core: Core; cleanup: () => Promise<void> } | null = null;
let claude: FakeAnthropic | null = null;
let wp: FakeWordPress | null = null;
let feed: Server | null = null;
afterEach(async () => {
  await t?.cleanup();
  await claude?.close();
  await wp?.close();
  await new Promise<void>((r) => (feed ? feed.close(() => r()) : r()));
  t = claude = wp = feed = null;
});

const DAY = 86_400_000;
const WP_PASSWORD = ['wp', 'app', String(process.pid)].join('-');

/** An RSS feed whose items are dated relative to `clock`: the category "Heat pump grants" rising over the last 14 days. */
async function startFeed(clock: { now: number }): Promise<string> {
  feed = createServer((_req, res) => {
    const items: string[] = [];
    for (let d = 13; d >= 0; d--) {
      const n = d >= 7 ? (d % 2 === 0 ? 1 : 0) : 3;
      for (let k = 0; k < n; k++) {
        const at = new Date(clock.now - d * DAY - k * 60_000).toUTCString();
        items.push(`<item><title>Bulletin ${d * 10 + k}</title><link>https://news.example/${d}/${k}</link><pubDate>${at}</pubDate><category>Heat pump grants</category></item>`);
      }
    }
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Energy news</title><link>https://news.example</link><description>x</description>${items.join('')}</channel></rss>`);
  });
  await new Promise<void>((r) => feed!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(feed.address() as AddressInfo).port}/feed.xml`;
}

describe('trend content engine', () => {
  it('runs full cycles from a real feed; what cycle N learned about channels changes cycle N+1', async () => {
    const key = fakeKey();
    claude = await startFakeAnthropic({ apiKey: key });
    wp = await startFakeWordPress({ user: 'editor', appPassword: WP_PASSWORD });
    claude.respond((req) => {
      const text = JSON.stringify(req.body.messages);
      if (req.body.tool_choice?.name === 'submit_review') {
        const linkedin = text.includes('LinkedIn take');
        return { json: { pass: !linkedin, issues: linkedin ? ['Too salesy for LinkedIn'] : [], confidence: 0.9 } };
      }
      if (text.includes('content ideas for each planned trend')) {
        const refs = [...new Set(text.match(/trend:\d+/g) ?? [])];
        return { json: { ideas: refs.flatMap((ref) => [1, 2].flatMap((k) => [{ ref, title: `Grants explained ${k}`, angle: 'what changes', channel: 'blog' }, { ref, title: `LinkedIn take ${k}`, angle: 'opinion', channel: 'linkedin' }])) } };
      }
      if (text.includes('Write a content brief')) return { json: { headline: 'Heat pump grants', audience: 'home owners', outline: ['what', 'who', 'how'], keyPoints: ['deadline'], cta: 'Book a survey' } };
      const piece = /piece from this brief: (.+?)\. Follow/.exec(text);
      if (piece) return { json: { title: piece[1]!, body: `## ${piece[1]!}\n\nThe grant, in short.` } };
      return { json: { decisions: [], notes: 'keep the order' } };
    });
    const clock = { now: Date.UTC(2027, 2, 1, 9, 0) };
    const url = await startFeed(clock);
    t = await openTestCore({ secrets: new EnvSecretStore({ BATON_SECRET_ANTHROPIC_API_KEY: key, BATON_SECRET_WORDPRESS_APP_PASSWORD: WP_PASSWORD }, 'tests') });
    const core = t.core;
    const engine = engineOf(core);
    engine.clock = () => clock.now;
    for (const [k, v] of Object.entries({ 'ai.baseUrl': claude.url, 'ai.maxRetries': 0, 'wordpress.siteUrl': wp.url, 'wordpress.user': 'editor', 'growth.content': { minRelevance: 0, briefsPerCycle: 4 } })) {
      await core.call('settings.set', { key: k, value: v });
    }
    await core.call('content.sources.add', { url, name: 'Energy news' });
    const cycle = async () => {
      const { runId } = await core.call('growth.run', { engine: 'content' });
      await engine.drain();
      // A piece that failed review twice waits for the person: the test rejects it, as they would.
      let run = await core.call('runs.get', { id: runId });
      for (let i = 0; i < 10 && run.status === 'waiting'; i++) {
        const { approvals } = await core.call('approvals.list', {});
        if (!approvals.length) break;
        for (const a of approvals) {
          expect(JSON.stringify(a.payload)).toContain('LinkedIn take');
          await core.call('approvals.decide', { id: a.id, decision: 'reject' });
        }
        await engine.drain();
        run = await core.call('runs.get', { id: runId });
      }
      expect(run.status, JSON.stringify(run.steps.filter((s) => s.status !== 'succeeded'))).toBe('succeeded');
      return runId;
    };

    // ---- cycle 1, day D
    const c1 = await cycle();
    const trend = (await core.call('content.trending', { lifecycle: 'EMERGING', limit: 10, offset: 0 })).rows.find((r) => r.term.includes('heat pump'));
    expect(trend, 'the rising phrase is EMERGING').toBeTruthy();
    expect(JSON.stringify((await core.call('escalations.list', {})) as unknown)).toContain('is emerging');
    const p1 = (await core.call('plans.list', { engine: 'content', items: true, limit: 1 })).plans[0]!;
    const item1 = p1.items!.find((i) => i.ref === `trend:${trend!.id}`)!;
    expect(item1.action).toBe('linkedin');
    const scheduled = (await core.call('content.ideas', { status: 'scheduled', limit: 50, offset: 0 })).rows;
    expect(scheduled).toHaveLength(4);
    const slots = new Set(scheduled.map((e) => `${e.channel}@${e.day}`));
    expect(slots.size).toBe(4);
    expect((await core.call('learnings.list', { engine: 'content', limit: 10 })).learnings).toHaveLength(0);
    const phases = (await core.call('growth.phases', { engine: 'content', limit: 20 })).transitions.filter((x) => x.runId === c1).reverse();
    expect(phases.map((x) => `${x.from}>${x.to}`)).toEqual(['IDLE>ANALYZING', 'ANALYZING>PLANNING', 'PLANNING>EXECUTING', 'EXECUTING>LEARNING', 'LEARNING>IDLE']);

    // ---- cycle 2, D+3: the due pieces are produced or dropped in review; the engine learns per channel
    clock.now += 3 * DAY;
    const c2 = await cycle();
    const produced = (await core.call('content.ideas', { status: 'produced', limit: 50, offset: 0 })).rows;
    const dropped = (await core.call('content.ideas', { status: 'dropped', limit: 50, offset: 0 })).rows;
    expect(produced.map((e) => e.channel)).toEqual(['blog', 'blog']);
    expect(dropped.map((e) => e.channel)).toEqual(['linkedin', 'linkedin']);
    expect(wp.posts).toHaveLength(2);
    const learned = (await core.call('learnings.list', { engine: 'content', limit: 10 })).learnings;
    const by = Object.fromEntries(learned.map((l) => [l.subject, l]));
    expect(by['action:blog']!.whatWorked).toBe('blog: 2 of 2 briefed pieces passed review and were produced');
    expect(by['action:linkedin']!.whatDidNot).toBe('linkedin: 0 of 2 briefed pieces passed review and were produced');
    // Its evidence: the cycle whose ideas were briefed and are now measured.
    expect(by['action:linkedin']!.evidence.runIds).toEqual([c1]);
    expect(c2).not.toBe(c1);

    // ---- cycle 3, D+4: the plan follows the learning
    clock.now += DAY;
    await cycle();
    const p3 = (await core.call('plans.list', { engine: 'content', items: true, limit: 1 })).plans[0]!;
    expect(p3.learningIds.sort()).toEqual(learned.map((l) => l.id).sort());
    const item3 = p3.items!.find((i) => i.ref === `trend:${trend!.id}`)!;
    expect(item3.action).toBe('blog');
    // The lesson was in cycle N+1's planning prompt too.
    const planPrompts = claude.requests.filter((r) => JSON.stringify(r.body).includes('Turn the relevant trends into content ideas'));
    expect(JSON.stringify(planPrompts.at(-1)!.body)).toContain('linkedin: 0 of 2 briefed pieces passed review');
    expect(JSON.stringify(planPrompts[0]!.body)).not.toContain('briefed pieces passed review');
  });
});
