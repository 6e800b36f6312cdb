/** The Stripe card: status, the webhook address to give Stripe and its events, the two secrets, Reconcile now. */
import { useCallback, useId, useState } from 'react';
import type { OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, type useApi } from '../../api/hooks';
import { Card, EmptyState, ErrorPanel, Loading, formatTime } from '../../components/ui';
import { SecretField } from '../settings/SettingsForm';
import { countOf, reconcileText } from './model';

export function ConnectCard({ status, writable, onChanged }: { status: ReturnType<typeof useApi<'billing.status'>>; writable: boolean; onChanged: () => void }) {
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
                {countOf(s.counts.customers, 'client')} · {countOf(s.counts.subscriptions, 'subscription')} · {countOf(s.counts.invoices, 'invoice')} · {countOf(s.counts.charges, 'payment')}
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
              {reconcileText(result)}
            </p>
          ) : null}
        </>
      )}
    </Card>
  );
}
