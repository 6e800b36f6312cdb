/**
 * The seed targets of issue #14 in `growth.report` and as `baton growth report` prints them, on a
 * real core (SQLite file): every target is there with its measured figure and PASS or FAIL; the
 * keywords imported are set against the seed's 46,000-keyword import; the plan target counts only
 * the top 100 keywords as the planner ranks them (quick wins first), not any keyword in the plan.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seedReportLines } from '../../electron/cli/commands/growth';
import { candidates } from '../../electron/core/growth/seo';
import { seoSettings } from '../../electron/core/growth/settings';
import { growthStoreOf } from '../../electron/core/growth/store';
import { openTestCore } from '../helpers';

let t: Awaited<ReturnType<typeof openTestCore>> | null = null;
afterEach(async () => {
  await t?.cleanup();
  t = null;
});

describe('growth.report: the seed targets', () => {
  it('lists every seed target with its figure and PASS/FAIL; the plan target counts the top 100 keywords only', async () => {
    t = await openTestCore();
    const { core } = t;
    // 300 keywords: 60 quick wins (positions 4-30, difficulty < 40, volume > 100), the rest not.
    const lines = ['Keyword,Position,Search Volume,Keyword Difficulty,URL'];
    for (let i = 0; i < 300; i++) lines.push(i < 60 ? `win ${i},${5 + (i % 20)},${500 + i},${10 + (i % 20)},https://ours.test/w/${i}` : `other ${i},${40 + (i % 50)},${50 + i},${60},https://ours.test/o/${i}`);
    expect(await core.call('growth.import', { kind: 'seo.keywords', csv: lines.join('\n') })).toMatchObject({ imported: 300 });

    // The latest SEO plan: 90 of the top 100 keywords, and 20 keywords ranked below them.
    const today = new Date(core.now()).toISOString().slice(0, 10);
    const ranked = candidates(core.db, seoSettings(core), today, 300).candidates;
    const items = [...ranked.slice(0, 90), ...ranked.slice(150, 170)].map((c, k) => ({ ref: c.ref, title: c.title, action: c.action, priority: k + 1 }));
    growthStoreOf(core).createPlan({ engine: 'seo', workflowId: null, runId: null, goal: 'rank', items }, new Date(core.now()).toISOString());

    const r = await core.call('growth.report', {});
    const by = Object.fromEntries(r.targets.map((x) => [x.name, x]));
    expect(r.targets.map((x) => [x.engine, x.target, x.unit])).toEqual([
      ['seo', 46_000, 'keywords'],
      ['seo', 50, 'keywords'],
      ['seo', 100, 'keywords'],
      ['content', 10, 'trends'],
      ['content', 20, 'ideas'],
      ['content', 5, 'briefs'],
      ['links', 30, 'opportunities'],
      ['links', 10, 'prospects'],
      ['campaigns', 3, 'campaigns'],
      ['campaigns', 100, '%'],
      ['campaigns', 3, 'x'],
    ]);
    expect(by['Keywords imported (the seed is a 46,000-keyword import)']).toMatchObject({ actual: 300, met: false });
    expect(by['Quick wins identified']).toMatchObject({ actual: 60, met: true });
    expect(by['Top 100 keywords with an optimisation plan (latest plan)']).toMatchObject({ actual: 90, met: false });
    expect(r.allMet).toBe(false);

    // What `baton growth report` prints: PASS or FAIL, the figure and the target, then the count.
    const out = seedReportLines(r);
    expect(out).toHaveLength(12);
    expect(out[0]).toBe('FAIL  seo       Keywords imported (the seed is a 46,000-keyword import): 300 keywords (target >= 46,000)');
    expect(out[1]).toBe('PASS  seo       Quick wins identified: 60 keywords (target >= 50)');
    expect(out[2]).toBe('FAIL  seo       Top 100 keywords with an optimisation plan (latest plan): 90 keywords (target >= 100)');
    expect(out[3]).toBe('FAIL  content   Emerging trends detected in the last 7 days: 0 trends (target >= 10)');
    expect(out[11]).toBe('10 of 11 seed targets FAIL.');

    // The whole top 100 planned: that target passes.
    growthStoreOf(core).createPlan({ engine: 'seo', workflowId: null, runId: null, goal: 'rank', items: ranked.slice(0, 100).map((c, k) => ({ ref: c.ref, title: c.title, action: c.action, priority: k + 1 })) }, new Date(core.now()).toISOString());
    expect((await core.call('growth.report', {})).targets.find((x) => x.name.startsWith('Top 100'))).toMatchObject({ actual: 100, met: true });
  }, 60_000);
});
