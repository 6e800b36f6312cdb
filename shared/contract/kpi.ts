/**
 * KPI summaries: any dashboard KPI for a range with the previous period of the
 * same length, what changed most, what failed and what waits for approval —
 * the `kpi.read` node and the weekly summary to the operator. docs/workflows.md
 * (kpi.read) and docs/finance.md ("The weekly summary").
 */
import { z } from 'zod';
import { op } from './base';

/** Every KPI kpi.read knows: the dashboard's tiles first (same numbers, same UTC days), then the other cards'. */
export const KPI_IDS = [
  'newLeads',
  'leadToMql',
  'mqlToSql',
  'pipelineValue',
  'revenueWon',
  'automationSuccess',
  'pendingApprovals',
  'openEscalations',
  'reachedMql',
  'reachedSql',
  'dealsWon',
  'sqlToWon',
  'emailsSent',
  'replies',
  'replyRate',
  'bounceRate',
  'unsubscribes',
  'runsFinished',
  'runsFailed',
  'aiSpend',
  'mrr',
  'netRevenue',
  'income',
  'expenses',
  'profit',
  'affiliateRevenue',
  'affiliateClicks',
  'affiliateEpc',
] as const;
export type KpiId = (typeof KPI_IDS)[number];
export const KpiIdSchema = z.enum(KPI_IDS, { error: `use a KPI name: ${KPI_IDS.join(', ')}` });

/** The dashboard's tiles, in its order: kpi.read's default. */
export const DASHBOARD_TILES: readonly KpiId[] = ['newLeads', 'leadToMql', 'mqlToSql', 'pipelineValue', 'revenueWon', 'automationSuccess', 'pendingApprovals', 'openEscalations'];

export const PERIODS = ['lastWeek', 'thisWeek', 'yesterday', 'last7Days', 'last30Days', 'lastMonth', 'thisMonth'] as const;

export const KpiValue = z.object({
  id: z.string(),
  label: z.string(),
  /** count | percent | money | usd */
  unit: z.enum(['count', 'percent', 'money', 'usd']),
  /** For money: the currency (the largest one of the range, as the dashboard shows it). */
  currency: z.string().nullable(),
  value: z.number().nullable(),
  previous: z.number().nullable(),
  /** A number "now" (pending approvals, open escalations, MRR): no previous period. */
  now: z.boolean(),
  /** Percent change for counts and money (null when the previous is 0 or unknown); for rates, the change in points. */
  change: z.number().nullable(),
  changeKind: z.enum(['pct', 'pts']).nullable(),
  /** Whether up is good (leads) or bad (bounce rate). */
  better: z.enum(['up', 'down']),
  /** Ready for an e-mail: "12", "34.5%", "1,200 USD", "$3.20". */
  text: z.string(),
  previousText: z.string(),
  /** "+25% (vs 8)", "−3.2 pts (vs 40%)", "new (none before)", "no change", "" for numbers "now". */
  changeText: z.string(),
});
export type KpiValue = z.infer<typeof KpiValue>;

export const KpiRead = z.object({
  /** UTC days, inclusive (the dashboard's days). */
  range: z.object({ from: z.string(), to: z.string() }),
  previousRange: z.object({ from: z.string(), to: z.string() }),
  /** The time zone the period was counted in ("last week" = Monday to Sunday there). */
  timeZone: z.string(),
  kpis: z.array(KpiValue),
  /** The KPIs with a comparison, the largest relative change first (at most 3). */
  changedMost: z.array(KpiValue),
  /** Runs that failed in the range (at most 10, newest first) and how many in all. */
  failures: z.object({ count: z.number().int(), runs: z.array(z.object({ runId: z.string(), workflowId: z.string(), workflow: z.string(), error: z.string(), at: z.string() })) }),
  /** Approvals waiting now (at most 10, oldest first) and how many in all. */
  approvals: z.object({ pending: z.number().int(), items: z.array(z.object({ id: z.string(), title: z.string(), workflow: z.string(), createdAt: z.string() })) }),
  /** Where summaries for the operator go: the setting operator.email, else email.from; null when neither is set. */
  operator: z.object({ email: z.string().nullable() }),
});
export type KpiRead = z.infer<typeof KpiRead>;

const Day = z.iso.date({ error: 'use a date such as 2025-03-01' });

export const kpiOps = {
  'kpi.summary': op(
    'Dashboard KPIs for a range (UTC days, or a named period counted in a time zone) with the previous period, what changed most, what failed and what waits for approval: what the kpi.read node reads.',
    z
      .object({
        kpis: z.array(KpiIdSchema).min(1).max(KPI_IDS.length).optional(),
        period: z.enum(PERIODS).optional(),
        from: Day.optional(),
        to: Day.optional(),
        timeZone: z.string().max(100).optional(),
      })
      .strict()
      .refine((i) => (i.from === undefined) === (i.to === undefined), { error: 'give both from and to, or a period', path: ['to'] })
      .refine((i) => !(i.period && i.from), { error: 'give a period or from/to, not both', path: ['period'] })
      .refine((i) => !i.from || !i.to || i.from <= i.to, { error: 'from must be on or before to', path: ['to'] }),
    KpiRead,
  ),
} as const;

export const kpiEvents = {} as const;
