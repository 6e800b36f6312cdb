/**
 * The billing repository: every SQL statement of the Stripe mirror
 * (electron/core/db/schema/billing.ts), prepared once per connection.
 * Callers own the transaction.
 */
import type { Statement } from 'better-sqlite3';
import { parseStored } from '../db/integrity';
import type { Sqlite } from '../db/open';
import { threadService, type ThreadEnv } from '../env';

export interface CustomerRow {
  id: string;
  email: string | null;
  name: string | null;
  contact_id: number | null;
  company_id: number | null;
  delinquent: number;
  deleted: number;
  livemode: number;
  created: number;
  as_of: number;
}
export interface ProductRow {
  id: string;
  name: string | null;
  active: number;
  created: number;
  as_of: number;
}
export interface PriceRow {
  id: string;
  product_id: string | null;
  nickname: string | null;
  currency: string;
  unit_amount: number | null;
  interval: string | null;
  interval_count: number | null;
  active: number;
  created: number;
  as_of: number;
}
export interface SubscriptionRow {
  id: string;
  customer_id: string;
  status: string;
  price_id: string | null;
  quantity: number;
  currency: string;
  mrr: number;
  current_period_start: number | null;
  current_period_end: number | null;
  cancel_at: number | null;
  cancel_at_period_end: number;
  canceled_at: number | null;
  ended_at: number | null;
  start_date: number;
  pause_behavior: string | null;
  started_recorded: number;
  created: number;
  as_of: number;
}
export interface InvoiceRow {
  id: string;
  customer_id: string | null;
  subscription_id: string | null;
  number: string | null;
  status: string;
  currency: string;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  attempt_count: number;
  hosted_invoice_url: string | null;
  due_date: number | null;
  next_payment_attempt: number | null;
  paid_at: number | null;
  first_failed_at: number | null;
  failed_recorded: number;
  paid_recorded: number;
  overdue_recorded_at: number | null;
  created: number;
  as_of: number;
}
export interface ChargeRow {
  id: string;
  customer_id: string | null;
  payment_intent: string | null;
  amount: number;
  amount_refunded: number;
  currency: string;
  status: string;
  refunded: number;
  created: number;
  as_of: number;
}
export interface CheckoutRow {
  id: string;
  payment_intent: string | null;
  customer_id: string | null;
  email: string | null;
  contact_id: number | null;
  mode: string;
  payment_status: string;
  invoice_id: string | null;
  amount_total: number;
  currency: string;
  /** JSON array of price ids. */
  price_ids: string;
  paid_recorded: number;
  created: number;
  as_of: number;
}

const cols = <T extends object>(row: T): { names: string; marks: string; sets: string; values: unknown[] } => {
  const keys = Object.keys(row);
  return {
    names: keys.join(', '),
    marks: keys.map(() => '?').join(', '),
    sets: keys.filter((k) => k !== 'id').map((k) => `${k} = excluded.${k}`).join(', '),
    values: keys.map((k) => (row as Record<string, unknown>)[k]),
  };
};

export class BillingStore {
  private cache = new Map<string, Statement>();
  constructor(readonly db: Sqlite) {}

  stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  private upsert(table: string, row: object): void {
    const c = cols(row);
    this.stmt(`INSERT INTO ${table} (${c.names}, updated_at) VALUES (${c.marks}, strftime('%Y-%m-%dT%H:%M:%fZ','now')) ON CONFLICT(id) DO UPDATE SET ${c.sets}, updated_at = excluded.updated_at`).run(...(c.values as never[]));
  }

