/**
 * Apply Stripe objects to the mirror and record the events their changes
 * mean (docs/billing.md, "Exactly once"). One path for webhooks and reconcile:
 *
 * - Out of order: each row keeps `as_of`, the Stripe time of the state it
 *   holds (an event's `created`, or a list call's Date). A state older than
 *   the row's is stale and changes nothing; on a tie (same second) the state
 *   that does not go backwards wins (an invoice never goes from paid back to
 *   open, nor to fewer attempts).
 * - Events are facts, recorded once whatever brings them: each failed attempt
 *   of an invoice (`failed_recorded`), its payment (`paid_recorded`), a
 *   subscription's start (`started_recorded`), a refund (the refunded amount
 *   grew). A reconcile that only re-confirms a row records nothing.
 * - Baseline (the first reconcile): rows are imported and the markers set,
 *   but nothing is recorded: history starts no workflow.
 *
 * The caller owns the transaction; `Applier.pending` holds the CRM rows and
 * events to announce after it commits (crm/publish.ts afterCommit).
 */
import type Stripe from 'stripe';
import { EMAIL_RE, normaliseEmail, type Stage } from '../../../shared/api';
import type { Core } from '../core';
import { afterCommit } from '../crm/publish';
import { rescore } from '../crm/scoring';
import { newPending, storeOf, type CrmStore, type Pending } from '../crm/store';
import { emailDomain, isFreeMail } from '../crm/util';
import { amountText, monthly, toMajor } from './money';
import { billingStoreOf, type BillingStore, type ChargeRow, type CheckoutRow, type CustomerRow, type InvoiceRow, type SubscriptionRow } from './store';

export interface ApplyOptions {
  source: 'webhook' | 'reconcile';
  /** Stripe time (unix seconds) of the state: the event's created, or the list call's Date. */
  asOf: number;
  /** The first import: set the markers, record nothing. */
  baseline: boolean;
  /** The Stripe event that carries the object (invoice.payment_failed says an attempt failed). */
  eventType?: string;
  /** A Checkout Session's line items' prices (read with checkout.sessions.listLineItems before the transaction). */
  priceIds?: string[];
}

export type Outcome = 'applied' | 'stale' | 'ignored';

const INVOICE_RANK: Record<string, number> = { draft: 0, open: 1, uncollectible: 2, paid: 3, void: 3 };
const SUB_RANK: Record<string, number> = { incomplete: 0, trialing: 1, active: 1, past_due: 1, unpaid: 1, paused: 1, canceled: 2, incomplete_expired: 2 };
/** Statuses of a subscription that bills (subscription.started when first seen in one). */
const STARTED = new Set(['trialing', 'active', 'past_due', 'unpaid', 'paused']);

const idOf = (v: string | { id: string } | null | undefined): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : v.id);
const iso = (sec: number | null | undefined): string | null => (sec === null || sec === undefined ? null : new Date(sec * 1000).toISOString());
const bool = (b: boolean | null | undefined): number => (b ? 1 : 0);

/**
 * The Stripe prices an invoice bills (its lines' prices; for a subscription
 * invoice without lines, the subscription's price): what the products domain
 * grants access by.
 */
export function invoicePriceIds(inv: Stripe.Invoice, subscriptionPrice: string | null): string[] {
  const ids = new Set<string>();
  for (const line of inv.lines?.data ?? []) {
    const p = line.pricing?.price_details?.price;
    const id = idOf(p as string | { id: string } | null | undefined);
    if (id) ids.add(id);
  }
  if (!ids.size && subscriptionPrice) ids.add(subscriptionPrice);
  return [...ids];
}

/** Newer wins; on a tie, the state that does not go backwards. */
function fresh(rowAsOf: number, asOf: number, forward: () => boolean): boolean {
  if (asOf > rowAsOf) return true;
  if (asOf < rowAsOf) return false;
  return forward();
}

/**
 * Whether a one-time Checkout Session (mode=payment, no invoice) is a completed
 * sale: paid, or free (a 100 % discount: amount_total 0, payment_status
 * no_payment_required; Stripe makes no payment intent and no charge for it).
 */
export function checkoutSold(cs: Pick<Stripe.Checkout.Session, 'mode' | 'payment_status' | 'amount_total' | 'invoice'>): 'paid' | 'free' | null {
  if (cs.mode !== 'payment' || cs.invoice) return null;
  if (cs.payment_status === 'paid') return 'paid';
  if (cs.payment_status === 'no_payment_required' && (cs.amount_total ?? 0) === 0) return 'free';
  return null;
}

