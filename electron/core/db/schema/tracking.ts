import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/**
 * The tracked links of Baton's e-mails (docs/tracking.md). A click link
 * `/t/c/<token>` names a row by its id (signed, with the contact id): the
 * redirect's target is read from here, never from the request, so there is no
 * open redirect. `idx` 0 is the e-mail's open pixel (no url); links are 1, 2 …
 * in the order they first appear. A retried send (same Message-ID) gets the
 * same rows, hence the same links.
 */
export const emailLinks = sqliteTable(
  'email_links',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    messageId: text('message_id').notNull(),
    idx: integer('idx').notNull(),
    url: text('url'),
    contactId: integer('contact_id').notNull(),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [uniqueIndex('email_links_message_idx').on(t.messageId, t.idx)],
);
