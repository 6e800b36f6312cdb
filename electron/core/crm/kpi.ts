/**
 * Funnel KPIs from a daily rollup (kpi_daily) of the events table, refreshed
 * incrementally: each refresh folds in only the events with an id above the
 * watermark (events are append-only, so ids only grow). Days are UTC.
 *
 * Metrics per day:
 *   reached_lead / reached_mql / reached_sql / reached_customer — contacts that
 *     entered the stage or a later one (from contact.created and lifecycle.changed;
 *     a jump lead -> sql counts for mql too; moving to churned is not progress)
 *   deals_won, revenue_won (dim = currency) — from deal.won events
 *   email_sent / email_replied / email_bounced / email_unsubscribed / email_complained
 *
 * ROLLUP_VERSION names what the rollup holds: a store rolled up by an older
 * version is rebuilt from the first event on the next refresh.
 */
import type { KpiDashboard } from '../../../shared/api';
import type { ThreadEnv } from '../env';
import { storeOf } from './store';
import { stageRankSql } from './util';
import { parseStored } from '../db/integrity';

const FUNNEL = [
  ['lead', 1],
  ['mql', 2],
  ['sql', 3],
  ['customer', 5],
] as const;

const ROLLUP_VERSION = 2;
const EMAIL_METRICS = [
  ['email.sent', 'email_sent'],
  ['email.replied', 'email_replied'],
  ['email.bounced', 'email_bounced'],
  ['email.unsubscribed', 'email_unsubscribed'],
  ['email.complained', 'email_complained'],
] as const;

function stateValue(core: ThreadEnv, key: string): number | null {
  const r = storeOf(core).stmt(`SELECT value FROM crm_state WHERE key = ?`).get(key) as { value: string } | undefined;
  return r ? Number(parseStored(r.value, 'crm_state.value', key)) : null;
}

function setState(core: ThreadEnv, key: string, value: number): void {
  storeOf(core)
    .stmt(`INSERT INTO crm_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`)
    .run(key, JSON.stringify(value));
}

function watermark(core: ThreadEnv): number {
  if ((stateValue(core, 'kpi.version') ?? 1) < ROLLUP_VERSION && (stateValue(core, 'kpi.watermark') ?? 0) > 0) {
    storeOf(core).stmt(`DELETE FROM kpi_daily`).run();
    setState(core, 'kpi.watermark', 0);
  }
  setState(core, 'kpi.version', ROLLUP_VERSION);
  return stateValue(core, 'kpi.watermark') ?? 0;
}

/** Fold new events into kpi_daily. Returns how many events were read. */
export function refreshRollup(core: ThreadEnv): number {
  const store = storeOf(core);
  return core.db.transaction(() => {
    const from = watermark(core);
    const to = (store.stmt(`SELECT COALESCE(MAX(id), 0) AS m FROM events`).get() as { m: number }).m;
    if (to <= from) return 0;
    const fr = `CASE type WHEN 'contact.created' THEN -1 ELSE ${stageRankSql(`json_extract(data, '$.from')`)} END`;
    // contact.created: the stage it was created with (its `stage` is as of that commit: scoring may have promoted it,
    // and the promotion is a lifecycle.changed of its own); older rows have only `stage`, which was the initial one.
    const tr = stageRankSql(`CASE type WHEN 'contact.created' THEN COALESCE(json_extract(data, '$.initialStage'), json_extract(data, '$.stage')) ELSE json_extract(data, '$.to') END`);
    // The unary + keeps the planner on the rowid range (the type index would scan every matching event ever).
    store
      .stmt(
        `INSERT INTO kpi_daily (day, metric, dim, value)
         SELECT day, metric, dim, v FROM (
           WITH s(name, r) AS (VALUES ${FUNNEL.map(([n, r]) => `('${n}', ${r})`).join(', ')}),
           ev AS (SELECT substr(at, 1, 10) AS day, ${fr} AS fr, ${tr} AS tr FROM events
                  WHERE id > ? AND id <= ? AND +type IN ('contact.created', 'lifecycle.changed') AND +subject_type = 'contact'
                    AND COALESCE(json_extract(data, '$.reason'), '') != 'merge')
           SELECT ev.day AS day, 'reached_' || s.name AS metric, '' AS dim, COUNT(*) AS v FROM ev JOIN s ON ev.fr < s.r AND s.r <= ev.tr GROUP BY 1, 2
           UNION ALL
           SELECT substr(at, 1, 10), 'deals_won', '', COUNT(*) FROM events WHERE id > ? AND id <= ? AND +type = 'deal.won' GROUP BY 1
           UNION ALL
           SELECT substr(at, 1, 10), 'revenue_won', COALESCE(json_extract(data, '$.currency'), 'USD'), SUM(COALESCE(json_extract(data, '$.value'), 0))
             FROM events WHERE id > ? AND id <= ? AND +type = 'deal.won' GROUP BY 1, 3
           UNION ALL
           SELECT substr(at, 1, 10), CASE type ${EMAIL_METRICS.map(([t, m]) => `WHEN '${t}' THEN '${m}'`).join(' ')} END, '', COUNT(*)
             FROM events WHERE id > ? AND id <= ? AND +type IN (${EMAIL_METRICS.map(([t]) => `'${t}'`).join(', ')}) GROUP BY 1, 2
         ) WHERE true
         ON CONFLICT (metric, dim, day) DO UPDATE SET value = value + excluded.value`,
      )
      .run(from, to, from, to, from, to, from, to);
    setState(core, 'kpi.watermark', to);
    return to - from;
  }).immediate();
}

