/**
 * CRM: contacts and companies, activity events, lead scoring, segments and
 * funnel KPIs. See docs/crm.md.
 */
import { z } from 'zod';
import { eventType, op } from './base';
import { RedirectUrl, ResponseTimeout } from './workflow';

export const STAGES = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'churned'] as const;
export const Stage = z.enum(STAGES, { error: `use one of ${STAGES.join(', ')}` });
export type Stage = z.infer<typeof Stage>;
/** Funnel order: a stage's rank; automatic promotion (scoring) only ever moves forward. */
export const stageRank = (s: Stage): number => STAGES.indexOf(s);

export const CONSENTS = ['unknown', 'granted', 'denied'] as const;
export const Consent = z.enum(CONSENTS, { error: `use one of ${CONSENTS.join(', ')}` });

/** Event types anyone may record (API, CLI, POST /events). */
export const INGEST_EVENT_TYPES = [
  'email.sent',
  'email.opened',
  'email.clicked',
  'email.replied',
  'email.bounced',
  'email.complained',
  'email.unsubscribed',
  'page.visited',
  'form.viewed',
  'form.submitted',
  'meeting.booked',
  'purchase',
  'custom',
] as const;
export const IngestEventType = z.enum(INGEST_EVENT_TYPES, { error: `use one of ${INGEST_EVENT_TYPES.join(', ')}` });
/** Types Baton records itself on a contact's timeline. */
export const SYSTEM_EVENT_TYPES = ['contact.created', 'contact.merged', 'lifecycle.changed', 'score.crossed', 'deal.opened', 'deal.won', 'deal.lost'] as const;
export const EventType = z.enum([...INGEST_EVENT_TYPES, ...SYSTEM_EVENT_TYPES], {
  error: `use one of ${[...INGEST_EVENT_TYPES, ...SYSTEM_EVENT_TYPES].join(', ')}`,
});

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz.length > 0;
  } catch {
    return false;
  }
}
export const TimeZone = z.string().refine(isTimeZone, { error: 'use an IANA time zone such as Europe/Berlin or America/New_York' });

/** Trimmed, lower-case; a plain shape check (one @, a dot in the domain, no spaces). */
export const normaliseEmail = (s: string): string => s.trim().toLowerCase();
export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const Email = z
  .string()
  .transform(normaliseEmail)
  .refine((s) => s.length <= 254 && EMAIL_RE.test(s), { error: 'use a valid e-mail address such as ada@example.com' });

export const Tag = z.string().trim().min(1, 'a tag must not be empty').max(64, 'a tag has at most 64 characters');
const Text = z.string().trim().max(500, 'at most 500 characters');
const Domain = z
  .string()
  .transform((s) => s.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/\/.*$/, ''))
  .refine((s) => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(s), { error: 'use a domain such as example.com' });
const IsoTime = z.iso.datetime({ offset: true, error: 'use an ISO 8601 time such as 2025-03-01T09:30:00Z' });
const Day = z.iso.date({ error: 'use a date such as 2025-03-01' });
/** An amount of money (a deal's value): 0 up to a trillion. */
export const Money = z.number().min(0, 'use 0 or more').max(1_000_000_000_000, 'at most 1000000000000');

/** Writable contact fields (all optional except email on create). */
export const ContactFields = z.object({
  email: Email,
  firstName: Text.nullish(),
  lastName: Text.nullish(),
  phone: Text.nullish(),
  title: Text.nullish(),
  companyName: Text.nullish(),
  companyDomain: Domain.nullish(),
  stage: Stage.optional(),
  source: Text.nullish(),
  utmSource: Text.nullish(),
  utmMedium: Text.nullish(),
  utmCampaign: Text.nullish(),
  utmTerm: Text.nullish(),
  utmContent: Text.nullish(),
  timeZone: TimeZone.nullish(),
  consent: Consent.optional(),
  tags: z.array(Tag).max(100).optional(),
  custom: z.record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'custom field names use letters, digits and _'), z.unknown()).optional(),
});
export type ContactFields = z.input<typeof ContactFields>;
export const ContactCreate = ContactFields.strict();
export const ContactPatch = ContactFields.partial().strict();

