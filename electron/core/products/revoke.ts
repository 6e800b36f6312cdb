/**
 * Which grants a refunded Stripe charge paid for. Stripe's charge does not
 * name its invoice in the API versions Baton reads, so the paid invoice of the
 * same customer with the charge's amount, paid closest to the charge (within
 * two days), is taken; then the grants of that invoice. When no invoice
 * matches, the customer's active Stripe grants of that amount. A one-time
 * Checkout sale's grant has the charge's payment intent as its sale id: that
 * is matched first.
 */
import type { Sqlite } from '../db/open';

export function grantsOfCharge(db: Sqlite, chargeId: string): number[] {
  const ch = db.prepare('SELECT customer_id, payment_intent, amount, created FROM billing_charges WHERE id = ?').get(chargeId) as
    | { customer_id: string | null; payment_intent: string | null; amount: number; created: number }
    | undefined;
  if (!ch) return [];
  if (ch.payment_intent) {
    const sold = db.prepare(`SELECT id FROM product_grants WHERE source = 'stripe' AND sale_id = ? AND status = 'active'`).all(ch.payment_intent) as { id: number }[];
    if (sold.length) return sold.map((r) => r.id);
  }
  if (!ch.customer_id) return [];
  const inv = db
    .prepare(
      `SELECT id FROM billing_invoices WHERE customer_id = ? AND status = 'paid' AND amount_paid = ? AND ABS(COALESCE(paid_at, created) - ?) <= 172800
       ORDER BY ABS(COALESCE(paid_at, created) - ?) LIMIT 1`,
    )
    .get(ch.customer_id, ch.amount, ch.created, ch.created) as { id: string } | undefined;
  const rows = inv
    ? (db.prepare(`SELECT id FROM product_grants WHERE source = 'stripe' AND sale_id = ? AND status = 'active'`).all(inv.id) as { id: number }[])
    : (db.prepare(`SELECT id FROM product_grants WHERE source = 'stripe' AND customer_id = ? AND amount_minor = ? AND status = 'active'`).all(ch.customer_id, ch.amount) as { id: number }[]);
  return rows.map((r) => r.id);
}