const DAY = 86_400_000;
const dayAdd = (d: string, n: number) => new Date(Date.parse(d + 'T00:00:00Z') + n * DAY).toISOString().slice(0, 10);
const daysBetween = (a: string, b: string) => Math.round((Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / DAY);

const pct = (a: number, b: number): number | null => (b > 0 ? Math.round((a / b) * 1000) / 10 : null);

function numbers(core: ThreadEnv, from: string, to: string): KpiDashboard['current'] {
  const store = storeOf(core);
  const sums = store
    .stmt(`SELECT metric, dim, SUM(value) AS v FROM kpi_daily WHERE metric IN ('reached_lead', 'reached_mql', 'reached_sql', 'deals_won', 'revenue_won') AND day >= ? AND day <= ? GROUP BY metric, dim`)
    .all(from, to) as { metric: string; dim: string; v: number }[];
  const get = (m: string) => sums.filter((s) => s.metric === m).reduce((a, s) => a + s.v, 0);
  const newLeads = get('reached_lead');
  const reachedMql = get('reached_mql');
  const reachedSql = get('reached_sql');
  const dealsWon = get('deals_won');
  const end = dayAdd(to, 1) + 'T00:00:00.000Z';
  // Deals open at the end of the range, by their current stage (deals closed since then: "closed since").
  // The ones still open: kpi_open_deals (by the day they opened; migration 0030); the ones closed since:
  // a range of the won / lost indexes (deals_won_since, deals_lost_since) from the end of the range on.
  const pipeline = store
    .stmt(
      `SELECT * FROM (
         SELECT stage, currency, SUM(n) AS count, SUM(value) AS value FROM kpi_open_deals WHERE day <= ? GROUP BY stage, currency HAVING SUM(n) > 0
         UNION ALL
         SELECT 'closed since', currency, COUNT(*), SUM(value) FROM (
           SELECT currency, value FROM deals WHERE won_at >= ? AND (lost_at IS NULL OR lost_at >= ?) AND opened_at < ?
           UNION ALL
           SELECT currency, value FROM deals WHERE lost_at >= ? AND won_at IS NULL AND opened_at < ?)
         GROUP BY currency
       ) ORDER BY 1, 2`,
    )
    .all(to, end, end, end, end, end) as { stage: string; currency: string; count: number; value: number }[];
  return {
    newLeads,
    reachedMql,
    reachedSql,
    dealsWon,
    leadToMql: pct(reachedMql, newLeads),
    mqlToSql: pct(reachedSql, reachedMql),
    sqlToWon: pct(dealsWon, reachedSql),
    revenueWon: sums.filter((s) => s.metric === 'revenue_won').map((s) => ({ currency: s.dim, value: Math.round(s.v * 100) / 100 })),
    pipeline: pipeline.map((p) => ({ ...p, value: Math.round(p.value * 100) / 100 })),
  };
}

function engagement(core: ThreadEnv, from: string, to: string): KpiDashboard['engagement']['current'] {
  const store = storeOf(core);
  const rows = store
    .stmt(`SELECT metric, SUM(value) AS v FROM kpi_daily WHERE metric IN (${EMAIL_METRICS.map(([, m]) => `'${m}'`).join(', ')}) AND day >= ? AND day <= ? GROUP BY metric`)
    .all(from, to) as { metric: string; v: number }[];
  const get = (m: string) => rows.find((r) => r.metric === m)?.v ?? 0;
  const start = from + 'T00:00:00.000Z';
  const end = dayAdd(to, 1) + 'T00:00:00.000Z';
  const seq = store
    .stmt(`SELECT COUNT(*) AS ended, COALESCE(SUM(status = 'completed'), 0) AS completed FROM enrollments WHERE status IN ('completed', 'exited') AND finished_at >= ? AND finished_at < ?`)
    .get(start, end) as { ended: number; completed: number };
  const cycle = store
    .stmt(`SELECT AVG(julianday(won_at) - julianday(opened_at)) AS days FROM deals WHERE won_at >= ? AND won_at < ?`)
    .get(start, end) as { days: number | null };
  const sent = get('email_sent');
  return {
    emailsSent: sent,
    replies: get('email_replied'),
    replyRate: pct(get('email_replied'), sent),
    bounces: get('email_bounced'),
    bounceRate: pct(get('email_bounced'), sent),
    unsubscribes: get('email_unsubscribed'),
    unsubscribeRate: pct(get('email_unsubscribed'), sent),
    complaints: get('email_complained'),
    sequencesEnded: seq.ended,
    sequencesCompleted: seq.completed,
    sequenceCompletionRate: pct(seq.completed, seq.ended),
    salesCycleDays: cycle.days === null ? null : Math.round(cycle.days * 10) / 10,
  };
}

/** Open deals by stage and the mean days since each entered its stage (deal_stages; else since it opened). */
function timeInStage(core: ThreadEnv, now: number): KpiDashboard['timeInStage'] {
  const rows = storeOf(core)
    .stmt(
      `SELECT d.stage AS stage, COUNT(*) AS deals,
              AVG((? - COALESCE(ds.entered_at, CAST((julianday(d.opened_at) - 2440587.5) * 86400000 AS INTEGER))) / 86400000.0) AS days
       FROM deals d LEFT JOIN deal_stages ds ON ds.deal_id = d.id
       WHERE d.won_at IS NULL AND d.lost_at IS NULL GROUP BY d.stage ORDER BY d.stage`,
    )
    .all(now) as { stage: string; deals: number; days: number }[];
  return rows.map((r) => ({ stage: r.stage, deals: r.deals, avgDays: Math.max(0, Math.round(r.days * 10) / 10) }));
}

function series(core: ThreadEnv, from: string, to: string): { day: string; count: number }[] {
  const rows = storeOf(core).stmt(`SELECT day, value FROM kpi_daily WHERE metric = 'reached_lead' AND dim = '' AND day >= ? AND day <= ?`).all(from, to) as {
    day: string;
    value: number;
  }[];
  const by = new Map(rows.map((r) => [r.day, r.value]));
  const out: { day: string; count: number }[] = [];
  for (let d = from; d <= to; d = dayAdd(d, 1)) out.push({ day: d, count: by.get(d) ?? 0 });
  return out;
}

/** The dashboard for [from, to] (UTC days, inclusive) and the period of the same length just before it. */
export function dashboard(core: ThreadEnv, from: string, to: string): KpiDashboard {
  const n = daysBetween(from, to) + 1;
  const pFrom = dayAdd(from, -n);
  const pTo = dayAdd(from, -1);
  refreshRollup(core);
  return {
    engagement: { current: engagement(core, from, to), previous: engagement(core, pFrom, pTo) },
    timeInStage: timeInStage(core, Date.now()),
    range: { from, to },
    previousRange: { from: pFrom, to: pTo },
    current: numbers(core, from, to),
    previous: numbers(core, pFrom, pTo),
    newLeadsPerDay: series(core, from, to),
    previousNewLeadsPerDay: series(core, pFrom, pTo),
  };
}
