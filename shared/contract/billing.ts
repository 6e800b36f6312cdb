/**
 * Billing (Stripe): the mirror of customers, products, prices, subscriptions,
 * invoices and charges kept from Stripe's webhooks and a reconcile job, the
 * events workflows start on (payment.failed …), and the money KPIs.
 * docs/billing.md.
 */
import { z } from 'zod';
import { Empty, eventType, op } from './base';

/** The secret holding the Stripe API key (sk_live_…, sk_test_… or a restricted rk_…). */
export const STRIPE_SECRET_KEY = 'STRIPE_SECRET_KEY';
/** The secret holding the webhook endpoint's signing secret (whsec_…). */
export const STRIPE_WEBHOOK_SECRET = 'STRIPE_WEBHOOK_SECRET';
/** Where Stripe posts events (below the public address of this Baton). */
export const STRIPE_WEBHOOK_PATH = '/hooks/stripe';
/** The Stripe event types Baton mirrors (the webhook endpoint should send these). */
export const STRIPE_EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'product.created',
  'product.updated',
  'price.created',
  'price.updated',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.created',
  'invoice.finalized',
  'invoice.updated',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'charge.succeeded',
  'charge.failed',
  'charge.refunded',
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
] as const;

const Day = z.iso.date({ error: 'use a date such as 2025-03-01' });
export const BillingRange = z
  .object({ from: Day, to: Day })
  .strict()
  .refine((r) => r.from <= r.to, { error: 'from must be on or before to', path: ['to'] });

const Page = { limit: z.number().int().min(1).max(500).default(50), offset: z.number().int().min(0).default(0) };
const Money = z.object({ currency: z.string(), amount: z.number() });

export const ReconcileCounts = z.object({
  customers: z.number().int(),
  products: z.number().int(),
  prices: z.number().int(),
  subscriptions: z.number().int(),
  invoices: z.number().int(),
  charges: z.number().int(),
  /** Stripe events read from the events list that Baton had not seen (missed webhooks). */
  events: z.number().int(),
});
export type ReconcileCounts = z.infer<typeof ReconcileCounts>;

export const ReconcileResult = z.object({
  /** The first reconcile imports what Stripe holds without recording events (no workflow starts for history). */
  baseline: z.boolean(),
  counts: ReconcileCounts,
  /** Objects read from Stripe, all types. */
  objects: z.number().int(),
  /** Events recorded for workflows (payment.failed …) by this reconcile. */
  recorded: z.number().int(),
  durationMs: z.number(),
  at: z.string(),
});
export type ReconcileResult = z.infer<typeof ReconcileResult>;

export const BillingStatus = z.object({
  /** STRIPE_SECRET_KEY is stored (never returned). */
  keyStored: z.boolean(),
  /** test | live | restricted-test | restricted-live, from the key's prefix; null without a key. */
  keyMode: z.string().nullable(),
  webhookSecretStored: z.boolean(),
  webhookPath: z.string(),
  /** The full webhook address to give Stripe (from email.publicUrl), or null when unknown. */
  webhookUrl: z.string().nullable(),
  eventTypes: z.array(z.string()),
  lastReconcile: z
    .object({ at: z.string(), ok: z.boolean(), message: z.string().nullable(), result: ReconcileResult.nullable() })
    .nullable(),
  lastWebhookAt: z.string().nullable(),
  counts: z.object({ customers: z.number().int(), subscriptions: z.number().int(), invoices: z.number().int(), charges: z.number().int() }),
  reconcileEveryMinutes: z.number().int(),
});
export type BillingStatus = z.infer<typeof BillingStatus>;

export const BillingClient = z.object({
  customerId: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  contactId: z.number().int().nullable(),
  currency: z.string(),
  /** Monthly recurring revenue now, major units. */
  mrr: z.number(),
  /** Payments minus refunds in the range, major units. */
  netRevenue: z.number(),
  /** Unpaid on open invoices now, major units. */
  openAmount: z.number(),
  failedInvoices: z.number().int(),
});

export const BillingKpi = z.object({
  range: z.object({ from: z.string(), to: z.string() }),
  /** Per currency: MRR now, and payments, refunds and net revenue in the range (major units). */
  currencies: z.array(z.object({ currency: z.string(), mrr: z.number(), payments: z.number(), refunds: z.number(), netRevenue: z.number() })),
  /** Invoices whose payment first failed in the range, and how many of them are paid now. */
  recovery: z.object({ failed: z.number().int(), recovered: z.number().int(), rate: z.number().nullable() }),
  /** Subscriptions active at the start of the range, and those of them that ended in it. */
  churn: z.object({ activeAtStart: z.number().int(), canceled: z.number().int(), rate: z.number().nullable() }),
  activeSubscriptions: z.number().int(),
  /** The clients with the most MRR (then net revenue), at most 20. */
  clients: z.array(BillingClient),
});
export type BillingKpi = z.infer<typeof BillingKpi>;

