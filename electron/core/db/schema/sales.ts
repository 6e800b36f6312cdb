import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { json } from './json';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/**
 * Every automated e-mail Baton tried to send (docs/email.md). `key` is the
 * stable identity of the send (run + node, or enrollment + step) and
 * `message_id` is derived from it: a send whose outcome is unknown after a crash
 * is retried with the same Message-ID. Replies and bounces are matched here.
 */
export const emailMessages = sqliteTable(
  'email_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    messageId: text('message_id').notNull(),
    contactId: integer('contact_id'),
    toAddr: text('to_addr').notNull(),
    subject: text('subject').notNull(),
    /** marketing (unsubscribe link, caps) | transactional */
    kind: text('kind').notNull().default('marketing'),
    /** sending (outcome unknown) | sent | failed | skipped */
    status: text('status').notNull(),
    skipReason: text('skip_reason'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    runId: text('run_id'),
    enrollmentId: integer('enrollment_id'),
    sequenceId: text('sequence_id'),
    createdAt: text('created_at').notNull().default(now),
    /** ms epoch, for the frequency caps. */
    sentAt: integer('sent_at'),
  },
  (t) => [
    uniqueIndex('email_messages_key').on(t.key),
    uniqueIndex('email_messages_mid').on(t.messageId),
    index('email_messages_contact_sent').on(t.contactId, t.sentAt),
    index('email_messages_seq_sent').on(t.sequenceId, t.sentAt),
  ],
);

/** Addresses that never get marketing e-mail: unsubscribed, bounced, complained, manual. */
export const suppressions = sqliteTable('suppressions', {
  email: text('email').primaryKey(),
  reason: text('reason').notNull(),
  source: text('source'),
  createdAt: text('created_at').notNull().default(now),
});

/** Inbound messages seen by the IMAP poller (dedupe by the mailbox's Message-ID). */
export const emailInbound = sqliteTable(
  'email_inbound',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    inboundId: text('inbound_id').notNull(),
    /** reply | auto_reply | bounce | complaint | unmatched */
    kind: text('kind').notNull(),
    matchedMessageId: text('matched_message_id'),
    contactId: integer('contact_id'),
    subject: text('subject'),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [uniqueIndex('email_inbound_id').on(t.inboundId)],
);

/** Sequence definitions (JSON validated by shared/contract/sales.ts). */
export const sequences = sqliteTable('sequences', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  definition: json('definition', 'sequences').notNull(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  createdAt: text('created_at').notNull().default(now),
  updatedAt: text('updated_at').notNull().default(now),
});

/**
 * A contact's way through a sequence. At most one active enrollment per
 * contact and sequence (partial unique index). `next_at` (ms epoch) is when the
 * sequence service looks at it again.
 */
export const enrollments = sqliteTable(
  'enrollments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sequenceId: text('sequence_id')
      .notNull()
      .references(() => sequences.id, { onDelete: 'cascade' }),
    contactId: integer('contact_id').notNull(),
    /** active | completed | exited */
    status: text('status').notNull(),
    stepIndex: integer('step_index').notNull().default(0),
    nextAt: integer('next_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    exitReason: text('exit_reason'),
    enrolledAt: text('enrolled_at').notNull(),
    finishedAt: text('finished_at'),
  },
  (t) => [
    uniqueIndex('enrollments_one_active').on(t.sequenceId, t.contactId).where(sql`status = 'active'`),
    index('enrollments_due').on(t.status, t.nextAt),
    index('enrollments_contact').on(t.contactId, t.status),
  ],
);

/** To-dos for the operator (sequence task steps, pipeline stages, escalation rules). */
export const tasks = sqliteTable(
  'tasks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    title: text('title').notNull(),
    contactId: integer('contact_id'),
    dealId: integer('deal_id'),
    source: text('source').notNull(),
    /** Dedupe: the same key creates one task. */
    key: text('key'),
    status: text('status').notNull().default('open'),
    dueAt: text('due_at'),
    createdAt: text('created_at').notNull().default(now),
    doneAt: text('done_at'),
  },
  (t) => [uniqueIndex('tasks_key').on(t.key), index('tasks_status').on(t.status, t.createdAt)],
);

/** When a deal entered its current stage (stale-deal scan). */
export const dealStages = sqliteTable('deal_stages', {
  dealId: integer('deal_id').primaryKey(),
  stage: text('stage').notNull(),
  enteredAt: integer('entered_at').notNull(),
  staleAlertedAt: integer('stale_alerted_at'),
});

/** Sales bookkeeping: event cursor, IMAP UID watermark, last SMTP/IMAP status. */
export const salesState = sqliteTable('sales_state', {
  key: text('key').primaryKey(),
  value: json('value', 'sales_state').notNull(),
  updatedAt: text('updated_at').notNull().default(now),
});