export class Applier {
  readonly store: BillingStore;
  readonly crm: CrmStore;
  readonly pending: Pending = newPending();
  /** Events recorded for workflows. */
  recorded = 0;
  /** Events that could not be recorded: the customer has no e-mail, so no contact. */
  unlinked = 0;

  constructor(readonly core: Core) {
    this.store = billingStoreOf(core);
    this.crm = storeOf(core);
  }

  /** Inside the caller's transaction, before it commits: scores of the contacts the recorded events touched. */
  settle(): void {
    if (this.pending.rescore.size) rescore(this.core, { ids: [...this.pending.rescore], pending: this.pending });
  }

  /** After the commit: tell the hosts and the engine. */
  announce(): void {
    afterCommit(this.core, this.pending);
  }

  /** Any mirrored object by its `object` field; other kinds are ignored. */
  object(obj: { object?: string; id?: string }, o: ApplyOptions): Outcome {
    switch (obj.object) {
      case 'customer':
        return this.customer(obj as Stripe.Customer | Stripe.DeletedCustomer, o);
      case 'product':
        return this.product(obj as Stripe.Product, o);
      case 'price':
        return this.price(obj as Stripe.Price, o);
      case 'subscription':
        return this.subscription(obj as Stripe.Subscription, o);
      case 'invoice':
        return this.invoice(obj as Stripe.Invoice, o);
      case 'charge':
        return this.charge(obj as Stripe.Charge, o);
      case 'checkout.session':
        return this.checkout(obj as Stripe.Checkout.Session, o);
      default:
        return 'ignored';
    }
  }

  /* ---------- CRM link ---------- */

  /** The live contact for an e-mail: found, else created (source "stripe", company by the e-mail's domain). */
  private link(email: string | null, name: string | null): { contactId: number | null; companyId: number | null } {
    if (!email || email.length > 254 || !EMAIL_RE.test(email)) return { contactId: null, companyId: null };
    let row = this.crm.byEmail(email);
    if (!row) {
      const [first, ...rest] = (name ?? '').trim().split(/\s+/);
      const domain = emailDomain(email);
      const w = this.crm.write(
        this.pending,
        { fields: { email, firstName: first ? first.slice(0, 200) : null, lastName: rest.length ? rest.join(' ').slice(0, 200) : null, source: 'stripe' }, companyDomain: isFreeMail(domain) ? undefined : domain },
        { mode: 'create', reason: 'stripe', existing: null },
      );
      row = this.crm.row(w.id);
    }
    return row ? { contactId: row.id, companyId: row.company_id } : { contactId: null, companyId: null };
  }

  /** The live contact of a customer now (a merged contact is followed; a deleted one is found again by e-mail). */
  private contactOf(cu: CustomerRow): number | null {
    let id = cu.contact_id;
    for (let i = 0; id !== null && i < 20; i++) {
      const r = this.crm.row(id);
      if (!r) break;
      if (!r.deleted_at) {
        if (id !== cu.contact_id) this.store.stmt('UPDATE billing_customers SET contact_id = ?, company_id = ? WHERE id = ?').run(id, r.company_id, cu.id);
        return id;
      }
      id = r.merged_into;
    }
    const l = this.link(cu.email, cu.name);
    if (l.contactId !== null) this.store.stmt('UPDATE billing_customers SET contact_id = ?, company_id = ? WHERE id = ?').run(l.contactId, l.companyId, cu.id);
    return l.contactId;
  }

  private record(type: string, customerId: string | null, o: ApplyOptions, data: Record<string, unknown>, guest?: { contactId: number; email: string | null }): void {
    if (o.baseline) return;
    if (!customerId && guest) {
      // A Checkout sale without a Stripe customer: the buyer's contact from the session's e-mail.
      this.crm.recordEvent(this.pending, type, guest.contactId, new Date(o.asOf * 1000).toISOString(), { customerId: null, contactId: guest.contactId, email: guest.email, name: null, ...data });
      this.recorded++;
      return;
    }
    if (!customerId) return;
    const cu = this.store.customer(customerId);
    const contactId = cu ? this.contactOf(cu) : null;
    if (!cu || contactId === null) {
      this.unlinked++;
      this.core.log.warn('billing: an event was not recorded: the Stripe customer has no e-mail (no CRM contact)', { type, customerId });
      return;
    }
    this.crm.recordEvent(this.pending, type, contactId, new Date(o.asOf * 1000).toISOString(), { customerId, contactId, email: cu.email, name: cu.name, ...data });
    this.recorded++;
  }

