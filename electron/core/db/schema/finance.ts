import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { json } from './json';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/*
 * Finance (docs/finance.md): bank, card and payment exports imported from CSV,
 * categories and rules, the AI spend per client. Money is an integer in the
 * currency's minor unit (cents), signed: money in > 0, money out < 0.
 * A client is a CRM company or contact, written as a key: "company:12" or
 * "contact:34" (the same key the reports domain uses).
 */

/** How a source's CSV columns map to a transaction (remembered per source; `FinanceMapping` in shared/contract/finance.ts). */
export interface StoredMapping {
  date: string;
  amount?: string | undefined;
  debit?: string | undefined;
  credit?: string | undefined;
  description: string[];
  account?: string | undefined;
  currency?: string | undefined;
  dateFormat: string;
  decimal: string;
  negate: boolean;
}

/** A bank account, a card or a payment processor's export, by name; its column mapping is remembered. */
export const financeSources = sqliteTable(
  'finance_sources',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    /** lower(trim(name)): one source per name whatever the case. */
    nameKey: text('name_key').notNull(),
    mapping: json<StoredMapping>('mapping', 'finance_sources'),
    /** The currency of amounts when the CSV has no currency column (default: the P&L currency). */
    currency: text('currency'),
    lastImportAt: text('last_import_at'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('finance_sources_name').on(t.nameKey)],
);

/** One CSV import: what it read, added, found twice and refused (the first 1,000 row errors with their line). */
export const financeImports = sqliteTable(
  'finance_imports',
  {
    id: text('id').primaryKey(),
    sourceId: integer('source_id')
      .notNull()
      .references(() => financeSources.id, { onDelete: 'cascade' }),
    file: text('file'),
    rows: integer('rows').notNull(),
    imported: integer('imported').notNull(),
    duplicates: integer('duplicates').notNull(),
    invalid: integer('invalid').notNull(),
    errors: json<{ line: number; reason: string }[]>('errors', 'finance_imports').notNull(),
    at: text('at').notNull().default(now),
  },
  (t) => [index('finance_imports_source').on(t.sourceId, t.at)],
);

export const financeTransactions = sqliteTable(
  'finance_transactions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sourceId: integer('source_id')
      .notNull()
      .references(() => financeSources.id, { onDelete: 'cascade' }),
    importId: text('import_id'),
    /** YYYY-MM-DD (the booking date as the bank gives it). */
    date: text('date').notNull(),
    /** Minor units, signed: money in > 0, money out < 0. */
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    description: text('description').notNull(),
    account: text('account').notNull(),
    category: text('category'),
    /** How the category was set: 'rule' (re-applied when rules change) or 'manual' (kept). */
    categoryBy: text('category_by'),
    /** The client it belongs to ("company:12", "contact:34"), by a rule or by hand. */
    client: text('client'),
    /** How the client was set: 'rule' (follows the rules) or 'manual' (kept). */
    clientBy: text('client_by'),
    /**
     * sha256 of date, amount, currency, description, account and the occurrence of that same
     * tuple in its file (the 2nd identical coffee of a day is "#2"): importing a file again, or an
     * export that overlaps the last one, adds nothing; two identical rows in one file are both kept.
     */
    hash: text('hash').notNull(),
    /** The line of the CSV it came from (first import). */
    line: integer('line'),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('finance_transactions_hash').on(t.hash),
    // Covering index of the P&L (months × categories, clients): an index-only scan of the range.
    index('finance_transactions_pnl').on(t.currency, t.date, t.category, t.client, t.amount),
    index('finance_transactions_source').on(t.sourceId, t.date),
  ],
);

/**
 * The P&L's monthly summary of finance_transactions: per currency, month, category, client and
 * sign (money in > 0, else out), the sum of the amounts and the number of rows. Kept equal to
 * the rows by FinanceStore.write (electron/core/finance/store.ts), in the same transaction as
 * every insert, update and delete of a transaction. '' = no category / no client.
 */
export const financeMonthly = sqliteTable(
  'finance_monthly',
  {
    currency: text('currency').notNull(),
    /** YYYY-MM */
    month: text('month').notNull(),
    category: text('category').notNull(),
    client: text('client').notNull(),
    /** 1: money in (amount > 0); 0: money out (and zero amounts). */
    positive: integer('positive').notNull(),
    amount: integer('amount').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.currency, t.month, t.category, t.client, t.positive] })],
);

/** Categories: income, expense, or excluded (transfers between own accounts, Stripe payouts already counted from billing). */
export const financeCategories = sqliteTable('finance_categories', {
  name: text('name').primaryKey(),
  kind: text('kind').notNull(),
  createdAt: text('created_at').notNull().default(now),
});

/** "description contains X -> category (and client)": the first rule by position that matches wins. */
export const financeRules = sqliteTable(
  'finance_rules',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    contains: text('contains').notNull(),
    category: text('category')
      .notNull()
      .references(() => financeCategories.name, { onDelete: 'cascade', onUpdate: 'cascade' }),
    client: text('client'),
    position: integer('position').notNull(),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [index('finance_rules_position').on(t.position)],
);

/**
 * AI spend per day and client, folded in from the AI usage ledger while the runs it names
 * still exist (runs are pruned; the ledger is not): a run's client is its subject contact's
 * company (else the contact), or its parent run's. '' = not tagged to a client.
 */
export const financeAiDaily = sqliteTable(
  'finance_ai_daily',
  {
    day: text('day').notNull(),
    client: text('client').notNull(),
    costUsd: real('cost_usd').notNull(),
    calls: integer('calls').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.client] })],
);

export const financeState = sqliteTable('finance_state', {
  key: text('key').primaryKey(),
  value: json<unknown>('value', 'finance_state').notNull(),
  updatedAt: text('updated_at').notNull().default(now),
});
