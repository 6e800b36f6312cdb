/**
 * The growth engines (docs/growth.md): SEO, trend content, link building and
 * campaigns, each a loop IDLE -> ANALYZING -> PLANNING -> EXECUTING ->
 * LEARNING -> IDLE run as a workflow, with plans, learnings and the state of
 * each engine kept by the growth domain, and one master controller (start /
 * stop, priorities, conflict rules, health).
 */
import { z } from 'zod';
import { Empty, eventType, op } from './base';

export const ENGINES = ['seo', 'content', 'links', 'campaigns'] as const;
export const Engine = z.enum(ENGINES, { error: 'use one of seo, content, links, campaigns' });
export type Engine = z.infer<typeof Engine>;
export const ENGINE_LABELS: Record<Engine, string> = { seo: 'SEO', content: 'Trend content', links: 'Link building', campaigns: 'Campaigns' };
/** The workflow that runs an engine's cycle. */
export const engineWorkflowId = (e: Engine): string => `growth-${e}`;
export const engineOfWorkflow = (id: string): Engine | null => {
  const m = /^growth-(seo|content|links|campaigns)$/.exec(id);
  return m ? (m[1] as Engine) : null;
};

export const Phase = z.enum(['IDLE', 'ANALYZING', 'PLANNING', 'EXECUTING', 'LEARNING']);
export type Phase = z.infer<typeof Phase>;
export const PlanStatus = z.enum(['planned', 'approved', 'executing', 'done', 'dropped']);
export type PlanStatus = z.infer<typeof PlanStatus>;

const Day = z.iso.date({ error: 'use a date such as 2025-03-01' });
const Limit = z.number().int().min(1).max(1000).default(50);
const Offset = z.number().int().min(0).default(0);
const Figures = z.record(z.string(), z.unknown());
/** A CSV export as text (UTF-8), at most 50 MB. */
const Csv = z.string().min(1, 'the file is empty').max(50 * 1024 * 1024, 'the file is over 50 MB; split it');

// ---------------------------------------------------------------- settings (INTERNAL_SETTINGS keys)

const Cron = z.string().trim().min(9, 'use a cron expression such as "0 6 * * 1"').max(120);
const Pct = z.number().min(0, 'use a number from 0 to 1').max(1, 'use a number from 0 to 1');

/** `growth.seo` */
export const SeoSettings = z
  .object({
    /** Quick wins: difficulty below this (0-100). */
    maxDifficulty: z.number().min(0).max(100).default(40),
    /** Quick wins: monthly volume above this. */
    minVolume: z.number().int().min(0).default(100),
    /** Quick wins: position from … to (inclusive). */
    minPosition: z.number().int().min(1).max(100).default(4),
    maxPosition: z.number().int().min(1).max(100).default(30),
    /** Rank changes are measured over this many days. */
    rankDays: z.number().int().min(1).max(365).default(28),
    /** Keywords planned per cycle. */
    planSize: z.number().int().min(1).max(1000).default(100),
    /** Plan items executed (drafted, reviewed, published) per cycle. */
    executePerCycle: z.number().int().min(0).max(100).default(3),
    /** The sitemap of the site (its pages). */
    sitemapUrl: z.url({ protocol: /^https?$/, error: 'use an http(s) address such as https://example.com/sitemap.xml' }).nullable().default(null),
    /** The Search Console property whose search analytics feed the rank snapshots (https://example.com/ or sc-domain:example.com); its OAuth token is the secret SEARCH_CONSOLE_TOKEN. */
    searchConsoleSite: z.string().trim().min(1).max(300).nullable().default(null),
    /** The Search Console API's root address for the official client (tests point it at a local server); one ending in /webmasters/v3 is read as its root. */
    searchConsoleUrl: z.url({ protocol: /^https?$/, error: 'use an http(s) address such as https://searchconsole.googleapis.com/' }).default('https://searchconsole.googleapis.com/'),
    /** Days of search analytics each sync reads (ending yesterday). */
    searchConsoleDays: z.number().int().min(1).max(480).default(28),
    /** Publish changes as drafts (default) or live. */
    publishStatus: z.enum(['draft', 'publish']).default('draft'),
    cron: Cron.default('0 6 * * 1'),
  })
  .strict();
