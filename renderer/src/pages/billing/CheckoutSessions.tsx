/**
 * Billing page, "Checkout sessions" (docs/billing.md): the one-time sales made
 * through Stripe Checkout and Payment Links as Baton mirrored them — the buyer
 * (a link to the contact), what was sold, the amount, Stripe's payment status
 * (free with a coupon included), and whether the products were granted for it.
 * Live on billing.changed (a new session) and products.changed (its grant,
 * which the delivery workflow makes a moment later).
 */
import { useCallback } from 'react';
import type { OpOutput } from '../../../../shared/api';
import { useApi, useEvent } from '../../api/hooks';
import { Badge, Card, QueryView } from '../../components/ui';

type Row = OpOutput<'billing.checkouts.list'>['rows'][number];

const fmtMoney = (n: number, currency: string) => {
  try {
    return n.toLocaleString(undefined, { style: 'currency', currency });
  } catch {
    return `${n.toFixed(2)} ${currency}`;
  }
};
const fmtDay = (iso: string) => new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

function PaymentStatus({ r }: { r: Row }) {
  if (r.free) return <Badge tone="ok">free (coupon)</Badge>;
  if (r.paymentStatus === 'paid') return <Badge tone="ok">paid</Badge>;
  if (r.paymentStatus === 'unpaid') return <Badge tone="warn">awaiting payment</Badge>;
  return <Badge tone="neutral">{r.paymentStatus.replace(/_/g, ' ')}</Badge>;
}

function Granted({ r }: { r: Row }) {
  if (r.granted.length) {
    return (
      <>
        {r.granted.map((g) => (
          <Badge key={g.grantId} tone={g.status === 'active' ? 'ok' : 'neutral'} title={`Grant ${g.grantId}`}>
            {g.status === 'active' ? '✓ ' : ''}
            {g.productName}
            {g.status === 'active' ? '' : ` (${g.status})`}
          </Badge>
        ))}
      </>
    );
  }
  const why =
    r.paymentStatus === 'unpaid'
      ? 'not yet: waiting for the payment'
      : r.invoiceId
        ? 'no: its invoice grants'
        : r.recorded
          ? 'no: no product is sold through its prices, or the delivery workflow is off'
          : 'no';
  return <span className="muted">{why}</span>;
}

export function CheckoutSessions() {
  const q = useApi('billing.checkouts.list', { limit: 50 });
  const reload = useCallback(() => q.reload(), [q]);
  useEvent('billing.changed', reload);
  useEvent('products.changed', reload);
  return (
    <Card title="Checkout sessions" id="billing-checkouts">
      <QueryView
        q={q}
        what="Could not load the Checkout sessions"
        loading="Loading Checkout sessions…"
        isEmpty={(d) => d.rows.length === 0}
        empty={<p className="muted">No Checkout sessions yet: one-time sales through Stripe Checkout or Payment Links show here once Stripe sends checkout.session.completed.</p>}
      >
        {(d) => (
          <>
            <div className="table-wrap">
              <table className="table" aria-label="Checkout sessions">
                <thead>
                  <tr>
                    <th scope="col">Customer</th>
                    <th scope="col">Product</th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                    <th scope="col">Status</th>
                    <th scope="col">Granted</th>
                    <th scope="col">Date</th>
                  </tr>
                </thead>
                <tbody>
                  {d.rows.map((r) => (
                    <tr key={r.id} data-testid="billing-checkout-row" data-session={r.id} data-status={r.paymentStatus} data-granted={r.granted.length > 0 ? 'yes' : 'no'}>
                      <td>
                        {r.contactId ? <a href={`#/contacts?id=${r.contactId}`}>{r.name || r.email || `contact ${r.contactId}`}</a> : (r.name ?? r.email ?? <span className="muted">no e-mail</span>)}
                        {r.contactId && r.name && r.email ? <span className="fact-sub muted">{r.email}</span> : null}
                      </td>
                      <td>{r.products.length ? r.products.join(', ') : <span className="muted">–</span>}</td>
                      <td className="num">{fmtMoney(r.amount.amount, r.amount.currency)}</td>
                      <td>
                        <PaymentStatus r={r} />
                      </td>
                      <td>
                        <Granted r={r} />
                      </td>
                      <td>{fmtDay(r.created)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {d.total > d.rows.length ? <p className="hint">The {d.rows.length} newest of {d.total}.</p> : null}
          </>
        )}
      </QueryView>
    </Card>
  );
}
