/**
 * Any dashboard KPI for a range with the previous period of the same length
 * (the kpi.read node, the kpi.summary operation, the weekly summary). The
 * numbers come from the same functions the dashboard's operations call
 * (kpi.dashboard, kpi.automation, approvals, escalations, ai.usage,
 * billing.kpi, finance.pnl), for the same UTC days, so an e-mail and the
 * dashboard agree. A named period ("lastWeek") is counted in a time zone:
 * on Monday 08:00 in Tokyo, last week is the Monday to Sunday that just ended
 * there; those calendar days are then read as the dashboard reads them (UTC).
 */
import { DASHBOARD_TILES, KPI_IDS, type KpiId, type KpiRead, type KpiValue, type PERIODS } from '../../../shared/api';
import { affiliateKpi } from '../affiliate/stats';
import { usageReport } from '../ai/ledger';
import { billingKpi } from '../billing/kpi';
import { dashboard } from '../crm/kpi';
import { automationKpi, failedRuns, openEscalations, pendingApprovals } from '../engine/api';
import type { ThreadEnv } from '../env';
import { pnl } from '../finance/pnl';
import { isValidTimeZone } from '../engine/triggers/schedule';

const DAY = 86_400_000;
const addDays = (d: string, n: number) => new Date(Date.parse(d + 'T00:00:00Z') + n * DAY).toISOString().slice(0, 10);
const daysBetween = (a: string, b: string) => Math.round((Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / DAY);

/** The calendar day (YYYY-MM-DD) it is at `now` in a time zone. */
export function dayIn(now: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(now));
}

/** A named period's days, counted from `today`. */
export function periodRange(period: (typeof PERIODS)[number], today: string): { from: string; to: string } {
  const dow = (new Date(today + 'T00:00:00Z').getUTCDay() + 6) % 7; // Monday = 0
  const monday = addDays(today, -dow);
  switch (period) {
    case 'lastWeek':
      return { from: addDays(monday, -7), to: addDays(monday, -1) };
    case 'thisWeek':
      return { from: monday, to: today };
    case 'yesterday':
      return { from: addDays(today, -1), to: addDays(today, -1) };
    case 'last7Days':
      return { from: addDays(today, -6), to: today };
    case 'last30Days':
      return { from: addDays(today, -29), to: today };
    case 'thisMonth':
      return { from: today.slice(0, 8) + '01', to: today };
    case 'lastMonth': {
      const first = today.slice(0, 8) + '01';
      const end = addDays(first, -1);
      return { from: end.slice(0, 8) + '01', to: end };
    }
  }
}

/**
 * The operator's time zone: the given one, else the setting email.timeZone,
 * else this computer's (the rule a template's schedule takes at install).
 */
export function operatorZone(env: Pick<ThreadEnv, 'setting'>, given?: string | null): string {
  if (given && isValidTimeZone(given)) return given;
  const s = env.setting<string | null>('email.timeZone', null);
  if (s && isValidTimeZone(s)) return s;
  const machine = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return machine && isValidTimeZone(machine) ? machine : 'UTC';
}

/** Where summaries for the operator go: operator.email, else the sender address. */
export function operatorEmail(env: Pick<ThreadEnv, 'setting'>): string | null {
  const a = env.setting<string | null>('operator.email', null);
  if (a && a.includes('@')) return a;
  const f = env.setting<string | null>('email.from', null);
  return f && f.includes('@') ? f : null;
}

