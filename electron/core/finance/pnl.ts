/**
 * The P&L (docs/finance.md, "P&L"): per month of a range, in one currency
 * (setting finance.currency; other currencies are listed, not converted):
 *
 *   income   = billing (Stripe charges minus refunds, billingPayments)
 *            + imported money in (income categories, and uncategorised money in)
 *            + approved and paid affiliate commissions (category "Affiliate", docs/affiliate.md)
 *   expenses = imported money out (expense categories, and uncategorised money out)
 *   ai       = Claude spend (USD; counted when the P&L is in USD)
 *   profit   = income - expenses - ai;  tax set-aside = max(0, profit) × finance.taxRate %
 *
 * Rows in an "excluded" category (transfers between own accounts, Stripe
 * payouts that billing already counts) are left out. Per client: its billing
 * income and imported income tagged to it, minus expenses tagged to it, minus
 * the AI spend of its runs. Whole months are read from the monthly summary
 * (finance_monthly, kept by FinanceStore.write); a range of days sums its rows.
 */
import { lazyRequire } from '../lazy';
import type { OpInput, OpOutput, Pnl } from '../../../shared/api';
import { affiliateIncome } from '../affiliate/stats';
import { billingPayments } from '../billing/income';
import { toMajor } from '../billing/money';
import { clientNames } from '../crm/clients';
import type { ThreadEnv } from '../env';
import { refreshAiSpend } from './ai';
import { financeCurrency } from './import';
import { financeStoreOf } from './store';

// Loaded on first use: a CSV import or export, not the start (docs/bench.md, "Memory and start").
const papa = lazyRequire<typeof import('papaparse')>('papaparse');

/** The P&L category of affiliate commissions. */
export const AFFILIATE_CATEGORY = 'Affiliate';

const lastDay = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
};

