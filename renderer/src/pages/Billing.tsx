/**
 * Billing (Stripe; docs/billing.md): connect Stripe (the two secrets, the
 * webhook address to give Stripe), reconcile now, and the mirrored customers,
 * subscriptions and invoices with their status. Live on `billing.changed`.
 */
import { useCallback, useId, useState } from 'react';
import type { OpOutput } from '../../../shared/api';
import { call } from '../api/client';
import { useAction, useApi, useEvent } from '../api/hooks';
import { useHashQuery } from '../components/hashQuery';
import { Card, EmptyState, ErrorPanel, Loading, PageHeader, QueryView, formatTime } from '../components/ui';
import { SecretField } from './settings/SettingsForm';
import './billing/billing.css';
import { CheckoutSessions } from './billing/CheckoutSessions';

const fmtMoney = (n: number, currency: string) => {
  try {
    return n.toLocaleString(undefined, { style: 'currency', currency });
  } catch {
    return `${n.toFixed(2)} ${currency}`;
  }
};
const n = (count: number, word: string) => `${count.toLocaleString()} ${word}${count === 1 ? '' : 's'}`;
const fmtDay = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' }) : '–');

const INVOICE_BADGE: Record<string, string> = { paid: 'badge badge-ok', open: 'badge badge-neutral', draft: 'badge badge-neutral', void: 'badge badge-neutral', uncollectible: 'badge badge-danger' };
const SUB_BADGE: Record<string, string> = { active: 'badge badge-ok', trialing: 'badge badge-ok', past_due: 'badge badge-warn', unpaid: 'badge badge-danger', canceled: 'badge badge-neutral', paused: 'badge badge-warn' };

