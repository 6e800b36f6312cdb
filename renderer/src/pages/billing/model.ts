/**
 * Pure helpers of the Billing page (no DOM): money and dates as shown, the invoice filter the
 * address names, and the badge and text of an invoice's and a subscription's status.
 */
import type { OpInput, OpOutput } from '../../../../shared/api';

type Invoice = OpOutput<'billing.invoices.list'>['rows'][number];
type Subscription = OpOutput<'billing.subscriptions.list'>['rows'][number];
export type InvoiceFilter = NonNullable<OpInput<'billing.invoices.list'>['status']>;

/** "€1,234.50"; an amount in a currency the browser does not know keeps its code ("12.00 XTS"). */
export function fmtMoney(n: number, currency: string, locale?: string): string {
  try {
    return n.toLocaleString(locale, { style: 'currency', currency });
  } catch {
    return `${n.toFixed(2)} ${currency}`;
  }
}

/** "1 client", "1,204 invoices". */
export const countOf = (count: number, word: string) => `${count.toLocaleString()} ${word}${count === 1 ? '' : 's'}`;

/** "7 Dec 2026", or "–" for none. */
export const fmtDay = (iso: string | null, locale?: string) => (iso ? new Date(iso).toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' }) : '–');

/** The invoice list's filter, in the order shown; '' is every invoice. */
export const INVOICE_FILTERS: { value: InvoiceFilter | ''; label: string }[] = [
  { value: '', label: 'All invoices' },
  { value: 'failed', label: 'Payment failed, unpaid' },
  { value: 'open', label: 'Open' },
  { value: 'paid', label: 'Paid' },
  { value: 'uncollectible', label: 'Uncollectible' },
  { value: 'void', label: 'Void' },
  { value: 'draft', label: 'Draft' },
];

/** The filter the address names (#/billing?invoices=failed), or undefined for one it does not know. */
export function invoiceFilterOf(value: string | undefined): InvoiceFilter | undefined {
  return INVOICE_FILTERS.find((f) => f.value !== '' && f.value === value)?.value || undefined;
}

const INVOICE_BADGE: Record<string, string> = { paid: 'badge badge-ok', open: 'badge badge-neutral', draft: 'badge badge-neutral', void: 'badge badge-neutral', uncollectible: 'badge badge-danger' };
const SUB_BADGE: Record<string, string> = { active: 'badge badge-ok', trialing: 'badge badge-ok', past_due: 'badge badge-warn', unpaid: 'badge badge-danger', canceled: 'badge badge-neutral', paused: 'badge badge-warn' };

/** An invoice's status badge: a failed payment not yet paid or voided is named with its attempts; a paid one that had failed is "recovered". */
export function invoiceStatus(r: Pick<Invoice, 'status' | 'failedAt' | 'attemptCount'>): { className: string; text: string; recovered: boolean } {
  const failed = !!r.failedAt && r.status !== 'paid' && r.status !== 'void';
  return {
    className: failed ? 'badge badge-danger' : (INVOICE_BADGE[r.status] ?? 'badge badge-neutral'),
    text: failed ? `payment failed (${r.attemptCount}×)` : r.status,
    recovered: r.status === 'paid' && !!r.failedAt,
  };
}

/** An invoice's date: when paid, else when due, else when made. */
export function invoiceDate(r: Pick<Invoice, 'paidAt' | 'dueDate' | 'created'>, locale?: string): string {
  return r.paidAt ? `paid ${fmtDay(r.paidAt, locale)}` : r.dueDate ? `due ${fmtDay(r.dueDate, locale)}` : fmtDay(r.created, locale);
}

export function subscriptionBadge(status: string): { className: string; text: string } {
  return { className: SUB_BADGE[status] ?? 'badge badge-neutral', text: status.replace('_', ' ') };
}

/** When a subscription ended, ends, or renews. */
export function subscriptionEnd(r: Pick<Subscription, 'endedAt' | 'cancelAt' | 'currentPeriodEnd'>, locale?: string): string {
  return r.endedAt ? `ended ${fmtDay(r.endedAt, locale)}` : r.cancelAt ? `ends ${fmtDay(r.cancelAt, locale)}` : fmtDay(r.currentPeriodEnd, locale);
}

/** What a reconcile did: the first one imports history (no workflow starts), later ones apply missed events. */
export function reconcileText(r: OpOutput<'billing.reconcile'>): string {
  return `${r.baseline ? 'Imported' : 'Reconciled'} ${r.objects} objects from Stripe${r.baseline ? ' (history: no workflow starts for it).' : `; ${r.counts.events} missed event(s) applied, ${r.recorded} event(s) for workflows.`}`;
}