  /** The buyer of a charge without a Stripe customer: the contact of the Checkout Session it paid. */
  private guestOf(ch: ChargeRow): { contactId: number; email: string | null } | undefined {
    if (ch.customer_id || !ch.payment_intent) return undefined;
    const cs = this.store.stmt('SELECT contact_id, email FROM billing_checkouts WHERE payment_intent = ? AND contact_id IS NOT NULL LIMIT 1').get(ch.payment_intent) as { contact_id: number; email: string | null } | undefined;
    if (!cs) return undefined;
    const c = this.crm.row(cs.contact_id);
    return c && !c.deleted_at ? { contactId: c.id, email: cs.email } : undefined;
  }

  /** Move the customer's contact forward in the funnel (customer on a payment or a start, churned when nothing bills any more). */
  private stage(customerId: string | null, to: Stage, o: ApplyOptions): void {
    if (!customerId) return;
    const cu = this.store.customer(customerId);
    if (!cu || cu.contact_id === null) return;
    const c = this.crm.row(cu.contact_id);
    if (!c || c.deleted_at) return;
    this.crm.promote(this.pending, c.id, c.stage as Stage, to, 'stripe', new Date(o.asOf * 1000).toISOString());
  }

  /** A customer the mirror does not have yet (an event about it came first): a stub from what the object says, replaced by the real one. */
  private ensureCustomer(id: string | null, hint: { email?: string | null; name?: string | null; livemode?: boolean }): void {
    if (!id || this.store.customer(id)) return;
    const email = hint.email ? normaliseEmail(hint.email) : null;
    const link = this.link(email, hint.name ?? null);
    this.store.putCustomer({ id, email, name: hint.name ?? null, contact_id: link.contactId, company_id: link.companyId, delinquent: 0, deleted: 0, livemode: bool(hint.livemode), created: 0, as_of: 0 });
  }

  /* ---------- objects ---------- */

  customer(c: Stripe.Customer | Stripe.DeletedCustomer, o: ApplyOptions): Outcome {
    const old = this.store.customer(c.id);
    if (old && !fresh(old.as_of, o.asOf, () => true)) return 'stale';
    const deleted = (c as Stripe.DeletedCustomer).deleted === true || o.eventType === 'customer.deleted';
    const live = deleted ? null : (c as Stripe.Customer);
    const email = live ? (live.email ? normaliseEmail(live.email) : null) : (old?.email ?? null);
    const name = live ? (live.name ?? null) : (old?.name ?? null);
    const link = deleted ? { contactId: old?.contact_id ?? null, companyId: old?.company_id ?? null } : email === old?.email && old?.contact_id ? { contactId: old.contact_id, companyId: old.company_id } : this.link(email, name);
    this.store.putCustomer({
      id: c.id,
      email,
      name,
      contact_id: link.contactId,
      company_id: link.companyId,
      delinquent: live ? bool(live.delinquent) : (old?.delinquent ?? 0),
      deleted: bool(deleted),
      livemode: live ? bool(live.livemode) : (old?.livemode ?? 0),
      created: live?.created ?? old?.created ?? o.asOf,
      as_of: o.asOf,
    });
    return 'applied';
  }

  product(p: Stripe.Product, o: ApplyOptions): Outcome {
    const old = this.store.product(p.id);
    if (old && !fresh(old.as_of, o.asOf, () => true)) return 'stale';
    this.store.putProduct({ id: p.id, name: p.name ?? null, active: bool(p.active && o.eventType !== 'product.deleted'), created: p.created, as_of: o.asOf });
    return 'applied';
  }

  price(p: Stripe.Price, o: ApplyOptions): Outcome {
    const old = this.store.price(p.id);
    if (old && !fresh(old.as_of, o.asOf, () => true)) return 'stale';
    this.store.putPrice({
      id: p.id,
      product_id: idOf(p.product as string | { id: string }),
      nickname: p.nickname ?? null,
      currency: p.currency,
      unit_amount: p.unit_amount ?? null,
      interval: p.recurring?.interval ?? null,
      interval_count: p.recurring?.interval_count ?? null,
      active: bool(p.active && o.eventType !== 'price.deleted'),
      created: p.created,
      as_of: o.asOf,
    });
    return 'applied';
  }

