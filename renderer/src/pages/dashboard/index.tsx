/**
 * The Dashboard (`#/dashboard`): what needs you now (./NeedsYou.tsx), the KPI tiles (./Kpis.tsx),
 * charts and tables (./Cards.tsx), automation health and this Baton (./Health.tsx).
 */
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useApi, useEvent } from '../../api/hooks';
import { PRESETS, presetRange, rangeProblem, useRange, utcDay } from '../../api/dashboardRange';
import { PageHeader } from '../../components/ui';
import { useQuery } from '../../data/query';
import { AffiliateCard } from './AffiliateCard';
import { BillingCard } from './BillingCard';
import { EngagementCard, FunnelCard, TimeInStageCard, TrendCard } from './Cards';
import { fmtRange, useLiveReload } from './format';
import { AutomationCard, SystemCard } from './Health';
import { HostNotices } from './HostNotices';
import { KpiTiles } from './Kpis';
import { NeedsYou, NEEDS_INPUT } from './NeedsYou';
import './dashboard.css';

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
  // Shared with the Needs-you strip: the same cache entries (one load each).
  const approvals = useQuery('approvals.list', NEEDS_INPUT.approvals);
  const groups = useQuery('escalations.groups', NEEDS_INPUT.groups);

  const reloadKpi = useLiveReload(kpi, 2000);
  const reloadAuto = useLiveReload(auto, 2000);
  useEvent('crm.kpi.changed', reloadKpi);
  useEvent('crm.contact.changed', reloadKpi);
  useEvent('crm.contacts.imported', reloadKpi);
  useEvent('crm.event.recorded', reloadKpi);
  useEvent('run.updated', ({ status }) => {
    if (status === 'succeeded' || status === 'failed' || status === 'cancelled') reloadAuto();
  });

  return (
    <>
      <PageHeader title="Dashboard" intro="Your business at a glance: what needs you, key numbers, and what ran." />
      <HostNotices />
      <NeedsYou />
      <RangePicker shown={kpi.data?.range} previous={kpi.data?.previousRange} />
      <div className="stack">
        <KpiTiles kpi={kpi} auto={auto} approvals={approvals} escalations={groups} />
        <BillingCard />
        <AffiliateCard />
        <div className="dash-grid">
          <TrendCard kpi={kpi} />
          <FunnelCard kpi={kpi} />
        </div>
        <div className="dash-grid">
          <EngagementCard kpi={kpi} />
          <TimeInStageCard kpi={kpi} />
        </div>
        <AutomationCard auto={auto} range={range} />
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