export const Contact = z.object({
  id: z.number().int(),
  email: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  phone: z.string().nullable(),
  title: z.string().nullable(),
  companyId: z.number().int().nullable(),
  companyName: z.string().nullable(),
  companyDomain: z.string().nullable(),
  stage: Stage,
  source: z.string().nullable(),
  utmSource: z.string().nullable(),
  utmMedium: z.string().nullable(),
  utmCampaign: z.string().nullable(),
  utmTerm: z.string().nullable(),
  utmContent: z.string().nullable(),
  timeZone: z.string().nullable(),
  consent: Consent,
  consentAt: z.string().nullable(),
  tags: z.array(z.string()),
  custom: z.record(z.string(), z.unknown()),
  score: z.number().int(),
  lastActivityAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deletedAt: z.string().nullable(),
  mergedInto: z.number().int().nullable(),
});
export type Contact = z.infer<typeof Contact>;

/* ---------- filters (segments and fit rules share them) ---------- */

export const FILTER_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'phone',
  'title',
  'stage',
  'source',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
  'timeZone',
  'consent',
  'score',
  'createdAt',
  'lastActivityAt',
  'companyName',
  'companyDomain',
] as const;
const FilterField = z.string().refine((f) => (FILTER_FIELDS as readonly string[]).includes(f) || /^custom\.[A-Za-z0-9_]{1,64}$/.test(f), {
  error: `use one of ${FILTER_FIELDS.join(', ')} or custom.<name>`,
});
export const FIELD_OPS = ['eq', 'neq', 'contains', 'starts_with', 'ends_with', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'exists', 'not_exists'] as const;
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
export const FieldCondition = z
  .object({
    kind: z.literal('field'),
    field: FilterField,
    op: z.enum(FIELD_OPS, { error: `use one of ${FIELD_OPS.join(', ')}` }),
    value: z.union([Scalar, z.array(Scalar).max(1000)]).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const needsList = c.op === 'in' || c.op === 'not_in';
    const needsNone = c.op === 'exists' || c.op === 'not_exists';
    if (needsNone) return;
    if (c.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `operator ${c.op} needs a value` });
    else if (needsList !== Array.isArray(c.value))
      ctx.addIssue({ code: 'custom', path: ['value'], message: needsList ? `operator ${c.op} needs a list of values` : `operator ${c.op} needs a single value` });
  });
export const TagCondition = z.object({ kind: z.literal('tag'), op: z.enum(['has', 'has_not']), tag: Tag }).strict();
/** A condition on a value in the event's data (e.g. page.visited with path starting with /pricing). */
export const EventDataWhere = z
  .object({
    path: z.string().regex(/^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,4}$/, 'use a dotted data key such as url or form.slug'),
    op: z.enum(['eq', 'contains', 'starts_with']).default('eq'),
    value: Scalar,
  })
  .strict();
export const EventCondition = z
  .object({
    kind: z.literal('event'),
    type: EventType,
    op: z.enum(['did', 'did_not']).default('did'),
    withinDays: z.number().int().min(1).max(3650).optional(),
    minCount: z.number().int().min(1).max(100000).default(1),
    where: EventDataWhere.optional(),
  })
  .strict();
/** No recorded activity (any event but system bookkeeping) for `days`. */
export const InactiveCondition = z.object({ kind: z.literal('inactive'), days: z.number().int().min(1).max(3650) }).strict();
export const Condition = z.discriminatedUnion('kind', [FieldCondition, TagCondition, EventCondition, InactiveCondition], {
  error: 'each condition needs kind: field, tag, event or inactive',
});
export type Condition = z.infer<typeof Condition>;
export const Filter = z
  .object({ match: z.enum(['all', 'any']).default('all'), conditions: z.array(Condition).max(50, 'at most 50 conditions') })
  .strict();
export type Filter = z.infer<typeof Filter>;
export type FilterInput = z.input<typeof Filter>;

/* ---------- scoring ---------- */

const RuleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use a short id of lower-case letters, digits, - and _');
const Points = z.number().int().min(-1000).max(1000);
export const FitRule = z
  .object({ id: RuleId, label: z.string().max(200).optional(), when: z.discriminatedUnion('kind', [FieldCondition, TagCondition]), points: Points })
  .strict();
