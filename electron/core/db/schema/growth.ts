import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/*
 * The growth engines (docs/growth.md): the shared machinery (engine state and
 * its phase transitions, plans with items, learnings, locks on assets) and each
 * engine's data (SEO keywords and rank snapshots, trend series and the content
 * calendar, backlinks and link opportunities, campaign memories). Times are ISO
 * strings (UTC) unless named `*_ms` or `day` (YYYY-MM-DD, UTC).
 */

/** One row per engine (seo, content, links, campaigns): where its state machine stands and its last cycle. */
export const growthEngines = sqliteTable('growth_engines', {
  engine: text('engine').primaryKey(),
  /** Started (its workflow's schedule is on); stop all / stop turn it off. */
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(false),
  /** 1 = first: its actions go first when engines compete for a page, a contact or the budget. */
  priority: integer('priority').notNull(),
  /** IDLE | ANALYZING | PLANNING | EXECUTING | LEARNING */
  phase: text('phase').notNull().default('IDLE'),
  phaseSince: text('phase_since').notNull().default(now),
  /** The cycle (workflow run) now in progress. */
  runId: text('run_id'),
  /** Figures of the cycle in progress, by phase ({ analyze: {...}, plan: {...} …}). */
  figures: text('figures').notNull().default('{}'),
  /** The last finished cycle: { runId, startedAt, finishedAt, figures }. */
  lastCycle: text('last_cycle'),
  updatedAt: text('updated_at').notNull().default(now),
});

/** Every phase transition of every engine (shown on the Growth page). */
export const growthPhases = sqliteTable(
  'growth_phases',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    engine: text('engine').notNull(),
    runId: text('run_id'),
    fromPhase: text('from_phase').notNull(),
    toPhase: text('to_phase').notNull(),
    note: text('note'),
    at: text('at').notNull(),
  },
  (t) => [index('growth_phases_engine').on(t.engine, t.id)],
);

/** A plan: what an engine (or any agentic workflow) means to do in a cycle. */
export const growthPlans = sqliteTable(
  'growth_plans',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** seo | content | links | campaigns, or "workflow" for a plan of another agentic workflow. */
    engine: text('engine').notNull(),
    workflowId: text('workflow_id'),
    runId: text('run_id'),
    goal: text('goal').notNull(),
    /** planned | approved | executing | done | dropped */
    status: text('status').notNull().default('planned'),
    /** Free content (agent.plan's `content`, the planner's notes). */
    content: text('content'),
    /** The learnings the planning prompt included (ids). */
    learningIds: text('learning_ids').notNull().default('[]'),
    /** What planning cost (USD, Claude). */
    costUsd: real('cost_usd').notNull().default(0),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('growth_plans_engine').on(t.engine, t.id), index('growth_plans_workflow').on(t.workflowId, t.id)],
);

/** One item of a plan: a keyword to work on, a brief to write, a prospect to contact, a campaign to run. */
export const growthPlanItems = sqliteTable(
  'growth_plan_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    planId: integer('plan_id')
      .notNull()
      .references(() => growthPlans.id, { onDelete: 'cascade' }),
    engine: text('engine').notNull(),
    /** What the item is about in the engine's data ("kw:12", "trend:4", "opp:9", "mem:C-17"). */
    ref: text('ref').notNull(),
    title: text('title').notNull(),
    /** The kind of change (SEO: title, expand, new-page …; learnings are kept per action). */
    action: text('action').notNull(),
    /** 1 = first. */
    priority: integer('priority').notNull(),
    /** planned | approved | executing | done | dropped */
    status: text('status').notNull().default('planned'),
    /** The page or asset it changes (locked while executing). */
    asset: text('asset'),
    /** { metric, value, text }: what it should bring. */
    expected: text('expected').notNull().default('{}'),
    /** What it brought (measured), set when learned. */
    actual: text('actual'),
    costUsd: real('cost_usd').notNull().default(0),
    /** Targets and details (SEO: title/meta/words/headings, internal links; campaigns: budget and KPIs). */
    detail: text('detail').notNull().default('{}'),
    /** The memories / evidence the recommendation came from (ids). */
    sources: text('sources').notNull().default('[]'),
    /** Why it was dropped, or the planner's rationale. */
    reason: text('reason'),
    /** The run that executed it. */
    runId: text('run_id'),
    executedAt: text('executed_at'),
    learnedAt: text('learned_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('growth_plan_items_plan').on(t.planId, t.priority), index('growth_plan_items_engine').on(t.engine, t.status), index('growth_plan_items_ref').on(t.engine, t.ref)],
);

/** What a cycle learned: read by the next cycles' planning prompts (agent.recall). */
export const growthLearnings = sqliteTable(
  'growth_learnings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    engine: text('engine').notNull(),
    workflowId: text('workflow_id'),
    runId: text('run_id'),
    /** What it is about: "action:title", "channel:linkedin", "type:broken_link" … */
    subject: text('subject').notNull(),
    whatWorked: text('what_worked').notNull().default(''),
    whatDidNot: text('what_did_not').notNull().default(''),
    /** 0..1 */
    confidence: real('confidence').notNull().default(0.5),
    /** { runIds: [], deltas: [{ ref, metric, before, after, delta }] } */
    evidence: text('evidence').notNull().default('{}'),
    tags: text('tags').notNull().default('[]'),
    expiresAt: text('expires_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('growth_learnings_engine').on(t.engine, t.subject), index('growth_learnings_workflow').on(t.workflowId, t.id)],
);

/** A page or asset being changed by one engine: a second engine waits (or drops its item) until it is released. */
export const growthLocks = sqliteTable('growth_locks', {
  asset: text('asset').primaryKey(),
  engine: text('engine').notNull(),
  runId: text('run_id'),
  itemId: integer('item_id'),
  acquiredAt: text('acquired_at').notNull(),
  expiresAt: text('expires_at').notNull(),
});

/** Small values of the growth domain (remembered CSV column mappings …). */
export const growthState = sqliteTable('growth_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull().default(now),
});

// ---------------------------------------------------------------- SEO

/** The keyword universe (imports of SEO tools and Search Console), with the latest rank denormalized. */
export const growthKeywords = sqliteTable(
  'growth_keywords',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Lower-case, single spaces. */
    keyword: text('keyword').notNull(),
    volume: integer('volume'),
    /** 0..100 */
    difficulty: real('difficulty'),
    cpc: real('cpc'),
    intent: text('intent'),
    /** The page of ours that ranks (or is meant to). */
    url: text('url'),
    /** Latest known position (1 = top), null when not ranking. */
    position: real('position'),
    positionDay: text('position_day'),
    source: text('source').notNull(),
    importedAt: text('imported_at').notNull(),
  },
  (t) => [uniqueIndex('growth_keywords_keyword').on(t.keyword), index('growth_keywords_quick').on(t.position, t.difficulty, t.volume)],
);

