/**
 * Finance: bank, card and payment exports imported from CSV (the column mapping
 * remembered per source, duplicates found, per-row errors with their line),
 * categories with rules ("description contains X -> category"), income from
 * billing, the AI spend per client, the monthly P&L, profit per client and the
 * tax set-aside. docs/finance.md.
 */
import { z } from 'zod';
import { Empty, op } from './base';
import { CurrencyCode } from './settings';

/** A client: a CRM company or contact. */
export const ClientKey = z
  .string()
  .trim()
  .regex(/^(company|contact):[1-9]\d{0,15}$/, 'use a client as company:<id> or contact:<id> (companies.list and contacts.list give the ids)');
export type ClientKey = z.infer<typeof ClientKey>;

export const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'use a month such as 2025-03');

export const DATE_FORMATS = ['auto', 'YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD-MM-YYYY', 'YYYYMMDD'] as const;

const Column = z.string().trim().min(1, 'name a column of the CSV header').max(200);

/** Which CSV column holds what. Either `amount` (signed), or `debit` and/or `credit` (money out / in, positive numbers). */
export const FinanceMapping = z
  .object({
    date: Column,
    amount: Column.optional(),
    debit: Column.optional(),
    credit: Column.optional(),
    /** One column, or several joined with " · " (payee and purpose). */
    description: z.union([Column, z.array(Column).min(1).max(5)]),
    account: Column.optional(),
    currency: Column.optional(),
    dateFormat: z.enum(DATE_FORMATS).default('auto'),
    /** The decimal separator of amounts ("1.234,56" needs ","); auto: the last "." or "," followed by 1-2 digits. */
    decimal: z.enum(['auto', '.', ',']).default('auto'),
    /** A card statement that lists purchases as positive numbers: flip every sign. */
    negate: z.boolean().default(false),
  })
  .strict()
  .refine((m) => m.amount !== undefined || m.debit !== undefined || m.credit !== undefined, { error: 'map the amount column (or debit and credit)', path: ['amount'] });
export type FinanceMapping = z.output<typeof FinanceMapping>;

const RowError = z.object({ line: z.number().int(), reason: z.string() });

export const FinanceImportResult = z.object({
  /** null for a dry run. */
  importId: z.string().nullable(),
  source: z.string(),
  /** The mapping used (and remembered for the source). */
  mapping: FinanceMapping,
  /** Whether the mapping came from the input, the source's remembered one, or was guessed from the header. */
  mappingFrom: z.enum(['input', 'source', 'header']),
  rows: z.number().int(),
  imported: z.number().int(),
  /** Rows already imported (this file again, or an overlapping export). */
  duplicates: z.number().int(),
  invalidCount: z.number().int(),
  /** The first 1,000 bad rows with their line in the file (the header is line 1). */
  invalid: z.array(RowError),
  /** Of the imported rows, those a rule categorised. */
  categorized: z.number().int(),
  firstDate: z.string().nullable(),
  lastDate: z.string().nullable(),
  dryRun: z.boolean(),
});
export type FinanceImportResult = z.infer<typeof FinanceImportResult>;

export const FinanceTransaction = z.object({
  id: z.number().int(),
  date: z.string(),
  /** Major units, signed (money out < 0). */
  amount: z.number(),
  currency: z.string(),
  description: z.string(),
  account: z.string(),
  source: z.string(),
  category: z.string().nullable(),
  categoryBy: z.enum(['rule', 'manual']).nullable(),
  client: z.string().nullable(),
  clientName: z.string().nullable(),
});
export type FinanceTransaction = z.infer<typeof FinanceTransaction>;

export const CATEGORY_KINDS = ['income', 'expense', 'excluded'] as const;
export const CategoryKind = z.enum(CATEGORY_KINDS, { error: 'use income, expense or excluded (transfers between your accounts, payouts already counted from billing)' });
const CategoryName = z.string().trim().min(1, 'give the category a name').max(80, 'at most 80 characters');

export const FinanceRule = z.object({ id: z.number().int(), contains: z.string(), category: z.string(), kind: CategoryKind, client: z.string().nullable(), clientName: z.string().nullable(), position: z.number().int() });
export type FinanceRule = z.infer<typeof FinanceRule>;

const Money = z.number();
const PnlLine = z.object({
  /** Billing (Stripe charges minus refunds) plus imported money in. */
  income: Money,
  billing: Money,
  imported: Money,
  /** Imported money out (a positive number). */
  expenses: Money,
  /** Claude spend (USD; counted when the P&L is in USD, else 0 and shown apart). */
  ai: Money,
  profit: Money,
  /** max(0, profit) × the tax rate. */
  taxSetAside: Money,
  afterTax: Money,
});
export const Pnl = z.object({
  currency: z.string(),
  from: z.string(),
  to: z.string(),
  /** Percent (setting finance.taxRate). */
  taxRate: z.number(),
  months: z.array(PnlLine.extend({ month: z.string() })),
  totals: PnlLine,
  /** Per category in the range (uncategorised rows as "Uncategorized income" / "Uncategorized expenses"). */
  categories: z.array(z.object({ category: z.string(), kind: z.enum(['income', 'expense']), amount: Money, transactions: z.number().int() })),
  /** Per client: income (billing + imported tagged to it) minus expenses tagged to it minus the AI spend of its runs. */
  clients: z.array(z.object({ client: z.string(), name: z.string().nullable(), income: Money, expenses: Money, ai: Money, profit: Money })),
  /** Claude spend in the range in USD (whatever the P&L currency). */
  aiUsd: Money,
  aiCounted: z.boolean(),
  /** Money in excluded categories (transfers, payouts), left out. */
  excluded: Money,
  /** Transactions in other currencies: listed, not converted. */
  otherCurrencies: z.array(z.object({ currency: z.string(), transactions: z.number().int(), income: Money, expenses: Money })),
});
export type Pnl = z.infer<typeof Pnl>;

