/**
 * Money KPIs from the mirror (docs/billing.md, "KPIs"), and the lists of the
 * Billing page. Read-only; ranges are UTC days, inclusive.
 *
 * - MRR (now): every subscription that bills (active or past_due, collection
 *   not paused), each item's price × quantity normalised to a month.
 * - Net revenue (range): succeeded charges created in the range minus what
 *   was refunded of them.
 * - Failed-payment recovery rate (range): of the invoices whose payment first
 *   failed in the range, the share that is paid now.
 * - Churn (range): of the subscriptions that had started and not ended at the
 *   start of the range, the share that ended in it.
 */
import type { BillingKpi, OpInput, OpOutput } from '../../../shared/api';
import type { Core } from '../core';
import type { ThreadEnv } from '../env';
import { likeEscape } from '../crm/util';
import { toMajor } from './money';
import { billingStoreOf, type CheckoutRow } from './store';

const BILLING = `status IN ('active', 'past_due') AND pause_behavior IS NULL`;
const sec = (day: string, end = false) => Math.floor(Date.parse(`${day}T${end ? '23:59:59' : '00:00:00'}Z`) / 1000);
const iso = (s: number | null): string | null => (s === null ? null : new Date(s * 1000).toISOString());
const pct = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 1000) / 10);

export function billingKpi(core: Pick<ThreadEnv, 'get'>, from: string, to: string): BillingKpi {
  const st = billingStoreOf(core);
  const f = sec(from);
  const t = sec(to, true);
  const mrr = st.stmt(`SELECT currency, SUM(mrr) AS m FROM billing_subscriptions WHERE ${BILLING} GROUP BY currency`).all() as { currency: string; m: number }[];
  const pay = st.stmt(`SELECT currency, SUM(amount) AS paid, SUM(amount_refunded) AS refunded FROM billing_charges WHERE status = 'succeeded' AND created BETWEEN ? AND ? GROUP BY currency`).all(f, t) as {
    currency: string;
    paid: number;
    refunded: number;
  }[];
  const byCur = new Map<string, { currency: string; mrr: number; payments: number; refunds: number; netRevenue: number }>();
  const row = (c: string) => {
    let r = byCur.get(c);
    if (!r) byCur.set(c, (r = { currency: c.toUpperCase(), mrr: 0, payments: 0, refunds: 0, netRevenue: 0 }));
    return r;
  };
  for (const m of mrr) row(m.currency).mrr = toMajor(m.m, m.currency);
  for (const p of pay) {
    const r = row(p.currency);
    r.payments = toMajor(p.paid, p.currency);
    r.refunds = toMajor(p.refunded, p.currency);
    r.netRevenue = toMajor(p.paid - p.refunded, p.currency);
  }
  const rec = st.stmt(`SELECT COUNT(*) AS failed, COALESCE(SUM(status = 'paid'), 0) AS recovered FROM billing_invoices WHERE first_failed_at BETWEEN ? AND ?`).get(f, t) as { failed: number; recovered: number };
  const churn = st
    .stmt(
      `SELECT COUNT(*) AS active, COALESCE(SUM(ended_at IS NOT NULL AND ended_at <= ?), 0) AS ended FROM billing_subscriptions
       WHERE start_date < ? AND (ended_at IS NULL OR ended_at >= ?) AND status NOT IN ('incomplete', 'incomplete_expired')`,
    )
    .get(t, f, f) as { active: number; ended: number };
  const active = (st.stmt(`SELECT COUNT(*) AS n FROM billing_subscriptions WHERE ${BILLING}`).get() as { n: number }).n;
  const clients = st
    .stmt(
      `WITH m AS (SELECT customer_id, currency, SUM(mrr) AS mrr FROM billing_subscriptions WHERE ${BILLING} GROUP BY customer_id, currency),
            r AS (SELECT customer_id, currency, SUM(amount - amount_refunded) AS net FROM billing_charges WHERE status = 'succeeded' AND created BETWEEN ? AND ? GROUP BY customer_id, currency),
            o AS (SELECT customer_id, currency, SUM(amount_remaining) AS open, SUM(first_failed_at IS NOT NULL) AS failed FROM billing_invoices WHERE status IN ('open', 'uncollectible') GROUP BY customer_id, currency),
            k AS (SELECT customer_id, currency FROM m UNION SELECT customer_id, currency FROM r UNION SELECT customer_id, currency FROM o)
       SELECT k.customer_id AS id, k.currency, cu.email, cu.name, cu.contact_id, COALESCE(m.mrr, 0) AS mrr, COALESCE(r.net, 0) AS net, COALESCE(o.open, 0) AS open, COALESCE(o.failed, 0) AS failed
       FROM k JOIN billing_customers cu ON cu.id = k.customer_id
       LEFT JOIN m ON m.customer_id = k.customer_id AND m.currency = k.currency
       LEFT JOIN r ON r.customer_id = k.customer_id AND r.currency = k.currency
       LEFT JOIN o ON o.customer_id = k.customer_id AND o.currency = k.currency
       ORDER BY COALESCE(m.mrr, 0) DESC, COALESCE(r.net, 0) DESC, COALESCE(o.open, 0) DESC, k.customer_id LIMIT 20`,
    )
    .all(f, t) as { id: string; currency: string; email: string | null; name: string | null; contact_id: number | null; mrr: number; net: number; open: number; failed: number }[];
  return {
    range: { from, to },
    currencies: [...byCur.values()].sort((a, b) => b.mrr - a.mrr || b.netRevenue - a.netRevenue || a.currency.localeCompare(b.currency)),
    recovery: { failed: rec.failed, recovered: rec.recovered, rate: pct(rec.recovered, rec.failed) },
    churn: { activeAtStart: churn.active, canceled: churn.ended, rate: pct(churn.ended, churn.active) },
    activeSubscriptions: active,
    clients: clients.map((c) => ({
      customerId: c.id,
      email: c.email,
      name: c.name,
      contactId: c.contact_id,
      currency: c.currency.toUpperCase(),
      mrr: toMajor(c.mrr, c.currency),
      netRevenue: toMajor(c.net, c.currency),
      openAmount: toMajor(c.open, c.currency),
      failedInvoices: c.failed,
    })),
  };
}