export const BehaviorRule = z
  .object({
    id: RuleId,
    label: z.string().max(200).optional(),
    event: EventType,
    where: EventDataWhere.optional(),
    points: Points,
    /** Count every matching event (true) or only the first (false). */
    repeatable: z.boolean().default(false),
    /** Most points (in absolute value) this rule can give when repeatable. */
    cap: z.number().int().min(1).max(100000).optional(),
    withinDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();
export const Decay = z
  .object({
    /** Days without activity before decay starts. */
    afterDays: z.number().int().min(1).max(3650),
    /** Points removed at afterDays and again every `everyDays`. */
    points: z.number().int().min(1).max(1000),
    everyDays: z.number().int().min(1).max(3650),
    /** Most points decay can remove. */
    max: z.number().int().min(1).max(100000).optional(),
  })
  .strict();
export const ScoringConfig = z
  .object({
    thresholds: z.object({ mql: z.number().int().min(-1_000_000).max(1_000_000), sql: z.number().int().min(-1_000_000).max(1_000_000) }).strict(),
    fit: z.array(FitRule).max(200).default([]),
    behavior: z.array(BehaviorRule).max(200).default([]),
    decay: Decay.nullable().default(null),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.thresholds.sql <= c.thresholds.mql)
      ctx.addIssue({ code: 'custom', path: ['thresholds', 'sql'], message: `the SQL threshold (${c.thresholds.sql}) must be above the MQL threshold (${c.thresholds.mql})` });
    const seen = new Set<string>();
    for (const [list, rules] of [['fit', c.fit], ['behavior', c.behavior]] as const)
      rules.forEach((r, i) => {
        if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: [list, i, 'id'], message: `rule id "${r.id}" is used twice; ids must be unique` });
        seen.add(r.id);
      });
  });
export type ScoringConfig = z.infer<typeof ScoringConfig>;
export type ScoringConfigInput = z.input<typeof ScoringConfig>;

export const ScoreLine = z.object({
  rule: z.string(),
  label: z.string().optional(),
  kind: z.enum(['fit', 'behavior', 'adjustment', 'decay']),
  points: z.number().int(),
  /** When it applied: the event's time, the contact's last update (fit) or the scoring time (decay). */
  at: z.string().nullable(),
  detail: z.string(),
});
export const ScoreExplanation = z.object({ total: z.number().int(), scoredAt: z.string(), lines: z.array(ScoreLine) });

/* ---------- events ---------- */

