import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Escalation, KpiDashboard } from '../../../shared/api';
import { call } from '../api/client';
import { useAction, useApi, useEvent, type Query } from '../api/hooks';
import { useNav } from '../api/nav';
import { NotificationPermissionButton, SEVERITY_ICON, SEVERITY_LABEL, runHref } from '../components/Toasts';
import { useToasts } from '../api/toasts';
import { AiReleaseChoice } from '../components/AiRelease';
import { Card, ErrorPanel, Loading, PageHeader, QueryView, formatTime } from '../components/ui';
import { PRESETS, addDays, delta, presetRange, rangeProblem, useRange, utcDay } from '../api/dashboardRange';
import { TrendChart, type TrendSeries } from './dashboard/TrendChart';
import { BillingCard } from './dashboard/BillingCard';
import './dashboard.css';
import { HostNotices } from './dashboard/HostNotices';

/**
 * A reload for push events: at most once per `ms` (the first one soon, later ones folded into one
 * trailing reload), and never while the last load is still on its way (a new one would discard it,
 * so under a steady stream of events the numbers would never land). Data stays on screen meanwhile.
 */
function useLiveReload(q: { reload: () => void; loading: boolean }, ms: number): () => void {
  const ref = useRef(q);
  useEffect(() => {
    ref.current = q;
  });
  const st = useRef({ last: 0, timer: 0 });
  useEffect(() => () => window.clearTimeout(st.current.timer), []);
  return useCallback(() => {
    const s = st.current;
    if (s.timer) return;
    const fire = () => {
      if (ref.current.loading) {
        s.timer = window.setTimeout(fire, 250);
        return;
      }
      s.timer = 0;
      s.last = Date.now();
      ref.current.reload();
    };
    s.timer = window.setTimeout(fire, Math.max(150, s.last + ms - Date.now()));
  }, [ms]);
}

const fmtInt = (n: number) => n.toLocaleString(undefined, { maximumFractionDigits: 0 });
const fmtPct = (n: number | null) => (n === null ? '–' : `${n.toLocaleString(undefined, { maximumFractionDigits: 1 })}%`);
const fmtMoney = (n: number, currency: string) => {
  try {
    return n.toLocaleString(undefined, { style: 'currency', currency, maximumFractionDigits: 0 });
  } catch {
    return `${fmtInt(n)} ${currency}`;
  }
};
const fmtDay = (d: string) => new Date(d + 'T00:00:00Z').toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const fmtRange = (r: { from: string; to: string }) => (r.from === r.to ? fmtDay(r.from) : `${fmtDay(r.from)} – ${fmtDay(r.to)}`);

