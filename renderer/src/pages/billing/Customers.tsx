/** The Clients card: Stripe customers, linked to their contact, with MRR, subscriptions and open invoices. */
import type { OpOutput } from '../../../../shared/api';
import type { useApi } from '../../api/hooks';
import { DataTable, type Column } from '../../components/DataTable';
import { Card, QueryView } from '../../components/ui';
import { fmtMoney } from './model';

type Customer = OpOutput<'billing.customers.list'>['rows'][number];
const COLUMNS: Column<Customer>[] = [
  { key: 'client', header: 'Client', primary: true, cell: (r) => (r.contactId ? <a href={`#/contacts?id=${r.contactId}`}>{r.name ?? r.email ?? r.id}</a> : (r.name ?? r.id)) },
  { key: 'email', header: 'E-mail', cell: (r) => r.email ?? <span className="muted">none (not linked to a contact)</span> },
  { key: 'mrr', header: 'MRR', className: 'num', cell: (r) => (r.mrr.length ? r.mrr.map((m) => fmtMoney(m.amount, m.currency)).join(' + ') : '–') },
  { key: 'subs', header: 'Subscriptions', className: 'num', cell: (r) => r.subscriptions },
  { key: 'open', header: 'Open invoices', className: 'num', cell: (r) => (r.openInvoices ? <span className="badge badge-warn">{r.openInvoices}</span> : '0') },
];

export function CustomersCard({ customers }: { customers: ReturnType<typeof useApi<'billing.customers.list'>> }) {
  return (
    <Card title="Clients" id="billing-customers">
      <QueryView q={customers} what="Could not load the clients" loading="Loading clients…" isEmpty={(d) => d.rows.length === 0} empty={<p className="muted">No Stripe customers yet.</p>}>
        {(d) => <DataTable rows={d.rows} columns={COLUMNS} rowKey={(r) => r.id} label="Stripe customers" rowProps={() => ({ 'data-testid': 'billing-customer-row' })} />}
      </QueryView>
    </Card>
  );
}