const MonthRange = z
  .object({ from: Month, to: Month, currency: CurrencyCode.optional() })
  .strict()
  .refine((r) => r.from <= r.to, { error: 'from must be on or before to', path: ['to'] })
  .refine((r) => monthsBetween(r.from, r.to) <= 120, { error: 'at most 120 months at once', path: ['to'] });

export function monthsBetween(from: string, to: string): number {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm) + 1;
}

const Page = { limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) };
const Day = z.iso.date({ error: 'use a date such as 2025-03-01' });

export const financeOps = {
  'finance.import': op(
    'Import a bank, card or payment CSV for a source (a named account): the column mapping is remembered per source (given, remembered, or guessed from the header); rows already imported are skipped; bad rows are reported with their line and nothing else is lost.',
    z
      .object({
        source: z.string().trim().min(1, 'name the source, e.g. "Business checking"').max(100),
        csv: z.string().min(1, 'the CSV is empty').max(64 * 1024 * 1024, 'at most 64 MB at once'),
        file: z.string().max(500).optional(),
        mapping: FinanceMapping.optional(),
        currency: CurrencyCode.optional().describe('the currency of amounts when the CSV has no currency column (remembered for the source)'),
        dryRun: z.boolean().default(false),
      })
      .strict(),
    FinanceImportResult,
  ),
  'finance.sources.list': op(
    'The sources imported so far, with their remembered column mapping.',
    Empty,
    z.object({ sources: z.array(z.object({ id: z.number().int(), name: z.string(), mapping: FinanceMapping.nullable(), currency: z.string().nullable(), lastImportAt: z.string().nullable(), transactions: z.number().int() })) }),
  ),
  'finance.transactions.list': op(
    'Imported transactions, newest first (filter by day range, text, category, client, uncategorised).',
    z
      .object({
        from: Day.optional(),
        to: Day.optional(),
        search: z.string().max(200).optional(),
        category: z.string().max(80).optional(),
        client: ClientKey.optional(),
        uncategorized: z.boolean().optional(),
        ...Page,
      })
      .strict(),
    z.object({ total: z.number().int(), rows: z.array(FinanceTransaction) }),
  ),
  'finance.transactions.update': op(
    'Set the category (by hand: rules leave it alone then) and/or the client of transactions; null clears.',
    z
      .object({ ids: z.array(z.number().int().positive()).min(1, 'give at least one transaction id').max(10_000), category: CategoryName.nullable().optional(), client: ClientKey.nullable().optional() })
      .strict()
      .refine((i) => i.category !== undefined || i.client !== undefined, { error: 'give category and/or client', path: ['category'] }),
    z.object({ updated: z.number().int() }),
  ),
  'finance.categories.list': op('Categories with their kind and how many transactions each has.', Empty, z.object({ categories: z.array(z.object({ name: z.string(), kind: CategoryKind, transactions: z.number().int() })) })),
  'finance.categories.set': op('Create a category or change its kind (income, expense, or excluded from the P&L).', z.object({ name: CategoryName, kind: CategoryKind }).strict(), z.object({ name: z.string(), kind: CategoryKind })),
  'finance.rules.list': op('Category rules in the order they are tried.', Empty, z.object({ rules: z.array(FinanceRule) })),
  'finance.rules.add': op(
    'Add a rule "description contains X -> category (and client)" and apply it to the transactions not categorised by hand. A new category needs its kind.',
    z
      .object({
        contains: z.string().trim().min(2, 'give at least 2 characters to look for').max(200),
        category: CategoryName,
        kind: CategoryKind.optional(),
        client: ClientKey.optional(),
        /** 1 = tried first; default: last. */
        position: z.number().int().min(1).max(10_000, 'at most 10,000').optional(),
      })
      .strict(),
    z.object({ rule: FinanceRule, categorized: z.number().int() }),
  ),
  'finance.rules.delete': op('Delete a rule; the transactions it categorised are categorised again by the remaining rules.', z.object({ id: z.number().int().positive() }).strict(), z.object({ deleted: z.boolean(), categorized: z.number().int() })),
  'finance.pnl': op('The monthly P&L for a range of months: income (billing and imported), expenses, AI spend, profit, tax set-aside; per category and per client.', MonthRange, Pnl),
  'finance.export': op(
    'The P&L (months, categories or clients) or the transactions of a range of months as CSV text.',
    z
      .object({ from: Month, to: Month, currency: CurrencyCode.optional(), what: z.enum(['months', 'categories', 'clients', 'transactions']).default('months') })
      .strict()
      .refine((r) => r.from <= r.to, { error: 'from must be on or before to', path: ['to'] }),
    z.object({ filename: z.string(), csv: z.string(), rows: z.number().int() }),
  ),
} as const;

export const financeEvents = {
  /** Transactions, categories or rules changed: the Finance page reloads. */
  'finance.changed': z.object({ source: z.enum(['import', 'rules', 'edit', 'categories']) }),
} as const;