export function listCustomers(core: Core, i: OpInput<'billing.customers.list'>): OpOutput<'billing.customers.list'> {
  const st = billingStoreOf(core);
  const q = i.search?.trim();
  const where = q ? `WHERE (cu.email LIKE ? ESCAPE '\\' OR cu.name LIKE ? ESCAPE '\\' OR cu.id = ?)` : '';
  const args = q ? [`%${likeEscape(q)}%`, `%${likeEscape(q)}%`, q] : [];
  const total = (st.stmt(`SELECT COUNT(*) AS n FROM billing_customers cu ${where}`).get(...args) as { n: number }).n;
  const rows = st
    .stmt(
      `SELECT cu.*, (SELECT json_group_array(json_object('currency', currency, 'mrr', m)) FROM (SELECT currency, SUM(mrr) AS m FROM billing_subscriptions s WHERE s.customer_id = cu.id AND ${BILLING} GROUP BY currency)) AS mrr_json,
              (SELECT COUNT(*) FROM billing_subscriptions s WHERE s.customer_id = cu.id AND s.status NOT IN ('canceled', 'incomplete_expired')) AS subs,
              (SELECT COUNT(*) FROM billing_invoices v WHERE v.customer_id = cu.id AND v.status = 'open') AS open_invoices
       FROM billing_customers cu ${where} ORDER BY cu.created DESC, cu.id LIMIT ? OFFSET ?`,
    )
    .all(...args, i.limit ?? 50, i.offset ?? 0) as {
    id: string;
    email: string | null;
    name: string | null;
    contact_id: number | null;
    delinquent: number;
    created: number;
    mrr_json: string;
    subs: number;
    open_invoices: number;
  }[];
  return {
    total,
    rows: rows.map((r) => ({
      id: r.id,
      email: r.email,
      name: r.name,
      contactId: r.contact_id,
      delinquent: !!r.delinquent,
      mrr: (JSON.parse(r.mrr_json) as { currency: string; mrr: number }[]).filter((m) => m.currency).map((m) => ({ currency: m.currency.toUpperCase(), amount: toMajor(m.mrr, m.currency) })),
      subscriptions: r.subs,
      openInvoices: r.open_invoices,
      created: iso(r.created) ?? '',
    })),
  };
}