  subscription(s: Stripe.Subscription, o: ApplyOptions): Outcome {
    const old = this.store.subscription(s.id);
    if (old && !fresh(old.as_of, o.asOf, () => (SUB_RANK[s.status] ?? 1) >= (SUB_RANK[old.status] ?? 1))) return 'stale';
    const items = s.items?.data ?? [];
    for (const it of items) if (it.price && typeof it.price === 'object') this.price(it.price, o);
    const first = items[0];
    const mrr = items.reduce((sum, it) => sum + monthly(it.price?.unit_amount, it.quantity ?? 1, it.price?.recurring?.interval, it.price?.recurring?.interval_count), 0);
    const customerId = idOf(s.customer as string | { id: string }) as string;
    this.ensureCustomer(customerId, typeof s.customer === 'object' ? { email: (s.customer as Stripe.Customer).email, name: (s.customer as Stripe.Customer).name } : { livemode: s.livemode });
    const started = STARTED.has(s.status);
    const row: SubscriptionRow = {
      id: s.id,
      customer_id: customerId,
      status: s.status,
      price_id: first?.price?.id ?? null,
      quantity: first?.quantity ?? 1,
      currency: s.currency,
      mrr,
      current_period_start: first?.current_period_start ?? null,
      current_period_end: first?.current_period_end ?? null,
      cancel_at: s.cancel_at ?? null,
      cancel_at_period_end: bool(s.cancel_at_period_end),
      canceled_at: s.canceled_at ?? null,
      ended_at: s.ended_at ?? null,
      start_date: s.start_date ?? s.created,
      pause_behavior: s.pause_collection?.behavior ?? null,
      started_recorded: bool(!!old?.started_recorded || started),
      created: s.created,
      as_of: o.asOf,
    };
    this.store.putSubscription(row);
    const data = () => this.subscriptionData(row);
    if (started && !old?.started_recorded) {
      this.record('subscription.started', customerId, o, data());
      this.stage(customerId, 'customer', o);
    } else if (old && s.status === 'canceled' && old.status !== 'canceled') {
      this.record('subscription.canceled', customerId, o, data());
      if (this.store.liveSubscriptionsOf(customerId, s.id) === 0) this.stage(customerId, 'churned', o);
    } else if (old && old.started_recorded && s.status !== 'canceled') {
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      const watch: [string, unknown, unknown][] = [
        ['status', old.status, row.status],
        ['priceId', old.price_id, row.price_id],
        ['quantity', old.quantity, row.quantity],
        ['mrr', toMajor(old.mrr, old.currency), toMajor(row.mrr, row.currency)],
        ['cancelAtPeriodEnd', !!old.cancel_at_period_end, !!row.cancel_at_period_end],
        ['cancelAt', iso(old.cancel_at), iso(row.cancel_at)],
        ['paused', old.pause_behavior, row.pause_behavior],
      ];
      for (const [k, a, b] of watch) if (a !== b) changes[k] = { from: a, to: b };
      if (Object.keys(changes).length) this.record('subscription.changed', customerId, o, { ...data(), changes });
    }
    return 'applied';
  }

  private subscriptionData(r: SubscriptionRow): Record<string, unknown> {
    const price = r.price_id ? this.store.price(r.price_id) : undefined;
    const product = price?.product_id ? this.store.product(price.product_id) : undefined;
    return {
      subscriptionId: r.id,
      status: r.status,
      priceId: r.price_id,
      product: product?.name ?? null,
      quantity: r.quantity,
      mrr: toMajor(r.mrr, r.currency),
      currency: r.currency,
      cancelAt: iso(r.cancel_at),
      endedAt: iso(r.ended_at),
    };
  }