/** Rank snapshots: a keyword's position on a day. */
export const growthRanks = sqliteTable(
  'growth_ranks',
  {
    keywordId: integer('keyword_id')
      .notNull()
      .references(() => growthKeywords.id, { onDelete: 'cascade' }),
    day: text('day').notNull(),
    position: real('position'),
    url: text('url'),
    clicks: integer('clicks'),
    impressions: integer('impressions'),
  },
  (t) => [primaryKey({ columns: [t.keywordId, t.day] }), index('growth_ranks_day').on(t.day)],
);

/** The figures of the pages ranking on top for a keyword (an export of SERP data), for the plan's targets. */
export const growthSerp = sqliteTable(
  'growth_serp',
  {
    keywordId: integer('keyword_id')
      .notNull()
      .references(() => growthKeywords.id, { onDelete: 'cascade' }),
    rank: integer('rank').notNull(),
    url: text('url').notNull(),
    titleLength: integer('title_length'),
    metaLength: integer('meta_length'),
    wordCount: integer('word_count'),
    headings: integer('headings'),
  },
  (t) => [primaryKey({ columns: [t.keywordId, t.rank] })],
);

/** Our site's pages, from its sitemap. */
export const growthPages = sqliteTable('growth_pages', {
  url: text('url').primaryKey(),
  lastmod: text('lastmod'),
  firstSeen: text('first_seen').notNull(),
  lastSeen: text('last_seen').notNull(),
  /** No longer in the sitemap since. */
  goneAt: text('gone_at'),
});

// ---------------------------------------------------------------- trend content

/** Where trends come from: RSS/Atom feeds, CSV imports, search-interest exports. */
export const growthSources = sqliteTable('growth_sources', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** feed | csv | search */
  kind: text('kind').notNull(),
  name: text('name').notNull(),
  url: text('url'),
  /** ok | failing | new */
  status: text('status').notNull().default('new'),
  lastError: text('last_error'),
  lastFetchAt: text('last_fetch_at'),
  items: integer('items').notNull().default(0),
  createdAt: text('created_at').notNull(),
});

export const growthTrends = sqliteTable(
  'growth_trends',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Lower-case term. */
    term: text('term').notNull(),
    label: text('label').notNull(),
    sourceId: integer('source_id').references(() => growthSources.id, { onDelete: 'set null' }),
    /** EMERGING | PEAK | DECLINING | STEADY */
    lifecycle: text('lifecycle').notNull().default('STEADY'),
    velocity: real('velocity').notNull().default(0),
    /** 0..1 against the brand documents. */
    relevance: real('relevance').notNull().default(0),
    lastValue: real('last_value').notNull().default(0),
    peakValue: real('peak_value').notNull().default(0),
    firstSeen: text('first_seen').notNull(),
    /** First detected EMERGING (week counts). */
    emergingAt: text('emerging_at'),
    alertedAt: text('alerted_at'),
    /** Sample headlines (feeds). */
    samples: text('samples').notNull().default('[]'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('growth_trends_term').on(t.term), index('growth_trends_lifecycle').on(t.lifecycle, t.relevance)],
);

