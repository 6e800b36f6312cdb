/**
 * The billing domain (docs/billing.md): Stripe customers, products, prices,
 * subscriptions, invoices and charges mirrored into SQLite from Stripe's
 * webhooks (POST /hooks/stripe, signatures checked with the stripe package)
 * and a reconcile job (on a schedule, `billing.reconcile`, `baton billing
 * reconcile`); customers linked to CRM contacts by e-mail; the events
 * workflows start on (payment.failed, payment.succeeded, invoice.overdue,
 * subscription.*, charge.refunded); the money KPIs; nodes for dunning.
 */
import { billingEventTypes, billingOps, STRIPE_EVENT_TYPES, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_PATH, STRIPE_WEBHOOK_SECRET, type BillingStatus } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import type { Core, Service } from '../core';
import { defineDomain } from '../domain';
import { billingKpi, listCheckouts, listCustomers, listInvoices, listSubscriptions } from './kpi';
import { BILLING_NODES } from './nodes';
import { reconcile, scanOverdue } from './reconcile';
import { billingStoreOf } from './store';
import { BillingError, keyMode } from './stripe';
import { stripeRoute } from './webhook';

export { reconcile, scanOverdue } from './reconcile';

const DEFAULT_RECONCILE_MINUTES = 60;
const SCAN_EVERY_MS = 60 * 60_000;

const reconcileMinutes = (core: Core) => Math.max(5, Number(core.setting<number | null>('billing.reconcileMinutes', DEFAULT_RECONCILE_MINUTES)) || DEFAULT_RECONCILE_MINUTES);

async function status(core: Core): Promise<BillingStatus> {
  const st = billingStoreOf(core);
  const key = await core.secrets.get(STRIPE_SECRET_KEY);
  const count = (t: string) => (st.stmt(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  const base = String(core.setting<string>('email.publicUrl', '') ?? '').replace(/\/+$/, '');
  return {
    keyStored: key !== null,
    keyMode: keyMode(key),
    webhookSecretStored: (await core.secrets.get(STRIPE_WEBHOOK_SECRET)) !== null,
    webhookPath: STRIPE_WEBHOOK_PATH,
    webhookUrl: base ? `${base}${STRIPE_WEBHOOK_PATH}` : null,
    eventTypes: [...STRIPE_EVENT_TYPES],
    lastReconcile: st.state('lastReconcile', null),
    lastWebhookAt: st.state<string | null>('lastWebhookAt', null),
    counts: { customers: count('billing_customers'), subscriptions: count('billing_subscriptions'), invoices: count('billing_invoices'), charges: count('billing_charges') },
    reconcileEveryMinutes: reconcileMinutes(core),
  };
}

export function billingHandlers(core: Core): HandlerMap<keyof typeof billingOps> {
  return {
    'billing.status': () => status(core),
    'billing.reconcile': async () => {
      try {
        return await reconcile(core);
      } catch (e) {
        throw e instanceof BillingError ? e.toApiError() : e;
      }
    },
    'billing.kpi': (i) => billingKpi(core, i.from, i.to),
    'billing.customers.list': (i) => listCustomers(core, i),
    'billing.subscriptions.list': (i) => listSubscriptions(core, i),
    'billing.invoices.list': (i) => listInvoices(core, i),
    'billing.checkouts.list': (i) => listCheckouts(core, i),
  };
}

/**
 * On a serving host: reconcile every `billing.reconcileMinutes` (60) while a
 * key is stored (the first one a minute after start when the last is older
 * than that), and look for overdue invoices hourly.
 */
export function billingService(core: Core, opts: { checkEveryMs?: number } = {}): Service {
  const every = opts.checkEveryMs ?? 60_000;
  const timers: NodeJS.Timeout[] = [];
  const due = async () => {
    if (!(await core.secrets.get(STRIPE_SECRET_KEY))) return;
    const last = billingStoreOf(core).state<{ at: string } | null>('lastReconcile', null);
    if (last && core.now() - Date.parse(last.at) < reconcileMinutes(core) * 60_000 - 30_000) return;
    try {
      await reconcile(core);
    } catch {
      // Recorded as lastReconcile (billing.status shows it) and logged.
    }
  };
  return {
    name: 'billing',
    start() {
      const first = setTimeout(() => void due(), every);
      first.unref();
      timers.push(first);
      const check = setInterval(() => void due(), every);
      check.unref();
      timers.push(check);
      const scan = setInterval(() => {
        try {
          scanOverdue(core);
        } catch (e) {
          core.log.error('billing: overdue scan failed', { error: e as Error });
        }
      }, SCAN_EVERY_MS);
      scan.unref();
      timers.push(scan);
    },
    stop() {
      for (const t of timers.splice(0)) clearTimeout(t);
    },
  };
}

export const billingDomain = defineDomain({
  id: 'billing',
  description: 'Stripe billing mirrored from webhooks and reconcile: customers linked to contacts, payment and subscription events, MRR, revenue, recovery and churn.',
  ops: billingOps,
  events: billingEventTypes,
  nodes: BILLING_NODES,
  requires: ['engine', 'crm'],
  settings: ['billing.apiUrl', 'billing.reconcileMinutes'],
  create(core) {
    return { handlers: billingHandlers(core), routes: { 'hooks/stripe': stripeRoute(core) }, services: [billingService(core)] };
  },
});