const CustomerRow = z.object({
  id: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  contactId: z.number().int().nullable(),
  delinquent: z.boolean(),
  mrr: z.array(Money),
  subscriptions: z.number().int(),
  openInvoices: z.number().int(),
  created: z.string(),
});
const SubscriptionRow = z.object({
  id: z.string(),
  customerId: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  status: z.string(),
  priceId: z.string().nullable(),
  product: z.string().nullable(),
  quantity: z.number().int(),
  mrr: Money,
  currentPeriodEnd: z.string().nullable(),
  cancelAt: z.string().nullable(),
  paused: z.boolean(),
  started: z.string(),
  endedAt: z.string().nullable(),
});
const InvoiceRow = z.object({
  id: z.string(),
  number: z.string().nullable(),
  customerId: z.string().nullable(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  status: z.string(),
  amountDue: Money,
  amountPaid: z.number(),
  attemptCount: z.number().int(),
  hostedInvoiceUrl: z.string().nullable(),
  dueDate: z.string().nullable(),
  failedAt: z.string().nullable(),
  paidAt: z.string().nullable(),
  created: z.string(),
});
export type BillingInvoiceRow = z.infer<typeof InvoiceRow>;
/** A Checkout Session as the Billing page lists it (docs/billing.md, "Checkout sessions"). */
const CheckoutRow = z.object({
  id: z.string(),
  created: z.string(),
  /** The buyer's e-mail (customer_details) and, when linked, the CRM contact's name. */
  email: z.string().nullable(),
  name: z.string().nullable(),
  contactId: z.number().int().nullable(),
  customerId: z.string().nullable(),
  /** payment (one-time) or subscription / setup. */
  mode: z.string(),
  /** Stripe's payment_status: paid, unpaid (a delayed method), no_payment_required (free with a coupon). */
  paymentStatus: z.string(),
  amount: Money,
  /** Paid with a 100 % coupon: nothing was charged. */
  free: z.boolean(),
  /** What it sold: the Stripe products of its line items' prices (the price id when the price is not mirrored). */
  products: z.array(z.string()),
  /** Billing recorded its payment.succeeded (a sale without an invoice); a session with an invoice is recorded by its invoice. */
  recorded: z.boolean(),
  invoiceId: z.string().nullable(),
  /** The products access was granted for through this sale (Products), none when nothing was granted. */
  granted: z.array(z.object({ grantId: z.number().int(), productId: z.string(), productName: z.string(), status: z.string() })),
});
export type BillingCheckoutRow = z.infer<typeof CheckoutRow>;

export const billingOps = {
  'billing.status': op('Whether Stripe is connected (keys stored, never shown), the webhook address, the last reconcile and what is mirrored.', Empty, BillingStatus),
  'billing.reconcile': op(
    'Read what changed in Stripe since the last reconcile (paginated list calls and the events list) into the mirror; records the events a missed webhook would have.',
    Empty,
    ReconcileResult,
  ),
  'billing.kpi': op('MRR, net revenue, failed-payment recovery rate and churn for a date range (UTC days, inclusive), and per client.', BillingRange, BillingKpi),
  'billing.customers.list': op(
    'Mirrored Stripe customers with their MRR and open invoices.',
    z.object({ search: z.string().max(200).optional(), ...Page }).strict(),
    z.object({ total: z.number().int(), rows: z.array(CustomerRow) }),
  ),
  'billing.subscriptions.list': op(
    'Mirrored subscriptions, newest first.',
    z.object({ status: z.string().regex(/^[a-z_]{1,32}$/, 'use a Stripe subscription status such as active').optional(), customerId: z.string().max(255).optional(), ...Page }).strict(),
    z.object({ total: z.number().int(), rows: z.array(SubscriptionRow) }),
  ),
  'billing.checkouts.list': op(
    'Mirrored Checkout Sessions (one-time sales through Checkout and Payment Links), newest first, with what each sold and whether access was granted for it.',
    z.object({ status: z.enum(['paid', 'unpaid', 'no_payment_required']).optional(), ...Page }).strict(),
    z.object({ total: z.number().int(), rows: z.array(CheckoutRow) }),
  ),
  'billing.invoices.list': op(
    'Mirrored invoices, newest first (status "failed": open invoices whose payment failed).',
    z.object({ status: z.enum(['draft', 'open', 'paid', 'void', 'uncollectible', 'failed']).optional(), customerId: z.string().max(255).optional(), ...Page }).strict(),
    z.object({ total: z.number().int(), rows: z.array(InvoiceRow) }),
  ),
} as const;

export const billingEvents = {
  /** The mirror changed (a webhook, a reconcile, the overdue scan): pages and KPIs reload. */
  'billing.changed': z.object({ source: z.enum(['webhook', 'reconcile', 'scan']), recorded: z.number().int() }),
} as const;

const Base = {
  /** The Stripe customer; null for a Checkout sale without one (the buyer's contact comes from the session's e-mail). */
  customerId: z.string().nullable(),
  contactId: z.number().int(),
  email: z.string().nullable(),
  name: z.string().nullable(),
};
const PaymentData = z
  .object({
    ...Base,
    invoiceId: z.string(),
    invoiceNumber: z.string().nullable(),
    subscriptionId: z.string().nullable(),
    /** Major units (49.5 for 49.50 USD). */
    amount: z.number(),
    /** Minor units, as Stripe counts (4950). */
    amountMinor: z.number().int(),
    currency: z.string(),
    /** "49.50 USD", ready for an e-mail. */
    amountText: z.string(),
    hostedInvoiceUrl: z.string().nullable(),
    attemptCount: z.number().int(),
    dueDate: z.string().nullable(),
    nextPaymentAttempt: z.string().nullable(),
    /** payment.succeeded and payment.failed: the Stripe prices the invoice bills (products grant access by them). */
    priceIds: z.array(z.string()).optional(),
  })
  .passthrough();
/** payment.succeeded: an invoice's payment, or a one-time Checkout sale (no invoice: invoiceId null, saleId its payment intent). */
const PaidData = PaymentData.extend({
  invoiceId: z.string().nullable(),
  /** What products grant a sale once by: the payment intent (or the session) of a Checkout sale; absent for an invoice (its invoiceId). */
  saleId: z.string().optional(),
  checkoutSessionId: z.string().optional(),
  paymentIntentId: z.string().nullable().optional(),
  /** A Checkout sale that cost nothing (a 100 % coupon: Stripe's payment_status no_payment_required, amount 0): no charge, no payment intent (saleId is the session). */
  free: z.boolean().optional(),
}).passthrough();
const SubscriptionData = z
  .object({
    ...Base,
    subscriptionId: z.string(),
    status: z.string(),
    priceId: z.string().nullable(),
    product: z.string().nullable(),
    quantity: z.number().int(),
    mrr: z.number(),
    currency: z.string(),
    cancelAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    /** subscription.changed: each changed field with its old and new value. */
    changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })).optional(),
  })
  .passthrough();
