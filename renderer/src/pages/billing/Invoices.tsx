/** The Invoices card: a status filter kept in the address (#/billing?invoices=failed) and the newest 50. */
import type { OpOutput } from '../../../../shared/api';
import type { useApi } from '../../api/hooks';
import { Card, QueryView } from '../../components/ui';
import { fmtMoney, INVOICE_FILTERS, invoiceDate, invoiceStatus, type InvoiceFilter } from './model';

export function InvoicesCard({ invoices, filter, onFilter }: { invoices: ReturnType<typeof useApi<'billing.invoices.list'>>; filter: InvoiceFilter | undefined; onFilter: (f: string) => void }) {
  return (
    <Card title="Invoices" id="billing-invoices">
      <div className="list-toolbar">
        <label htmlFor="billing-invoice-filter">Show</label>
        <select id="billing-invoice-filter" value={filter ?? ''} onChange={(e) => onFilter(e.target.value)}>
          {INVOICE_FILTERS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
      </div>
      <QueryView q={invoices} what="Could not load the invoices" loading="Loading invoices…" isEmpty={(d) => d.rows.length === 0} empty={<p className="muted">No invoices{filter ? ' with this status' : ' yet'}.</p>}>
        {(d) => <InvoiceTable rows={d.rows} total={d.total} />}
      </QueryView>
    </Card>
  );
}

function InvoiceTable({ rows, total }: { rows: OpOutput<'billing.invoices.list'>['rows']; total: number }) {
  return (
    <>
      <table className="table" aria-label="Invoices">
        <thead>
          <tr>
            <th scope="col">Invoice</th>
            <th scope="col">Client</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Date</th>
            <th scope="col">Link</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const st = invoiceStatus(r);
            return (
              <tr key={r.id} data-testid="billing-invoice-row" data-status={r.status} data-invoice={r.id}>
                <td>{r.number ?? r.id}</td>
                <td>{r.name ?? r.email ?? r.customerId ?? '–'}</td>
                <td>
                  <span className={st.className}>{st.text}</span>
                  {st.recovered ? <span className="muted"> recovered</span> : null}
                </td>
                <td className="num">{fmtMoney(r.amountDue.amount, r.amountDue.currency)}</td>
                <td>{invoiceDate(r)}</td>
                <td>
                  {r.hostedInvoiceUrl ? (
                    <a href={r.hostedInvoiceUrl} target="_blank" rel="noreferrer noopener">
                      Open in Stripe
                    </a>
                  ) : (
                    '–'
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {total > rows.length ? <p className="hint">The {rows.length} newest of {total}.</p> : null}
    </>
  );
}