export const EventRecord = z.object({
  id: z.number().int(),
  at: z.string(),
  type: z.string(),
  contactId: z.number().int().nullable(),
  data: z.unknown(),
});
export const EventIngest = z
  .object({
    contactId: z.number().int().positive().optional(),
    email: Email.optional(),
    type: IngestEventType,
    at: IsoTime.optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((e) => e.contactId !== undefined || e.email !== undefined, { error: 'give contactId or email', path: ['email'] });
export type EventIngest = z.input<typeof EventIngest>;

/* ---------- import ---------- */

export const ImportMap = z.record(z.string(), z.string());

/** An enabled workflow an import starts (runs: how many at most; null: for some of the rows, its event is not recorded for every row). */
export const ImportWorkflowStart = z.object({
  workflowId: z.string(),
  name: z.string(),
  event: z.string(),
  runs: z.number().int().nullable(),
  /** Its trigger filter, when it has one: it may start fewer runs. */
  filter: z.string().nullable(),
});
/**
 * Which enabled event-triggered workflows an import starts, computed from the file before
 * anything is written (contacts.import.preview) and again in the import's answer.
 */
export const ImportPlan = z.object({
  /** One sentence: "This import will start: … for N contacts." or "No workflow will start." */
  summary: z.string(),
  start: z.array(ImportWorkflowStart),
  /** Workflows on a per-row event type that imported rows do not start (their trigger lacks includeImported). */
  notStarted: z.array(z.object({ workflowId: z.string(), name: z.string(), event: z.string(), why: z.string() })),
});
export type ImportPlan = z.infer<typeof ImportPlan>;

const ImportInput = z
  .object({
    csv: z.string().max(200 * 1024 * 1024),
    map: ImportMap.optional(),
    /** The file's name, recorded in the contacts.imported event. */
    file: z.string().trim().min(1).max(300).optional(),
    /** The lead source given to new contacts whose row has none (also recorded in contacts.imported). */
    source: Text.optional(),
  })
  .strict();

export const ImportReport = z.object({
  /** The id in the data of every event this import recorded (contacts.imported, and its rows' contact.created …). */
  importId: z.string(),
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  companiesCreated: z.number().int(),
  invalidCount: z.number().int(),
  /** The first 1,000 invalid rows: 1-based line number in the file and why. */
  invalid: z.array(z.object({ line: z.number().int(), reason: z.string() })),
  mapping: z.record(z.string(), z.string()),
  durationMs: z.number(),
  /** The workflows this import starts (the dispatcher starts them from its events). */
  workflows: ImportPlan,
});
export type ImportReport = z.infer<typeof ImportReport>;

export const ImportPreview = z.object({
  rows: z.number().int(),
  /** Valid rows whose e-mail is new (the first row of an e-mail repeated in the file). */
  create: z.number().int(),
  /** Valid rows whose e-mail belongs to a live contact (or repeats one of the file): updated when something differs. */
  update: z.number().int(),
  invalidCount: z.number().int(),
  invalid: z.array(z.object({ line: z.number().int(), reason: z.string() })),
  mapping: z.record(z.string(), z.string()),
  workflows: ImportPlan,
});
export type ImportPreview = z.infer<typeof ImportPreview>;

/* ---------- forms, segments, deals, KPIs ---------- */

export const FormDef = z
  .object({
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use lower-case letters, digits and - (e.g. newsletter)'),
    name: z.string().trim().min(1, 'give the form a name').max(200),
    /** Form field name -> contact field: email, firstName, lastName, phone, title, companyName, companyDomain, timeZone, custom.<name>. */
    fields: z.record(z.string().min(1).max(100), z.string()).refine((m) => Object.values(m).includes('email'), { error: 'map one form field to email' }),
    tags: z.array(Tag).max(20).default([]),
    source: z.string().max(100).nullish(),
    /**
     * The thank-you page: a browser form post (urlencoded or multipart) is answered 303 See Other
     * to this http(s) URL; a JSON post gets { ok: true, redirect }. Fixed here, never taken from the
     * submission (no open redirect).
     */
    redirect: RedirectUrl.nullish(),
    /**
     * Wait for the run of this workflow (event trigger form.submitted) started by the submission
     * and answer with what its `respond` node answers (a personalised redirect, a page, JSON), for
     * at most `timeout`; otherwise (no respond node ran, the run failed, too slow) the usual answer.
     */
    respond: z
      .object({
        workflow: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'give the id of a workflow whose trigger is the event form.submitted'),
        timeout: ResponseTimeout.default('10s'),
      })
      .strict()
      .nullish(),
  })
  .strict();
export type FormDef = z.infer<typeof FormDef>;

export const Segment = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string().nullable(),
  filter: Filter,
  count: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const DEAL_STAGES = ['qualification', 'proposal', 'negotiation', 'won', 'lost'] as const;
/** A deal's stage id: the pipeline's stages are configurable (pipeline.set), so the core checks it against them. */
const DealStage = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'give a stage id of the pipeline such as proposal (or won, lost)');
export const Deal = z.object({
  id: z.number().int(),
  contactId: z.number().int().nullable(),
  companyId: z.number().int().nullable(),
  title: z.string().nullable(),
  stage: z.string(),
  value: z.number(),
  currency: z.string(),
  openedAt: z.string(),
  wonAt: z.string().nullable(),
  lostAt: z.string().nullable(),
  /** When the owner expects to close it (YYYY-MM-DD), or null. */
  closeDate: z.string().nullable().default(null),
});
export type Deal = z.infer<typeof Deal>;
export const DealNote = z.object({ id: z.number().int(), dealId: z.number().int(), text: z.string(), createdAt: z.string() });
export type DealNote = z.infer<typeof DealNote>;
const CloseDate = z.iso.date({ error: 'use a date such as 2026-03-31' });

/** A deal on the pipeline board: the deal with who it is for and how long it has sat in its stage. */
export const DealListRow = Deal.extend({
  contactName: z.string().nullable(),
  contactEmail: z.string().nullable(),
  companyName: z.string().nullable(),
  /** When the deal entered its current stage (the pipeline's clock, else its last update). */
  stageEnteredAt: z.string(),
  daysInStage: z.number().int(),
});
export type DealListRow = z.infer<typeof DealListRow>;

const DateRange = z
  .object({ from: Day, to: Day })
  .strict()
  .refine((r) => r.from <= r.to, { error: 'from must be on or before to', path: ['to'] });
