/** The Invoices card: a status filter kept in the address (#/billing?invoices=failed) and the newest 50. */
import type { OpOutput } from '../../../../shared/api';
import type { useApi } from '../../api/hooks';
import { DataTable, type Column } from '../../components/DataTable';
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

type Invoice = OpOutput<'billing.invoices.list'>['rows'][number];
const INVOICE_COLUMNS: Column<Invoice>[] = [
  { key: 'number', header: 'Invoice', primary: true, cell: (r) => r.number ?? r.id },
  { key: 'client', header: 'Client', cell: (r) => r.name ?? r.email ?? r.customerId ?? '–' },
  {
    key: 'status',
    header: 'Status',
    cell: (r) => {
      const st = invoiceStatus(r);
      return (
        <>
          <span className={st.className}>{st.text}</span>
          {st.recovered ? <span className="muted"> recovered</span> : null}
        </>
      );
    },
  },
  { key: 'amount', header: 'Amount', className: 'num', cell: (r) => fmtMoney(r.amountDue.amount, r.amountDue.currency) },
  { key: 'date', header: 'Date', cell: (r) => invoiceDate(r) },
  {
    key: 'link',
    header: 'Link',
    cell: (r) =>
      r.hostedInvoiceUrl ? (
        <a href={r.hostedInvoiceUrl} target="_blank" rel="noreferrer noopener">
          Open in Stripe
        </a>
      ) : (
        '–'
      ),
  },
];

function InvoiceTable({ rows, total }: { rows: Invoice[]; total: number }) {
  return (
    <>
      <DataTable rows={rows} columns={INVOICE_COLUMNS} rowKey={(r) => r.id} label="Invoices" rowProps={(r) => ({ 'data-testid': 'billing-invoice-row', 'data-status': r.status, 'data-invoice': r.id })} />
      {total > rows.length ? <p className="hint">The {rows.length} newest of {total}.</p> : null}
    </>
  );
}