  customer(id: string): CustomerRow | undefined {
    return this.stmt('SELECT * FROM billing_customers WHERE id = ?').get(id) as CustomerRow | undefined;
  }
  putCustomer(r: CustomerRow): void {
    this.upsert('billing_customers', r);
  }
  product(id: string): ProductRow | undefined {
    return this.stmt('SELECT * FROM billing_products WHERE id = ?').get(id) as ProductRow | undefined;
  }
  putProduct(r: ProductRow): void {
    this.upsert('billing_products', r);
  }
  price(id: string): PriceRow | undefined {
    return this.stmt('SELECT * FROM billing_prices WHERE id = ?').get(id) as PriceRow | undefined;
  }
  putPrice(r: PriceRow): void {
    this.upsert('billing_prices', r);
  }
  subscription(id: string): SubscriptionRow | undefined {
    return this.stmt('SELECT * FROM billing_subscriptions WHERE id = ?').get(id) as SubscriptionRow | undefined;
  }
  putSubscription(r: SubscriptionRow): void {
    this.upsert('billing_subscriptions', r);
  }
  /** Other subscriptions of the customer that still bill (not canceled or expired). */
  liveSubscriptionsOf(customerId: string, except: string): number {
    return (
      this.stmt(`SELECT COUNT(*) AS n FROM billing_subscriptions WHERE customer_id = ? AND id <> ? AND status NOT IN ('canceled', 'incomplete_expired')`).get(customerId, except) as { n: number }
    ).n;
  }
  invoice(id: string): InvoiceRow | undefined {
    return this.stmt('SELECT * FROM billing_invoices WHERE id = ?').get(id) as InvoiceRow | undefined;
  }
  putInvoice(r: InvoiceRow): void {
    this.upsert('billing_invoices', r);
  }
  charge(id: string): ChargeRow | undefined {
    return this.stmt('SELECT * FROM billing_charges WHERE id = ?').get(id) as ChargeRow | undefined;
  }
  putCharge(r: ChargeRow): void {
    this.upsert('billing_charges', r);
  }
  checkout(id: string): CheckoutRow | undefined {
    return this.stmt('SELECT * FROM billing_checkouts WHERE id = ?').get(id) as CheckoutRow | undefined;
  }
  putCheckout(r: CheckoutRow): void {
    this.upsert('billing_checkouts', r);
  }

  /** Record a Stripe event id; false when it was handled before (nothing to do). */
  claimEvent(id: string, type: string, created: number, source: 'webhook' | 'reconcile'): boolean {
    return this.stmt(`INSERT INTO billing_events (id, type, created, source, outcome) VALUES (?, ?, ?, ?, 'applied') ON CONFLICT(id) DO NOTHING`).run(id, type, created, source).changes > 0;
  }
  eventOutcome(id: string, outcome: 'applied' | 'stale' | 'ignored'): void {
    this.stmt('UPDATE billing_events SET outcome = ? WHERE id = ?').run(outcome, id);
  }
  hasEvent(id: string): boolean {
    return this.stmt('SELECT 1 FROM billing_events WHERE id = ?').get(id) !== undefined;
  }

  state<T>(key: string, fallback: T): T {
    const r = this.stmt('SELECT value FROM billing_state WHERE key = ?').get(key) as { value: string } | undefined;
    return r ? parseStored<T>(r.value, 'billing_state.value', key) : fallback;
  }
  setState(key: string, value: unknown): void {
    this.stmt(
      `INSERT INTO billing_state (key, value, updated_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ).run(key, JSON.stringify(value));
  }

  /** Open invoices past their due date for which invoice.overdue was not recorded yet. */
  newlyOverdue(nowSec: number, limit: number): InvoiceRow[] {
    return this.stmt(`SELECT * FROM billing_invoices WHERE status = 'open' AND due_date IS NOT NULL AND due_date < ? AND overdue_recorded_at IS NULL ORDER BY due_date LIMIT ?`).all(nowSec, limit) as InvoiceRow[];
  }
  markOverdue(id: string, at: number): void {
    this.stmt('UPDATE billing_invoices SET overdue_recorded_at = ? WHERE id = ?').run(at, id);
  }
}

/** The billing repository of a thread (its statements live as long as the thread's connection). */
export const BILLING_STORE = threadService('billing.store', (env) => new BillingStore(env.db));

export function billingStoreOf(env: Pick<ThreadEnv, 'get'>): BillingStore {
  return env.get(BILLING_STORE);
}
