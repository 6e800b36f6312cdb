/**
 * The dashboard's money card (billing domain, docs/billing.md): MRR now, and
 * for the chosen range net revenue, the failed-payment recovery rate and
 * churn, with the clients that bring the most. Live on `billing.changed`.
 */
import { useMemo } from 'react';
import type { BillingKpi } from '../../../../shared/api';
import { useApi, useEvent } from '../../api/hooks';
import { useRange } from '../../api/dashboardRange';
import { Card, ErrorPanel, Loading } from '../../components/ui';

const fmtMoney = (n: number, currency: string) => {
  try {
    return n.toLocaleString(undefined, { style: 'currency', currency, maximumFractionDigits: 0 });
  } catch {
    return `${Math.round(n).toLocaleString()} ${currency}`;
  }
};
const fmtPct = (n: number | null) => (n === null ? '–' : `${n.toLocaleString(undefined, { maximumFractionDigits: 1 })}%`);

function Figure({ id, label, value, raw, note }: { id: string; label: string; value: string; raw: number | null; note: string }) {
  return (
    <li className="kpi" data-testid={`billing-${id}`}>
      <p className="kpi-label">{label}</p>
      <p className="kpi-value" data-testid={`billing-${id}-value`} data-value={raw === null ? '' : String(raw)}>
        {value}
      </p>
      <p className="kpi-delta">
        <span className="delta delta-flat">{note}</span>
      </p>
    </li>
  );
}

export function BillingCard() {
  const { from, to } = useRange();
  const range = useMemo(() => ({ from, to }), [from, to]);
  const kpi = useApi('billing.kpi', range);
  const status = useApi('billing.status', {});
  useEvent('billing.changed', () => {
    kpi.reload();
    status.reload();
  });
  useEvent('secrets.changed', () => status.reload());
  const k: BillingKpi | undefined = kpi.data;
  const connected = status.data ? status.data.keyStored || status.data.counts.customers > 0 : true;
  const main = k?.currencies[0];
  const others = (k?.currencies ?? []).slice(1).map((c) => c.currency);
  return (
    <Card title="Money (Stripe)" id="dash-billing" actions={<a href="#/billing">Billing</a>}>
      {kpi.error && !k ? <ErrorPanel what="Could not load the money numbers" error={kpi.error} onRetry={kpi.reload} /> : null}
      {!connected ? (
        <p className="muted" data-testid="billing-not-connected">
          Stripe is not connected. <a href="#/billing">Connect it on the Billing page</a> to see MRR, revenue, failed-payment recovery and churn.
        </p>
      ) : !k ? (
        kpi.error ? null : <Loading label="Loading the money numbers…" />
      ) : (
        <>
          <ul className={`kpi-grid${k.range.from !== from || k.range.to !== to ? ' is-stale' : ''}`} aria-label="Money numbers">
            <Figure id="mrr" label="MRR" value={main ? fmtMoney(main.mrr, main.currency) : fmtMoney(0, 'USD')} raw={main?.mrr ?? 0} note={`${k.activeSubscriptions} active subscription${k.activeSubscriptions === 1 ? '' : 's'}, now`} />
            <Figure
              id="net-revenue"
              label="Net revenue"
              value={main ? fmtMoney(main.netRevenue, main.currency) : fmtMoney(0, 'USD')}
              raw={main?.netRevenue ?? 0}
              note={main && main.refunds ? `after ${fmtMoney(main.refunds, main.currency)} refunded` : 'payments minus refunds'}
            />
            <Figure id="recovery" label="Failed-payment recovery" value={fmtPct(k.recovery.rate)} raw={k.recovery.rate} note={`${k.recovery.recovered} of ${k.recovery.failed} failed invoices paid`} />
            <Figure id="churn" label="Churn" value={fmtPct(k.churn.rate)} raw={k.churn.rate} note={`${k.churn.canceled} of ${k.churn.activeAtStart} subscriptions ended`} />
          </ul>
          {others.length ? <p className="hint">Shown in {main!.currency}; also billed in {others.join(', ')} (not converted).</p> : null}
          {k.clients.length ? (
            <table className="table" aria-label="Clients by monthly recurring revenue">
              <thead>
                <tr>
                  <th scope="col">Client</th>
                  <th scope="col" className="num">
                    MRR
                  </th>
                  <th scope="col" className="num">
                    Net revenue
                  </th>
                  <th scope="col" className="num">
                    Open
                  </th>
                </tr>
              </thead>
              <tbody>
                {k.clients.slice(0, 5).map((c) => (
                  <tr key={`${c.customerId}-${c.currency}`} data-testid="billing-client">
                    <td>{c.contactId ? <a href={`#/contacts?id=${c.contactId}`}>{c.name ?? c.email ?? c.customerId}</a> : (c.name ?? c.email ?? c.customerId)}</td>
                    <td className="num">{fmtMoney(c.mrr, c.currency)}</td>
                    <td className="num">{fmtMoney(c.netRevenue, c.currency)}</td>
                    <td className="num">{c.openAmount ? <span className={c.failedInvoices ? 'badge badge-warn' : undefined}>{fmtMoney(c.openAmount, c.currency)}</span> : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      )}
    </Card>
  );
}
