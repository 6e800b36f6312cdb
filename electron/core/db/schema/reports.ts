import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { json } from './json';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/*
 * Client reports (docs/reports.md). A client is a CRM company or contact,
 * written as a key: "company:12" or "contact:34".
 */

/** One report definition per client: its title, who receives it, its sections (`ReportSection` in shared/contract/reports.ts). */
export const reportDefinitions = sqliteTable(
  'report_definitions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    client: text('client').notNull(),
    title: text('title').notNull(),
    /** Who gets the e-mail; null: the contact's address (a contact client) or the company's first contact. */
    recipient: text('recipient'),
    sections: json<unknown[]>('sections', 'report_definitions').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('report_definitions_client').on(t.client)],
);

/** Metrics of tools Baton does not reach (analytics, social), imported from CSV: one value per client, tool, metric and day. */
export const reportMetrics = sqliteTable(
  'report_metrics',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    client: text('client').notNull(),
    /** The tool it comes from ("Google Analytics"). */
    source: text('source').notNull(),
    metric: text('metric').notNull(),
    /** YYYY-MM-DD */
    day: text('day').notNull(),
    value: real('value').notNull(),
    importedAt: text('imported_at').notNull().default(now),
  },
  (t) => [uniqueIndex('report_metrics_key').on(t.client, t.metric, t.source, t.day)],
);

/** Every PDF rendered: where it is (relative to the data folder), for which client and period. */
export const reportRenders = sqliteTable(
  'report_renders',
  {
    id: text('id').primaryKey(),
    definitionId: integer('definition_id'),
    client: text('client').notNull(),
    title: text('title').notNull(),
    periodFrom: text('period_from').notNull(),
    periodTo: text('period_to').notNull(),
    /** Relative to the data folder: reports/2026-03/acme-2026-03-….pdf */
    path: text('path').notNull(),
    pages: integer('pages').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    /** Sections that had no data (they say so in the PDF). */
    missing: json<string[]>('missing', 'report_renders').notNull(),
    renderMs: real('render_ms').notNull(),
    runId: text('run_id'),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [index('report_renders_client').on(t.client, t.createdAt)],
);