export function listSubscriptions(core: Core, i: OpInput<'billing.subscriptions.list'>): OpOutput<'billing.subscriptions.list'> {
  const st = billingStoreOf(core);
  const conds: string[] = [];
  const args: unknown[] = [];
  if (i.status) {
    conds.push('s.status = ?');
    args.push(i.status);
  }
  if (i.customerId) {
    conds.push('s.customer_id = ?');
    args.push(i.customerId);
  }
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const total = (st.stmt(`SELECT COUNT(*) AS n FROM billing_subscriptions s ${where}`).get(...args) as { n: number }).n;
  const rows = st
    .stmt(
      `SELECT s.*, cu.email, cu.name, pr.name AS product FROM billing_subscriptions s
       LEFT JOIN billing_customers cu ON cu.id = s.customer_id LEFT JOIN billing_prices p ON p.id = s.price_id LEFT JOIN billing_products pr ON pr.id = p.product_id
       ${where} ORDER BY s.created DESC, s.id LIMIT ? OFFSET ?`,
    )
    .all(...args, i.limit ?? 50, i.offset ?? 0) as {
    id: string;
    customer_id: string;
    email: string | null;
    name: string | null;
    status: string;
    price_id: string | null;
    product: string | null;
    quantity: number;
    currency: string;
    mrr: number;
    current_period_end: number | null;
    cancel_at: number | null;
    pause_behavior: string | null;
    start_date: number;
    ended_at: number | null;
  }[];
  return {
    total,
    rows: rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      email: r.email,
      name: r.name,
      status: r.status,
      priceId: r.price_id,
      product: r.product,
      quantity: r.quantity,
      mrr: { currency: r.currency.toUpperCase(), amount: toMajor(r.mrr, r.currency) },
      currentPeriodEnd: iso(r.current_period_end),
      cancelAt: iso(r.cancel_at),
      paused: r.pause_behavior !== null,
      started: iso(r.start_date) ?? '',
      endedAt: iso(r.ended_at),
    })),
  };
}

export function listInvoices(core: Core, i: OpInput<'billing.invoices.list'>): OpOutput<'billing.invoices.list'> {
  const st = billingStoreOf(core);
  const conds: string[] = [];
  const args: unknown[] = [];
  if (i.status === 'failed') conds.push(`v.status IN ('open', 'uncollectible') AND v.first_failed_at IS NOT NULL`);
  else if (i.status) {
    conds.push('v.status = ?');
    args.push(i.status);
  }
  if (i.customerId) {
    conds.push('v.customer_id = ?');
    args.push(i.customerId);
  }
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const total = (st.stmt(`SELECT COUNT(*) AS n FROM billing_invoices v ${where}`).get(...args) as { n: number }).n;
  const rows = st
    .stmt(`SELECT v.*, cu.email, cu.name FROM billing_invoices v LEFT JOIN billing_customers cu ON cu.id = v.customer_id ${where} ORDER BY v.created DESC, v.id LIMIT ? OFFSET ?`)
    .all(...args, i.limit ?? 50, i.offset ?? 0) as {
    id: string;
    number: string | null;
    customer_id: string | null;
    email: string | null;
    name: string | null;
    status: string;
    currency: string;
    amount_due: number;
    amount_paid: number;
    attempt_count: number;
    hosted_invoice_url: string | null;
    due_date: number | null;
    first_failed_at: number | null;
    paid_at: number | null;
    created: number;
  }[];
  return {
    total,
    rows: rows.map((r) => ({
      id: r.id,
      number: r.number,
      customerId: r.customer_id,
      email: r.email,
      name: r.name,
      status: r.status,
      amountDue: { currency: r.currency.toUpperCase(), amount: toMajor(r.amount_due, r.currency) },
      amountPaid: toMajor(r.amount_paid, r.currency),
      attemptCount: r.attempt_count,
      hostedInvoiceUrl: r.hosted_invoice_url,
      dueDate: iso(r.due_date),
      failedAt: iso(r.first_failed_at),
      paidAt: iso(r.paid_at),
      created: iso(r.created) ?? '',
    })),
  };
}