export type SeoSettings = z.infer<typeof SeoSettings>;
/** The secret holding the Search Console credentials (scope webmasters.readonly): an OAuth access token, an authorized_user credentials file whose refresh token keeps the sync working, or a service account key file (JSON) whose key signs for an access token. */
export const SEARCH_CONSOLE_TOKEN_SECRET = 'SEARCH_CONSOLE_TOKEN';

/** `growth.content` */
export const ContentSettings = z
  .object({
    /** The calendar's channels, one slot per channel and day. */
    channels: z.array(z.string().trim().min(1).max(40)).min(1).max(10).default(['blog', 'linkedin', 'newsletter']),
    /** Trends at or above this relevance (0-1) get ideas and alerts. */
    minRelevance: Pct.default(0.15),
    /** Ideas asked per relevant trend. */
    ideasPerTrend: z.number().int().min(1).max(10).default(3),
    /** Briefs written per cycle. */
    briefsPerCycle: z.number().int().min(0).max(50).default(5),
    /** Days of history a lifecycle is computed from (the last window vs the one before). */
    window: z.number().int().min(2).max(60).default(7),
    cron: Cron.default('0 7 * * *'),
  })
  .strict();
export type ContentSettings = z.infer<typeof ContentSettings>;

/** `growth.links` */
export const LinkSettings = z
  .object({
    /** Our domain (example.com): links to it count as ours. */
    domain: z.string().trim().max(253).nullable().default(null),
    /** The sequence outreach contacts are enrolled in (Sequences page). */
    sequence: z.string().trim().max(100).nullable().default(null),
    /** Prospects contacted per cycle. */
    outreachPerCycle: z.number().int().min(0).max(100).default(10),
    /** Broken-link checks per cycle (HTTP HEAD, then GET). */
    checksPerCycle: z.number().int().min(0).max(500).default(40),
    /** What one acquired link is worth per point of domain rating (USD), for ROI per link. */
    valuePerRating: z.number().min(0).default(10),
    /** Cost of one outreach besides Claude (USD: your time). */
    outreachCost: z.number().min(0).default(5),
    cron: Cron.default('0 8 * * 1-5'),
  })
  .strict();
export type LinkSettings = z.infer<typeof LinkSettings>;

/** `growth.campaigns` */
export const CampaignSettings = z
  .object({
    /** The ad budget spread over running campaigns (portfolio allocation). */
    totalBudget: z.number().min(0).default(10_000),
    /** Each running campaign gets at least this share of its current budget … */
    floor: Pct.default(0.5),
    /** … and at most this multiple of it. */
    cap: z.number().min(1).max(10).default(2),
    /** Top share of memories by ROI that count as successes. */
    topShare: z.number().min(0.05).max(0.95).default(0.3),
    /** New campaigns planned per cycle. */
    plansPerCycle: z.number().int().min(0).max(20).default(3),
    /** Below this share of the target pace, a running campaign is escalated. */
    offTrack: Pct.default(0.7),
    cron: Cron.default('0 9 * * 1'),
  })
  .strict();
export type CampaignSettings = z.infer<typeof CampaignSettings>;

/** `growth.budget`: one cap across engines, per calendar month (UTC): Claude spend of the growth workflows + the ad budget allocated. */
export const GrowthBudgetSettings = z
  .object({
    monthlyUsd: z.number().min(0).nullable().default(12_000),
    /** The engine ranked r (1 = first) may spend while the month's spend stays under cap × (1 − (r − 1) × reserve). */
    reserve: z.number().min(0).max(0.3).default(0.05),
  })
  .strict();
export type GrowthBudgetSettings = z.infer<typeof GrowthBudgetSettings>;

// ---------------------------------------------------------------- machinery

export const PhaseTransition = z.object({
  id: z.number().int(),
  engine: z.string(),
  runId: z.string().nullable(),
  from: z.string(),
  to: z.string(),
  note: z.string().nullable(),
  at: z.string(),
});
export type PhaseTransition = z.infer<typeof PhaseTransition>;

