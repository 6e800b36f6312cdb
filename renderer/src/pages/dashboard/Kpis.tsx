/** The KPI tiles: the funnel, money, automation, approvals and escalations, with the change against the previous period. */
import type { ReactNode } from 'react';
import type { AutomationKpi, KpiDashboard } from '../../../../shared/api';
import type { Query } from '../../api/hooks';
import { delta, useRange } from '../../api/dashboardRange';
import { ErrorPanel } from '../../components/ui';
import { fmtInt, fmtMoney, fmtPct, money } from './format';

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

export function KpiTiles({
  kpi,
  auto,
  approvals,
  escalations,
}: {
  kpi: Query<KpiDashboard>;
  auto: Query<AutomationKpi>;
  approvals: Pick<Query<{ pending: number }>, 'data' | 'error' | 'reload'>;
  escalations: Pick<Query<{ unacknowledged: number }>, 'data' | 'error' | 'reload'>;
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
              <a href="#/escalations" className="tile-link">
                Right now · see the list
              </a>
            } />
        ) : (
          <TilePlaceholder label="Open escalations" failed={!!escalations.error} />
        )}
      </ul>
      {pipe && pipe.others.length ? <p className="hint">Pipeline and revenue are shown in {pipe.currency}; deals in {pipe.others.join(', ')} are not converted.</p> : null}
    </section>
  );
}

