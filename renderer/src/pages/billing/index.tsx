/**
 * Billing (Stripe; docs/billing.md): connect Stripe (the two secrets, the
 * webhook address to give Stripe), reconcile now, and the mirrored customers,
 * subscriptions and invoices with their status. Live on `billing.changed`.
 * The parts: ConnectCard, InvoicesCard, SubscriptionsCard, CustomersCard; the
 * formatting in model.ts.
 */
import { useCallback } from 'react';
import { useApi, useEvent } from '../../api/hooks';
import { useHashQuery } from '../../components/hashQuery';
import { PageHeader } from '../../components/ui';
import { CheckoutSessions } from './CheckoutSessions';
import { ConnectCard } from './ConnectCard';
import { CustomersCard } from './Customers';
import { InvoicesCard } from './Invoices';
import { invoiceFilterOf } from './model';
import { SubscriptionsCard } from './Subscriptions';
import './billing.css';

export function Billing() {
  const status = useApi('billing.status', {});
  const secrets = useApi('secrets.list', {});
  const customers = useApi('billing.customers.list', { limit: 50 });
  const subs = useApi('billing.subscriptions.list', { limit: 50 });
  const [query, setQuery] = useHashQuery('billing');
  const filter = invoiceFilterOf(query.invoices);
  const invoices = useApi('billing.invoices.list', { limit: 50, ...(filter ? { status: filter } : {}) });
  const reloadAll = useCallback(() => {
    status.reload();
    customers.reload();
    subs.reload();
    invoices.reload();
  }, [status, customers, subs, invoices]);
  useEvent('billing.changed', reloadAll);
  useEvent('secrets.changed', ({ names }) => {
    secrets.setData((old) => (old ? { ...old, names } : old));
    status.reload();
  });
  const s = status.data;
  return (
    <>
      <PageHeader title="Billing" intro="Your Stripe account, mirrored here: clients, subscriptions and invoices. Failed payments start your dunning workflow." />
      <div className="stack">
        <ConnectCard status={status} writable={secrets.data?.backend.writable ?? false} onChanged={reloadAll} />
        {s && !s.keyStored && s.counts.customers === 0 ? null : (
          <>
            <InvoicesCard invoices={invoices} filter={filter} onFilter={(f) => setQuery(f ? { invoices: f } : {})} />
            <CheckoutSessions />
            <SubscriptionsCard subs={subs} />
            <CustomersCard customers={customers} />
          </>
        )}
      </div>
    </>
  );
}
