/** `baton billing status|reconcile|kpi|invoices` (docs/billing.md). */
import type { Command } from 'commander';
import { CliExit, EXIT, print, withApi } from '../context';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const money = (m: { currency: string; amount: number }) => `${m.amount.toFixed(2)} ${m.currency}`;

export function register(program: Command): void {
  const b = program.command('billing').description('Stripe billing: connection status, reconcile, money KPIs and invoices.');
  b.command('status')
    .description('Whether the Stripe keys are stored (never shown), the webhook address to give Stripe, the last reconcile and what is mirrored.')
    .action(async (_o: unknown, cmd: Command) => {
      const s = await withApi(cmd, (core) => core.call('billing.status', {}));
      print(cmd, s, () =>
        [
          `Stripe key (STRIPE_SECRET_KEY): ${s.keyStored ? `stored (${s.keyMode})` : 'not stored (baton secrets set STRIPE_SECRET_KEY)'}`,
          `Webhook signing secret (STRIPE_WEBHOOK_SECRET): ${s.webhookSecretStored ? 'stored' : 'not stored (baton secrets set STRIPE_WEBHOOK_SECRET)'}`,
          `Webhook endpoint for Stripe: ${s.webhookUrl ?? `<this Baton's public address>${s.webhookPath}`}`,
          `Last reconcile: ${s.lastReconcile ? `${s.lastReconcile.at} ${s.lastReconcile.ok ? 'ok' : `FAILED: ${s.lastReconcile.message}`}` : 'never'} (every ${s.reconcileEveryMinutes} min while serving)`,
          `Last webhook: ${s.lastWebhookAt ?? 'never'}`,
          `Mirrored: ${s.counts.customers} customers, ${s.counts.subscriptions} subscriptions, ${s.counts.invoices} invoices, ${s.counts.charges} charges`,
        ].join('\n'),
      );
    });
  b.command('reconcile')
    .description('Read what changed in Stripe since the last reconcile into the mirror now (heals missed webhooks).')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('billing.reconcile', {}));
      const c = r.counts;
      print(cmd, r, () =>
        [
          `${r.baseline ? 'First import' : 'Reconciled'}: ${r.objects} objects in ${(r.durationMs / 1000).toFixed(1)} s (${c.customers} customers, ${c.products} products, ${c.prices} prices, ${c.subscriptions} subscriptions, ${c.invoices} invoices, ${c.charges} charges).`,
          r.baseline ? 'History was imported without recording events (no workflow starts for it).' : `${c.events} missed Stripe event(s) applied; ${r.recorded} event(s) recorded for workflows.`,
        ].join('\n'),
      );
    });
  b.command('kpi')
    .description('MRR, net revenue, failed-payment recovery rate and churn (default: the last 30 days).')
    .option('--from <day>', 'first day (YYYY-MM-DD, UTC)')
    .option('--to <day>', 'last day (YYYY-MM-DD, UTC)')
    .action(async (o: { from?: string; to?: string }, cmd: Command) => {
      const from = o.from ?? daysAgo(29);
      const to = o.to ?? today();
      for (const [k, v] of [['--from', from], ['--to', to]] as const) if (!DAY.test(v)) throw new CliExit(`${k} must be a day such as 2025-03-01 (got "${v}").`, EXIT.invalidInput);
      const k = await withApi(cmd, (core) => core.call('billing.kpi', { from, to }));
      const pct = (n: number | null) => (n === null ? '–' : `${n}%`);
      print(cmd, k, () =>
        [
          `${k.range.from} – ${k.range.to}`,
          ...(k.currencies.length ? k.currencies.map((c) => `${c.currency}: MRR ${c.mrr.toFixed(2)}, net revenue ${c.netRevenue.toFixed(2)} (payments ${c.payments.toFixed(2)}, refunds ${c.refunds.toFixed(2)})`) : ['No money mirrored yet.']),
          `Failed-payment recovery: ${pct(k.recovery.rate)} (${k.recovery.recovered} of ${k.recovery.failed} failed invoices paid)`,
          `Churn: ${pct(k.churn.rate)} (${k.churn.canceled} of ${k.churn.activeAtStart} subscriptions ended)`,
          `Active subscriptions: ${k.activeSubscriptions}`,
        ].join('\n'),
      );
    });
  b.command('invoices')
    .description('Mirrored invoices, newest first.')
    .option('--status <status>', 'draft | open | paid | void | uncollectible | failed')
    .option('--limit <n>', 'how many (default 50)', (v) => Number(v))
    .action(async (o: { status?: string; limit?: number }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('billing.invoices.list', { ...(o.status ? { status: o.status as 'open' } : {}), ...(o.limit ? { limit: o.limit } : {}) }));
      print(cmd, r, () => r.rows.map((i) => `${i.id}  ${i.status}${i.failedAt && i.status !== 'paid' ? ' (payment failed)' : ''}  ${money(i.amountDue)}  ${i.email ?? i.customerId ?? ''}  ${i.hostedInvoiceUrl ?? ''}`).join('\n') || 'No invoices.');
    });
}
