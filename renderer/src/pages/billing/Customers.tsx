/** The Clients card: Stripe customers, linked to their contact, with MRR, subscriptions and open invoices. */
import type { useApi } from '../../api/hooks';
import { Card, QueryView } from '../../components/ui';
import { fmtMoney } from './model';

export function CustomersCard({ customers }: { customers: ReturnType<typeof useApi<'billing.customers.list'>> }) {
  return (
    <Card title="Clients" id="billing-customers">
      <QueryView q={customers} what="Could not load the clients" loading="Loading clients…" isEmpty={(d) => d.rows.length === 0} empty={<p className="muted">No Stripe customers yet.</p>}>
        {(d) => (
          <table className="table" aria-label="Stripe customers">
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col">E-mail</th>
                <th scope="col" className="num">
                  MRR
                </th>
                <th scope="col" className="num">
                  Subscriptions
                </th>
                <th scope="col" className="num">
                  Open invoices
                </th>
              </tr>
            </thead>
            <tbody>
              {d.rows.map((r) => (
                <tr key={r.id} data-testid="billing-customer-row">
                  <td>{r.contactId ? <a href={`#/contacts?id=${r.contactId}`}>{r.name ?? r.email ?? r.id}</a> : (r.name ?? r.id)}</td>
                  <td>{r.email ?? <span className="muted">none (not linked to a contact)</span>}</td>
                  <td className="num">{r.mrr.length ? r.mrr.map((m) => fmtMoney(m.amount, m.currency)).join(' + ') : '–'}</td>
                  <td className="num">{r.subscriptions}</td>
                  <td className="num">{r.openInvoices ? <span className="badge badge-warn">{r.openInvoices}</span> : '0'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </Card>
  );
}
