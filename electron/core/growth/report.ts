/**
 * The seed targets (docs/growth.md, "Seed targets") against what the store
 * shows: `growth.report`, `baton growth report`, the Growth page.
 */
import type { GrowthReport } from '../../../shared/contract/growth';
import type { ThreadEnv } from '../env';
import { memoriesOf, patternsOf } from './campaigns';
import { candidates, quickWins } from './seo';
import { campaignSettings, seoSettings } from './settings';

export function report(env: Pick<ThreadEnv, 'db' | 'setting' | 'now'>): GrowthReport {
  const db = env.db;
  const now = env.now();
  const today = new Date(now).toISOString().slice(0, 10);
  const weekAgo = new Date(now - 7 * 86_400_000).toISOString();
  const monthAgo = new Date(now - 30 * 86_400_000).toISOString();
  const n = (sql: string, ...a: unknown[]) => (db.prepare(sql).get(...a) as { n: number | null }).n ?? 0;
  const s = seoSettings(env);
  const lastSeoPlan = db.prepare(`SELECT id FROM growth_plans WHERE engine = 'seo' ORDER BY id DESC LIMIT 1`).pluck().get() as number | undefined;
  // The top 100 keywords as the SEO planner ranks them now (quick wins first, then by opportunity): how many the latest plan covers.
  const top = new Set(candidates(db, s, today, 100).candidates.map((c) => c.ref));
  const inPlan = lastSeoPlan ? (db.prepare(`SELECT DISTINCT ref FROM growth_plan_items WHERE plan_id = ? AND ref LIKE 'kw:%'`).pluck().all(lastSeoPlan) as string[]) : [];
  const planned = inPlan.filter((r) => top.has(r)).length;
  const designed = n(`SELECT COUNT(*) AS n FROM growth_campaigns WHERE plan_item_id IS NOT NULL AND imported_at >= ?`, monthAgo);
  const grounded = n(`SELECT COUNT(*) AS n FROM growth_campaigns WHERE plan_item_id IS NOT NULL AND imported_at >= ? AND sources <> '[]'`, monthAgo);
  const p = patternsOf(memoriesOf(db), campaignSettings(env).topShare);
  const t = (engine: GrowthReport['targets'][number]['engine'], name: string, target: number, actual: number, unit: string) => ({ engine, name, target, actual, unit, met: actual >= target });
  const targets = [
    // The SEO targets are set for a 46,000-keyword import (issue #14's seed).
    t('seo', 'Keywords imported (the seed is a 46,000-keyword import)', 46_000, n('SELECT COUNT(*) AS n FROM growth_keywords'), 'keywords'),
    t('seo', 'Quick wins identified', 50, quickWins(db, s, today, 1, 0).total, 'keywords'),
    t('seo', 'Top 100 keywords with an optimisation plan (latest plan)', 100, planned, 'keywords'),
    t('content', 'Emerging trends detected in the last 7 days', 10, n('SELECT COUNT(*) AS n FROM growth_trends WHERE emerging_at >= ?', weekAgo), 'trends'),
    t('content', 'Content ideas in the last 7 days', 20, n('SELECT COUNT(*) AS n FROM growth_ideas WHERE created_at >= ?', weekAgo), 'ideas'),
    t('content', 'Content briefs in the last 7 days', 5, n('SELECT COUNT(*) AS n FROM growth_ideas WHERE briefed_at >= ?', weekAgo), 'briefs'),
    t('links', 'Link opportunities found in the last 7 days', 30, n('SELECT COUNT(*) AS n FROM growth_opportunities WHERE found_at >= ?', weekAgo), 'opportunities'),
    t('links', 'Outreach campaigns in the last 7 days', 10, n('SELECT COUNT(*) AS n FROM growth_opportunities WHERE outreach_at >= ?', weekAgo), 'prospects'),
    t('campaigns', 'Campaigns designed from the memories in the last 30 days', 3, designed, 'campaigns'),
    t('campaigns', 'Designed campaigns citing the memories they came from', 100, designed ? Math.round((grounded / designed) * 100) : 0, '%'),
    t('campaigns', 'Average ROI of the top 30 % of memories (what plans learn from)', 3, p.topAvgRoi ?? 0, 'x'),
  ];
  return { at: new Date(now).toISOString(), targets, allMet: targets.every((x) => x.met) };
}
