/** The Dashboard's charts and tables: new leads per day, the funnel, e-mail and sequences, time in stage. */
import { lazy, Suspense, useMemo } from 'react';
import { useRange } from '../../api/dashboardRange';
import type { KpiDashboard } from '../../../../shared/api';
import type { Query } from '../../api/hooks';
import { Card, Loading, QueryView } from '../../components/ui';
import type { TrendSeries } from './TrendChart';
import { fmtDay, fmtInt, fmtPct, fmtRange } from './format';

// The chart library (uPlot) is its own chunk, fetched while the dashboard's numbers load: not in the first bundle.
const TrendChart = lazy(() => import('./TrendChart').then((m) => ({ default: m.TrendChart })));

/* ---------------- trend ---------------- */

/** Whether the numbers on screen are for another range than the one chosen (the new ones are on their way). */
function useStale(k: KpiDashboard | undefined): boolean {
  const { from, to } = useRange();
  return !!k && (k.range.from !== from || k.range.to !== to);
}

export function TrendCard({ kpi }: { kpi: Query<KpiDashboard> }) {
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
          <Suspense
            fallback={
              <div className="chart-slot">
                <Loading label="Loading the trend…" />
              </div>
            }
          >
            <TrendChart
              stale={stale}
              series={series}
              label={`New leads per day from ${fmtRange(k.range)}: ${total(k.newLeadsPerDay)} in total, against ${total(k.previousNewLeadsPerDay)} in the previous period (${fmtRange(k.previousRange)}).`}
            />
          </Suspense>
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

export function FunnelCard({ kpi }: { kpi: Query<KpiDashboard> }) {
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

export function EngagementCard({ kpi }: { kpi: Query<KpiDashboard> }) {
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

export function TimeInStageCard({ kpi }: { kpi: Query<KpiDashboard> }) {
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