export function monthsOf(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (;;) {
    const s = `${y}-${String(m).padStart(2, '0')}`;
    if (s > to) break;
    out.push(s);
    if (++m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

interface Line {
  billing: number;
  imported: number;
  expenses: number;
  ai: number;
}
const empty = (): Line => ({ billing: 0, imported: 0, expenses: 0, ai: 0 });

export function taxRate(env: Pick<ThreadEnv, 'setting'>): number {
  const r = Number(env.setting<number | null>('finance.taxRate', 0));
  return Number.isFinite(r) && r >= 0 && r <= 100 ? r : 0;
}

/**
 * The P&L of the months from..to; `days` narrows the bounds to days inside them (the
 * kpi.read node's income, expenses and profit of a week).
 */
export function pnl(env: ThreadEnv, q: { from: string; to: string; currency?: string | undefined; days?: { from: string; to: string } }): Pnl {
  const st = financeStoreOf(env);
  const currency = (q.currency ?? financeCurrency(env)).toUpperCase();
  const dFrom = q.days?.from ?? `${q.from}-01`;
  const dTo = q.days?.to ?? lastDay(q.to);
  const months = monthsOf(q.from, q.to);
  const byMonth = new Map(months.map((m) => [m, empty()]));
  const clients = new Map<string, { income: number; expenses: number; ai: number }>();
  const client = (k: string) => {
    let c = clients.get(k);
    if (!c) clients.set(k, (c = { income: 0, expenses: 0, ai: 0 }));
    return c;
  };
  const kinds = new Map((st.stmt('SELECT name, kind FROM finance_categories').all() as { name: string; kind: string }[]).map((c) => [c.name, c.kind]));
  const kindOf = (category: string | null, pos: number) => (category === null ? (pos ? 'income' : 'expense') : (kinds.get(category) ?? (pos ? 'income' : 'expense')));

  // Imported money: month × category × client × sign. Whole months come from the monthly summary
  // (finance_monthly, kept equal to the rows by FinanceStore.write: a few hundred lines for years of
  // transactions); a range of days (kpi.read's week) sums its rows over the covering index
  // (currency, date, category, client, amount), grouped in the index's own order.
  const cats = new Map<string, { category: string; kind: 'income' | 'expense'; amount: number; transactions: number }>();
  let excluded = 0;
  const rows = (
    q.days
      ? st
          .stmt(
            `SELECT substr(date, 1, 7), category, client, SUM(amount) AS s, SUM(max(amount, 0)) AS sp, COUNT(*) AS n, SUM(amount > 0) AS np
             FROM finance_transactions
             WHERE currency = ? AND date >= ? AND date <= ? GROUP BY date, category, client`,
          )
          .raw()
          .all(currency, dFrom, dTo)
      : st
          .stmt(
            `SELECT month, nullif(category, ''), nullif(client, ''), amount AS s, CASE WHEN positive THEN amount ELSE 0 END AS sp, n, CASE WHEN positive THEN n ELSE 0 END AS np
             FROM finance_monthly WHERE currency = ? AND month >= ? AND month <= ?`,
          )
          .raw()
          .all(currency, q.from, q.to)
  ) as [month: string, category: string | null, client: string | null, s: number, sp: number, n: number, np: number][];
  const add = (m: string, category: string | null, clientKey: string | null, pos: number, s: number, n: number) => {
    const kind = kindOf(category, pos);
    if (clientKey !== null) {
      if (kind === 'income') client(clientKey).income += s;
      else if (kind === 'expense') client(clientKey).expenses -= s;
    }
    const line = byMonth.get(m);
    if (!line) return;
    if (kind === 'excluded') {
      excluded += s;
      return;
    }
    if (kind === 'income') line.imported += s;
    else line.expenses -= s;
    const name = category ?? (pos ? 'Uncategorized income' : 'Uncategorized expenses');
    const c = cats.get(name) ?? { category: name, kind: kind as 'income' | 'expense', amount: 0, transactions: 0 };
    c.amount += kind === 'income' ? s : -s;
    c.transactions += n;
    cats.set(name, c);
  };
  for (const [m, category, clientKey, s, sp, n, np] of rows) {
    if (np) add(m, category, clientKey, 1, sp, np);
    if (n > np) add(m, category, clientKey, 0, s - sp, n - np);
  }

  // Billing income.
  const others = new Map<string, { currency: string; transactions: number; income: number; expenses: number }>();
  const other = (c: string) => {
    let o = others.get(c);
    if (!o) others.set(c, (o = { currency: c, transactions: 0, income: 0, expenses: 0 }));
    return o;
  };
  for (const p of billingPayments(env, { from: dFrom, to: dTo })) {
    if (p.currency !== currency) {
      const o = other(p.currency);
      o.transactions += p.charges;
      o.income += toMajor(p.amount, p.currency);
      continue;
    }
    const line = byMonth.get(p.month);
    if (line) line.billing += p.amount;
    if (p.client) client(p.client).income += p.amount;
  }

  // Affiliate commissions (approved or paid; docs/affiliate.md, "In the P&L"): imported income in the
  // category "Affiliate". The networks' bank payouts are left out by a rule (category "Affiliate payouts", excluded).
  for (const a of affiliateIncome(env, { from: dFrom, to: dTo })) {
    if (a.currency !== currency) {
      const o = other(a.currency);
      o.transactions += a.commissions;
      o.income += toMajor(a.amount, a.currency);
      continue;
    }
    const line = byMonth.get(a.month);
    if (!line) continue;
    line.imported += a.amount;
    const c = cats.get(AFFILIATE_CATEGORY) ?? { category: AFFILIATE_CATEGORY, kind: 'income' as const, amount: 0, transactions: 0 };
    c.amount += a.amount;
    c.transactions += a.commissions;
    cats.set(AFFILIATE_CATEGORY, c);
  }

  // AI spend (USD).
  refreshAiSpend(env);
  const aiRows = st.stmt(`SELECT substr(day, 1, 7) AS m, client, SUM(cost_usd) AS usd FROM finance_ai_daily WHERE day >= ? AND day <= ? GROUP BY 1, 2`).all(dFrom, dTo) as {
    m: string;
    client: string;
    usd: number;
  }[];
  const aiCounted = currency === 'USD';
  let aiUsd = 0;
  for (const r of aiRows) {
    aiUsd += r.usd;
    if (!aiCounted) continue;
    const line = byMonth.get(r.m);
    // AI spend is in dollars; lines are in minor units (cents) until the end.
    if (line) line.ai += r.usd * 100;
    if (r.client) client(r.client).ai += r.usd * 100;
  }

  const oc = (
    q.days
      ? st
          .stmt(
            // Below and above the P&L's currency: two range searches of the index, not a scan of every row.
            `SELECT currency, COUNT(*) AS n, COALESCE(SUM(CASE WHEN amount > 0 THEN amount END), 0) AS inc, COALESCE(SUM(CASE WHEN amount < 0 THEN -amount END), 0) AS exp
             FROM (SELECT currency, amount FROM finance_transactions WHERE currency < ? AND date >= ? AND date <= ?
                   UNION ALL SELECT currency, amount FROM finance_transactions WHERE currency > ? AND date >= ? AND date <= ?)
             GROUP BY currency`,
          )
          .all(currency, dFrom, dTo, currency, dFrom, dTo)
      : st
          .stmt(
            `SELECT currency, SUM(n) AS n, SUM(CASE WHEN positive THEN amount ELSE 0 END) AS inc, SUM(CASE WHEN positive THEN 0 ELSE -amount END) AS exp
             FROM finance_monthly WHERE currency <> ? AND month >= ? AND month <= ? GROUP BY currency`,
          )
          .all(currency, q.from, q.to)
  ) as { currency: string; n: number; inc: number; exp: number }[];
  for (const r of oc) {
    const o = other(r.currency);
    o.transactions += r.n;
    o.income += toMajor(r.inc, r.currency);
    o.expenses += toMajor(r.exp, r.currency);
  }

  const rate = taxRate(env);
  const money = (minor: number) => toMajor(Math.round(minor), currency);
  const out = (l: Line) => {
    const income = l.billing + l.imported;
    const profit = income - l.expenses - l.ai;
    const tax = (Math.max(0, profit) * rate) / 100;
    return {
      income: money(income),
      billing: money(l.billing),
      imported: money(l.imported),
      expenses: money(l.expenses),
      ai: money(l.ai),
      profit: money(profit),
      taxSetAside: money(tax),
      afterTax: money(profit - tax),
    };
  };
  const total = empty();
  for (const l of byMonth.values()) {
    total.billing += l.billing;
    total.imported += l.imported;
    total.expenses += l.expenses;
    total.ai += l.ai;
  }
  const names = clientNames(env, clients.keys());
  return {
    currency,
    from: q.from,
    to: q.to,
    taxRate: rate,
    months: months.map((m) => ({ month: m, ...out(byMonth.get(m)!) })),
    totals: out(total),
    categories: [...cats.values()]
      .map((c) => ({ ...c, amount: money(c.amount) }))
      .sort((a, b) => (a.kind === b.kind ? b.amount - a.amount : a.kind === 'income' ? -1 : 1)),
    clients: [...clients.entries()]
      .map(([k, c]) => ({ client: k, name: names.get(k) ?? null, income: money(c.income), expenses: money(c.expenses), ai: money(c.ai), profit: money(c.income - c.expenses - c.ai) }))
      .sort((a, b) => b.profit - a.profit || a.client.localeCompare(b.client))
      .slice(0, 500),
    aiUsd: Math.round(aiUsd * 100) / 100,
    aiCounted,
    excluded: money(excluded),
    otherCurrencies: [...others.values()].map((o) => ({ ...o, income: Math.round(o.income * 1000) / 1000, expenses: Math.round(o.expenses * 1000) / 1000 })).sort((a, b) => a.currency.localeCompare(b.currency)),
  };
}

/** The P&L or the transactions as CSV (finance.export; the Finance page's "Export CSV"). */
export function exportCsv(env: ThreadEnv, q: OpInput<'finance.export'>): OpOutput<'finance.export'> {
  const what = q.what ?? 'months';
  const currency = (q.currency ?? financeCurrency(env)).toUpperCase();
  const name = `baton-${what === 'transactions' ? 'transactions' : `pnl-${what}`}-${q.from}-to-${q.to}.csv`;
  let data: (string | number | null)[][];
  if (what === 'transactions') {
    const rows = financeStoreOf(env)
      .stmt(
        `SELECT t.date, t.amount, t.currency, t.description, t.account, s.name AS source, t.category, t.client FROM finance_transactions t JOIN finance_sources s ON s.id = t.source_id
         WHERE t.date >= ? AND t.date <= ? ORDER BY t.date, t.id`,
      )
      .all(`${q.from}-01`, lastDay(q.to)) as { date: string; amount: number; currency: string; description: string; account: string; source: string; category: string | null; client: string | null }[];
    const names = clientNames(
      env,
      rows.flatMap((r) => (r.client ? [r.client] : [])),
    );
    data = [['Date', 'Amount', 'Currency', 'Description', 'Account', 'Source', 'Category', 'Client', 'Client name']];
    for (const r of rows) data.push([r.date, toMajor(r.amount, r.currency), r.currency, r.description, r.account, r.source, r.category, r.client, r.client ? (names.get(r.client) ?? null) : null]);
  } else {
    const p = pnl(env, { from: q.from, to: q.to, currency });
    if (what === 'months') {
      data = [['Month', `Income (${currency})`, 'Billing', 'Imported income', 'Expenses', 'AI', 'Profit', `Tax set-aside (${p.taxRate}%)`, 'After tax']];
      for (const m of [...p.months, { month: 'Total', ...p.totals }]) data.push([m.month, m.income, m.billing, m.imported, m.expenses, m.ai, m.profit, m.taxSetAside, m.afterTax]);
    } else if (what === 'categories') {
      data = [['Category', 'Kind', `Amount (${currency})`, 'Transactions']];
      for (const c of p.categories) data.push([c.category, c.kind, c.amount, c.transactions]);
    } else {
      data = [['Client', 'Name', `Income (${currency})`, 'Expenses', 'AI', 'Profit']];
      for (const c of p.clients) data.push([c.client, c.name, c.income, c.expenses, c.ai, c.profit]);
    }
  }
  return { filename: name, csv: papa().unparse(data, { newline: '\n', escapeFormulae: true }) + '\n', rows: data.length - 1 };
}
