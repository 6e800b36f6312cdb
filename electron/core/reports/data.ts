/**
 * The figures of each report section for a client and a period, from Baton's
 * own tables (CRM contacts and deals, e-mail events, workflow runs, billing
 * charges) and the metrics imported from CSV. A section with nothing to show
 * for the period says so (`missing`) instead of failing the report.
 */
import type { ReportSection } from '../../../shared/api';
import { billingPayments } from '../billing/income';
import { toMajor } from '../billing/money';
import { clientContactIds, parseClient } from '../crm/clients';
import type { ThreadEnv } from '../env';
import { reportsStoreOf } from './store';

export interface Chart {
  kind: 'bar' | 'line';
  labels: string[];
  series: { name: string; values: number[] }[];
}

export interface SectionData {
  title: string;
  /** Label and value lines (the value as printed). */
  lines: [string, string][];
  charts: { title: string; chart: Chart }[];
  /** The headline number for the summary section, with the previous period's. */
  headline?: { label: string; value: number; previous?: number };
  text?: string;
  /** Nothing to show for the period: the section says so. */
  missing: boolean;
}

export interface Period {
  from: string;
  to: string;
}

const DAY = 86_400_000;
const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The period of the same length just before. */
export function previousPeriod(p: Period): Period {
  const len = dayMs(p.to) - dayMs(p.from) + DAY;
  return { from: dayOf(dayMs(p.from) - len), to: dayOf(dayMs(p.from) - DAY) };
}

/** Week buckets (7 days from `from`) covering the period: their first days. */
function weeks(p: Period): string[] {
  const out: string[] = [];
  for (let t = dayMs(p.from); t <= dayMs(p.to); t += 7 * DAY) out.push(dayOf(t));
  return out;
}
const weekIndex = (p: Period, day: string) => Math.floor((dayMs(day) - dayMs(p.from)) / (7 * DAY));

const DEFAULT_TITLES: Record<ReportSection['kind'], string> = {
  summary: 'Summary',
  leads: 'New leads',
  pipeline: 'Pipeline',
  email: 'E-mail',
  runs: 'Automations',
  content: 'Content delivered',
  billing: 'Payments',
  metrics: 'Metrics',
  text: 'Notes',
};

export function sectionTitle(s: ReportSection): string {
  if (s.title) return s.title;
  if (s.kind === 'metrics') return s.metrics.join(', ');
  return DEFAULT_TITLES[s.kind];
}

interface Scope {
  client: string;
  contactIds: number[];
  /** JSON arrays for json_each(). */
  idsJson: string;
  subjectsJson: string;
}