  invoice(inv: Stripe.Invoice, o: ApplyOptions): Outcome {
    const old = this.store.invoice(inv.id);
    const failedAttempt = o.eventType === 'invoice.payment_failed';
    const rank = (status: string, attempts: number) => (INVOICE_RANK[status] ?? 1) * 100_000 + attempts;
    if (old && !fresh(old.as_of, o.asOf, () => rank(inv.status ?? 'draft', inv.attempt_count) >= rank(old.status, old.attempt_count))) {
      // A late "payment failed" still says the invoice failed once (the recovery rate counts it); it starts nothing.
      if (failedAttempt && old.first_failed_at === null) this.store.stmt('UPDATE billing_invoices SET first_failed_at = ? WHERE id = ?').run(o.asOf, inv.id);
      return 'stale';
    }
    const customerId = idOf(inv.customer as string | { id: string } | null);
    this.ensureCustomer(customerId, { email: inv.customer_email, name: inv.customer_name, livemode: inv.livemode });
    const status = inv.status ?? 'draft';
    const sub = inv.parent?.subscription_details?.subscription;
    const row: InvoiceRow = {
      id: inv.id,
      customer_id: customerId,
      subscription_id: idOf(sub as string | { id: string } | null | undefined),
      number: inv.number ?? null,
      status,
      currency: inv.currency,
      amount_due: inv.amount_due,
      amount_paid: inv.amount_paid,
      amount_remaining: inv.amount_remaining,
      attempt_count: inv.attempt_count ?? 0,
      hosted_invoice_url: inv.hosted_invoice_url ?? null,
      due_date: inv.due_date ?? null,
      next_payment_attempt: inv.next_payment_attempt ?? null,
      paid_at: inv.status_transitions?.paid_at ?? null,
      first_failed_at: old?.first_failed_at ?? null,
      failed_recorded: old?.failed_recorded ?? 0,
      paid_recorded: old?.paid_recorded ?? 0,
      overdue_recorded_at: old?.overdue_recorded_at ?? null,
      created: inv.created,
      as_of: o.asOf,
    };
    const events: string[] = [];
    if (o.baseline && !old) {
      // History: a payment that failed before counts for the recovery rate (from the invoice's date); nothing is recorded.
      const unpaidAfterTries = (status === 'open' || status === 'uncollectible') && inv.attempted && row.attempt_count > 0;
      if (unpaidAfterTries || (status === 'paid' && row.attempt_count > 1)) row.first_failed_at = inv.created;
      row.failed_recorded = row.attempt_count;
      row.paid_recorded = bool(status === 'paid');
      if (status === 'open' && row.due_date !== null && row.due_date < o.asOf) row.overdue_recorded_at = o.asOf;
    } else {
      if (failedAttempt && status !== 'paid' && row.attempt_count > row.failed_recorded) {
        row.failed_recorded = row.attempt_count;
        row.first_failed_at ??= o.asOf;
        events.push('payment.failed');
      }
      if (status === 'paid' && !row.paid_recorded && row.amount_paid > 0) {
        row.paid_recorded = 1;
        events.push('payment.succeeded');
      }
    }
    this.store.putInvoice(row);
    for (const type of events) this.record(type, customerId, o, { ...this.paymentData(row), priceIds: invoicePriceIds(inv, row.subscription_id ? (this.store.subscription(row.subscription_id)?.price_id ?? null) : null) });
    if (events.includes('payment.succeeded') || (o.baseline && status === 'paid' && row.amount_paid > 0)) this.stage(customerId, 'customer', o);
    return 'applied';
  }

  paymentData(r: InvoiceRow): Record<string, unknown> {
    const minor = r.status === 'paid' ? r.amount_paid : r.amount_remaining;
    return {
      invoiceId: r.id,
      invoiceNumber: r.number,
      subscriptionId: r.subscription_id,
      amount: toMajor(minor, r.currency),
      amountMinor: minor,
      currency: r.currency,
      amountText: amountText(minor, r.currency),
      hostedInvoiceUrl: r.hosted_invoice_url,
      attemptCount: r.attempt_count,
      dueDate: iso(r.due_date),
      nextPaymentAttempt: iso(r.next_payment_attempt),
    };
  }

  /** invoice.overdue for an open invoice past its due date (the scan; once per invoice). */
  overdue(r: InvoiceRow, nowSec: number): void {
    this.store.markOverdue(r.id, nowSec);
    const daysOverdue = Math.max(0, Math.floor((nowSec - (r.due_date ?? nowSec)) / 86_400));
    this.record('invoice.overdue', r.customer_id, { source: 'reconcile', asOf: nowSec, baseline: false }, { ...this.paymentData(r), daysOverdue });
  }

  charge(ch: Stripe.Charge, o: ApplyOptions): Outcome {
    const old = this.store.charge(ch.id);
    if (old && !fresh(old.as_of, o.asOf, () => ch.amount_refunded >= old.amount_refunded)) return 'stale';
    const customerId = idOf(ch.customer as string | { id: string } | null);
    this.ensureCustomer(customerId, { email: ch.billing_details?.email ?? ch.receipt_email, name: ch.billing_details?.name, livemode: ch.livemode });
    const row: ChargeRow = {
      id: ch.id,
      customer_id: customerId,
      payment_intent: idOf(ch.payment_intent as string | { id: string } | null),
      amount: ch.amount,
      amount_refunded: ch.amount_refunded ?? 0,
      currency: ch.currency,
      status: ch.status,
      refunded: bool(ch.refunded),
      created: ch.created,
      as_of: o.asOf,
    };
    this.store.putCharge(row);
    const before = old?.amount_refunded ?? 0;
    if (!o.baseline && row.amount_refunded > before) {
      const delta = row.amount_refunded - before;
      this.record('charge.refunded', customerId, o, {
        chargeId: ch.id,
        amount: toMajor(delta, row.currency),
        amountMinor: delta,
        totalRefundedMinor: row.amount_refunded,
        currency: row.currency,
        amountText: amountText(delta, row.currency),
        fullyRefunded: row.amount_refunded >= row.amount,
      }, this.guestOf(row));
    }
    return 'applied';
  }

