/**
 * What other domains read of the billing mirror (finance's P&L, client
 * reports): money received per month and client. Read-only; through the
 * billing repository's statements.
 */
import type { ThreadEnv } from '../env';
import { billingStoreOf } from './store';

export interface BillingPayments {
  /** YYYY-MM (UTC) of the charge. */
  month: string;
  /** "company:12" (the customer's contact's company), else "contact:34", else null (no contact). */
  client: string | null;
  /** Upper case (USD). */
  currency: string;
  /** Succeeded charges minus what was refunded of them, minor units. */
  amount: number;
  charges: number;
}

const CLIENT = `CASE WHEN cu.company_id IS NOT NULL THEN 'company:' || cu.company_id WHEN cu.contact_id IS NOT NULL THEN 'contact:' || cu.contact_id END`;

/**
 * Money received in [from, to] (UTC days, inclusive), by month, client and
 * currency: succeeded charges by their creation time minus what was refunded
 * of them (as the billing KPIs count net revenue). `client` narrows to one client.
 */
export function billingPayments(env: Pick<ThreadEnv, 'get'>, q: { from: string; to: string; client?: string | undefined }): BillingPayments[] {
  const st = billingStoreOf(env);
  const f = Math.floor(Date.parse(`${q.from}T00:00:00Z`) / 1000);
  const t = Math.floor(Date.parse(`${q.to}T23:59:59Z`) / 1000);
  const rows = st
    .stmt(
      `SELECT strftime('%Y-%m', ch.created, 'unixepoch') AS month, ${CLIENT} AS client, upper(ch.currency) AS currency,
              SUM(ch.amount - ch.amount_refunded) AS amount, COUNT(*) AS charges
       FROM billing_charges ch LEFT JOIN billing_customers cu ON cu.id = ch.customer_id
       WHERE ch.status = 'succeeded' AND ch.created BETWEEN ? AND ?
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    )
    .all(f, t) as BillingPayments[];
  return q.client === undefined ? rows : rows.filter((r) => r.client === q.client);
}