export function Billing() {
  const status = useApi('billing.status', {});
  const secrets = useApi('secrets.list', {});
  const customers = useApi('billing.customers.list', { limit: 50 });
  const subs = useApi('billing.subscriptions.list', { limit: 50 });
  const [query, setQuery] = useHashQuery('billing');
  const filter = (['open', 'paid', 'failed', 'void', 'uncollectible', 'draft'] as const).find((f) => f === query.invoices);
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
            <Card title="Invoices" id="billing-invoices">
              <div className="billing-toolbar">
                <label htmlFor="billing-invoice-filter">Show</label>
                <select id="billing-invoice-filter" value={filter ?? ''} onChange={(e) => setQuery(e.target.value ? { invoices: e.target.value } : {})}>
                  <option value="">All invoices</option>
                  <option value="failed">Payment failed, unpaid</option>
                  <option value="open">Open</option>
                  <option value="paid">Paid</option>
                  <option value="uncollectible">Uncollectible</option>
                  <option value="void">Void</option>
                  <option value="draft">Draft</option>
                </select>
              </div>
              <QueryView q={invoices} what="Could not load the invoices" loading="Loading invoices…" isEmpty={(d) => d.rows.length === 0} empty={<p className="muted">No invoices{filter ? ' with this status' : ' yet'}.</p>}>
                {(d) => <InvoiceTable rows={d.rows} total={d.total} />}
              </QueryView>
            </Card>
            <CheckoutSessions />
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
                      {d.rows.map((r) => (
                        <tr key={r.id} data-testid="billing-subscription-row" data-status={r.status}>
                          <td>{r.name ?? r.email ?? r.customerId}</td>
                          <td>
                            {r.product ?? r.priceId ?? '–'}
                            {r.quantity > 1 ? ` × ${r.quantity}` : ''}
                          </td>
                          <td>
                            <span className={SUB_BADGE[r.status] ?? 'badge badge-neutral'}>{r.status.replace('_', ' ')}</span>
                            {r.paused ? <span className="badge badge-warn">collection paused</span> : null}
                          </td>
                          <td className="num">{fmtMoney(r.mrr.amount, r.mrr.currency)}</td>
                          <td>{r.endedAt ? `ended ${fmtDay(r.endedAt)}` : r.cancelAt ? `ends ${fmtDay(r.cancelAt)}` : fmtDay(r.currentPeriodEnd)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </QueryView>
            </Card>
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
          </>
        )}
      </div>
    </>
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
            const failed = r.failedAt && r.status !== 'paid' && r.status !== 'void';
            return (
              <tr key={r.id} data-testid="billing-invoice-row" data-status={r.status} data-invoice={r.id}>
                <td>{r.number ?? r.id}</td>
                <td>{r.name ?? r.email ?? r.customerId ?? '–'}</td>
                <td>
                  <span className={failed ? 'badge badge-danger' : (INVOICE_BADGE[r.status] ?? 'badge badge-neutral')}>{failed ? `payment failed (${r.attemptCount}×)` : r.status}</span>
                  {r.status === 'paid' && r.failedAt ? <span className="muted"> recovered</span> : null}
                </td>
                <td className="num">{fmtMoney(r.amountDue.amount, r.amountDue.currency)}</td>
                <td>{r.paidAt ? `paid ${fmtDay(r.paidAt)}` : r.dueDate ? `due ${fmtDay(r.dueDate)}` : fmtDay(r.created)}</td>
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

function ConnectCard({ status, writable, onChanged }: { status: ReturnType<typeof useApi<'billing.status'>>; writable: boolean; onChanged: () => void }) {
  const [result, setResult] = useState<OpOutput<'billing.reconcile'> | null>(null);
  const reconcile = useAction(useCallback(() => call('billing.reconcile', {}), []));
  const eventsId = useId();
  const s = status.data;
  return (
    <Card
      title="Stripe"
      id="billing-connect"
      actions={
        <button
          type="button"
          className="btn"
          disabled={reconcile.pending || !s?.keyStored}
          onClick={async () => {
            setResult(null);
            const r = await reconcile.run();
            if (r) setResult(r);
            onChanged();
          }}
        >
          {reconcile.pending ? 'Reconciling…' : 'Reconcile now'}
        </button>
      }
    >
      {status.error && !s ? <ErrorPanel what="Could not load the Stripe status" error={status.error} onRetry={status.reload} /> : null}
      {!s ? (
        status.error ? null : <Loading label="Loading the Stripe status…" />
      ) : (
        <>
          {!s.keyStored && s.counts.customers === 0 ? (
            <EmptyState title="Connect Stripe" icon="$">
              <p>Store your Stripe secret key below; Baton then imports your customers, subscriptions and invoices and keeps them in step with Stripe's webhooks.</p>
            </EmptyState>
          ) : null}
          <dl className="facts" data-testid="billing-status">
            <div>
              <dt>Last reconcile</dt>
              <dd data-testid="billing-last-reconcile">
                {!s.lastReconcile ? (
                  <span className="muted">never</span>
                ) : s.lastReconcile.ok ? (
                  <>
                    <span className="badge badge-ok">✓ ok</span> {formatTime(s.lastReconcile.at)}
                  </>
                ) : (
                  <>
                    <span className="badge badge-danger">✕ failed</span> {formatTime(s.lastReconcile.at)}
                    <span className="fact-sub">{s.lastReconcile.message}</span>
                  </>
                )}
                <span className="fact-sub muted">Every {s.reconcileEveryMinutes} minutes while Baton serves; webhooks keep it current in between.</span>
              </dd>
            </div>
            <div>
              <dt>Last webhook</dt>
              <dd>{s.lastWebhookAt ? formatTime(s.lastWebhookAt) : <span className="muted">none received yet</span>}</dd>
            </div>
            <div>
              <dt>Mirrored</dt>
              <dd data-testid="billing-counts">
                {n(s.counts.customers, 'client')} · {n(s.counts.subscriptions, 'subscription')} · {n(s.counts.invoices, 'invoice')} · {n(s.counts.charges, 'payment')}
              </dd>
            </div>
            <div>
              <dt>Webhook endpoint</dt>
              <dd>
                <code data-testid="billing-webhook-url">{s.webhookUrl ?? `https://<this Baton's public address>${s.webhookPath}`}</code>
                <span className="fact-sub muted">
                  In Stripe: Developers → Webhooks → Add endpoint, with this address (reachable from the internet), and the events below. Then store the endpoint's signing secret here.
                </span>
                <details>
                  <summary id={eventsId}>The {s.eventTypes.length} events to send</summary>
                  <p className="billing-events" aria-labelledby={eventsId}>
                    {s.eventTypes.map((t) => (
                      <code key={t}>{t}</code>
                    ))}
                  </p>
                </details>
              </dd>
            </div>
          </dl>
          <div className="billing-secrets">
            <SecretField name="STRIPE_SECRET_KEY" label={`Stripe secret key${s.keyMode ? ` (${s.keyMode})` : ''}`} stored={s.keyStored} writable={writable} onSaved={status.reload} />
            <SecretField name="STRIPE_WEBHOOK_SECRET" label="Webhook signing secret (whsec_…)" stored={s.webhookSecretStored} writable={writable} onSaved={status.reload} />
          </div>
          {reconcile.error ? <ErrorPanel what="Reconcile failed" error={reconcile.error} /> : null}
          {result ? (
            <p className="success" role="status" data-testid="billing-reconcile-result">
              {result.baseline ? 'Imported' : 'Reconciled'} {result.objects} objects from Stripe
              {result.baseline ? ' (history: no workflow starts for it).' : `; ${result.counts.events} missed event(s) applied, ${result.recorded} event(s) for workflows.`}
            </p>
          ) : null}
        </>
      )}
    </Card>
  );
}