const FunnelNumbers = z.object({
  newLeads: z.number(),
  reachedMql: z.number(),
  reachedSql: z.number(),
  dealsWon: z.number(),
  leadToMql: z.number().nullable(),
  mqlToSql: z.number().nullable(),
  sqlToWon: z.number().nullable(),
  revenueWon: z.array(z.object({ currency: z.string(), value: z.number() })),
  pipeline: z.array(z.object({ stage: z.string(), count: z.number(), value: z.number(), currency: z.string() })),
});
const Engagement = z.object({
  emailsSent: z.number(),
  replies: z.number(),
  /** % of e-mails sent in the range (null when none was sent) */
  replyRate: z.number().nullable(),
  bounces: z.number(),
  bounceRate: z.number().nullable(),
  unsubscribes: z.number(),
  unsubscribeRate: z.number().nullable(),
  complaints: z.number(),
  /** Sequence enrollments that ended in the range, and the % that reached the last step (the others exited: reply, bounce, goal…). */
  sequencesEnded: z.number(),
  sequencesCompleted: z.number(),
  sequenceCompletionRate: z.number().nullable(),
  /** Mean days from opening to winning, for deals won in the range. */
  salesCycleDays: z.number().nullable(),
});
export const KpiDashboard = z.object({
  engagement: z.object({ current: Engagement, previous: Engagement }),
  /** Open deals now, by stage: how many and the mean days since they entered it. */
  timeInStage: z.array(z.object({ stage: z.string(), deals: z.number(), avgDays: z.number() })),
  range: z.object({ from: z.string(), to: z.string() }),
  previousRange: z.object({ from: z.string(), to: z.string() }),
  current: FunnelNumbers,
  previous: FunnelNumbers,
  newLeadsPerDay: z.array(z.object({ day: z.string(), count: z.number() })),
  previousNewLeadsPerDay: z.array(z.object({ day: z.string(), count: z.number() })),
});
export type KpiDashboard = z.infer<typeof KpiDashboard>;

const Id = z.object({ id: z.number().int().positive() }).strict();
const SortField = z.enum(['id', 'email', 'firstName', 'lastName', 'score', 'stage', 'createdAt', 'updatedAt', 'lastActivityAt']);

/** How far the contacts table counts a list's matches (contacts.list totalUpTo): beyond it, "1,000+ match". */
export const CONTACT_TABLE_TOTAL_UP_TO = 1000;