export const EngineState = z.object({
  engine: Engine,
  label: z.string(),
  workflowId: z.string(),
  /** Its workflow is installed and its schedule on. */
  enabled: z.boolean(),
  priority: z.number().int(),
  phase: Phase,
  since: z.string(),
  runId: z.string().nullable(),
  /** Why the cycle in progress waits (Claude key or budget, a lock, an approval …), or null. */
  waiting: z.string().nullable(),
  figures: Figures,
  lastCycle: z.object({ runId: z.string().nullable(), startedAt: z.string().nullable(), finishedAt: z.string(), status: z.string(), figures: Figures }).nullable(),
  transitions: z.array(PhaseTransition),
  nextRunAt: z.string().nullable(),
});
export type EngineState = z.infer<typeof EngineState>;

export const PlanItem = z.object({
  id: z.number().int(),
  planId: z.number().int(),
  engine: z.string(),
  ref: z.string(),
  title: z.string(),
  action: z.string(),
  priority: z.number().int(),
  status: PlanStatus,
  asset: z.string().nullable(),
  expected: Figures,
  actual: Figures.nullable(),
  costUsd: z.number(),
  detail: Figures,
  sources: z.array(z.string()),
  reason: z.string().nullable(),
  runId: z.string().nullable(),
  executedAt: z.string().nullable(),
  learnedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type PlanItem = z.infer<typeof PlanItem>;

export const GrowthPlan = z.object({
  id: z.number().int(),
  engine: z.string(),
  workflowId: z.string().nullable(),
  runId: z.string().nullable(),
  /** The goal (agent.plan's title). */
  title: z.string(),
  status: PlanStatus,
  content: z.unknown(),
  learningIds: z.array(z.number().int()),
  costUsd: z.number(),
  itemCount: z.number().int(),
  counts: z.record(z.string(), z.number().int()),
  items: z.array(PlanItem).optional(),
  createdAt: z.string(),
});
export type GrowthPlan = z.infer<typeof GrowthPlan>;

export const Evidence = z
  .object({
    runIds: z.array(z.string()).default([]),
    deltas: z.array(z.object({ ref: z.string().optional(), metric: z.string(), before: z.number().nullable(), after: z.number().nullable(), delta: z.number().nullable() }).passthrough()).default([]),
  })
  .passthrough();
export type Evidence = z.infer<typeof Evidence>;

export const GrowthLearning = z.object({
  id: z.number().int(),
  engine: z.string(),
  workflowId: z.string().nullable(),
  runId: z.string().nullable(),
  subject: z.string(),
  /** One line: what worked, then what did not (the old `text`). */
  text: z.string(),
  whatWorked: z.string(),
  whatDidNot: z.string(),
  confidence: z.number(),
  evidence: Evidence,
  tags: z.array(z.string()),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  /** agent.recall's rank: relevance × confidence × recency. */
  score: z.number().optional(),
});
export type GrowthLearning = z.infer<typeof GrowthLearning>;

export const Budget = z.object({
  month: z.string(),
  capUsd: z.number().nullable(),
  aiUsd: z.number(),
  adUsd: z.number(),
  spentUsd: z.number(),
  /** Per engine: what it may still start (its headroom by priority). */
  headroom: z.record(z.string(), z.number().nullable()),
});
export type Budget = z.infer<typeof Budget>;

export const Lock = z.object({ asset: z.string(), engine: z.string(), runId: z.string().nullable(), itemId: z.number().int().nullable(), acquiredAt: z.string(), expiresAt: z.string() });

export const HealthIssue = z.object({
  engine: z.string().nullable(),
  kind: z.enum(['failure', 'stuck', 'waiting', 'budget', 'source', 'lock']),
  severity: z.enum(['info', 'warning', 'critical']),
  message: z.string(),
  runId: z.string().nullable(),
});
export const GrowthHealth = z.object({
  ok: z.boolean(),
  issues: z.array(HealthIssue),
  failedRuns7d: z.number().int(),
  succeededRuns7d: z.number().int(),
  budget: Budget,
});
export type GrowthHealth = z.infer<typeof GrowthHealth>;

export const Target = z.object({ engine: Engine, name: z.string(), target: z.number(), actual: z.number(), unit: z.string(), met: z.boolean() });
export const GrowthReport = z.object({ at: z.string(), targets: z.array(Target), allMet: z.boolean() });
export type GrowthReport = z.infer<typeof GrowthReport>;

// ---------------------------------------------------------------- imports

export const IMPORT_KINDS = ['seo.keywords', 'seo.ranks', 'seo.serp', 'links.backlinks', 'campaigns.memories', 'content.trends'] as const;
export const GrowthImportKind = z.enum(IMPORT_KINDS, { error: `use one of ${IMPORT_KINDS.join(', ')}` });
export type GrowthImportKind = z.infer<typeof GrowthImportKind>;
/** Field -> the CSV header that holds it. */
export const ColumnMapping = z.record(z.string(), z.string());

export const GrowthImportPreview = z.object({
  kind: GrowthImportKind,
  headers: z.array(z.string()),
  /** The mapping Baton would use: remembered for these headers, else guessed. */
  mapping: ColumnMapping,
  remembered: z.boolean(),
  /** Required fields no column was found for. */
  missing: z.array(z.string()),
  fields: z.array(z.object({ name: z.string(), required: z.boolean(), description: z.string() })),
  sample: z.array(z.record(z.string(), z.string())),
  rows: z.number().int(),
});
export type GrowthImportPreview = z.infer<typeof GrowthImportPreview>;

export const GrowthImportResult = z.object({
  kind: GrowthImportKind,
  rows: z.number().int(),
  imported: z.number().int(),
  updated: z.number().int(),
  skipped: z.number().int(),
  mapping: ColumnMapping,
  /** Up to 20 rows that were skipped, with the reason. */
  problems: z.array(z.object({ row: z.number().int(), message: z.string() })),
  ms: z.number(),
});
export type GrowthImportResult = z.infer<typeof GrowthImportResult>;

// ---------------------------------------------------------------- engine data

export const KeywordRow = z.object({
  id: z.number().int(),
  keyword: z.string(),
  volume: z.number().nullable(),
  difficulty: z.number().nullable(),
  position: z.number().nullable(),
  url: z.string().nullable(),
  /** Position change over the rank window (negative = better), null without history. */
  change: z.number().nullable(),
  /** volume × (1 − difficulty/100) × position factor: what a move to the top 3 is worth. */
  opportunity: z.number(),
});
export type KeywordRow = z.infer<typeof KeywordRow>;

export const SeoHealth = z.object({
  score: z.number(),
  parts: z.object({ visibility: z.number(), momentum: z.number(), coverage: z.number(), top10Share: z.number() }),
  keywords: z.number().int(),
  ranking: z.number().int(),
  top10: z.number().int(),
  pages: z.number().int(),
  formula: z.string(),
});
export type SeoHealth = z.infer<typeof SeoHealth>;

export const TrendRow = z.object({
  id: z.number().int(),
  term: z.string(),
  label: z.string(),
  lifecycle: z.enum(['EMERGING', 'PEAK', 'DECLINING', 'STEADY']),
  velocity: z.number(),
  relevance: z.number(),
  lastValue: z.number(),
  peakValue: z.number(),
  source: z.string().nullable(),
  emergingAt: z.string().nullable(),
  samples: z.array(z.string()),
  series: z.array(z.object({ day: z.string(), value: z.number() })).optional(),
});
export type TrendRow = z.infer<typeof TrendRow>;

export const Source = z.object({
  id: z.number().int(),
  kind: z.enum(['feed', 'csv', 'search']),
  name: z.string(),
  url: z.string().nullable(),
  status: z.enum(['new', 'ok', 'failing']),
  lastError: z.string().nullable(),
  lastFetchAt: z.string().nullable(),
  items: z.number().int(),
});
export type Source = z.infer<typeof Source>;

export const CalendarEntry = z.object({
  id: z.number().int(),
  title: z.string(),
  angle: z.string(),
  channel: z.string(),
  day: z.string().nullable(),
  status: z.enum(['idea', 'briefed', 'scheduled', 'produced', 'dropped']),
  trend: z.string().nullable(),
  lifecycle: z.string().nullable(),
  brief: z.unknown(),
  link: z.string().nullable(),
  createdAt: z.string(),
});
export type CalendarEntry = z.infer<typeof CalendarEntry>;

export const Opportunity = z.object({
  id: z.number().int(),
  domain: z.string(),
  url: z.string(),
  type: z.enum(['guest_post', 'resource_page', 'broken_link', 'mention']),
  score: z.number(),
  domainRating: z.number().nullable(),
  competitors: z.number().int(),
  contactEmail: z.string().nullable(),
  brokenTarget: z.string().nullable(),
  checkStatus: z.number().int().nullable(),
  status: z.enum(['new', 'queued', 'outreach', 'replied', 'won', 'lost']),
  contactId: z.number().int().nullable(),
  enrollmentId: z.number().int().nullable(),
  outreachAt: z.string().nullable(),
  repliedAt: z.string().nullable(),
  linkUrl: z.string().nullable(),
  verifiedAt: z.string().nullable(),
  foundAt: z.string(),
});
export type Opportunity = z.infer<typeof Opportunity>;

export const CampaignRow = z.object({
  id: z.string(),
  name: z.string(),
  channel: z.string(),
  audience: z.string(),
  offer: z.string(),
  budget: z.number(),
  spend: z.number(),
  leads: z.number().int(),
  revenue: z.number(),
  roi: z.number().nullable(),
  status: z.enum(['finished', 'running', 'planned', 'stopped']),
  startedOn: z.string().nullable(),
  endedOn: z.string().nullable(),
  allocated: z.number().nullable(),
  targets: Figures.nullable(),
  expectedRoi: z.number().nullable(),
  sources: z.array(z.string()),
});
export type CampaignRow = z.infer<typeof CampaignRow>;

export const Pattern = z.object({
  feature: z.enum(['channel', 'audience', 'offer']),
  value: z.string(),
  topShare: z.number(),
  restShare: z.number(),
  /** topShare / restShare (smoothed). */
  lift: z.number(),
  count: z.number().int(),
  medianRoi: z.number(),
});
export type Pattern = z.infer<typeof Pattern>;

export const Patterns = z.object({
  memories: z.number().int(),
  top: z.number().int(),
  roiThreshold: z.number().nullable(),
  topAvgRoi: z.number().nullable(),
  restAvgRoi: z.number().nullable(),
  success: z.array(Pattern),
  failure: z.array(Pattern),
  method: z.string(),
});
export type Patterns = z.infer<typeof Patterns>;

export const Allocation = z.object({
  id: z.string(),
  name: z.string(),
  current: z.number(),
  allocated: z.number(),
  roi: z.number().nullable(),
  marginalRoi: z.number(),
  floor: z.number(),
  cap: z.number(),
});
export const Portfolio = z.object({ totalBudget: z.number(), allocated: z.number(), allocations: z.array(Allocation), method: z.string() });
export type Portfolio = z.infer<typeof Portfolio>;

const Page = { limit: Limit, offset: Offset };

export const growthOps = {
  // master controller
  'growth.status': op('Each engine: its phase (live), since when, why it waits, the figures of the cycle in progress and the last one, its last transitions; the budget and the locks.', Empty, z.object({ engines: z.array(EngineState), budget: Budget, locks: z.array(Lock) })),
  'growth.run': op("Start one cycle of an engine now (its workflow is installed if missing).", z.object({ engine: Engine }).strict(), z.object({ engine: Engine, runId: z.string() })),
  'growth.start': op("Start an engine (or all): install its workflow, turn its schedule on and run a first cycle.", z.object({ engine: Engine.optional(), run: z.boolean().default(true) }).strict(), z.object({ started: z.array(z.object({ engine: Engine, runId: z.string().nullable() })) })),
  'growth.stop': op("Stop an engine (or all): its schedule off, its cycle in progress cancelled, its phase back to IDLE.", z.object({ engine: Engine.optional() }).strict(), z.object({ stopped: z.array(Engine), cancelledRuns: z.number().int() })),
  'growth.priorities.set': op(
    'The order in which engines go first when they compete (a page, a contact, the budget): every engine once, first = highest.',
    z.object({ order: z.array(Engine).length(4, 'list the four engines once each, first = highest priority') }).strict().refine((v) => new Set(v.order).size === 4, { error: 'list each engine once', path: ['order'] }),
    z.object({ engines: z.array(z.object({ engine: Engine, priority: z.number().int() })) }),
  ),
  'growth.phases': op('Phase transitions, newest first.', z.object({ engine: Engine.optional(), limit: Limit }).strict(), z.object({ transitions: z.array(PhaseTransition) })),
  'growth.health': op('One view of what needs attention: failed cycles, phases stuck or waiting, failing sources, the budget.', Empty, GrowthHealth),
  'growth.dashboard': op('The Growth page at once: engines, health, seed targets.', Empty, z.object({ engines: z.array(EngineState), health: GrowthHealth, report: GrowthReport })),
  'growth.report': op('The seed targets (quick wins, plans, trends, ideas, briefs, opportunities, outreach, grounded campaign plans) against what the data shows.', Empty, GrowthReport),
  'growth.settings': op('The effective settings of every engine (defaults filled in); change them with settings.set growth.<engine>.', Empty, z.object({ seo: SeoSettings, content: ContentSettings, links: LinkSettings, campaigns: CampaignSettings, budget: GrowthBudgetSettings })),
  'growth.import.preview': op('Read the header and first rows of an export: the column mapping Baton would use (remembered, else guessed) and the required fields with no column.', z.object({ kind: GrowthImportKind, csv: Csv }).strict(), GrowthImportPreview),
  'growth.import': op(
    'Import an export (keywords, rank snapshots, SERP figures, backlinks, campaign memories, trend series). Unknown columns need `mapping` (field -> header); the mapping is remembered for exports with the same headers.',
    z
      .object({
        kind: GrowthImportKind,
        csv: Csv,
        mapping: ColumnMapping.optional(),
        /** Rank snapshots and trend points without a date column are for this day (default today). */
        day: Day.optional(),
        /** links.backlinks: "us" or the competitor's domain. */
        owner: z.string().trim().min(1).max(253).optional(),
        source: z.string().trim().min(1).max(100).optional(),
      })
      .strict(),
    GrowthImportResult,
  ),
  // plans and learnings (also what agent.plan / agent.learn record)
  'plans.list': op(
    'Plans, newest first (with their items when asked).',
    z.object({ engine: z.string().optional(), workflow: z.string().optional(), runId: z.string().optional(), status: PlanStatus.optional(), items: z.boolean().default(false), limit: Limit }).strict(),
    z.object({ plans: z.array(GrowthPlan) }),
  ),
  'plans.add': op(
    'Record a plan (of an engine, or of any workflow).',
    z.object({ workflow: z.string().optional(), engine: z.string().optional(), runId: z.string().optional(), title: z.string().min(1), content: z.unknown().optional() }).strict(),
    GrowthPlan,
  ),
  'plans.items': op(
    'Plan items, by priority.',
    z.object({ planId: z.number().int().positive().optional(), engine: z.string().optional(), status: PlanStatus.optional(), ...Page }).strict(),
    z.object({ total: z.number().int(), items: z.array(PlanItem) }),
  ),
  'plans.item.set': op(
    'Approve, drop or re-plan an item by hand (with the reason).',
    z.object({ id: z.number().int().positive(), status: PlanStatus, reason: z.string().max(500).optional() }).strict(),
    PlanItem,
  ),
  'learnings.list': op('Learnings, newest first.', z.object({ engine: z.string().optional(), workflow: z.string().optional(), subject: z.string().optional(), includeExpired: z.boolean().default(false), limit: Limit }).strict(), z.object({ learnings: z.array(GrowthLearning) })),
  'learnings.add': op(
    'Record a learning for the next cycles.',
    z
      .object({
        workflow: z.string().optional(),
        engine: z.string().optional(),
        runId: z.string().optional(),
        subject: z.string().max(200).optional(),
        text: z.string().min(1).optional(),
        whatWorked: z.string().max(4000).optional(),
        whatDidNot: z.string().max(4000).optional(),
        confidence: z.number().min(0).max(1).optional(),
        evidence: Evidence.optional(),
        tags: z.array(z.string()).default([]),
        expiresInDays: z.number().int().min(1).max(3650).optional(),
      })
      .strict()
      .refine((v) => !!(v.text || v.whatWorked || v.whatDidNot), { error: 'give text, whatWorked or whatDidNot', path: ['text'] })
      .refine((v) => !!(v.workflow || v.engine), { error: 'give the engine (or the workflow) the learning belongs to', path: ['engine'] }),
    GrowthLearning,
  ),
  'learnings.recall': op(
    'The learnings relevant to a subject, ranked by relevance, confidence and recency (what every planning prompt includes).',
    z.object({ engine: z.string(), subject: z.string().max(200).optional(), limit: z.number().int().min(1).max(100).default(10) }).strict(),
    z.object({ learnings: z.array(GrowthLearning) }),
  ),
  // SEO
  'seo.quickWins': op('Keywords ranking 4-30 (settings) with low difficulty and real volume, by opportunity.', z.object(Page).strict(), z.object({ total: z.number().int(), thresholds: z.record(z.string(), z.number()), rows: z.array(KeywordRow) })),
  'seo.opportunities': op('Every keyword by opportunity score (quick wins and the rest).', z.object(Page).strict(), z.object({ total: z.number().int(), rows: z.array(KeywordRow) })),
  'seo.rankChanges': op('Keywords whose position moved most over N days.', z.object({ days: z.number().int().min(1).max(365).optional(), limit: Limit }).strict(), z.object({ days: z.number().int(), improved: z.number().int(), declined: z.number().int(), rows: z.array(KeywordRow) })),
  'seo.health': op('The SEO health score (0-100) and its parts; the formula is in docs/growth.md.', Empty, SeoHealth),
  'seo.pages': op("The site's pages from its sitemap.", z.object(Page).strict(), z.object({ total: z.number().int(), rows: z.array(z.object({ url: z.string(), lastmod: z.string().nullable(), lastSeen: z.string(), goneAt: z.string().nullable() })) })),
  'seo.searchConsole.sync': op(
    "Read the search analytics of the Search Console property (setting growth.seo searchConsoleSite, token in the secret SEARCH_CONSOLE_TOKEN) into the rank snapshots, as a Search Console export's import does.",
    Empty,
    z.object({ site: z.string(), startDate: z.string(), endDate: z.string(), rows: z.number().int(), queries: z.number().int(), imported: z.number().int(), ms: z.number() }),
  ),
  'seo.sitemap.refresh': op('Fetch the sitemap (setting growth.seo sitemapUrl) now.', Empty, z.object({ pages: z.number().int(), added: z.number().int(), gone: z.number().int() })),
  // trend content
  'content.sources.list': op('Trend sources with their status (a failing feed says why).', Empty, z.object({ sources: z.array(Source) })),
  'content.sources.add': op('Add an RSS/Atom feed.', z.object({ url: z.url({ protocol: /^https?$/, error: 'use the http(s) address of an RSS or Atom feed' }), name: z.string().trim().min(1).max(100).optional() }).strict(), Source),
  'content.sources.remove': op('Remove a trend source (its trends stay).', z.object({ id: z.number().int().positive() }).strict(), z.object({ ok: z.literal(true) })),
  'content.refresh': op('Fetch every feed now and recompute lifecycles; one failing feed never stops the others.', Empty, z.object({ sources: z.array(Source), trends: z.number().int() })),
  'content.trending': op('Trends by relevance, with lifecycle and velocity.', z.object({ lifecycle: z.enum(['EMERGING', 'PEAK', 'DECLINING', 'STEADY']).optional(), minRelevance: z.number().min(0).max(1).optional(), series: z.boolean().default(false), ...Page }).strict(), z.object({ total: z.number().int(), rows: z.array(TrendRow) })),
  'content.ideas': op('Content ideas and briefs, newest first.', z.object({ status: z.enum(['idea', 'briefed', 'scheduled', 'produced', 'dropped']).optional(), ...Page }).strict(), z.object({ total: z.number().int(), rows: z.array(CalendarEntry) })),
  'content.calendar': op(
    'The content calendar between two days: one slot per channel and day; and the ideas and briefs that have no day yet (unscheduled: briefs first, then the newest ideas; at most 200).',
    z.object({ from: Day, to: Day }).strict(),
    z.object({ channels: z.array(z.string()), entries: z.array(CalendarEntry), unscheduled: z.array(CalendarEntry) }),
  ),
  'content.calendar.move': op('Reschedule a calendar entry (drag and drop, or Move to), or schedule an idea or brief that has no day yet (it becomes scheduled): another day (today or later) and/or channel; a taken slot, a past day or an unknown channel is refused.', z.object({ id: z.number().int().positive(), day: Day, channel: z.string().min(1).max(40).optional() }).strict(), CalendarEntry),
  // link building
  'links.opportunities': op('Link opportunities by score (gap analysis: domains linking to competitors, not to us).', z.object({ status: z.enum(['new', 'queued', 'outreach', 'replied', 'won', 'lost']).optional(), type: z.enum(['guest_post', 'resource_page', 'broken_link', 'mention']).optional(), ...Page }).strict(), z.object({ total: z.number().int(), rows: z.array(Opportunity) })),
  'links.outreachQueue': op('Prospects queued, contacted or who replied, with their sequence enrollment.', z.object(Page).strict(), z.object({ total: z.number().int(), rows: z.array(Opportunity) })),
  'links.roi': op('Acquired links: value (domain rating × setting) against cost (Claude + outreach).', Empty, z.object({ links: z.array(z.object({ id: z.number().int(), domain: z.string(), linkUrl: z.string(), value: z.number(), costUsd: z.number(), roi: z.number().nullable() })), totals: z.object({ links: z.number().int(), value: z.number(), costUsd: z.number(), roi: z.number().nullable() }) })),
  // campaigns
  'campaigns.patterns': op('Success and failure patterns: the top share by ROI against the rest, per channel, audience and offer.', Empty, Patterns),
  'campaigns.portfolio': op('Running campaigns and the budget allocation (marginal ROI with floors and caps) under the total budget.', z.object({ totalBudget: z.number().min(0).max(1_000_000_000, 'at most 1,000,000,000').optional() }).strict(), Portfolio),
  'campaigns.roi': op('Consolidated ROI: all memories, by channel, and the running/planned campaigns against their targets.', Empty, z.object({ spend: z.number(), revenue: z.number(), roi: z.number().nullable(), byChannel: z.array(z.object({ channel: z.string(), spend: z.number(), revenue: z.number(), roi: z.number().nullable(), campaigns: z.number().int() })), campaigns: z.array(CampaignRow) })),
  'campaigns.list': op('Campaigns (memories, running, planned).', z.object({ status: z.enum(['finished', 'running', 'planned', 'stopped']).optional(), ...Page }).strict(), z.object({ total: z.number().int(), rows: z.array(CampaignRow) })),
} as const;

export const growthEvents = {
  /** An engine's state, plans, learnings or data changed: the Growth page reloads what it shows. */
  'growth.changed': z.object({ engine: z.string().nullable(), kind: z.string() }),
} as const;

/** Events the growth domain records (workflows can start on them). */
export const growthEventTypes = {
  'growth.phase': eventType('A growth engine moved to another phase of its cycle.', z.object({ engine: Engine, from: Phase, to: Phase, runId: z.string().nullable() }), 'engine'),
  'trend.emerging': eventType('A trend relevant to the brand became EMERGING (time-sensitive).', z.object({ trendId: z.number().int(), term: z.string(), label: z.string(), velocity: z.number(), relevance: z.number() }), 'trend'),
  'link.acquired': eventType('A link to our site was found on a prospect\'s page (verified by fetching it).', z.object({ opportunityId: z.number().int(), domain: z.string(), url: z.string(), linkUrl: z.string() }), 'opportunity'),
  'campaign.offtrack': eventType('A running campaign is below its target pace.', z.object({ campaignId: z.string(), name: z.string(), metric: z.string(), target: z.number(), actual: z.number(), pace: z.number() }), 'campaign'),
} as const;