function scopeOf(env: ThreadEnv, client: string): Scope {
  const contactIds = clientContactIds(env, client);
  return { client, contactIds, idsJson: JSON.stringify(contactIds), subjectsJson: JSON.stringify(contactIds.map(String)) };
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

function leads(env: ThreadEnv, sc: Scope, p: Period): Omit<SectionData, 'title'> {
  const st = reportsStoreOf(env);
  const count = (q: Period) =>
    st.stmt(`SELECT substr(created_at, 1, 10) AS day FROM contacts WHERE id IN (SELECT value FROM json_each(?)) AND created_at >= ? AND created_at < ?`).all(sc.idsJson, q.from, dayOf(dayMs(q.to) + DAY)) as { day: string }[];
  const now = count(p);
  const before = count(previousPeriod(p)).length;
  const w = weeks(p);
  const per = w.map(() => 0);
  for (const r of now) per[Math.min(per.length - 1, weekIndex(p, r.day))]! += 1;
  return {
    lines: [
      ['New contacts', fmt(now.length)],
      ['Previous period', fmt(before)],
    ],
    charts: now.length ? [{ title: 'New contacts per week', chart: { kind: 'bar', labels: w.map((d) => d.slice(5)), series: [{ name: 'New contacts', values: per }] } }] : [],
    headline: { label: 'New contacts', value: now.length, previous: before },
    missing: now.length === 0 && before === 0,
  };
}

function pipeline(env: ThreadEnv, sc: Scope, p: Period): Omit<SectionData, 'title'> {
  const st = reportsStoreOf(env);
  const c = parseClient(sc.client);
  const where = c?.kind === 'company' ? `(company_id = ${c.id} OR contact_id IN (SELECT value FROM json_each(?)))` : `contact_id IN (SELECT value FROM json_each(?))`;
  const open = st.stmt(`SELECT stage, COUNT(*) AS n, SUM(value) AS v FROM deals WHERE ${where} AND won_at IS NULL AND lost_at IS NULL GROUP BY stage ORDER BY stage`).all(sc.idsJson) as {
    stage: string;
    n: number;
    v: number;
  }[];
  const end = dayOf(dayMs(p.to) + DAY);
  const won = st.stmt(`SELECT COUNT(*) AS n, COALESCE(SUM(value), 0) AS v FROM deals WHERE ${where} AND won_at >= ? AND won_at < ?`).get(sc.idsJson, p.from, end) as { n: number; v: number };
  const lost = st.stmt(`SELECT COUNT(*) AS n FROM deals WHERE ${where} AND lost_at >= ? AND lost_at < ?`).get(sc.idsJson, p.from, end) as { n: number };
  const openValue = open.reduce((a, r) => a + r.v, 0);
  return {
    lines: [
      ['Open deals', fmt(open.reduce((a, r) => a + r.n, 0))],
      ['Open value', fmt(openValue)],
      ['Won in the period', `${won.n} (${fmt(won.v)})`],
      ['Lost in the period', fmt(lost.n)],
    ],
    charts: open.length ? [{ title: 'Open deals by stage', chart: { kind: 'bar', labels: open.map((r) => r.stage), series: [{ name: 'Deals', values: open.map((r) => r.n) }] } }] : [],
    headline: { label: 'Deals won', value: won.n },
    missing: open.length === 0 && won.n === 0 && lost.n === 0,
  };
}

const EMAIL_TYPES = [
  ['email.sent', 'Sent'],
  ['email.replied', 'Replies'],
  ['email.bounced', 'Bounces'],
  ['email.unsubscribed', 'Unsubscribes'],
] as const;

function email(env: ThreadEnv, sc: Scope, p: Period): Omit<SectionData, 'title'> {
  const st = reportsStoreOf(env);
  const rows = st
    .stmt(
      `SELECT type, substr(at, 1, 10) AS day FROM events WHERE subject_type = 'contact' AND subject_id IN (SELECT value FROM json_each(?))
       AND type IN (${EMAIL_TYPES.map(([t]) => `'${t}'`).join(', ')}) AND at >= ? AND at < ?`,
    )
    .all(sc.subjectsJson, p.from, dayOf(dayMs(p.to) + DAY)) as { type: string; day: string }[];
  const w = weeks(p);
  const by = (t: string) => rows.filter((r) => r.type === t);
  const perWeek = (t: string) => {
    const a = w.map(() => 0);
    for (const r of by(t)) a[Math.min(a.length - 1, weekIndex(p, r.day))]! += 1;
    return a;
  };
  return {
    lines: EMAIL_TYPES.map(([t, label]) => [label, fmt(by(t).length)]),
    charts: rows.length
      ? [{ title: 'E-mails per week', chart: { kind: 'bar', labels: w.map((d) => d.slice(5)), series: [{ name: 'Sent', values: perWeek('email.sent') }, { name: 'Replies', values: perWeek('email.replied') }] } }]
      : [],
    headline: { label: 'E-mails sent', value: by('email.sent').length },
    missing: rows.length === 0,
  };
}

function runs(env: ThreadEnv, sc: Scope, p: Period): Omit<SectionData, 'title'> {
  const st = reportsStoreOf(env);
  const rows = st
    .stmt(
      `SELECT COALESCE(w.name, r.workflow_id) AS workflow, SUM(r.status = 'succeeded') AS ok, SUM(r.status = 'failed') AS failed
       FROM runs r LEFT JOIN workflows w ON w.id = r.workflow_id
       WHERE r.subject IN (SELECT value FROM json_each(?)) AND r.status IN ('succeeded', 'failed', 'cancelled') AND r.finished_at >= ? AND r.finished_at < ?
         AND substr(r.workflow_id, 1, 5) <> 'test~'
       GROUP BY 1 ORDER BY 1`,
    )
    .all(sc.subjectsJson, p.from, dayOf(dayMs(p.to) + DAY)) as { workflow: string; ok: number; failed: number }[];
  const ok = rows.reduce((a, r) => a + r.ok, 0);
  const failed = rows.reduce((a, r) => a + r.failed, 0);
  return {
    lines: [['Runs succeeded', fmt(ok)], ['Runs failed', fmt(failed)], ...rows.map((r): [string, string] => [`  ${r.workflow}`, `${r.ok} ok, ${r.failed} failed`])],
    charts: rows.length ? [{ title: 'Runs by workflow', chart: { kind: 'bar', labels: rows.map((r) => r.workflow), series: [{ name: 'Succeeded', values: rows.map((r) => r.ok) }, { name: 'Failed', values: rows.map((r) => r.failed) }] } }] : [],
    headline: { label: 'Automation runs', value: ok + failed },
    missing: rows.length === 0,
  };
}

function content(env: ThreadEnv, sc: Scope, p: Period): Omit<SectionData, 'title'> {
  const st = reportsStoreOf(env);
  const rows = st
    .stmt(
      `SELECT type, COUNT(*) AS n FROM events WHERE subject_type = 'contact' AND subject_id IN (SELECT value FROM json_each(?))
       AND (type LIKE 'document.%' OR type LIKE 'wordpress.%' OR type LIKE 'content.%') AND at >= ? AND at < ? GROUP BY type ORDER BY type`,
    )
    .all(sc.subjectsJson, p.from, dayOf(dayMs(p.to) + DAY)) as { type: string; n: number }[];
  return {
    lines: rows.map((r) => [r.type, fmt(r.n)]),
    charts: [],
    headline: { label: 'Content delivered', value: rows.reduce((a, r) => a + r.n, 0) },
    missing: rows.length === 0,
  };
}

function billing(env: ThreadEnv, sc: Scope, p: Period): Omit<SectionData, 'title'> {
  const rows = billingPayments(env, { from: p.from, to: p.to, client: sc.client });
  const byCur = new Map<string, number>();
  for (const r of rows) byCur.set(r.currency, (byCur.get(r.currency) ?? 0) + r.amount);
  const lines = [...byCur].map(([cur, minor]): [string, string] => [`Paid (${cur})`, fmt(toMajor(minor, cur))]);
  const first = [...byCur][0];
  return {
    lines,
    charts: [],
    ...(first ? { headline: { label: `Paid (${first[0]})`, value: toMajor(first[1], first[0]) } } : {}),
    missing: rows.length === 0,
  };
}

function metrics(env: ThreadEnv, sc: Scope, p: Period, s: Extract<ReportSection, { kind: 'metrics' }>): Omit<SectionData, 'title'> {
  const st = reportsStoreOf(env);
  const lines: [string, string][] = [];
  const charts: SectionData['charts'] = [];
  const prev = previousPeriod(p);
  let headline: SectionData['headline'];
  for (const m of s.metrics) {
    const vals = st.metricValues(sc.client, m, s.source ?? null, p.from, p.to);
    if (!vals.length) {
      lines.push([m, 'no data for this period']);
      continue;
    }
    const total = vals.reduce((a, v) => a + v.value, 0);
    const before = st.metricValues(sc.client, m, s.source ?? null, prev.from, prev.to).reduce((a, v) => a + v.value, 0);
    lines.push([m, `${fmt(total)} (previous period ${fmt(before)})`]);
    headline ??= { label: m, value: total, previous: before };
    charts.push({ title: m, chart: { kind: s.chart, labels: vals.map((v) => v.day.slice(5)), series: [{ name: m, values: vals.map((v) => v.value) }] } });
  }
  return { lines, charts, ...(headline ? { headline } : {}), missing: charts.length === 0 };
}

/** Every section's figures, in the definition's order (the summary from the others' headlines). */
export function sectionData(env: ThreadEnv, client: string, sections: ReportSection[], p: Period): SectionData[] {
  const sc = scopeOf(env, client);
  const one = (s: ReportSection): Omit<SectionData, 'title'> => {
    switch (s.kind) {
      case 'leads':
        return leads(env, sc, p);
      case 'pipeline':
        return pipeline(env, sc, p);
      case 'email':
        return email(env, sc, p);
      case 'runs':
        return runs(env, sc, p);
      case 'content':
        return content(env, sc, p);
      case 'billing':
        return billing(env, sc, p);
      case 'metrics':
        return metrics(env, sc, p, s);
      case 'text':
        return { lines: [], charts: [], text: s.text, missing: false };
      case 'summary':
        return { lines: [], charts: [], missing: false };
    }
  };
  const out = sections.map((s) => ({ title: sectionTitle(s), ...one(s) }));
  const heads = out.filter((d, i) => sections[i]!.kind !== 'summary' && d.headline && !d.missing);
  for (const [i, s] of sections.entries()) {
    if (s.kind !== 'summary') continue;
    const lines = heads.map((d): [string, string] => [d.headline!.label, d.headline!.previous === undefined ? fmt(d.headline!.value) : `${fmt(d.headline!.value)} (previous ${fmt(d.headline!.previous)})`]);
    out[i] = { ...out[i]!, lines, missing: lines.length === 0 };
  }
  return out;
}
