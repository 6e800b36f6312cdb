/**
 * The growth engines' settings (objects under growth.seo, growth.content,
 * growth.links, growth.campaigns, growth.budget: fields left out take their
 * defaults) and the one budget cap across engines (docs/growth.md, "Budget").
 */
import { CampaignSettings, ContentSettings, ENGINES, GrowthBudgetSettings, LinkSettings, SeoSettings, type Budget, type Engine } from '../../../shared/contract/growth';
import type { ThreadEnv } from '../env';
import { growthStoreOf } from './store';

type SettingEnv = Pick<ThreadEnv, 'setting'>;

function read<T>(env: SettingEnv, key: string, schema: { safeParse(v: unknown): { success: boolean; data?: T } }): T {
  const v = env.setting<unknown>(key, {}) ?? {};
  const r = schema.safeParse(v);
  return (r.success ? r.data : (schema.safeParse({}).data as T)) as T;
}

export const seoSettings = (env: SettingEnv): SeoSettings => read(env, 'growth.seo', SeoSettings);
export const contentSettings = (env: SettingEnv): ContentSettings => read(env, 'growth.content', ContentSettings);
export const linkSettings = (env: SettingEnv): LinkSettings => read(env, 'growth.links', LinkSettings);
export const campaignSettings = (env: SettingEnv): CampaignSettings => read(env, 'growth.campaigns', CampaignSettings);
export const budgetSettings = (env: SettingEnv): GrowthBudgetSettings => read(env, 'growth.budget', GrowthBudgetSettings);

export function engineCron(env: SettingEnv, engine: Engine): string {
  switch (engine) {
    case 'seo':
      return seoSettings(env).cron;
    case 'content':
      return contentSettings(env).cron;
    case 'links':
      return linkSettings(env).cron;
    case 'campaigns':
      return campaignSettings(env).cron;
  }
}

const monthOf = (now: number) => new Date(now).toISOString().slice(0, 7);

/** The first instant of the next calendar month (UTC), ms. */
export function nextMonthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/**
 * This month's growth spend: Claude calls of the growth workflows (ai_usage,
 * workflow ids growth-*) plus the ad budget allocated to running campaigns.
 * Headroom of the engine ranked r (1 = first): cap × (1 − (r − 1) × reserve) −
 * spent (never below 0); null when there is no cap.
 */
export function budgetOf(env: Pick<ThreadEnv, 'db' | 'setting' | 'get'>, now: number): Budget {
  const month = monthOf(now);
  const s = budgetSettings(env);
  const ai = (env.db.prepare(`SELECT COALESCE(SUM(cost_usd), 0) AS usd FROM ai_usage WHERE day >= ? AND day <= ? AND workflow_id LIKE 'growth-%'`).get(`${month}-01`, `${month}-31`) as { usd: number }).usd;
  const ad = (env.db.prepare(`SELECT COALESCE(SUM(allocated), 0) AS usd FROM growth_campaigns WHERE status = 'running'`).get() as { usd: number }).usd;
  const spent = ai + ad;
  const store = growthStoreOf(env);
  const headroom: Record<string, number | null> = {};
  for (const e of ENGINES) {
    if (s.monthlyUsd === null) headroom[e] = null;
    else {
      const r = store.priorityOf(e);
      headroom[e] = Math.max(0, round2(s.monthlyUsd * (1 - (r - 1) * s.reserve) - spent));
    }
  }
  return { month, capUsd: s.monthlyUsd, aiUsd: round2(ai), adUsd: round2(ad), spentUsd: round2(spent), headroom };
}

export const round2 = (n: number): number => Math.round(n * 100) / 100;
