import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { json } from './json';

/** Non-secret settings, one JSON value per key. Secrets never go here. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: json('value', 'settings').notNull(),
  updatedAt: text('updated_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});

/**
 * Append-only log of what happened (to contacts, deals, runs). KPIs are computed
 * from it through indexes and rollups. Rows are never updated.
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull(),
    type: text('type').notNull(),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    data: json('data', 'events'),
  },
  // (type, at) ranges ("clicked in the last 30 days", behaviour rules) read the subject from the index itself.
  (t) => [index('events_type_at_subject').on(t.type, t.at, t.subjectType, t.subjectId), index('events_subject').on(t.subjectType, t.subjectId, t.at)],
);
