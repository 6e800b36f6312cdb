import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { json } from './json';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/*
 * Affiliate (docs/affiliate.md): programs, tracked links (/go/<slug>), their
 * clicks, commissions imported from network CSV exports, and costs tagged to a
 * link, a program or a content piece. Money is an integer in the currency's
 * minor unit (cents).
 */

/** How a network's CSV columns map to a commission (remembered per source; `AffiliateMapping` in shared/contract/affiliate.ts). */
export interface StoredAffiliateMapping {
  date: string;
  commission: string;
  status?: string | undefined;
  subId?: string | undefined;
  transactionId?: string | undefined;
  program?: string | undefined;
  url?: string | undefined;
  sale?: string | undefined;
  currency?: string | undefined;
  dateFormat: string;
  decimal: string;
}

/** An affiliate program (Amazon Associates, a SaaS partner program …) on a network. */
export const affiliatePrograms = sqliteTable(
  'affiliate_programs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    /** lower(trim(name)). */
    nameKey: text('name_key').notNull(),
    network: text('network'),
    /** Informational: "8% of the sale", "$50 per trial". */
    commission: text('commission'),
    cookieDays: integer('cookie_days'),
    /** The query parameter the network reads a sub-id from (subid, clickref, ascsubtag …); null: none appended. */
    subIdParam: text('sub_id_param'),
    /** What the bank statement says for this network's payouts (a finance rule leaves them out of the P&L). */
    payoutMatch: text('payout_match'),
    notes: text('notes'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('affiliate_programs_name').on(t.nameKey)],
);

/** A tracked link: /go/<slug> redirects to the destination. */
export const affiliateLinks = sqliteTable(
  'affiliate_links',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    programId: integer('program_id')
      .notNull()
      .references(() => affiliatePrograms.id, { onDelete: 'restrict' }),
    /** lower-case letters, digits, "-" and "_". */
    slug: text('slug').notNull(),
    destination: text('destination').notNull(),
    /** The content piece it appears in: a post's URL or a name. */
    content: text('content'),
    note: text('note'),
    /**
     * The run that made it (the `affiliate.link` step of a content workflow; its top-level run when
     * the step ran in a forEach body or a sub-workflow): that run's AI spend is charged to its links
     * in the ROI (docs/affiliate.md, "AI spend"). Null for links made by hand.
     */
    runId: text('run_id'),
    archivedAt: text('archived_at'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('affiliate_links_slug').on(t.slug), index('affiliate_links_program').on(t.programId), index('affiliate_links_content').on(t.content), index('affiliate_links_run').on(t.runId)],
);

/** One followed link. `machine` = 1 for a bot, a link checker or a prefetch (not counted in EPC). */
export const affiliateClicks = sqliteTable(
  'affiliate_clicks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    linkId: integer('link_id')
      .notNull()
      .references(() => affiliateLinks.id, { onDelete: 'cascade' }),
    /** UTC day, YYYY-MM-DD. */
    day: text('day').notNull(),
    at: text('at').notNull(),
    machine: integer('machine').notNull(),
    reason: text('reason'),
    userAgent: text('user_agent'),
    /** The referring page's host, when sent. */
    referrer: text('referrer'),
  },
  (t) => [index('affiliate_clicks_link_day').on(t.linkId, t.day, t.machine), index('affiliate_clicks_day').on(t.day)],
);

/** A network's export, by name: its column mapping is remembered. */
export const affiliateSources = sqliteTable(
  'affiliate_sources',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    mapping: json<StoredAffiliateMapping>('mapping', 'affiliate_sources'),
    /** The program every row of this source belongs to when the file has no program column. */
    programId: integer('program_id').references(() => affiliatePrograms.id, { onDelete: 'set null' }),
    currency: text('currency'),
    lastImportAt: text('last_import_at'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('affiliate_sources_name').on(t.nameKey)],
);

/** One commission CSV import. */
export const affiliateImports = sqliteTable('affiliate_imports', {
  id: text('id').primaryKey(),
  sourceId: integer('source_id')
    .notNull()
    .references(() => affiliateSources.id, { onDelete: 'cascade' }),
  file: text('file'),
  rows: integer('rows').notNull(),
  imported: integer('imported').notNull(),
  updated: integer('updated').notNull(),
  duplicates: integer('duplicates').notNull(),
  invalid: integer('invalid').notNull(),
  errors: json<{ line: number; reason: string }[]>('errors', 'affiliate_imports').notNull(),
  createdAt: text('created_at').notNull().default(now),
});

/** A commission from a network's export. `key` identifies it within its source (the transaction id, else a hash of the row). */
export const affiliateCommissions = sqliteTable(
  'affiliate_commissions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sourceId: integer('source_id')
      .notNull()
      .references(() => affiliateSources.id, { onDelete: 'cascade' }),
    importId: text('import_id').notNull(),
    key: text('key').notNull(),
    programId: integer('program_id').references(() => affiliatePrograms.id, { onDelete: 'set null' }),
    linkId: integer('link_id').references(() => affiliateLinks.id, { onDelete: 'set null' }),
    /** How it was matched to the link: subid | url | null. */
    matchedBy: text('matched_by'),
    date: text('date').notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    /** pending | approved | paid | reversed */
    status: text('status').notNull(),
    sale: integer('sale'),
    subId: text('sub_id'),
    transactionId: text('transaction_id'),
    line: integer('line').notNull(),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('affiliate_commissions_key').on(t.sourceId, t.key),
    index('affiliate_commissions_date').on(t.currency, t.date, t.status),
    index('affiliate_commissions_link').on(t.linkId, t.date),
    index('affiliate_commissions_program').on(t.programId, t.date),
  ],
);

/** A cost tagged to a link, a program or a content piece (production, ads, tools). */
export const affiliateCosts = sqliteTable(
  'affiliate_costs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    date: text('date').notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    linkId: integer('link_id').references(() => affiliateLinks.id, { onDelete: 'cascade' }),
    programId: integer('program_id').references(() => affiliatePrograms.id, { onDelete: 'cascade' }),
    content: text('content'),
    note: text('note'),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [index('affiliate_costs_date').on(t.currency, t.date)],
);