/**
 * Checkout Sessions, newest first: the buyer (and the contact), the Stripe
 * products of their line items, the amount, the payment status, and the
 * grants the products domain made for the sale (matched by the sale id a
 * grant keeps: the payment intent, the session for a free one, the invoice
 * when Checkout created one).
 */
export function listCheckouts(core: Core, i: OpInput<'billing.checkouts.list'>): OpOutput<'billing.checkouts.list'> {
  const st = billingStoreOf(core);
  const where = i.status ? 'WHERE k.payment_status = ?' : '';
  const args: unknown[] = i.status ? [i.status] : [];
  const total = (st.stmt(`SELECT COUNT(*) AS n FROM billing_checkouts k ${where}`).get(...args) as { n: number }).n;
  const rows = st
    .stmt(
      `SELECT k.*, TRIM(COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '')) AS contact_name, cu.name AS customer_name
       FROM billing_checkouts k LEFT JOIN contacts c ON c.id = k.contact_id LEFT JOIN billing_customers cu ON cu.id = k.customer_id
       ${where} ORDER BY k.created DESC, k.id LIMIT ? OFFSET ?`,
    )
    .all(...args, i.limit ?? 50, i.offset ?? 0) as (CheckoutRow & { contact_name: string | null; customer_name: string | null })[];
  const product = st.stmt('SELECT COALESCE(pd.name, pr.product_id) AS name FROM billing_prices pr LEFT JOIN billing_products pd ON pd.id = pr.product_id WHERE pr.id = ?');
  const grants = st.stmt(
    `SELECT g.id, g.product_id, COALESCE(p.name, g.product_id) AS name, g.status FROM product_grants g LEFT JOIN products p ON p.id = g.product_id
     WHERE g.source = 'stripe' AND g.sale_id IN (?, ?) ORDER BY g.id`,
  );
  const parse = (s: string): string[] => {
    try {
      const v = JSON.parse(s) as unknown;
      return Array.isArray(v) ? v.map(String) : [];
    } catch {
      return [];
    }
  };
  return {
    total,
    rows: rows.map((r) => {
      const names = [...new Set(parse(r.price_ids).map((id) => (product.get(id) as { name: string | null } | undefined)?.name ?? id))];
      const sale = r.invoice_id ?? r.payment_intent ?? r.id;
      const g = grants.all(sale, r.id) as { id: number; product_id: string; name: string; status: string }[];
      return {
        id: r.id,
        created: iso(r.created) ?? '',
        email: r.email,
        name: r.contact_name || r.customer_name || null,
        contactId: r.contact_id,
        customerId: r.customer_id,
        mode: r.mode,
        paymentStatus: r.payment_status,
        amount: { currency: r.currency.toUpperCase(), amount: toMajor(r.amount_total, r.currency) },
        free: r.payment_status === 'no_payment_required' && r.amount_total === 0,
        products: names,
        recorded: r.paid_recorded === 1,
        invoiceId: r.invoice_id,
        granted: g.map((x) => ({ grantId: x.id, productId: x.product_id, productName: x.name, status: x.status })),
      };
    }),
  };
}
