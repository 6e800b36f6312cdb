/** The Subscriptions card: client, plan, status, MRR and when it renews or ends. */
import type { useApi } from '../../api/hooks';
import { Card, QueryView } from '../../components/ui';
import { fmtMoney, subscriptionBadge, subscriptionEnd } from './model';

export function SubscriptionsCard({ subs }: { subs: ReturnType<typeof useApi<'billing.subscriptions.list'>> }) {
  return (
    <Card title="Subscriptions" id="billing-subscriptions">
      <QueryView q={subs} what="Could not load the subscriptions" loading="Loading subscriptions…" isEmpty={(d) => d.rows.length === 0} empty={<p className="muted">No subscriptions yet.</p>}>
        {(d) => (
          <table className="table" aria-label="Subscriptions">
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col">Plan</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  MRR
                </th>
                <th scope="col">Renews / ends</th>
              </tr>
            </thead>
            <tbody>
              {d.rows.map((r) => {
                const badge = subscriptionBadge(r.status);
                return (
                  <tr key={r.id} data-testid="billing-subscription-row" data-status={r.status}>
                    <td>{r.name ?? r.email ?? r.customerId}</td>
                    <td>
                      {r.product ?? r.priceId ?? '–'}
                      {r.quantity > 1 ? ` × ${r.quantity}` : ''}
                    </td>
                    <td>
                      <span className={badge.className}>{badge.text}</span>
                      {r.paused ? <span className="badge badge-warn">collection paused</span> : null}
                    </td>
                    <td className="num">{fmtMoney(r.mrr.amount, r.mrr.currency)}</td>
                    <td>{subscriptionEnd(r)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </QueryView>
    </Card>
  );
}
