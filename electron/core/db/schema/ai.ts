import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The AI usage ledger: one row per answered Claude request (including the
 * retries a node makes after an invalid answer). Cost is computed when the row
 * is written from the price table in the `ai.prices` setting, so a later price
 * change does not rewrite history. Rows outlive pruned runs (no foreign key).
 */
export const aiUsage = sqliteTable(
  'ai_usage',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    /** Local calendar day (YYYY-MM-DD) the daily spend cap counts against. */
    day: text('day').notNull(),
    runId: text('run_id'),
    nodeId: text('node_id'),
    workflowId: text('workflow_id'),
    /** generate | review | other */
    purpose: text('purpose').notNull(),
    model: text('model').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    costUsd: real('cost_usd').notNull(),
    /** 1 when the model was not in the price table and the most expensive known price was used. */
    priceEstimated: integer('price_estimated', { mode: 'boolean' }).notNull().default(false),
    requestId: text('request_id'),
  },
  (t) => [index('ai_usage_day').on(t.day), index('ai_usage_run').on(t.runId, t.nodeId)],
);

/**
 * Spend held by Claude calls in flight: before a call, its largest possible cost is reserved
 * here in the same IMMEDIATE transaction that checks the daily cap (spent + reserved + this call
 * must fit), so concurrent steps in any thread can never overspend the cap together. After the
 * call the row is deleted and the real cost goes to ai_usage; a row left by a crashed process
 * stops counting at expires_at.
 */
export const aiReservations = sqliteTable(
  'ai_reservations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Local calendar day the reservation counts against. */
    day: text('day').notNull(),
    runId: text('run_id'),
    nodeId: text('node_id'),
    costUsd: real('cost_usd').notNull(),
    /** ms epoch: after this the reservation no longer counts (a crashed call). */
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('ai_reservations_day').on(t.day, t.expiresAt)],
);