  /**
   * A Checkout Session (checkout.session.completed / async_payment_succeeded):
   * a one-time sale (mode=payment) without an invoice records
   * payment.succeeded once, when its payment_status is paid — or
   * no_payment_required with amount_total 0 (a 100 % coupon: `free: true`,
   * amount 0, the session id as the sale id) — with the prices
   * of its line items (`o.priceIds`) and the payment intent as the sale id.
   * A session with an invoice (invoice_creation, or a subscription) records
   * nothing here: its invoice.paid does. The money is its charge (billing_charges).
   */
  checkout(cs: Stripe.Checkout.Session, o: ApplyOptions): Outcome {
    const old = this.store.checkout(cs.id);
    const rank = (st: string) => (st === 'paid' || st === 'no_payment_required' ? 1 : 0);
    if (old && !fresh(old.as_of, o.asOf, () => rank(cs.payment_status) >= rank(old.payment_status))) return 'stale';
    const details = cs.customer_details;
    const rawEmail = details?.email ?? cs.customer_email ?? null;
    const email = rawEmail ? normaliseEmail(rawEmail) : null;
    const name = details?.name ?? null;
    const customerId = idOf(cs.customer as string | { id: string } | null);
    this.ensureCustomer(customerId, { email, name, livemode: cs.livemode });
    const cu = customerId ? this.store.customer(customerId) : undefined;
    const contactId = old?.contact_id ?? (cu ? this.contactOf(cu) : this.link(email, name).contactId);
    const priceIds = o.priceIds ?? (old ? (JSON.parse(old.price_ids) as string[]) : []);
    const row: CheckoutRow = {
      id: cs.id,
      payment_intent: idOf(cs.payment_intent as string | { id: string } | null),
      customer_id: customerId,
      email,
      contact_id: contactId,
      mode: cs.mode,
      payment_status: old && rank(old.payment_status) > rank(cs.payment_status) ? old.payment_status : cs.payment_status,
      invoice_id: idOf(cs.invoice as string | { id: string } | null),
      amount_total: cs.amount_total ?? 0,
      currency: cs.currency ?? 'usd',
      price_ids: JSON.stringify(priceIds),
      paid_recorded: old?.paid_recorded ?? 0,
      created: cs.created,
      as_of: o.asOf,
    };
    const sold = row.invoice_id === null ? checkoutSold(cs) : null;
    const pays = !o.baseline && sold !== null && !row.paid_recorded;
    if (pays) row.paid_recorded = 1;
    this.store.putCheckout(row);
    if (!pays) return 'applied';
    if (contactId === null) {
      this.unlinked++;
      this.core.log.warn('billing: a Checkout payment was not recorded: the session has no customer e-mail (no CRM contact)', { session: cs.id });
      return 'applied';
    }
    const at = new Date(o.asOf * 1000).toISOString();
    const minor = row.amount_total;
    this.crm.recordEvent(this.pending, 'payment.succeeded', contactId, at, {
      customerId,
      contactId,
      email,
      name,
      saleId: row.payment_intent ?? row.id,
      checkoutSessionId: row.id,
      paymentIntentId: row.payment_intent,
      invoiceId: null,
      invoiceNumber: null,
      subscriptionId: null,
      amount: toMajor(minor, row.currency),
      amountMinor: minor,
      currency: row.currency,
      amountText: amountText(minor, row.currency),
      hostedInvoiceUrl: null,
      attemptCount: 1,
      dueDate: null,
      nextPaymentAttempt: null,
      priceIds,
      ...(sold === 'free' ? { free: true } : {}),
    });
    this.recorded++;
    const c = this.crm.row(contactId);
    if (c && !c.deleted_at) this.crm.promote(this.pending, c.id, c.stage as Stage, 'customer', 'stripe', at);
    return 'applied';
  }
}