export const growthTrendPoints = sqliteTable(
  'growth_trend_points',
  {
    trendId: integer('trend_id')
      .notNull()
      .references(() => growthTrends.id, { onDelete: 'cascade' }),
    day: text('day').notNull(),
    value: real('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.trendId, t.day] })],
);

/** Content ideas from trends; a brief makes one ready for the calendar. */
export const growthIdeas = sqliteTable(
  'growth_ideas',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    trendId: integer('trend_id').references(() => growthTrends.id, { onDelete: 'set null' }),
    itemId: integer('item_id').references(() => growthPlanItems.id, { onDelete: 'set null' }),
    title: text('title').notNull(),
    angle: text('angle').notNull().default(''),
    channel: text('channel').notNull(),
    /** idea | briefed | scheduled | produced | dropped */
    status: text('status').notNull().default('idea'),
    brief: text('brief'),
    briefedAt: text('briefed_at'),
    /** The calendar slot. */
    day: text('day'),
    /** The produced piece (a WordPress link …). */
    link: text('link'),
    /** When it was produced or dropped. */
    outcomeAt: text('outcome_at'),
    runId: text('run_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('growth_ideas_day').on(t.day, t.channel), index('growth_ideas_created').on(t.createdAt)],
);

// ---------------------------------------------------------------- link building

/** Backlinks from exports: ours ("us") and competitors'. */
export const growthBacklinks = sqliteTable(
  'growth_backlinks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** "us" or the competitor's domain. */
    owner: text('owner').notNull(),
    sourceUrl: text('source_url').notNull(),
    sourceDomain: text('source_domain').notNull(),
    targetUrl: text('target_url').notNull(),
    domainRating: real('domain_rating'),
    anchor: text('anchor'),
    /** The linking site's contact e-mail, when the export has one. */
    contactEmail: text('contact_email'),
    importedAt: text('imported_at').notNull(),
  },
  (t) => [uniqueIndex('growth_backlinks_unique').on(t.owner, t.sourceUrl, t.targetUrl), index('growth_backlinks_domain').on(t.sourceDomain, t.owner)],
);

/** A site that could link to us (gap analysis), its type, score and outreach state. */
export const growthOpportunities = sqliteTable(
  'growth_opportunities',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    domain: text('domain').notNull(),
    /** The page to pitch (the competitor's linking page). */
    url: text('url').notNull(),
    /** guest_post | resource_page | broken_link | mention */
    type: text('type').notNull(),
    score: real('score').notNull(),
    domainRating: real('domain_rating'),
    /** Competitors it links to (and not us). */
    competitors: integer('competitors').notNull(),
    contactEmail: text('contact_email'),
    /** broken_link: the dead target and what the check answered. */
    brokenTarget: text('broken_target'),
    checkStatus: integer('check_status'),
    checkedAt: text('checked_at'),
    /** new | queued | outreach | replied | won | lost */
    status: text('status').notNull().default('new'),
    contactId: integer('contact_id'),
    enrollmentId: integer('enrollment_id'),
    outreachAt: text('outreach_at'),
    repliedAt: text('replied_at'),
    /** The acquired link, verified by fetching the page. */
    linkUrl: text('link_url'),
    verifiedAt: text('verified_at'),
    costUsd: real('cost_usd').notNull().default(0),
    foundAt: text('found_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('growth_opportunities_domain').on(t.domain), index('growth_opportunities_score').on(t.status, t.score)],
);

// ---------------------------------------------------------------- campaigns

/** Campaign memories (past campaigns, imported) and the campaigns the engine runs. */
export const growthCampaigns = sqliteTable(
  'growth_campaigns',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    channel: text('channel').notNull(),
    audience: text('audience').notNull(),
    offer: text('offer').notNull(),
    budget: real('budget').notNull().default(0),
    spend: real('spend').notNull().default(0),
    leads: integer('leads').notNull().default(0),
    revenue: real('revenue').notNull().default(0),
    /** finished | running | planned | stopped */
    status: text('status').notNull(),
    startedOn: text('started_on'),
    endedOn: text('ended_on'),
    /** The budget the portfolio allocation gives it (running campaigns). */
    allocated: real('allocated'),
    /** KPI targets { leads, revenue, roi, cpl } for a planned/running campaign. */
    targets: text('targets'),
    /** The memories a planned campaign's recommendation came from. */
    sources: text('sources').notNull().default('[]'),
    /** Expected ROI of a planned campaign. */
    expectedRoi: real('expected_roi'),
    planItemId: integer('plan_item_id'),
    /** The last escalation for being off target (day). */
    offTrackOn: text('off_track_on'),
    importedAt: text('imported_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('growth_campaigns_status').on(t.status)],
);
