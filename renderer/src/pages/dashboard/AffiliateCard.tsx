/**
 * The dashboard's affiliate tile (docs/affiliate.md): revenue, people's clicks and EPC for the
 * chosen range with the previous period, read through kpi.summary (the same numbers as the
 * kpi.read node and affiliate.stats). Shown once there is an affiliate program.
 */
import { useMemo } from 'react';
import type { KpiValue } from '../../../../shared/api';
import { useRange } from '../../api/dashboardRange';
import { Card, ErrorPanel, Loading } from '../../components/ui';
import { useQuery } from '../../data/query';

const KPIS = ['affiliateRevenue', 'affiliateClicks', 'affiliateEpc'] as const;

function Figure({ k }: { k: KpiValue }) {
  const good = k.change === null || k.change === 0 ? 'flat' : k.change > 0 === (k.better === 'up') ? 'good' : 'bad';
  return (
    <li className="kpi" data-testid={`affiliate-${k.id}`}>
      <p className="kpi-label">{k.label}</p>
      <p className="kpi-value" data-testid={`affiliate-${k.id}-value`} data-value={k.value === null ? '' : String(k.value)}>
        {k.text}
      </p>
      <p className="kpi-delta">
        <span className={`delta delta-${good}`}>{k.changeText || '\u00a0'}</span>
      </p>
    </li>
  );
}

export function AffiliateCard() {
  const { from, to } = useRange();
  const programs = useQuery('affiliate.programs.list', {});
  const has = (programs.data?.programs.length ?? 0) > 0;
  const input = useMemo(() => ({ kpis: [...KPIS], from, to }), [from, to]);
  const q = useQuery('kpi.summary', has ? input : null);
  if (!has) return null;
  return (
    <Card title="Affiliate" id="dash-affiliate" actions={<a href="#/finance?tab=affiliate">Affiliate links</a>}>
      {q.error && !q.data ? <ErrorPanel what="Could not load the affiliate numbers" error={q.error} onRetry={q.reload} /> : null}
      {q.data ? (
        <ul className={`kpi-grid${q.data.range.from !== from || q.data.range.to !== to ? ' is-stale' : ''}`} aria-label="Affiliate numbers">
          {q.data.kpis.map((k) => (
            <Figure key={k.id} k={k} />
          ))}
        </ul>
      ) : q.error ? null : (
        <Loading label="Loading the affiliate numbers…" />
      )}
    </Card>
  );
}
