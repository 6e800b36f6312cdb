import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { json } from './json';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/** Companies, deduplicated on their (lower-case) web domain. */
export const companies = sqliteTable(
  'companies',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name'),
    domain: text('domain'),
    custom: json('custom', 'companies').notNull().default(sql`'{}'`),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('companies_domain').on(t.domain)],
);

/**
 * Contacts. `email` is normalised (trimmed, lower-case) and unique among live
 * rows (deleted_at IS NULL); a deleted or merged-away contact keeps its row.
 */
export const contacts = sqliteTable(
  'contacts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    email: text('email').notNull(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    phone: text('phone'),
    title: text('title'),
    companyId: integer('company_id').references(() => companies.id, { onDelete: 'set null' }),
    stage: text('stage').notNull().default('lead'),
    source: text('source'),
    utmSource: text('utm_source'),
    utmMedium: text('utm_medium'),
    utmCampaign: text('utm_campaign'),
    utmTerm: text('utm_term'),
    utmContent: text('utm_content'),
    timeZone: text('time_zone'),
    consent: text('consent').notNull().default('unknown'),
    consentAt: text('consent_at'),
    custom: json('custom', 'contacts').notNull().default(sql`'{}'`),
    score: integer('score').notNull().default(0),
    scoredAt: text('scored_at'),
    lastActivityAt: text('last_activity_at'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
    deletedAt: text('deleted_at'),
    mergedInto: integer('merged_into'),
  },
  (t) => [
    // Every lookup by e-mail is among live contacts: this partial unique index serves them all (a second,
    // full e-mail index cost ~20% of a CSV import's time for no query; dropped in 0011).
    uniqueIndex('contacts_email_live').on(t.email).where(sql`deleted_at IS NULL`),
    // Sort/filter indexes cover live rows only, so a deep page of a 100k list is an index-only walk.
    index('contacts_live_created').on(t.createdAt).where(sql`deleted_at IS NULL`),
    index('contacts_live_updated').on(t.updatedAt).where(sql`deleted_at IS NULL`),
    index('contacts_live_stage').on(t.stage).where(sql`deleted_at IS NULL`),
    index('contacts_live_score').on(t.score).where(sql`deleted_at IS NULL`),
    index('contacts_live_activity').on(t.lastActivityAt).where(sql`deleted_at IS NULL`),
    index('contacts_company').on(t.companyId),
  ],
);

export const contactTags = sqliteTable(
  'contact_tags',
  {
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.tag] }), index('contact_tags_tag').on(t.tag, t.contactId)],
);

/** Lead-capture forms served at POST /forms/<slug>. */
export const forms = sqliteTable('forms', {
  slug: text('slug').primaryKey(),
  name: text('name').notNull(),
  /** form field name -> contact field (email, firstName, custom.plan …). */
  fields: json('fields', 'forms').notNull(),
  tags: json('tags', 'forms').notNull().default(sql`'[]'`),
  source: text('source'),
  /** The thank-you page a browser is sent to (303) after a submission: an http(s) URL. */
  redirect: text('redirect'),
  /** JSON { workflow, timeout }: wait for that workflow's run and answer with its respond node. */
  respond: text('respond', { mode: 'json' }),
  createdAt: text('created_at').notNull().default(now),
  updatedAt: text('updated_at').notNull().default(now),
});

/** Saved contact filters. */
export const segments = sqliteTable('segments', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  description: text('description'),
  filter: json('filter', 'segments').notNull(),
  createdAt: text('created_at').notNull().default(now),
  updatedAt: text('updated_at').notNull().default(now),
  /** When segment_members was last filled from the filter (saving or editing it); null: never, filled silently at the next write. */
  membersAt: text('members_at'),
});

/**
 * Who is in each segment, kept up to date incrementally by the CRM's write path
 * (segment.entered / segment.left events) and, for time-based conditions, by the
 * maintenance pass. See docs/crm.md "Segment membership".
 */