export const crmOps = {
  'contacts.list': op(
    'Contacts page by page: filter (segment conditions), search (email or name), sort; total for a virtualised list.',
    z
      .object({
        search: z.string().max(200).optional(),
        filter: Filter.optional(),
        segmentId: z.number().int().positive().optional(),
        companyId: z.number().int().positive().optional().describe("only the company's contacts (companies.list gives the ids)"),
        sort: z.object({ field: SortField, dir: z.enum(['asc', 'desc']).default('asc') }).strict().optional(),
        offset: z.number().int().min(0).default(0),
        after: z
          .object({ id: z.number().int().positive(), value: z.union([z.string(), z.number(), z.null()]) })
          .strict()
          .optional()
          .describe("the page after this row (keyset): the previous page's last contact's id and its value of the sort field (its id when unsorted); no offset scan, so a deep page costs what the first does; use with offset 0"),
        limit: z.number().int().min(1).max(1000).default(100),
        deleted: z.boolean().default(false).describe('list soft-deleted contacts (restorable) instead of live ones'),
        totalUpTo: z
          .number()
          .int()
          .min(1)
          .max(1_000_000)
          .optional()
          .describe('count the matches only up to this many: when there are more, total is this number and totalCapped is true (a wide search answers without reading every match)'),
      })
      .strict(),
    z.object({ total: z.number().int(), totalCapped: z.boolean().describe('total is a lower bound: more contacts match (only with totalUpTo)'), rows: z.array(Contact) }),
  ),
  'contacts.get': op(
    'One contact with its score explanation and activity timeline (newest first).',
    z.object({ id: z.number().int().positive(), timelineLimit: z.number().int().min(1).max(1000).default(100) }).strict(),
    z.object({ contact: Contact, score: ScoreExplanation, timeline: z.array(EventRecord), deals: z.array(Deal) }),
  ),
  'contacts.create': op('Create a contact (the e-mail must not belong to a live contact).', ContactCreate, Contact),
  'contacts.update': op(
    'Change fields of a contact; addTags/removeTags edit tags without replacing them.',
    z.object({ id: z.number().int().positive(), set: ContactPatch.default({}), addTags: z.array(Tag).optional(), removeTags: z.array(Tag).optional() }).strict(),
    Contact,
  ),
  'contacts.delete': op('Soft-delete a contact; contacts.restore undoes it within the undo window.', Id, z.object({ id: z.number().int(), deletedAt: z.string(), restorableUntil: z.string() })),
  'contacts.restore': op('Undo a delete (within the undo window, if the e-mail is still free).', Id, Contact),
  'contacts.merge': op(
    'Merge a duplicate into a contact: events, deals and tags move, empty fields are filled, the duplicate is kept as merged.',
    z.object({ targetId: z.number().int().positive(), sourceId: z.number().int().positive() }).strict(),
    Contact,
  ),
  'contacts.import': op(
    'Import contacts from CSV text (header row; map = CSV column -> contact field, default: by header names). Records one contacts.imported event; its rows start only the workflows whose trigger says includeImported.',
    ImportInput,
    ImportReport,
  ),
  'contacts.import.preview': op(
    'Check a CSV without importing it: valid and invalid rows, new and existing e-mails, and which enabled workflows the import would start.',
    ImportInput,
    ImportPreview,
  ),
  'companies.list': op(
    'Companies with their number of contacts (live ones), by name; search matches name or domain, id picks one company.',
    z.object({ search: z.string().max(200).optional(), id: z.number().int().positive().optional(), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    z.object({ total: z.number().int(), rows: z.array(z.object({ id: z.number().int(), name: z.string().nullable(), domain: z.string().nullable(), contacts: z.number().int() })) }),
  ),
  'events.ingest': op(
    'Record activity on contacts (by contactId or email; an unknown email creates the contact). Up to 1,000 events per call.',
    z.object({ events: z.array(EventIngest).min(1).max(1000) }).strict(),
    z.object({ ids: z.array(z.number().int()), contactIds: z.array(z.number().int()) }),
  ),
  'events.ingestKey.rotate': op(
    'Create a new secret for POST /events (stored in the secret store; shown once).',
    z.object({}).strict(),
    z.object({ key: z.string(), header: z.string() }),
  ),
  'forms.list': op('Lead-capture forms (POST /forms/<slug>).', z.object({}).strict(), z.object({ forms: z.array(FormDef) })),
  'forms.save': op('Create or replace a form.', FormDef, FormDef),
  'forms.delete': op('Delete a form.', z.object({ slug: z.string() }).strict(), z.object({ deleted: z.boolean() })),
  'scoring.rules.get': op('The lead-scoring rules and thresholds.', z.object({}).strict(), ScoringConfig),
  'scoring.rules.set': op(
    'Replace the lead-scoring rules (JSON, validated) and re-score every contact.',
    z.object({ config: ScoringConfig }).strict(),
    z.object({ config: ScoringConfig, rescored: z.number().int(), changed: z.number().int(), crossed: z.number().int(), durationMs: z.number() }),
  ),
  'scoring.preview': op(
    'What new scoring rules would do, storing nothing: how many scores would change and cross a threshold, and a few contacts (given, else the highest scored and the most recently active) with their score under the rules in use and under the new ones.',
    z.object({ config: ScoringConfig, contactIds: z.array(z.number().int().positive()).max(20, 'at most 20 contacts').optional() }).strict(),
    z.object({
      thresholds: z.object({ mql: z.number().int(), sql: z.number().int() }),
      sample: z.array(z.object({ id: z.number().int(), name: z.string().nullable(), email: z.string(), stage: z.enum(STAGES), before: z.number().int(), after: z.number().int(), lines: z.array(ScoreLine) })),
      everyone: z.object({ rescored: z.number().int(), changed: z.number().int(), crossed: z.number().int() }),
    }),
  ),
  'scoring.rescore': op(
    'Re-score every contact now (decay depends on the date).',
    z.object({}).strict(),
    z.object({ rescored: z.number().int(), changed: z.number().int(), crossed: z.number().int(), durationMs: z.number() }),
  ),
  'segments.list': op('Saved segments with live counts.', z.object({}).strict(), z.object({ segments: z.array(Segment) })),
  'segments.save': op(
    'Create (no id) or replace a segment.',
    z.object({ id: z.number().int().positive().optional(), name: z.string().trim().min(1, 'give the segment a name').max(200), description: z.string().max(1000).nullish(), filter: Filter }).strict(),
    Segment,
  ),
  'segments.delete': op('Delete a segment.', Id, z.object({ deleted: z.boolean() })),
  'segments.count': op('Live count of contacts matching a filter (preview while editing).', z.object({ filter: Filter }).strict(), z.object({ count: z.number().int() })),
  'deals.create': op(
    'Open a deal (minimal; the pipeline comes later).',
    z
      .object({
        contactId: z.number().int().positive().nullish(),
        companyId: z.number().int().positive().nullish(),
        title: z.string().max(200).nullish(),
        /** A stage of the pipeline (pipeline.get), or won / lost. */
        stage: DealStage.default('qualification'),
        value: Money.default(0),
        currency: z.string().regex(/^[A-Z]{3}$/, 'use a 3-letter currency code such as USD').default('USD'),
        openedAt: IsoTime.optional(),
        closeDate: CloseDate.nullish(),
      })
      .strict(),
    Deal,
  ),
  'deals.update': op(
    'Move a deal to a stage (won/lost close it), or change its value, title or expected close date (null clears it).',
    z
      .object({
        id: z.number().int().positive(),
        stage: DealStage.optional(),
        value: Money.optional(),
        title: z.string().trim().min(1, 'give the deal a title').max(200, 'at most 200 characters').optional(),
        closeDate: CloseDate.nullable().optional(),
        at: IsoTime.optional(),
      })
      .strict(),
    Deal,
  ),
  'deals.get': op(
    'One deal for its panel: the deal with its contact and company, the owner\'s notes (oldest first) and its activity (the deal\'s events, newest first).',
    z.object({ id: z.number().int().positive() }).strict(),
    z.object({ deal: DealListRow, notes: z.array(DealNote), activity: z.array(EventRecord) }),
  ),
  'deals.notes.add': op(
    'Add a note to a deal.',
    z.object({ dealId: z.number().int().positive(), text: z.string().trim().min(1, 'write the note first').max(5000, 'at most 5000 characters') }).strict(),
    DealNote,
  ),
  'deals.list': op(
    'Deals for the pipeline board: by stage, open or closed, newest first; with the contact, the company and the days in stage; total and value per currency.',
    z
      .object({
        stage: z.string().min(1, 'give a stage id such as proposal').max(64).optional(),
        open: z.boolean().optional().describe('true: only open deals; false: only won or lost ones; absent: all'),
        contactId: z.number().int().positive().optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    z.object({ total: z.number().int(), values: z.array(z.object({ currency: z.string(), value: z.number() })), rows: z.array(DealListRow) }),
  ),
  'kpi.dashboard': op(
    'Funnel KPIs for a date range (UTC days, inclusive) and the previous period of the same length.',
    DateRange,
    KpiDashboard,
  ),
  'kpi.refresh': op('Bring the daily KPI rollup up to date (normally automatic).', z.object({}).strict(), z.object({ events: z.number().int() })),
} as const;

export const crmEvents = {
  'crm.contact.changed': z.object({
    contactId: z.number().int(),
    change: z.enum(['created', 'updated', 'deleted', 'restored', 'merged']),
  }),
  'crm.contacts.imported': z.object({ created: z.number().int(), updated: z.number().int(), invalidCount: z.number().int() }),
  'crm.event.recorded': z.object({ id: z.number().int(), type: z.string(), contactId: z.number().int(), at: z.string() }),
  'crm.score.crossed': z.object({ contactId: z.number().int(), threshold: z.enum(['mql', 'sql']), score: z.number().int(), from: Stage, to: Stage }),
  'crm.form.submitted': z.object({ form: z.string(), contactId: z.number().int(), created: z.boolean() }),
  'crm.scoring.changed': z.object({ rescored: z.number().int() }),
  'crm.kpi.changed': z.object({ events: z.number().int() }),
  /** A deal was opened or changed (stage, value, title, close date, a note). */
  'crm.deal.changed': z.object({ id: z.number().int() }),
} as const;


const DealData = z.object({ dealId: z.number().int(), value: z.number().nullable().optional(), currency: z.string().nullable().optional() }).passthrough();

/** How a contact was created or changed: the API (and the app), a lead-capture form, a CSV import, event ingest, a workflow, the demo seed. */
export const CONTACT_VIAS = ['api', 'form', 'import', 'ingest', 'workflow', 'demo'] as const;
const Via = z.enum(CONTACT_VIAS);
/** Set on every event a CSV import records for one of its rows; event triggers skip such events unless `includeImported: true`. */
const ImportId = z.string().min(1);

/**
 * A contact as a workflow needs it, in the data of contact.created, contact.updated
 * (at the top level: `input.name`, `input.score`) and segment.entered/left (`input.contact`).
 * As of the commit of the change that recorded the event (the score included).
 */
export const EventContact = z
  .object({
    id: z.number().int(),
    email: z.string(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    /** "First Last", or the one that is known; null when neither is. */
    name: z.string().nullable(),
    phone: z.string().nullable(),
    title: z.string().nullable(),
    company: z.object({ id: z.number().int(), name: z.string().nullable(), domain: z.string().nullable() }).nullable(),
    stage: Stage,
    score: z.number().int(),
    tags: z.array(z.string()),
    source: z.string().nullable(),
    utm: z.object({ source: z.string().nullable(), medium: z.string().nullable(), campaign: z.string().nullable(), term: z.string().nullable(), content: z.string().nullable() }),
    timeZone: z.string().nullable(),
    consent: Consent,
    custom: z.record(z.string(), z.unknown()),
  })
  .passthrough();
export type EventContact = z.infer<typeof EventContact>;

/** One changed field of a contact.updated event (fields: email, firstName …, company, tags, custom.<name>). */
export const FieldChange = z.object({ from: z.unknown(), to: z.unknown() });

/**
 * Event types the CRM records on a contact's timeline (rows of the events
 * table; the subject is the contact). Workflows start on them (event triggers),
 * wait for them, and scoring rules and segments count them. Activity from
 * outside (events.ingest, forms, tracking) may carry other types too.
 */
export const crmEventTypes = {
  'contact.created': eventType(
    'A contact was created (via: api, form, import, ingest, workflow, demo); the data is the contact as of that commit, score included. Rows of a CSV import carry importId and start a workflow only when its trigger says includeImported.',
    EventContact.extend({
      via: Via,
      /** The stage it was created with (`stage` is as of the commit: scoring may have promoted it in the same write). */
      initialStage: Stage.optional(),
      importId: ImportId.optional(),
      form: z.string().optional(),
      /** The workflow whose node wrote it (via "workflow"). */
      workflowId: z.string().optional(),
    }),
    'contact',
  ),
  'contact.updated': eventType(
    'A write changed fields, tags or custom fields of a contact (one event per write, none when nothing changed); changes lists each changed field as { from, to }, the rest is the contact after the write.',
    EventContact.extend({ changes: z.record(z.string(), FieldChange), via: Via, importId: ImportId.optional(), form: z.string().optional(), workflowId: z.string().optional() }),
    'contact',
  ),
  'contacts.imported': eventType(
    'A CSV import finished: one event per import, whatever its size; id is the import id its rows carry as importId (contact.created / contact.updated …).',
    z
      .object({
        id: ImportId,
        file: z.string().nullable(),
        source: z.string().nullable(),
        rows: z.number().int(),
        created: z.number().int(),
        updated: z.number().int(),
        unchanged: z.number().int(),
        invalid: z.number().int(),
      })
      .passthrough(),
    'import',
  ),
  'segment.entered': eventType(
    'The contact started matching a saved segment (a change to its fields, tags, score or events, or time passing); not for the members a segment has when it is saved.',
    z.object({ segmentId: z.number().int(), segmentName: z.string(), contact: EventContact, importId: ImportId.optional() }).passthrough(),
    'contact',
  ),
  'segment.left': eventType(
    'The contact stopped matching a saved segment (not when it is deleted or the segment is edited).',
    z.object({ segmentId: z.number().int(), segmentName: z.string(), contact: EventContact, importId: ImportId.optional() }).passthrough(),
    'contact',
  ),
  'contact.merged': eventType(
    'Another contact was merged into this one.',
    z.object({ sourceId: z.number().int(), sourceEmail: z.string(), movedEvents: z.number().int(), movedDeals: z.number().int() }).passthrough(),
    'contact',
  ),
  'lifecycle.changed': eventType(
    'The contact moved to another lifecycle stage (by hand, by score, by a deal, by a merge).',
    z.object({ from: z.string(), to: z.string(), reason: z.string(), importId: ImportId.optional() }).passthrough(),
    'contact',
  ),
  'score.crossed': eventType(
    'The score crossed the MQL or SQL threshold and the contact was promoted.',
    z.object({ threshold: z.string(), score: z.number(), minScore: z.number().optional(), from: z.string(), to: z.string(), importId: ImportId.optional() }).passthrough(),
    'contact',
  ),
  'form.submitted': eventType(
    'A lead-capture form was submitted (POST /hooks/forms/<form>).',
    z.object({ form: z.string(), email: z.string(), fields: z.record(z.string(), z.unknown()) }).passthrough(),
    'contact',
  ),
  'deal.opened': eventType('A deal was opened for the contact.', DealData, 'contact'),
  'deal.won': eventType('A deal of the contact was won.', DealData, 'contact'),
  'deal.lost': eventType('A deal of the contact was lost.', DealData, 'contact'),
  // email.opened, email.clicked, page.visited and form.viewed are declared by the tracking domain (shared/contract/tracking.ts).
  'score.adjusted': eventType(
    'A workflow added or removed score points (crm.score); the score explanation shows the reason and re-scoring keeps it.',
    z.object({ points: z.number().int(), reason: z.string(), workflowId: z.string().optional(), runId: z.string().optional(), nodeId: z.string().optional() }).passthrough(),
    'contact',
  ),
  custom: eventType(
    'A custom event on the contact (crm.event.record, events.ingest); data.name names it (webinar.attended), the rest is free.',
    z.object({ name: z.string().optional() }).passthrough().nullable(),
    'contact',
  ),
} as const;