/** The sums per currency of a list, and the main currency (the largest now, else the largest before). */
function money(cur: { currency: string; value: number }[], prev: { currency: string; value: number }[]) {
  const sum = (l: { currency: string; value: number }[]) => {
    const m = new Map<string, number>();
    for (const x of l) m.set(x.currency, Math.round(((m.get(x.currency) ?? 0) + x.value) * 100) / 100);
    return m;
  };
  const c = sum(cur);
  const p = sum(prev);
  const main = [...c.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? [...p.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'USD';
  const others = [...c.keys()].filter((k) => k !== main);
  return { currency: main, current: c.get(main) ?? 0, previous: p.get(main) ?? 0, others };
}

export function Dashboard() {
  const { from, to } = useRange();
  const range = useMemo(() => ({ from, to }), [from, to]);
  // A preset follows the calendar: back to the tab on a new UTC day, "last 7 days" ends today again.
  useEffect(() => {
    const roll = () => {
      const { preset, to: shownTo, setPreset } = useRange.getState();
      if (preset !== 'custom' && presetRange(preset, utcDay(Date.now())).to !== shownTo) setPreset(preset);
    };
    window.addEventListener('focus', roll);
    document.addEventListener('visibilitychange', roll);
    const t = window.setInterval(roll, 60_000);
    return () => {
      window.removeEventListener('focus', roll);
      document.removeEventListener('visibilitychange', roll);
      window.clearInterval(t);
    };
  }, []);
  const kpi = useApi('kpi.dashboard', range);
  const auto = useApi('kpi.automation', range);
  const approvals = useApi('approvals.list', { limit: 1 });
  const escalations = useApi('escalations.list', { acknowledged: false, limit: 20 });

  const reloadKpi = useLiveReload(kpi, 2000);
  const reloadAuto = useLiveReload(auto, 2000);
  const reloadEsc = useLiveReload(escalations, 1000);
  useEvent('crm.kpi.changed', reloadKpi);
  useEvent('crm.contact.changed', reloadKpi);
  useEvent('crm.contacts.imported', reloadKpi);
  useEvent('crm.event.recorded', reloadKpi);
  useEvent('run.updated', ({ status }) => {
    if (status === 'succeeded' || status === 'failed' || status === 'cancelled') reloadAuto();
  });
  useEvent('approvals.count', ({ pending }) => approvals.setData((old) => (old ? { ...old, pending } : old)));
  useEvent('escalation.raised', (e) => {
    escalations.setData((old) =>
      old && !old.escalations.some((x) => x.id === e.id)
        ? {
            escalations: pinnedFirst([
              { id: e.id, severity: e.severity, title: e.title, detail: e.detail, runId: e.runId ?? null, workflowId: e.workflowId ?? null, createdAt: e.createdAt, acknowledgedAt: null, acknowledgedBy: null, pinned: e.pinned ?? false },
              ...old.escalations,
            ]),
            unacknowledged: old.unacknowledged + 1,
          }
        : old,
    );
    reloadEsc();
  });

  return (
    <>
      <PageHeader title="Dashboard" intro="Your business at a glance: key numbers, what needs you, and what ran." />
      <RangePicker shown={kpi.data?.range} previous={kpi.data?.previousRange} />
      <HostNotices />
      <div className="stack">
        <KpiTiles kpi={kpi} auto={auto} approvals={approvals} escalations={escalations} />
        <BillingCard />
        <div className="dash-grid">
          <TrendCard kpi={kpi} />
          <FunnelCard kpi={kpi} />
        </div>
        <div className="dash-grid">
          <EngagementCard kpi={kpi} />
          <TimeInStageCard kpi={kpi} />
        </div>
        <div className="dash-grid">
          <EscalationsCard q={escalations} />
          <AutomationCard auto={auto} range={range} />
        </div>
        <SystemCard />
      </div>
    </>
  );
}

/* ---------------- date range ---------------- */

function RangePicker({ shown, previous }: { shown: { from: string; to: string } | undefined; previous: { from: string; to: string } | undefined }) {
  const { preset, from, to, setPreset, setCustom } = useRange();
  const [f, setF] = useState(from);
  const [t, setT] = useState(to);
  const [problem, setProblem] = useState<string | null>(null);
  const ids = { from: useId(), to: useId(), err: useId() };
  useEffect(() => {
    setF(from);
    setT(to);
    setProblem(null);
  }, [from, to, preset]);
  function apply(e: FormEvent) {
    e.preventDefault();
    const p = rangeProblem(f, t);
    setProblem(p);
    if (!p) setCustom(f, t);
  }
  return (
    <section className="dash-range" aria-label="Date range">
      <div className="seg" role="group" aria-label="Preset ranges">
        {PRESETS.map((p) => (
          <button key={p.id} type="button" className="seg-btn" aria-pressed={preset === p.id} onClick={() => {
              const r = presetRange(p.id, utcDay(Date.now()));
              setPreset(p.id);
              setF(r.from);
              setT(r.to);
              setProblem(null);
            }}
          >
            {p.label}
          </button>
        ))}
      </div>
      <form className="range-custom" onSubmit={apply} noValidate>
        <div>
          <label htmlFor={ids.from}>From</label>
          <input id={ids.from} type="date" value={f} max={t || undefined} onChange={(e) => setF(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={problem ? ids.err : undefined} />
        </div>
        <div>
          <label htmlFor={ids.to}>To</label>
          <input id={ids.to} type="date" value={t} min={f || undefined} onChange={(e) => setT(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={problem ? ids.err : undefined} />
        </div>
        <button type="submit" className={preset === 'custom' ? 'btn btn-primary' : 'btn'}>
          Apply
        </button>
      </form>
      <p className="range-caption muted" data-testid="range-caption">
        {problem ? (
          <span className="field-error" id={ids.err} role="alert">
            {problem}
          </span>
        ) : shown && previous ? (
          <>
            {fmtRange(shown)} (UTC), compared with {fmtRange(previous)}
          </>
        ) : (
          <>&nbsp;</>
        )}
      </p>
    </section>
  );
}

/* ---------------- KPI tiles ---------------- */

type Better = 'up' | 'down';
interface TileProps {
  id: string;
  label: string;
  value: ReactNode;
  raw: number | null;
  /** Change against the previous period: relative (%) for counts and money, points for rates; null: no comparison. */
  change?: { kind: 'pct' | 'pts'; current: number | null; previous: number | null; better?: Better; format?: (n: number) => string } | null;
  note?: ReactNode;
  stale?: boolean;
}

function Tile({ id, label, value, raw, change, note, stale }: TileProps) {
  let deltaEl: ReactNode = null;
  let deltaRaw = '';
  if (change) {
    const { current, previous } = change;
    if (current === null || previous === null) {
      deltaEl = <span className="delta delta-flat">No comparison (no data for one of the periods)</span>;
    } else {
      const d = delta(current, previous);
      const good = d.dir === 'flat' ? 'flat' : (d.dir === (change.better ?? 'up')) ? 'good' : 'bad';
      const arrow = d.dir === 'up' ? '▲' : d.dir === 'down' ? '▼' : '▬';
      let text: string;
      if (change.kind === 'pts') {
        const pts = Math.round((current - previous) * 10) / 10;
        deltaRaw = String(pts);
        text = `${pts > 0 ? '+' : ''}${pts.toLocaleString(undefined, { maximumFractionDigits: 1 })} pts`;
      } else if (d.pct === null) {
        deltaRaw = 'new';
        text = current === 0 ? 'no change' : 'new (none before)';
      } else {
        deltaRaw = String(d.pct);
        text = `${d.pct > 0 ? '+' : ''}${d.pct.toLocaleString(undefined, { maximumFractionDigits: 1 })}%`;
      }
      const word = d.dir === 'up' ? 'Up' : d.dir === 'down' ? 'Down' : 'Unchanged';
      deltaEl = (
        <span className={`delta delta-${good}`} data-testid={`kpi-${id}-delta`} data-delta={deltaRaw}>
          <span aria-hidden="true">{arrow}</span> <span className="sr-only">{word}:</span> {text} <span className="delta-prev">vs {change.kind === 'pts' ? fmtPct(previous) : (change.format ?? fmtInt)(previous)}</span>
        </span>
      );
    }
  }
  return (
    <li className={stale ? 'kpi is-stale' : 'kpi'} data-testid={`kpi-${id}`} aria-busy={stale || undefined}>
      <p className="kpi-label">{label}</p>
      <p className="kpi-value" data-testid={`kpi-${id}-value`} data-value={raw === null ? '' : String(raw)}>
        {value}
      </p>
      <p className="kpi-delta">{deltaEl ?? <span className="delta delta-flat">{note ?? '\u00a0'}</span>}</p>
    </li>
  );
}

/** Before the first answer: a skeleton of the same size (no jump when the number lands); after a failure: "–". */
function TilePlaceholder({ label, failed }: { label: string; failed?: boolean }) {
  return (
    <li className="kpi is-loading" aria-busy={failed ? undefined : true}>
      <p className="kpi-label">{label}</p>
      <p className="kpi-value">
        {failed ? (
          <>
            <span aria-hidden="true">–</span>
            <span className="sr-only">not available</span>
          </>
        ) : (
          <>
            <span className="skeleton" />
            <span className="sr-only">Loading…</span>
          </>
        )}
      </p>
      <p className="kpi-delta">{failed ? <span className="delta delta-flat">Could not load</span> : '\u00a0'}</p>
    </li>
  );
}

function KpiTiles({
  kpi,
  auto,
  approvals,
  escalations,
}: {
  kpi: Query<KpiDashboard>;
  auto: ReturnType<typeof useApi<'kpi.automation'>>;
  approvals: ReturnType<typeof useApi<'approvals.list'>>;
  escalations: ReturnType<typeof useApi<'escalations.list'>>;
}) {
  const { from, to } = useRange();
  const k = kpi.data;
  const kStale = !!k && (k.range.from !== from || k.range.to !== to);
  const a = auto.data;
  const aStale = !!a && (a.current.from !== from || a.current.to !== to);
  const pipe = k ? money(k.current.pipeline, k.previous.pipeline) : null;
  const rev = k ? money(k.current.revenueWon, k.previous.revenueWon) : null;
  const errors = [
    kpi.error && (!k || kStale) ? <ErrorPanel key="k" what="Could not load the funnel numbers" error={kpi.error} onRetry={kpi.reload} /> : null,
    auto.error && (!a || aStale) ? <ErrorPanel key="a" what="Could not load the automation numbers" error={auto.error} onRetry={auto.reload} /> : null,
    approvals.error && !approvals.data ? <ErrorPanel key="p" what="Could not load the pending approvals" error={approvals.error} onRetry={approvals.reload} /> : null,
  ];
  const range = k ? <span data-testid="kpi-range" data-from={k.range.from} data-to={k.range.to} hidden /> : null;
  return (
    <section aria-labelledby="kpi-title">
      <h2 id="kpi-title" className="sr-only">
        Key numbers
      </h2>
      {errors}
      {range}
      <ul className="kpi-grid" data-loaded-range={k && a && !kStale && !aStale ? `${from}..${to}` : ''}>
        {k ? (
          <>
            <Tile id="leads" label="New leads" value={fmtInt(k.current.newLeads)} raw={k.current.newLeads} stale={kStale} change={{ kind: 'pct', current: k.current.newLeads, previous: k.previous.newLeads }} />
            <Tile id="mql-rate" label="Lead → MQL rate" value={fmtPct(k.current.leadToMql)} raw={k.current.leadToMql} stale={kStale} change={{ kind: 'pts', current: k.current.leadToMql, previous: k.previous.leadToMql }} />
            <Tile id="sql-rate" label="MQL → SQL rate" value={fmtPct(k.current.mqlToSql)} raw={k.current.mqlToSql} stale={kStale} change={{ kind: 'pts', current: k.current.mqlToSql, previous: k.previous.mqlToSql }} />
            <Tile
              id="pipeline"
              label="Pipeline value"
              value={fmtMoney(pipe!.current, pipe!.currency)}
              raw={pipe!.current}
              stale={kStale}
              change={{ kind: 'pct', current: pipe!.current, previous: pipe!.previous, format: (n) => fmtMoney(n, pipe!.currency) }}
            />
            <Tile id="revenue" label="Revenue won" value={fmtMoney(rev!.current, rev!.currency)} raw={rev!.current} stale={kStale} change={{ kind: 'pct', current: rev!.current, previous: rev!.previous, format: (n) => fmtMoney(n, rev!.currency) }} />
          </>
        ) : (
          ['New leads', 'Lead → MQL rate', 'MQL → SQL rate', 'Pipeline value', 'Revenue won'].map((l) => <TilePlaceholder key={l} label={l} failed={!!kpi.error} />)
        )}
        {a ? (
          <Tile
            id="automation"
            label="Automation success"
            value={fmtPct(a.current.successRate)}
            raw={a.current.successRate}
            stale={aStale}
            change={{ kind: 'pts', current: a.current.successRate, previous: a.previous.successRate }}
          />
        ) : (
          <TilePlaceholder label="Automation success" failed={!!auto.error} />
        )}
        {approvals.data ? (
          <Tile id="approvals" label="Pending approvals" value={fmtInt(approvals.data.pending)} raw={approvals.data.pending} note={
              <a href="#/approvals" className="tile-link">
                Right now · review them
              </a>
            } />
        ) : (
          <TilePlaceholder label="Pending approvals" failed={!!approvals.error} />
        )}
        {escalations.data ? (
          <Tile id="escalations" label="Open escalations" value={fmtInt(escalations.data.unacknowledged)} raw={escalations.data.unacknowledged} note={
              <button type="button" className="btn-link tile-link" onClick={() => document.getElementById('dash-escalations-title')?.scrollIntoView({ block: 'start' })}>
                Right now · see the list
              </button>
            } />
        ) : (
          <TilePlaceholder label="Open escalations" failed={!!escalations.error} />
        )}
      </ul>
      {pipe && pipe.others.length ? <p className="hint">Pipeline and revenue are shown in {pipe.currency}; deals in {pipe.others.join(', ')} are not converted.</p> : null}
    </section>
  );
}

/* ---------------- trend ---------------- */

/** Whether the numbers on screen are for another range than the one chosen (the new ones are on their way). */
function useStale(k: KpiDashboard | undefined): boolean {
  const { from, to } = useRange();
  return !!k && (k.range.from !== from || k.range.to !== to);
}

function TrendCard({ kpi }: { kpi: Query<KpiDashboard> }) {
  const k = kpi.data;
  const stale = useStale(k);
  const series = useMemo<TrendSeries | null>(
    () =>
      k
        ? {
            days: k.newLeadsPerDay.map((d) => d.day),
            current: k.newLeadsPerDay.map((d) => d.count),
            previous: k.previousNewLeadsPerDay.map((d) => d.count),
            currentLabel: 'This period',
            previousLabel: 'Previous period',
          }
        : null,
    [k],
  );
  const total = (l: { count: number }[]) => l.reduce((s, d) => s + d.count, 0);
  return (
    <Card title="New leads per day" id="dash-trend">
      {kpi.error && !k ? (
        <p className="muted chart-slot">Not available: the funnel numbers could not be loaded (see above).</p>
      ) : !k || !series ? (
        <div className="chart-slot">
          <Loading label="Loading the trend…" />
        </div>
      ) : (
        <>
          <TrendChart
            stale={stale}
            series={series}
            label={`New leads per day from ${fmtRange(k.range)}: ${total(k.newLeadsPerDay)} in total, against ${total(k.previousNewLeadsPerDay)} in the previous period (${fmtRange(k.previousRange)}).`}
          />
          <details className="chart-table">
            <summary>Show as a table</summary>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col" className="num">
                    New leads
                  </th>
                  <th scope="col">Same day of the previous period</th>
                  <th scope="col" className="num">
                    New leads
                  </th>
                </tr>
              </thead>
              <tbody>
                {k.newLeadsPerDay.map((d, i) => (
                  <tr key={d.day}>
                    <td>{fmtDay(d.day)}</td>
                    <td className="num">{d.count}</td>
                    <td>{k.previousNewLeadsPerDay[i] ? fmtDay(k.previousNewLeadsPerDay[i].day) : ''}</td>
                    <td className="num">{k.previousNewLeadsPerDay[i]?.count ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </Card>
  );
}

/* ---------------- funnel ---------------- */

function FunnelCard({ kpi }: { kpi: Query<KpiDashboard> }) {
  const k = kpi.data;
  const stale = useStale(k);
  return (
    <Card title="Funnel" id="dash-funnel">
      {kpi.error && !k ? (
        <p className="muted chart-slot">Not available: the funnel numbers could not be loaded (see above).</p>
      ) : !k ? (
        <div className="chart-slot funnel-slot">
          <Loading label="Loading the funnel…" />
        </div>
      ) : (
        <div className={stale ? 'is-stale' : undefined} aria-busy={stale || undefined}>
          <Funnel c={k.current} p={k.previous} />
        </div>
      )}
    </Card>
  );
}

function Funnel({ c, p }: { c: KpiDashboard['current']; p: KpiDashboard['previous'] }) {
  const steps = [
    { id: 'lead', label: 'Leads', n: c.newLeads, prev: p.newLeads },
    { id: 'mql', label: 'MQL', n: c.reachedMql, prev: p.reachedMql, conv: c.leadToMql },
    { id: 'sql', label: 'SQL', n: c.reachedSql, prev: p.reachedSql, conv: c.mqlToSql },
    { id: 'won', label: 'Won', n: c.dealsWon, prev: p.dealsWon, conv: c.sqlToWon },
  ];
  const max = Math.max(1, ...steps.map((s) => s.n));
  return (
    <ol className="funnel" aria-label="Funnel for the chosen period">
      {steps.map((s) => (
        <li key={s.id} className="funnel-step" data-testid={`funnel-${s.id}`} data-value={s.n}>
          {s.conv !== undefined ? (
            <p className="funnel-conv">
              <span aria-hidden="true">↓ </span>
              {s.conv === null ? 'no conversion rate (none in the step before)' : `${fmtPct(s.conv)} converted`}
            </p>
          ) : null}
          <div className="funnel-row">
            <span className="funnel-label">{s.label}</span>
            <span className="funnel-track" aria-hidden="true">
              <span className={`funnel-bar funnel-bar-${s.id}`} style={{ width: `${Math.max(s.n > 0 ? 1.5 : 0, (s.n / max) * 100)}%` }} />
            </span>
            <span className="funnel-num">
              {fmtInt(s.n)}
              <span className="funnel-prev"> (before: {fmtInt(s.prev)})</span>
            </span>
          </div>
        </li>
      ))}
    </ol>
  );
}

/* ---------------- e-mail, sequences, pipeline age ---------------- */

function EngagementCard({ kpi }: { kpi: Query<KpiDashboard> }) {
  const k = kpi.data;
  const stale = useStale(k);
  const rows: { id: string; label: string; c: string; p: string }[] = k
    ? (() => {
        const c = k.engagement.current;
        const p = k.engagement.previous;
        const days = (n: number | null) => (n === null ? '–' : `${n.toLocaleString(undefined, { maximumFractionDigits: 1 })} days`);
        return [
          { id: 'sent', label: 'E-mails sent', c: fmtInt(c.emailsSent), p: fmtInt(p.emailsSent) },
          { id: 'reply', label: 'Reply rate', c: fmtPct(c.replyRate), p: fmtPct(p.replyRate) },
          { id: 'bounce', label: 'Bounce rate', c: fmtPct(c.bounceRate), p: fmtPct(p.bounceRate) },
          { id: 'unsub', label: 'Unsubscribe rate', c: fmtPct(c.unsubscribeRate), p: fmtPct(p.unsubscribeRate) },
          { id: 'complaints', label: 'Complaints', c: fmtInt(c.complaints), p: fmtInt(p.complaints) },
          { id: 'sequences', label: 'Sequences completed', c: `${fmtPct(c.sequenceCompletionRate)} of ${fmtInt(c.sequencesEnded)}`, p: `${fmtPct(p.sequenceCompletionRate)} of ${fmtInt(p.sequencesEnded)}` },
          { id: 'cycle', label: 'Sales cycle (opened → won)', c: days(c.salesCycleDays), p: days(p.salesCycleDays) },
        ];
      })()
    : [];
  return (
    <Card title="E-mail and sequences" id="dash-engagement">
      <QueryView q={kpi} what="Could not load the e-mail numbers" loading="Loading…" failed={<p className="muted">Not available: the numbers could not be loaded (see above).</p>}>
        {() => (
          <table className={`table${stale ? ' is-stale' : ''}`} aria-label="E-mail and sequence numbers, this period and the one before">
            <thead>
              <tr>
                <th scope="col">Measure</th>
                <th scope="col" className="num">
                  This period
                </th>
                <th scope="col" className="num">
                  Before
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid={`engagement-${r.id}`}>
                  <th scope="row">{r.label}</th>
                  <td className="num">{r.c}</td>
                  <td className="num muted">{r.p}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </Card>
  );
}

function TimeInStageCard({ kpi }: { kpi: Query<KpiDashboard> }) {
  return (
    <Card title="Open deals: time in stage" id="dash-stage-age">
      <QueryView
        q={kpi}
        what="Could not load the deal numbers"
        loading="Loading…"
        failed={<p className="muted">Not available: the numbers could not be loaded (see above).</p>}
        isEmpty={(d) => d.timeInStage.length === 0}
        empty={<p className="muted">No open deals.</p>}
      >
        {(d) => (
          <table className="table" aria-label="Open deals by stage and mean days in that stage">
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col" className="num">
                  Open deals
                </th>
                <th scope="col" className="num">
                  Mean days in stage
                </th>
              </tr>
            </thead>
            <tbody>
              {d.timeInStage.map((t) => (
                <tr key={t.stage} data-testid={`stage-age-${t.stage}`}>
                  <th scope="row">{t.stage}</th>
                  <td className="num">{fmtInt(t.deals)}</td>
                  <td className="num">{t.avgDays.toLocaleString(undefined, { maximumFractionDigits: 1 })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </Card>
  );
}

/* ---------------- escalations ---------------- */

/** Pinned escalations (the AI spend cap reached …) stay on top until acknowledged, whatever came after them. */
function pinnedFirst(list: Escalation[]): Escalation[] {
  return [...list.filter((e) => e.pinned), ...list.filter((e) => !e.pinned)];
}

function EscalationsCard({ q }: { q: ReturnType<typeof useApi<'escalations.list'>> }) {
  const dismissToast = useToasts((s) => s.dismiss);
  const [acking, setAcking] = useState<string | null>(null);
  const ack = useAction(
    useCallback(
      async (id: string) => {
        setAcking(id);
        try {
          await call('escalations.acknowledge', { id });
          dismissToast(id);
          q.setData((old) => (old ? { escalations: old.escalations.filter((e) => e.id !== id), unacknowledged: Math.max(0, old.unacknowledged - 1) } : old));
        } finally {
          setAcking(null);
        }
      },
      [q, dismissToast],
    ),
  );
  return (
    <Card title="Open escalations" id="dash-escalations" actions={<NotificationPermissionButton />}>
      {q.error && !q.data ? (
        <ErrorPanel what="Could not load the escalations" error={q.error} onRetry={q.reload} />
      ) : !q.data ? (
        <Loading label="Loading escalations…" />
      ) : q.data.escalations.length === 0 ? (
        <p className="muted feed-empty">Nothing needs you: no open escalations.</p>
      ) : (
        <>
          <ul className="feed" aria-label="Open escalations">
            {pinnedFirst(q.data.escalations).map((e) => (
              <EscalationItem key={e.id} e={e} busy={acking === e.id} onAck={() => void ack.run(e.id)} />
            ))}
          </ul>
          {q.data.unacknowledged > q.data.escalations.length ? <p className="hint">Showing the newest {q.data.escalations.length} of {q.data.unacknowledged}.</p> : null}
        </>
      )}
      {ack.error ? <ErrorPanel what="Could not acknowledge the escalation" error={ack.error} /> : null}
    </Card>
  );
}

function EscalationItem({ e, busy, onAck }: { e: Escalation; busy: boolean; onAck: () => void }) {
  return (
    <li className={`feed-item sev-${e.severity}${e.pinned ? ' is-pinned' : ''}`} data-testid="escalation" data-id={e.id} data-pinned={e.pinned ? 'true' : undefined}>
      <span className={`sev-badge sev-badge-${e.severity}`}>
        <span aria-hidden="true">{SEVERITY_ICON[e.severity]}</span> {SEVERITY_LABEL[e.severity]}
      </span>
      <div className="feed-main">
        <p className="feed-title">
          {e.pinned ? (
            <span className="pin-badge" title="Stays on top until you acknowledge it">
              Pinned
            </span>
          ) : null}
          {e.title}
        </p>
        {e.detail ? <p className="feed-detail">{e.detail}</p> : null}
        <p className="feed-meta">
          <time dateTime={e.createdAt}>{formatTime(e.createdAt)}</time>
          {e.runId ? (
            <>
              {' · '}
              <a href={runHref(e.runId)}>Open the run</a>
            </>
          ) : null}
        </p>
      </div>
      <button type="button" className="btn" disabled={busy} onClick={onAck} aria-label={`Acknowledge: ${e.title}`}>
        {busy ? 'Acknowledging…' : 'Acknowledge'}
      </button>
    </li>
  );
}

/* ---------------- automation health ---------------- */

function AutomationCard({ auto, range }: { auto: ReturnType<typeof useApi<'kpi.automation'>>; range: { from: string; to: string } }) {
  const wfs = useApi('workflows.list', {});
  const engine = useApi('engine.status', {});
  const n = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
  const prev = useMemo(() => ({ from: addDays(range.from, -n), to: addDays(range.from, -1) }), [range.from, n]);
  const ai = useApi('ai.usage', range);
  const aiPrev = useApi('ai.usage', prev);
  const aiWaiting = useApi('ai.waiting', {});
  const reloadWfs = useLiveReload(wfs, 2000);
  const reloadEngine = useLiveReload(engine, 2000);
  const reloadAiWaiting = useLiveReload(aiWaiting, 2000);
  useEvent('workflows.changed', reloadWfs);
  useEvent('run.updated', () => {
    reloadWfs();
    reloadEngine();
    reloadAiWaiting();
  });
  useEvent('settings.changed', ({ key }) => {
    if (key === 'engine.paused') engine.reload();
    if (key.startsWith('ai.')) reloadAiWaiting();
  });
  useEvent('secrets.changed', reloadAiWaiting);
  const now = Date.now();
  const next = (wfs.data?.workflows ?? [])
    .filter((w) => w.enabled && w.nextRun && Date.parse(w.nextRun) >= now - 60_000)
    .sort((a, b) => a.nextRun!.localeCompare(b.nextRun!))
    .slice(0, 5);
  const paused = (wfs.data?.workflows ?? []).filter((w) => !w.enabled);
  const failed = auto.data?.failedLast24h;
  return (
    <Card title="Automation health" id="dash-automation">
      {wfs.error && !wfs.data ? <ErrorPanel what="Could not load the workflows" error={wfs.error} onRetry={wfs.reload} /> : null}
      {engine.error && !engine.data ? <ErrorPanel what="Could not load the engine status" error={engine.error} onRetry={engine.reload} /> : null}
      {auto.error && !auto.data ? <ErrorPanel what="Could not load the run numbers" error={auto.error} onRetry={auto.reload} /> : null}
      {!wfs.data && !wfs.error ? (
        <Loading label="Loading automation health…" />
      ) : (
        <dl className="facts">
          <div>
            <dt>Engine</dt>
            <dd data-testid="engine-state">
              {!engine.data ? '…' : engine.data.paused ? <span className="badge badge-warn">⏸ Paused: nothing runs until resumed</span> : <span className="badge badge-ok">▶ Running</span>}
              {engine.data ? (
                <span className="muted fact-sub">
                  {engine.data.runs.running} running · {engine.data.runs.queued} queued · {engine.data.runs.waiting} waiting
                </span>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Failed, last 24 h</dt>
            <dd data-testid="failed-24h" data-value={failed ?? ''}>
              {failed === undefined ? '…' : failed === 0 ? <span className="badge badge-ok">✓ None</span> : <span className="badge badge-danger">✕ {failed} failed</span>}
              {failed ? (
                <>
                  {' '}
                  <a href="#/runs?status=failed">See failed runs</a>
                </>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Runs in the period</dt>
            <dd>
              {auto.data ? (
                <>
                  {fmtInt(auto.data.current.finished)} finished: {fmtInt(auto.data.current.succeeded)} succeeded, {fmtInt(auto.data.current.failed)} failed
                  {auto.data.current.cancelled ? `, ${fmtInt(auto.data.current.cancelled)} cancelled` : ''}
                </>
              ) : (
                '…'
              )}
            </dd>
          </div>
          <div>
            <dt>Next scheduled</dt>
            <dd>
              {next.length === 0 ? (
                <span className="muted">No scheduled runs</span>
              ) : (
                <ul className="plain-list">
                  {next.map((w) => (
                    <li key={w.id}>
                      <time dateTime={w.nextRun!}>{formatTime(w.nextRun!)}</time> <span className="muted">·</span> {w.name}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </div>
          <div>
            <dt>Paused workflows</dt>
            <dd data-testid="paused-workflows">
              {paused.length === 0 ? (
                <span className="muted">None</span>
              ) : (
                <ul className="plain-list">
                  {paused.slice(0, 6).map((w) => (
                    <li key={w.id}>{w.name}</li>
                  ))}
                  {paused.length > 6 ? <li className="muted">and {paused.length - 6} more</li> : null}
                </ul>
              )}
            </dd>
          </div>
          <div>
            <dt>AI steps waiting</dt>
            <dd data-testid="ai-waiting" data-key={aiWaiting.data?.key ?? ''} data-budget={aiWaiting.data?.budget ?? ''}>
              <AiWaitingFact q={aiWaiting} />
            </dd>
          </div>
          <div>
            <dt>AI spend</dt>
            <dd>
              {ai.error && !ai.data ? (
                <span className="muted">unavailable</span>
              ) : ai.data ? (
                <>
                  {fmtMoney(ai.data.totals.costUsd, 'USD')} <span className="muted">({fmtInt(ai.data.totals.calls)} calls{aiPrev.data ? `; previous period ${fmtMoney(aiPrev.data.totals.costUsd, 'USD')}` : ''})</span>
                </>
              ) : (
                '…'
              )}
            </dd>
          </div>
        </dl>
      )}
    </Card>
  );
}

/** AI steps waiting for the key (and the person's go-ahead) or for budget; the choice when the key is there. */
function AiWaitingFact({ q }: { q: ReturnType<typeof useApi<'ai.waiting'>> }) {
  const go = useNav((s) => s.go);
  const [done, setDone] = useState<string | null>(null);
  const w = q.data;
  if (q.error && !w) return <span className="muted">unavailable</span>;
  if (!w) return <>…</>;
  if (!w.key && !w.budget) {
    return done ? (
      <span className="success" role="status">
        {done}
      </span>
    ) : (
      <span className="badge badge-ok">✓ None</span>
    );
  }
  const n = (x: number) => `${fmtInt(x)} AI step${x === 1 ? '' : 's'}`;
  return (
    <>
      {w.key ? (
        <p className="fact-line" data-testid="ai-waiting-key">
          <span className="badge badge-warn">{n(w.key)}</span> {w.keyPresent ? 'waited for the Anthropic key, which is now stored: run them or discard them?' : 'wait for the Anthropic key.'}{' '}
          {!w.keyPresent ? (
            <button type="button" className="btn-link" onClick={() => go('settings')}>
              Add the key in Settings
            </button>
          ) : null}
        </p>
      ) : null}
      {w.decisionNeeded ? (
        <AiReleaseChoice
          count={w.key}
          onDone={(r) => {
            setDone(r.message);
            q.reload();
          }}
        />
      ) : null}
      {w.budget ? (
        <p className="fact-line" data-testid="ai-waiting-budget">
          <span className="badge badge-warn">{n(w.budget)}</span> wait for budget: the daily spend cap is reached. They go on tomorrow, or now if you{' '}
          <button type="button" className="btn-link" onClick={() => go('settings')}>
            raise the cap in Settings
          </button>
        </p>
      ) : null}
    </>
  );
}

/* ---------------- this Baton ---------------- */

function SystemCard() {
  const info = useApi('system.info', {});
  const go = useNav((s) => s.go);
  useEvent('backup.created', () => info.reload());
  useEvent('database.damaged', () => info.reload());
  const last = info.data?.lastVerifiedBackup ?? null;
  return (
    <Card title="This Baton" id="dash-system">
      {info.error ? (
        <ErrorPanel what="Could not load the system status" error={info.error} onRetry={info.reload} />
      ) : !info.data ? (
        <Loading label="Loading status…" />
      ) : (
        <dl className="facts facts-inline">
          <div>
            <dt>Store</dt>
            <dd>
              <span className={info.data.integrity === 'ok' ? 'badge badge-ok' : 'badge badge-warn'}>{info.data.integrity === 'ok' ? 'Healthy' : info.data.integrity}</span>
            </dd>
          </div>
          <div>
            <dt>Last verified backup</dt>
            <dd data-testid="dash-last-backup" data-file={last?.file ?? ''}>
              {last ? (
                <time dateTime={last.createdAt} title={`${last.file}, checked ${formatTime(last.verifiedAt ?? last.createdAt)}`}>
                  {formatTime(last.createdAt)}
                </time>
              ) : (
                <span className="badge badge-warn">None yet</span>
              )}
            </dd>
          </div>
          <div>
            <dt>Version</dt>
            <dd>{info.data.version}</dd>
          </div>
          <div>
            <dt>Running since</dt>
            <dd>{formatTime(info.data.startedAt)}</dd>
          </div>
          <div>
            <dt>Details</dt>
            <dd>
              <button type="button" className="btn-link" onClick={() => go('settings')}>
                Open Settings
              </button>
            </dd>
          </div>
        </dl>
      )}
    </Card>
  );
}