export const segmentMembers = sqliteTable(
  'segment_members',
  {
    segmentId: integer('segment_id')
      .notNull()
      .references(() => segments.id, { onDelete: 'cascade' }),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    enteredAt: text('entered_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.segmentId, t.contactId] }), index('segment_members_contact').on(t.contactId)],
);

/** Minimal deals (the pipeline comes later): enough for the funnel KPIs. */
export const deals = sqliteTable(
  'deals',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    contactId: integer('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    companyId: integer('company_id').references(() => companies.id, { onDelete: 'set null' }),
    title: text('title'),
    stage: text('stage').notNull(),
    value: real('value').notNull().default(0),
    currency: text('currency').notNull().default('USD'),
    openedAt: text('opened_at').notNull(),
    wonAt: text('won_at'),
    lostAt: text('lost_at'),
    /** When the owner expects to close it (YYYY-MM-DD), or null. */
    closeDate: text('close_date'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [
    index('deals_stage').on(t.stage),
    index('deals_opened').on(t.openedAt),
    index('deals_contact').on(t.contactId),
    // The dashboard's pipeline at a date (every deal opened before it, by stage and currency) read from the index alone.
    index('deals_pipeline').on(t.openedAt, t.wonAt, t.lostAt, t.stage, t.currency, t.value),
    // Time in stage: the open deals only.
    index('deals_open_stage')
      .on(t.stage, t.openedAt)
      .where(sql`won_at IS NULL AND lost_at IS NULL`),
    // The dashboard's deals closed since a date (pipeline "closed since") and won in a range (sales cycle): a range of these.
    index('deals_won_since')
      .on(t.wonAt, t.lostAt, t.openedAt, t.currency, t.value)
      .where(sql`won_at IS NOT NULL`),
    index('deals_lost_since')
      .on(t.lostAt, t.wonAt, t.openedAt, t.currency, t.value)
      .where(sql`lost_at IS NOT NULL`),
  ],
);

/**
 * The open deals by stage, currency and the UTC day they opened (how many, their value): the
 * dashboard's pipeline at a date sums the days before it. Kept by triggers on `deals` (every writer
 * of a deal, in its own statement), filled from the deals at the migration (0030, its last block).
 */
export const kpiOpenDeals = sqliteTable(
  'kpi_open_deals',
  {
    stage: text('stage').notNull(),
    currency: text('currency').notNull(),
    day: text('day').notNull(),
    n: integer('n').notNull().default(0),
    value: real('value').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.stage, t.currency, t.day] })],
);

/** The owner's notes on a deal (the deal panel), newest last. */
export const dealNotes = sqliteTable(
  'deal_notes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    dealId: integer('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [index('deal_notes_deal').on(t.dealId, t.createdAt)],
);

/** Daily KPI rollup, refreshed incrementally from the events table (by event id). */
export const kpiDaily = sqliteTable(
  'kpi_daily',
  {
    day: text('day').notNull(),
    metric: text('metric').notNull(),
    dim: text('dim').notNull().default(''),
    value: real('value').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.metric, t.dim, t.day] })],
);

/** CRM configuration and bookkeeping (scoring rules, rollup watermark). */
export const crmState = sqliteTable('crm_state', {
  key: text('key').primaryKey(),
  value: json('value', 'crm_state').notNull(),
  updatedAt: text('updated_at').notNull().default(now),
});

/**
 * Row counts changed in the same transaction as every insert, delete and soft
 * delete/restore/merge of a contact (`countContacts` in crm/store.ts; migration 0022
 * fills them): `contacts.live` (deleted_at IS NULL) and `contacts.deleted` (the trash:
 * deleted, not merged away). The contacts list reads its unfiltered total here instead
 * of counting a million index entries.
 */
export const crmCounts = sqliteTable('crm_counts', {
  key: text('key').primaryKey(),
  n: integer('n').notNull().default(0),
});

/**
 * Scoring rules' data conditions whose matching events are kept in crm_score_matches (crm/score-matches.ts):
 * those of the rules last used to re-score everyone. `key`: the condition (event type, path, op, value) as JSON.
 */
export const crmScoreConditions = sqliteTable('crm_score_conditions', {
  id: integer('id').primaryKey(),
  key: text('key').notNull().unique(),
  /** The events up to this id are in crm_score_matches (a re-score of everyone adds the newer ones first). */
  upto: integer('upto').notNull().default(0),
});

/**
 * One row per contact event that meets a kept condition: added by a re-score of everyone (the events past
 * the condition's `upto`), moved and removed by triggers on events (generated from the conditions) in the
 * transaction that updates or deletes the event; a re-score of everyone counts a rule's contacts from its
 * range (cond, at >= window start). WITHOUT ROWID (hand-written in migration 0032): the key is the only index.
 */
export const crmScoreMatches = sqliteTable(
  'crm_score_matches',
  {
    cond: integer('cond').notNull(),
    at: text('at').notNull(),
    contactId: integer('contact_id').notNull(),
    eventId: integer('event_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.cond, t.at, t.contactId, t.eventId] })],
);
