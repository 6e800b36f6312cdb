import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/*
 * Monitoring (docs/monitoring.md): the state of each alert (de-duplication:
 * an alert fires once, then not again until it recovers) and the deliveries
 * of alerts to the routes (e-mail, webhooks), held through quiet hours.
 */

/** One row per alert key ("uptime:https://example.com"): firing or ok, since when. */
export const monitorAlerts = sqliteTable('monitor_alerts', {
  key: text('key').primaryKey(),
  /** firing | ok */
  status: text('status').notNull(),
  severity: text('severity').notNull(),
  title: text('title').notNull(),
  detail: text('detail').notNull().default(''),
  /** When the alert last changed status (ISO). */
  since: text('since').notNull(),
  /** How many times it fired (each time after a recovery). */
  fired: integer('fired').notNull().default(0),
  updatedAt: text('updated_at').notNull().default(now),
});

/** One message to one route: sent when due (now, or when the route's quiet hours end). */
export const monitorDeliveries = sqliteTable(
  'monitor_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    alertKey: text('alert_key').notNull(),
    /** alert | recovery */
    kind: text('kind').notNull(),
    /** email | webhook:<n> */
    route: text('route').notNull(),
    /** The message (title, detail, severity, url …) as JSON. */
    message: text('message').notNull(),
    /** Epoch ms: not sent before. */
    dueAt: integer('due_at').notNull(),
    /** pending | sent | dropped | failed */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Epoch ms a sender took it (a crashed sender's claim expires). */
    claimedAt: integer('claimed_at'),
    sentAt: text('sent_at'),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [index('monitor_deliveries_due').on(t.status, t.dueAt)],
);
