import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { companies, contacts } from './crm';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/*
 * The Stripe mirror (docs/billing.md). Every row is keyed by the Stripe id and
 * carries `as_of`: the Stripe time (unix seconds) of the state it holds — the
 * `created` of the event that brought it, or the time of the list call that
 * read it (the response's Date header). An event older than `as_of` is stale
 * and changes nothing (webhooks arrive out of order). Money is in minor units
 * (cents), as Stripe sends it. Times from Stripe are unix seconds.
 */

/** Stripe customers, linked to the CRM contact with the same e-mail (and that contact's company). */
export const billingCustomers = sqliteTable(
  'billing_customers',
  {
    id: text('id').primaryKey(),
    email: text('email'),
    name: text('name'),
    contactId: integer('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    companyId: integer('company_id').references(() => companies.id, { onDelete: 'set null' }),
    delinquent: integer('delinquent', { mode: 'boolean' }).notNull().default(false),
    deleted: integer('deleted', { mode: 'boolean' }).notNull().default(false),
    livemode: integer('livemode', { mode: 'boolean' }).notNull().default(false),
    created: integer('created').notNull(),
    asOf: integer('as_of').notNull(),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [index('billing_customers_email').on(t.email), index('billing_customers_contact').on(t.contactId)],
);

export const billingProducts = sqliteTable('billing_products', {
  id: text('id').primaryKey(),
  name: text('name'),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  created: integer('created').notNull(),
  asOf: integer('as_of').notNull(),
  updatedAt: text('updated_at').notNull().default(now),
});

export const billingPrices = sqliteTable('billing_prices', {
  id: text('id').primaryKey(),
  productId: text('product_id'),
  nickname: text('nickname'),
  currency: text('currency').notNull(),
  /** Minor units; null for tiered or custom prices. */
  unitAmount: integer('unit_amount'),
  /** day | week | month | year; null for one-time prices. */
  interval: text('interval'),
  intervalCount: integer('interval_count'),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  created: integer('created').notNull(),
  asOf: integer('as_of').notNull(),
  updatedAt: text('updated_at').notNull().default(now),
});

export const billingSubscriptions = sqliteTable(
  'billing_subscriptions',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id').notNull(),
    /** incomplete | incomplete_expired | trialing | active | past_due | canceled | unpaid | paused */
    status: text('status').notNull(),
    /** The first item's price and quantity (the usual one-item subscription). */
    priceId: text('price_id'),
    quantity: integer('quantity').notNull().default(1),
    currency: text('currency').notNull(),
    /** Every item normalised to a month, minor units (MRR counts it while the status is active or past_due). */
    mrr: integer('mrr').notNull().default(0),
    currentPeriodStart: integer('current_period_start'),
    currentPeriodEnd: integer('current_period_end'),
    cancelAt: integer('cancel_at'),
    cancelAtPeriodEnd: integer('cancel_at_period_end', { mode: 'boolean' }).notNull().default(false),
    canceledAt: integer('canceled_at'),
    endedAt: integer('ended_at'),
    startDate: integer('start_date').notNull(),
    /** pause_collection.behavior, or null. */
    pauseBehavior: text('pause_behavior'),
    /** subscription.started was recorded (or the row came with the first import). */
    startedRecorded: integer('started_recorded', { mode: 'boolean' }).notNull().default(false),
    created: integer('created').notNull(),
    asOf: integer('as_of').notNull(),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [index('billing_subscriptions_customer').on(t.customerId), index('billing_subscriptions_status').on(t.status), index('billing_subscriptions_ended').on(t.endedAt)],
);

export const billingInvoices = sqliteTable(
  'billing_invoices',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id'),
    subscriptionId: text('subscription_id'),
    number: text('number'),
    /** draft | open | paid | uncollectible | void */
    status: text('status').notNull(),
    currency: text('currency').notNull(),
    amountDue: integer('amount_due').notNull(),
    amountPaid: integer('amount_paid').notNull(),
    amountRemaining: integer('amount_remaining').notNull(),
    attemptCount: integer('attempt_count').notNull().default(0),
    hostedInvoiceUrl: text('hosted_invoice_url'),
    dueDate: integer('due_date'),
    nextPaymentAttempt: integer('next_payment_attempt'),
    paidAt: integer('paid_at'),
    /** When Baton first saw a payment of it fail (unix seconds): the recovery rate counts these invoices. */
    firstFailedAt: integer('first_failed_at'),
    /** The highest attempt for which payment.failed was recorded (each failed attempt is recorded once). */
    failedRecorded: integer('failed_recorded').notNull().default(0),
    paidRecorded: integer('paid_recorded', { mode: 'boolean' }).notNull().default(false),
    /** When invoice.overdue was recorded (once per invoice). */
    overdueRecordedAt: integer('overdue_recorded_at'),
    created: integer('created').notNull(),
    asOf: integer('as_of').notNull(),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    index('billing_invoices_customer').on(t.customerId),
    index('billing_invoices_status_due').on(t.status, t.dueDate),
    index('billing_invoices_failed').on(t.firstFailedAt),
  ],
);

/** Charges: what was paid, and refunded. */
export const billingCharges = sqliteTable(
  'billing_charges',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id'),
    paymentIntent: text('payment_intent'),
    amount: integer('amount').notNull(),
    amountRefunded: integer('amount_refunded').notNull().default(0),
    currency: text('currency').notNull(),
    /** succeeded | pending | failed */
    status: text('status').notNull(),
    refunded: integer('refunded', { mode: 'boolean' }).notNull().default(false),
    created: integer('created').notNull(),
    asOf: integer('as_of').notNull(),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [index('billing_charges_created').on(t.created), index('billing_charges_customer').on(t.customerId)],
);

/**
 * Checkout Sessions of one-time sales (mode=payment, no invoice): the sale
 * that records payment.succeeded once (`paid_recorded`). The money itself is
 * the session's charge in billing_charges (what finance counts); these rows
 * are never summed as income.
 */
export const billingCheckouts = sqliteTable(
  'billing_checkouts',
  {
    id: text('id').primaryKey(),
    paymentIntent: text('payment_intent'),
    customerId: text('customer_id'),
    /** customer_details.email, normalised. */
    email: text('email'),
    contactId: integer('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    mode: text('mode').notNull(),
    /** paid | unpaid | no_payment_required */
    paymentStatus: text('payment_status').notNull(),
    /** The invoice Checkout created (invoice_creation): that invoice records the payment instead. */
    invoiceId: text('invoice_id'),
    amountTotal: integer('amount_total').notNull(),
    currency: text('currency').notNull(),
    /** JSON array of the Stripe price ids of its line items. */
    priceIds: text('price_ids').notNull().default('[]'),
    paidRecorded: integer('paid_recorded', { mode: 'boolean' }).notNull().default(false),
    created: integer('created').notNull(),
    asOf: integer('as_of').notNull(),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [index('billing_checkouts_payment_intent').on(t.paymentIntent), index('billing_checkouts_customer').on(t.customerId)],
);

/** Every Stripe event Baton has handled (webhook or reconcile): an event id is applied once. */
export const billingEventLedger = sqliteTable(
  'billing_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    /** The event's `created` (unix seconds). */
    created: integer('created').notNull(),
    /** webhook | reconcile */
    source: text('source').notNull(),
    /** applied | stale (older than the mirror) | ignored (a type Baton does not mirror) */
    outcome: text('outcome').notNull(),
    receivedAt: text('received_at').notNull().default(now),
  },
  (t) => [index('billing_events_created').on(t.created)],
);

/** Reconcile cursors (per object type and for events) and the last reconcile's result. */
export const billingState = sqliteTable('billing_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull().default(now),
});
