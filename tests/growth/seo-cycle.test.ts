/**
 * The SEO engine's full cycles fired by its real schedule (growth.start turns the weekly cron
 * on; the schedule service's tick starts the cycle at Monday 06:00), on a real SQLite file,
 * Claude at a local Messages API server and WordPress at a local REST server, the clock moved
 * by weeks:
 * cycle 1: a keyword export's quick win is planned ("expand" its page), drafted, reviewed and
 * the page rewritten in place on WordPress; nothing to learn yet;
 * 29 days later a rank export shows the keyword fell from 14 to 20;
 * cycle 2 (the next Monday's fire) learns it: "expand" measured -6, with the run and the delta;
 * cycle 3 (a week later) plans the keyword with another change type, the lesson in its prompt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { schedulerOf } from '../../electron/core/engine/triggers';
import { EnvSecretStore } from '../../electron/core/secrets';
import { fakeKey } from '../ai/setup';
import { openTestCore } from '../helpers';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';
import { startFakeWordPress, type FakeWordPress } from '../support/fake-wordpress';

let t: { core: Core; cleanup: () => Promise<void> } | null = null;
let claude: FakeAnthropic | null = null;
let wp: FakeWordPress | null = null;
afterEach(async () => {
  await t?.cleanup();
  await claude?.close();
  await wp?.close();
  t = claude = wp = null;
});

const DAY = 86_400_000;
const WP_PASSWORD = ['wp', 'app', String(process.pid)].join('-');

describe('SEO engine', () => {
  it('runs full cycles on its weekly schedule; the rank drop learned in cycle N changes the change type planned in N+1', async () => {
    const key = fakeKey();
    claude = await startFakeAnthropic({ apiKey: key });
    wp = await startFakeWordPress({ user: 'editor', appPassword: WP_PASSWORD });
    claude.respond((req) => {
      if (req.body.tool_choice?.name === 'submit_review') return { json: { pass: true, issues: [], confidence: 0.9 } };
      if (JSON.stringify(req.body.messages).includes('Improve our page for the search keyword')) return { json: { title: 'CRM for plumbers', meta: 'Jobs and invoices for plumbers.', body: '## Jobs\n\nText.' } };
      return { json: { decisions: [], notes: 'keep the order' } };
    });
    t = await openTestCore({ secrets: new EnvSecretStore({ BATON_SECRET_ANTHROPIC_API_KEY: key, BATON_SECRET_WORDPRESS_APP_PASSWORD: WP_PASSWORD }, 'tests') });
    const core = t.core;
    const engine = engineOf(core);
    let now = Date.parse('2027-03-07T12:00:00Z'); // a Sunday
    engine.clock = () => now;
    core.setSetting('maintenance.enabled', false);
    for (const [k, v] of Object.entries({ 'ai.baseUrl': claude.url, 'ai.maxRetries': 0, 'wordpress.siteUrl': wp.url, 'wordpress.user': 'editor', 'growth.seo': { executePerCycle: 1, planSize: 5 } })) {
      await core.call('settings.set', { key: k, value: v });
    }
    await core.call('growth.import', { kind: 'seo.keywords', csv: 'Keyword,Position,Search Volume,Keyword Difficulty,URL\ncrm for plumbers,14,2400,22,https://shop.example/crm-for-plumbers' });
    await core.call('growth.start', { engine: 'seo', run: false });
    const sched = schedulerOf(core);
    expect((await sched.tick()).started).toEqual([]);

    /** The next Monday 06:00 UTC: the schedule fires the cycle. */
    const fire = async () => {
      const day = new Date(now).getUTCDay();
      now = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate() + ((8 - day) % 7 || 7), 6, 0, 30);
      const r = await sched.tick();
      const fired = r.started.filter((s) => s.workflowId === 'growth-seo');
      expect(fired).toHaveLength(1);
      await engine.drain();
      const runId = (await core.call('growth.status', {})).engines.find((e) => e.engine === 'seo')!.lastCycle!.runId!;
      const run = await core.call('runs.get', { id: runId });
      expect(run.status).toBe('succeeded');
      expect(run.trigger).toMatchObject({ type: 'schedule' });
      return runId;
    };

    // ---- cycle 1 (Monday 8 March)
    const c1 = await fire();
    const p1 = (await core.call('plans.list', { engine: 'seo', items: true, limit: 1 })).plans[0]!;
    expect(p1.items![0]).toMatchObject({ title: 'crm for plumbers', action: 'expand', status: 'done' });
    expect(wp.posts).toHaveLength(1);
    expect(wp.posts[0]!.slug).toBe('crm-for-plumbers');
    expect((await core.call('learnings.list', { engine: 'seo', limit: 10 })).learnings).toHaveLength(0);

    // ---- 29 days later the keyword fell to 20; the next Monday's cycle learns it
    now += 29 * DAY;
    await core.call('growth.import', { kind: 'seo.ranks', csv: 'Keyword,Position\ncrm for plumbers,20' });
    const c2 = await fire();
    const [l] = (await core.call('learnings.list', { engine: 'seo', limit: 10 })).learnings;
    expect(l).toMatchObject({ subject: 'action:expand', runId: c2 });
    expect(l!.whatDidNot).toContain('moved down 6 places');
    expect(l!.evidence).toMatchObject({ score: -6, deltas: [{ metric: 'position', before: 14, after: 20, delta: -6 }] });
    // Its evidence names the run that made the change: cycle 1's execution of the item.
    expect(l!.evidence.runIds).toHaveLength(1);
    expect((await core.call('runs.get', { id: l!.evidence.runIds[0]! })).parentRunId).toBe(c1);

    // ---- cycle 3 (a week later): the keyword is planned with another change type
    const c3 = await fire();
    const p3 = (await core.call('plans.list', { engine: 'seo', items: true, limit: 1 })).plans[0]!;
    expect(p3.runId).toBe(c3);
    expect(p3.learningIds).toEqual([l!.id]);
    const item = p3.items!.find((i) => i.title === 'crm for plumbers')!;
    expect(item.action).not.toBe('expand');
    expect(item.reason).toContain('learned: "expand" measured -6.00');
    expect(claude.requests.some((r) => JSON.stringify(r.body).includes('moved down 6 places'))).toBe(true);
  });
});
