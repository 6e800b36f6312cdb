/** The Subscriptions card: client, plan, status, MRR and when it renews or ends. */
import type { OpOutput } from '../../../../shared/api';
import type { useApi } from '../../api/hooks';
import { DataTable, type Column } from '../../components/DataTable';
import { Card, QueryView } from '../../components/ui';
import { fmtMoney, subscriptionBadge, subscriptionEnd } from './model';

type Subscription = OpOutput<'billing.subscriptions.list'>['rows'][number];
const COLUMNS: Column<Subscription>[] = [
  { key: 'client', header: 'Client', primary: true, cell: (r) => r.name ?? r.email ?? r.customerId },
  { key: 'plan', header: 'Plan', cell: (r) => `${r.product ?? r.priceId ?? '–'}${r.quantity > 1 ? ` × ${r.quantity}` : ''}` },
  {
    key: 'status',
    header: 'Status',
    cell: (r) => {
      const badge = subscriptionBadge(r.status);
      return (
        <>
          <span className={badge.className}>{badge.text}</span>
          {r.paused ? <span className="badge badge-warn">collection paused</span> : null}
        </>
      );
    },
  },
  { key: 'mrr', header: 'MRR', className: 'num', cell: (r) => fmtMoney(r.mrr.amount, r.mrr.currency) },
  { key: 'ends', header: 'Renews / ends', cell: (r) => subscriptionEnd(r) },
];

export function SubscriptionsCard({ subs }: { subs: ReturnType<typeof useApi<'billing.subscriptions.list'>> }) {
  return (
    <Card title="Subscriptions" id="billing-subscriptions">
      <QueryView q={subs} what="Could not load the subscriptions" loading="Loading subscriptions…" isEmpty={(d) => d.rows.length === 0} empty={<p className="muted">No subscriptions yet.</p>}>
        {(d) => <DataTable rows={d.rows} columns={COLUMNS} rowKey={(r) => r.id} label="Subscriptions" rowProps={(r) => ({ 'data-testid': 'billing-subscription-row', 'data-status': r.status })} />}
      </QueryView>
    </Card>
  );
}