/** The dashboard's money tile: sums per currency, the largest current one (else the largest before). */
function mainMoney(cur: { currency: string; value: number }[], prev: { currency: string; value: number }[]): { currency: string; current: number; previous: number } {
  const sum = (l: { currency: string; value: number }[]) => {
    const m = new Map<string, number>();
    for (const x of l) m.set(x.currency, Math.round(((m.get(x.currency) ?? 0) + x.value) * 100) / 100);
    return m;
  };
  const c = sum(cur);
  const p = sum(prev);
  const currency = [...c.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? [...p.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'USD';
  return { currency, current: c.get(currency) ?? 0, previous: p.get(currency) ?? 0 };
}

interface Raw {
  value: number | null;
  previous: number | null;
  currency?: string;
}
interface Def {
  label: string;
  unit: KpiValue['unit'];
  better: 'up' | 'down';
  now?: boolean;
  rate?: boolean;
}

const DEFS: Record<KpiId, Def> = {
  newLeads: { label: 'New leads', unit: 'count', better: 'up' },
  leadToMql: { label: 'Lead → MQL rate', unit: 'percent', better: 'up', rate: true },
  mqlToSql: { label: 'MQL → SQL rate', unit: 'percent', better: 'up', rate: true },
  pipelineValue: { label: 'Pipeline value', unit: 'money', better: 'up' },
  revenueWon: { label: 'Revenue won', unit: 'money', better: 'up' },
  automationSuccess: { label: 'Automation success', unit: 'percent', better: 'up', rate: true },
  pendingApprovals: { label: 'Pending approvals', unit: 'count', better: 'down', now: true },
  openEscalations: { label: 'Open escalations', unit: 'count', better: 'down', now: true },
  reachedMql: { label: 'Reached MQL', unit: 'count', better: 'up' },
  reachedSql: { label: 'Reached SQL', unit: 'count', better: 'up' },
  dealsWon: { label: 'Deals won', unit: 'count', better: 'up' },
  sqlToWon: { label: 'SQL → won rate', unit: 'percent', better: 'up', rate: true },
  emailsSent: { label: 'E-mails sent', unit: 'count', better: 'up' },
  replies: { label: 'Replies', unit: 'count', better: 'up' },
  replyRate: { label: 'Reply rate', unit: 'percent', better: 'up', rate: true },
  bounceRate: { label: 'Bounce rate', unit: 'percent', better: 'down', rate: true },
  unsubscribes: { label: 'Unsubscribes', unit: 'count', better: 'down' },
  runsFinished: { label: 'Runs finished', unit: 'count', better: 'up' },
  runsFailed: { label: 'Runs failed', unit: 'count', better: 'down' },
  aiSpend: { label: 'AI spend', unit: 'usd', better: 'down' },
  mrr: { label: 'MRR', unit: 'money', better: 'up', now: true },
  netRevenue: { label: 'Net revenue (Stripe)', unit: 'money', better: 'up' },
  income: { label: 'Income', unit: 'money', better: 'up' },
  expenses: { label: 'Expenses', unit: 'money', better: 'down' },
  profit: { label: 'Profit', unit: 'money', better: 'up' },
  affiliateRevenue: { label: 'Affiliate revenue', unit: 'money', better: 'up' },
  affiliateClicks: { label: 'Affiliate clicks', unit: 'count', better: 'up' },
  affiliateEpc: { label: 'Affiliate EPC', unit: 'money', better: 'up' },
};

const fmtNum = (n: number, max = 2) => n.toLocaleString('en-US', { maximumFractionDigits: max });
function fmt(def: Def, v: number | null, currency: string | null): string {
  if (v === null) return '–';
  switch (def.unit) {
    case 'count':
      return fmtNum(v, 0);
    case 'percent':
      return `${fmtNum(v, 1)}%`;
    case 'money':
      return `${fmtNum(v, 2)} ${currency ?? ''}`.trim();
    case 'usd':
      return `$${v.toFixed(2)}`;
  }
}

export interface KpiReadInput {
  kpis?: readonly KpiId[] | undefined;
  period?: (typeof PERIODS)[number] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  timeZone?: string | undefined;
}

export function readKpis(env: ThreadEnv, i: KpiReadInput = {}): KpiRead {
  const timeZone = operatorZone(env, i.timeZone);
  const range = i.from && i.to ? { from: i.from, to: i.to } : periodRange(i.period ?? 'lastWeek', dayIn(env.now(), timeZone));
  const n = daysBetween(range.from, range.to) + 1;
  const previousRange = { from: addDays(range.from, -n), to: addDays(range.from, -1) };
  const wanted = i.kpis?.length ? [...new Set(i.kpis)] : [...DASHBOARD_TILES];

  let dash: ReturnType<typeof dashboard> | undefined;
  const d = () => (dash ??= dashboard(env, range.from, range.to));
  let auto: ReturnType<typeof automationKpi> | undefined;
  const a = () => (auto ??= automationKpi(env.db, range.from, range.to, env.now()));
  let money: { cur: ReturnType<typeof billingKpi>; prev: ReturnType<typeof billingKpi> } | undefined;
  const b = () => (money ??= { cur: billingKpi(env, range.from, range.to), prev: billingKpi(env, previousRange.from, previousRange.to) });
  let fin: { cur: ReturnType<typeof pnl>; prev: ReturnType<typeof pnl> } | undefined;
  const f = () =>
    (fin ??= {
      cur: pnl(env, { from: range.from.slice(0, 7), to: range.to.slice(0, 7), days: range }),
      prev: pnl(env, { from: previousRange.from.slice(0, 7), to: previousRange.to.slice(0, 7), days: previousRange }),
    });
  let aff: { cur: ReturnType<typeof affiliateKpi>; prev: ReturnType<typeof affiliateKpi> } | undefined;
  const af = () => (aff ??= { cur: affiliateKpi(env, range.from, range.to), prev: affiliateKpi(env, previousRange.from, previousRange.to) });
  const billingMain = (pick: (c: ReturnType<typeof billingKpi>['currencies'][number]) => number): Raw => {
    const { cur, prev } = b();
    const currency = cur.currencies[0]?.currency ?? prev.currencies[0]?.currency ?? 'USD';
    const of = (k: ReturnType<typeof billingKpi>) => {
      const c = k.currencies.find((x) => x.currency === currency);
      return c ? pick(c) : 0;
    };
    return { value: of(cur), previous: of(prev), currency };
  };

  const raw = (id: KpiId): Raw => {
    switch (id) {
      case 'newLeads':
        return { value: d().current.newLeads, previous: d().previous.newLeads };
      case 'leadToMql':
        return { value: d().current.leadToMql, previous: d().previous.leadToMql };
      case 'mqlToSql':
        return { value: d().current.mqlToSql, previous: d().previous.mqlToSql };
      case 'sqlToWon':
        return { value: d().current.sqlToWon, previous: d().previous.sqlToWon };
      case 'reachedMql':
        return { value: d().current.reachedMql, previous: d().previous.reachedMql };
      case 'reachedSql':
        return { value: d().current.reachedSql, previous: d().previous.reachedSql };
      case 'dealsWon':
        return { value: d().current.dealsWon, previous: d().previous.dealsWon };
      case 'pipelineValue': {
        const m = mainMoney(d().current.pipeline, d().previous.pipeline);
        return { value: m.current, previous: m.previous, currency: m.currency };
      }
      case 'revenueWon': {
        const m = mainMoney(d().current.revenueWon, d().previous.revenueWon);
        return { value: m.current, previous: m.previous, currency: m.currency };
      }
      case 'emailsSent':
        return { value: d().engagement.current.emailsSent, previous: d().engagement.previous.emailsSent };
      case 'replies':
        return { value: d().engagement.current.replies, previous: d().engagement.previous.replies };
      case 'replyRate':
        return { value: d().engagement.current.replyRate, previous: d().engagement.previous.replyRate };
      case 'bounceRate':
        return { value: d().engagement.current.bounceRate, previous: d().engagement.previous.bounceRate };
      case 'unsubscribes':
        return { value: d().engagement.current.unsubscribes, previous: d().engagement.previous.unsubscribes };
      case 'automationSuccess':
        return { value: a().current.successRate, previous: a().previous.successRate };
      case 'runsFinished':
        return { value: a().current.finished, previous: a().previous.finished };
      case 'runsFailed':
        return { value: a().current.failed, previous: a().previous.failed };
      case 'pendingApprovals':
        return { value: pendingApprovals(env.db, 0).pending, previous: null };
      case 'openEscalations':
        return { value: openEscalations(env.db), previous: null };
      case 'aiSpend':
        return {
          value: Math.round(usageReport(env.orm, range).totals.costUsd * 100) / 100,
          previous: Math.round(usageReport(env.orm, previousRange).totals.costUsd * 100) / 100,
        };
      case 'mrr':
        return { ...billingMain((c) => c.mrr), previous: null };
      case 'netRevenue':
        return billingMain((c) => c.netRevenue);
      case 'income':
        return { value: f().cur.totals.income, previous: f().prev.totals.income, currency: f().cur.currency };
      case 'expenses':
        return { value: f().cur.totals.expenses, previous: f().prev.totals.expenses, currency: f().cur.currency };
      case 'profit':
        return { value: f().cur.totals.profit, previous: f().prev.totals.profit, currency: f().cur.currency };
      case 'affiliateRevenue':
        return { value: af().cur.revenue, previous: af().prev.revenue, currency: af().cur.currency };
      case 'affiliateClicks':
        return { value: af().cur.clicks, previous: af().prev.clicks };
      case 'affiliateEpc':
        return { value: af().cur.epc, previous: af().prev.epc, currency: af().cur.currency };
    }
  };

  const kpis = wanted.map((id): KpiValue => {
    const def = DEFS[id];
    const r = raw(id);
    const currency = def.unit === 'money' ? (r.currency ?? 'USD') : def.unit === 'usd' ? 'USD' : null;
    let change: number | null = null;
    let changeKind: KpiValue['changeKind'] = null;
    let changeText = '';
    if (!def.now) {
      if (r.value === null || r.previous === null) changeText = 'no comparison (no data for one of the periods)';
      else if (def.rate) {
        change = Math.round((r.value - r.previous) * 10) / 10;
        changeKind = 'pts';
        changeText = `${change > 0 ? '+' : change < 0 ? '−' : '±'}${fmtNum(Math.abs(change), 1)} pts (vs ${fmt(def, r.previous, currency)})`;
      } else if (r.previous === 0) {
        changeKind = 'pct';
        changeText = r.value === 0 ? 'no change' : 'new (none before)';
      } else {
        change = Math.round(((r.value - r.previous) / r.previous) * 1000) / 10;
        changeKind = 'pct';
        changeText = `${change > 0 ? '+' : change < 0 ? '−' : '±'}${fmtNum(Math.abs(change), 1)}% (vs ${fmt(def, r.previous, currency)})`;
      }
    }
    return {
      id,
      label: def.label,
      unit: def.unit,
      currency,
      value: r.value,
      previous: r.previous,
      now: !!def.now,
      change,
      changeKind,
      better: def.better,
      text: fmt(def, r.value, currency),
      previousText: fmt(def, r.previous, currency),
      changeText,
    };
  });
  const size = (k: KpiValue) => (k.change !== null ? Math.abs(k.change) : k.changeKind === 'pct' && k.value !== null && k.value !== 0 ? 100 : 0);
  const changedMost = kpis
    .filter((k) => size(k) > 0)
    .sort((x, y) => size(y) - size(x))
    .slice(0, 3);
  const end = addDays(range.to, 1);
  return {
    range,
    previousRange,
    timeZone,
    kpis,
    changedMost,
    failures: failedRuns(env.db, `${range.from}T00:00:00.000Z`, `${end}T00:00:00.000Z`, 10),
    approvals: pendingApprovals(env.db, 10),
    operator: { email: operatorEmail(env) },
  };
}

export { KPI_IDS };