const RefundData = z
  .object({
    ...Base,
    chargeId: z.string(),
    /** What this refund gave back, major units. */
    amount: z.number(),
    amountMinor: z.number().int(),
    /** Refunded on the charge in all, minor units. */
    totalRefundedMinor: z.number().int(),
    currency: z.string(),
    amountText: z.string(),
    fullyRefunded: z.boolean(),
  })
  .passthrough();

/**
 * Events the billing domain records on the client's CRM contact (the Stripe
 * customer's e-mail), from webhooks or from a reconcile that found what a
 * missed webhook would have said. Each happens once per fact (an invoice's
 * failed attempt, its payment, a subscription's start …), whatever the source.
 */
export const billingEventTypes = {
  'payment.succeeded': eventType('A payment succeeded: an invoice was paid (Stripe invoice.paid), or a one-time Checkout sale without an invoice was paid, or completed for free with a 100 % coupon (checkout.session.completed or async_payment_succeeded; free: true, amount 0).', PaidData, 'contact'),
  'payment.failed': eventType('A payment attempt of an invoice failed (Stripe invoice.payment_failed); once per attempt.', PaymentData, 'contact'),
  'invoice.overdue': eventType('An open invoice is past its due date and unpaid (found by the billing scan); once per invoice.', PaymentData.extend({ daysOverdue: z.number().int() }), 'contact'),
  'subscription.started': eventType('A subscription became active or trialing.', SubscriptionData, 'contact'),
  'subscription.changed': eventType('A subscription changed price, quantity, status, pause or scheduled cancellation.', SubscriptionData, 'contact'),
  'subscription.canceled': eventType('A subscription ended (canceled).', SubscriptionData, 'contact'),
  'charge.refunded': eventType('A charge was refunded, in part or in full.', RefundData, 'contact'),
} as const;
