/**
 * The workflow engine's operations and push events: workflows, runs, approvals,
 * escalations (docs/engine.md). Plans and learnings belong to the growth domain (shared/contract/growth.ts).
 */
import { z } from 'zod';
import { Empty, eventType, op } from './base';
import { NodeId, Trigger, ValidationIssue, WorkflowId } from './workflow';

export const RunStatus = z.enum(['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;
export const StepStatus = z.enum(['ready', 'running', 'waiting', 'succeeded', 'failed', 'skipped', 'cancelled']);
export type StepStatus = z.infer<typeof StepStatus>;
export const RunPhase = z.enum(['IDLE', 'ANALYZING', 'PLANNING', 'EXECUTING', 'LEARNING']);
export type RunPhase = z.infer<typeof RunPhase>;
export const Severity = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof Severity>;
export const ApprovalStatus = z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** How a run was started. */
export const RunTrigger = z.object({
  type: z.enum(['manual', 'schedule', 'event', 'webhook', 'subworkflow', 'error', 'api', 'cli', 'test']),
  /** schedule: the fire time; event: the event id; webhook: the slug; test: { workflowId, from? } … */
  detail: z.unknown().optional(),
});
export type RunTrigger = z.infer<typeof RunTrigger>;

export const RunError = z.object({
  message: z.string(),
  code: z.string().optional(),
  nodeId: z.string().optional(),
  expression: z.string().optional(),
});
export type RunError = z.infer<typeof RunError>;

export const RunSummary = z.object({
  id: z.string(),
  workflowId: z.string(),
  workflowName: z.string(),
  version: z.number().int(),
  status: RunStatus,
  phase: RunPhase.nullable(),
  trigger: RunTrigger,
  subject: z.string().nullable(),
  parentRunId: z.string().nullable(),
  error: RunError.nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const StepAttempt = z.object({
  attempt: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string(),
  error: RunError.nullable(),
});

export const StepDetail = z.object({
  id: z.number().int(),
  nodeId: z.string(),
  type: z.string(),
  status: StepStatus,
  branch: z.string().nullable(),
  input: z.unknown(),
  output: z.unknown(),
  error: RunError.nullable(),
  attempts: z.number().int(),
  history: z.array(StepAttempt),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** What a waiting step waits for (a time, an event, an approval, child runs). */
  waitingFor: z.string().nullable(),
});
export type StepDetail = z.infer<typeof StepDetail>;

/** What a `respond` node answered the caller waiting on a run (webhook, form); the first one wins. */
export const RunResponse = z.object({
  /** The node that answered, and its run (this run, or a forEach body / sub-workflow run below it). */
  nodeId: z.string(),
  fromRunId: z.string(),
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  /** The http(s) URL the caller was redirected to, or null. */
  redirect: z.string().nullable(),
  /** Size of the body in bytes (the body itself is in the node's params or its input). */
  bodyBytes: z.number().int(),
  at: z.string(),
});
export type RunResponse = z.infer<typeof RunResponse>;

export const RunDetail = RunSummary.extend({
  input: z.unknown(),
  output: z.unknown(),
  steps: z.array(StepDetail),
  /** The answer a respond node recorded for this run's caller (null when none ran). */
  response: RunResponse.nullable().optional(),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const WorkflowSummary = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  version: z.number().int(),
  trigger: Trigger,
  lastRun: z.object({ id: z.string(), status: RunStatus, createdAt: z.string(), finishedAt: z.string().nullable() }).nullable(),
  /** Next scheduled fire (schedule triggers), ISO UTC. */
  nextRun: z.string().nullable(),
  /** Finished runs in the last 7 days and the share that succeeded (null when none finished). */
  runs7d: z.number().int(),
  successRate7d: z.number().nullable(),
  activeRuns: z.number().int(),
  /**
   * Event triggers: where the trigger starts. Events with an id up to `eventId` were recorded
   * before the workflow was enabled (or its trigger changed, at `at`; null for workflows stored
   * before this was recorded) and are never dispatched to it; workflows.backfill runs them on
   * request. Null for other triggers.
   */
  eventsFrom: z.object({ eventId: z.number().int(), at: z.string().nullable() }).nullable(),
});
export type WorkflowSummary = z.infer<typeof WorkflowSummary>;

/**
 * How urgent an approval is, derived when it is read (docs/engine.md, "Approvals"):
 * high = expires within 24 h or confidence below 0.5; low = confidence 0.9 or more and
 * no expiry within 72 h; normal otherwise.
 */
export const ApprovalPriority = z.enum(['high', 'normal', 'low']);
export type ApprovalPriority = z.infer<typeof ApprovalPriority>;
/**
 * What became of a decided approval's run: running (still working, or waiting for
 * something else), queued (a side effect waits in the outbox or a step waits to retry
 * after a network error: it sends when the network is back), delivered (the run
 * succeeded), failed (the run failed or was cancelled). Null while pending.
 */
export const ApprovalDelivery = z.enum(['running', 'queued', 'delivered', 'failed']);
export type ApprovalDelivery = z.infer<typeof ApprovalDelivery>;

export const Approval = z.object({
  id: z.string(),
  runId: z.string(),
  workflowId: z.string(),
  /** The workflow's name (its id when the workflow is gone). */
  workflowName: z.string(),
  nodeId: z.string(),
  title: z.string(),
  payload: z.unknown(),
  confidence: z.number().nullable(),
  reason: z.string().nullable(),
  status: ApprovalStatus,
  decidedPayload: z.unknown(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionReason: z.string().nullable(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  priority: ApprovalPriority,
  delivery: ApprovalDelivery.nullable(),
  /** Why a queued delivery waits (the last error and the next retry), or why it failed. */
  deliveryDetail: z.string().nullable(),
});
export type Approval = z.infer<typeof Approval>;

export const Escalation = z.object({
  id: z.string(),
  severity: Severity,
  title: z.string(),
  detail: z.string(),
  runId: z.string().nullable(),
  workflowId: z.string().nullable(),
  createdAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  /** Kept on top of the open escalations (escalations.list, the Dashboard) until acknowledged: e.g. the AI spend cap reached. */
  pinned: z.boolean(),
});
export type Escalation = z.infer<typeof Escalation>;

/** A cause of escalations: `<workflow id>|<title before its first ": ">` (an empty workflow id for those raised outside a workflow). */
export const EscalationCause = z.string().min(1, 'give a cause from escalations.groups').max(1000);
export const EscalationGroup = z.object({
  cause: z.string(),
  workflowId: z.string().nullable(),
  workflowName: z.string().nullable(),
  /** The common title (before its first ": "). */
  title: z.string(),
  count: z.number().int(),
  /** Open (unacknowledged) ones of the group. */
  open: z.number().int(),
  severity: Severity,
  pinned: z.boolean(),
  newest: Escalation,
});
export type EscalationGroup = z.infer<typeof EscalationGroup>;


export const EngineStatus = z.object({
  paused: z.boolean(),
  /** pool: Bree worker threads; inline: this process' main thread; off: nothing executes here (one-shot CLI). */
  mode: z.enum(['pool', 'inline', 'off']),
  workers: z.number().int(),
  runs: z.object({ queued: z.number().int(), running: z.number().int(), waiting: z.number().int() }),
  readySteps: z.number().int(),
  timers: z.number().int(),
  nextTimerAt: z.string().nullable(),
});
export type EngineStatus = z.infer<typeof EngineStatus>;

/** Steps of one node, by outcome (workflows.nodeStats). `active` = ready or running. */
export const NodeStats = z.object({
  succeeded: z.number().int(),
  failed: z.number().int(),
  waiting: z.number().int(),
  skipped: z.number().int(),
  cancelled: z.number().int(),
  active: z.number().int(),
});
export type NodeStats = z.infer<typeof NodeStats>;

/** Finished runs (succeeded, failed or cancelled) of a period and the share that succeeded (null when none finished). */
export const AutomationPeriod = z.object({
  from: z.string(),
  to: z.string(),
  finished: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  /** Percent (0-100, one decimal) of finished runs that succeeded. */
  successRate: z.number().nullable(),
});
export type AutomationPeriod = z.infer<typeof AutomationPeriod>;
export const AutomationKpi = z.object({
  current: AutomationPeriod,
  previous: AutomationPeriod,
  /** Runs that failed in the 24 hours before now. */
  failedLast24h: z.number().int(),
});
export type AutomationKpi = z.infer<typeof AutomationKpi>;
/** workflows.backfill: what a dry run counts, and what a real one started. */
export const BackfillResult = z.object({
  id: z.string(),
  dryRun: z.boolean(),
  /** The trigger's event type and filter (JSONata). */
  event: z.string(),
  filter: z.string().nullable(),
  /** Events with an id up to this were recorded before the trigger listened (the "existing" events). */
  eventsFrom: z.number().int(),
  listeningSince: z.string().nullable(),
  /** Existing events of the trigger's type (since `since`). */
  scanned: z.number().int(),
  /** Of those, the ones the filter accepts. */
  matching: z.number().int(),
  /** Matching events that already have a run (an earlier backfill): never started again. */
  alreadyRun: z.number().int(),
  /** Runs this call starts (dry run: would start), at most `limit`, oldest events first. */
  toStart: z.number().int(),
  /** Runs started (always 0 in a dry run). */
  started: z.number().int(),
  /** Events whose subject already has an active run of the workflow (settings.reenroll false). */
  skippedActive: z.number().int(),
  /** Matching events without a run beyond `limit` (a later call starts them). */
  remaining: z.number().int(),
  /** The first runs started (at most 100). */
  runIds: z.array(z.string()),
});
export type BackfillResult = z.infer<typeof BackfillResult>;

const KpiDay = z.iso.date({ error: 'use a date such as 2025-03-01' });

const IsoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'use an ISO date such as 2025-01-31 or 2025-01-31T08:00:00Z');
const Limit = z.number().int().min(1).max(1000).default(50);
const Json = z.unknown();

/**
 * Test runs (workflows.testRun) run a draft definition under a workflow of their own, `test~<id>`: it is
 * never listed, never triggered, its runs are marked `trigger.type = "test"` and left out of the KPIs and
 * of the real workflow's counts. Not a valid WorkflowId, so no import can take or reach it.
 */
export const TEST_WORKFLOW_PREFIX = 'test~';
export const testWorkflowId = (id: string): string => `${TEST_WORKFLOW_PREFIX}${id}`;
export const isTestWorkflowId = (id: string): boolean => id.startsWith(TEST_WORKFLOW_PREFIX);
/** The workflow a test workflow's id stands for (the id itself when it is not one). */
export const realWorkflowId = (id: string): string => (isTestWorkflowId(id) ? id.slice(TEST_WORKFLOW_PREFIX.length) : id);

/** One field of a node's params or of an event's data, as the docs and the editor list them. */
export const ParamInfo = z.object({
  name: z.string(),
  required: z.boolean(),
  /** A short type: string, number, boolean, list, object, one of "a" | "b", or several joined by " or ". */
  type: z.string(),
  /** True when the value may be an expression ("=input.x"). */
  expression: z.boolean(),
  description: z.string().optional(),
});
export type ParamInfo = z.infer<typeof ParamInfo>;

/** A node type of the registry, as the editor's palette and forms use it. */
export const NodeTypeInfo = z.object({
  type: z.string(),
  domain: z.string(),
  description: z.string(),
  params: z.array(ParamInfo),
  /** JSON Schema (draft 2020-12) of the params as written, generated from the node's own zod schema (the one the validator uses). */
  schema: z.unknown(),
  /** Params that are expressions without "=" (raw), expressions kept as text (deferred), or left exactly as written (opaque): dotted paths. */
  expressions: z.object({ raw: z.array(z.string()), deferred: z.array(z.string()), opaque: z.array(z.string()) }),
  /** Static branch names (besides "error"), or null when the params decide them (ask nodes.branches). */
  branches: z.array(z.string()).nullable(),
});
export type NodeTypeInfo = z.infer<typeof NodeTypeInfo>;

/** An event type workflows can start on or wait for, with the shape of its data. */
export const EventTypeInfo = z.object({
  type: z.string(),
  domain: z.string(),
  description: z.string(),
  subject: z.string().nullable(),
  data: z.array(ParamInfo),
  /** JSON Schema of the event's data (what a run started by it gets as `input`). */
  schema: z.unknown(),
});
export type EventTypeInfo = z.infer<typeof EventTypeInfo>;

export const ExpressionResult = z.object({
  ok: z.boolean(),
  /** The value (cut to a preview when `truncated`). */
  value: z.unknown().optional(),
  error: z.object({ message: z.string(), position: z.number().int().optional() }).optional(),
  truncated: z.boolean(),
});
export type ExpressionResult = z.infer<typeof ExpressionResult>;

export const engineOps = {
  'workflows.list': op('Workflows with enabled, version, last run, next run and 7-day success rate.', Empty,
    z.object({ workflows: z.array(WorkflowSummary) })),
  'workflows.get': op('One workflow: summary, current definition and its versions.', z.object({ id: WorkflowId }).strict(),
    z.object({ workflow: WorkflowSummary, definition: Json, versions: z.array(z.object({ version: z.number().int(), createdAt: z.string() })) })),
  'workflows.import': op('Validate and store a definition as a new version (a rejected import changes nothing).',
    z.object({ definition: Json, enable: z.boolean().optional() }).strict(),
    z.object({ id: z.string(), version: z.number().int(), created: z.boolean(), changed: z.boolean() })),
  'workflows.validate': op('Check a definition without storing it.', z.object({ definition: Json }).strict(),
    z.object({ ok: z.boolean(), issues: z.array(ValidationIssue) })),
  'workflows.export': op('The stored definition (current or a given version).', z.object({ id: WorkflowId, version: z.number().int().positive().optional() }).strict(),
    z.object({ definition: Json })),
  'workflows.enable': op('Enable a workflow (its triggers start runs).', z.object({ id: WorkflowId }).strict(), z.object({ id: z.string(), enabled: z.boolean() })),
  'workflows.disable': op('Disable a workflow (triggers stop; runs in flight finish).', z.object({ id: WorkflowId }).strict(), z.object({ id: z.string(), enabled: z.boolean() })),
  'workflows.backfill': op(
    'Run an event-triggered workflow for the matching events recorded before its trigger started listening (it never does by itself). dryRun: true counts them and starts nothing; ask for the count first. Each event runs at most once (idempotency key event:<id>).',
    z
      .object({
        id: WorkflowId,
        since: IsoDate.optional(),
        limit: z.number().int().min(1, 'limit must be at least 1').max(100_000, 'limit must be at most 100,000').default(1000),
        dryRun: z.boolean({ error: 'say dryRun: true to count the matching events, or dryRun: false to start their runs' }),
      })
      .strict(),
    BackfillResult,
  ),
  'workflows.nodeStats': op('Per node of a workflow: how many of its steps succeeded, failed, wait, were skipped … in the runs of the last N days.',
    z.object({ id: WorkflowId, days: z.number().int().min(1, 'days must be at least 1').max(3650, 'days must be at most 3650').default(7) }).strict(),
    z.object({ id: z.string(), days: z.number().int(), since: z.string(), runs: z.number().int(), nodes: z.record(z.string(), NodeStats) })),
  'engine.status': op('Whether the engine runs or is paused, and how much work is pending.', Empty, EngineStatus),
  'engine.pauseAll': op('Master switch off: no step or timer is processed until resumeAll.', Empty, EngineStatus),
  'engine.resumeAll': op('Master switch on.', Empty, EngineStatus),
  'runs.list': op('Runs, newest first, filtered by workflow, status and creation date.',
    z.object({ workflow: z.string().optional(), status: RunStatus.optional(), from: IsoDate.optional(), to: IsoDate.optional(), limit: Limit, cursor: z.string().optional() }).strict(),
    z.object({ runs: z.array(RunSummary), nextCursor: z.string().nullable() })),
  'runs.get': op('One run with its step timeline (input, output, error, attempts, timings).', z.object({ id: z.string() }).strict(), RunDetail),
  'runs.start': op('Start a run of a workflow (manual trigger).',
    z.object({ workflow: z.string(), input: Json.optional(), idempotencyKey: z.string().min(1).max(200).optional(), subject: z.string().optional() }).strict(),
    z.object({ runId: z.string(), deduplicated: z.boolean(), status: RunStatus })),
  'runs.cancel': op('Cancel a run (its waiting and ready steps stop; nothing further is sent).', z.object({ id: z.string() }).strict(), RunSummary),
  'runs.retry': op('Retry a failed run from its failed step(s); finished steps are kept.', z.object({ id: z.string() }).strict(), RunSummary),
  'runs.prune': op('Delete finished runs older than N days (never a queued, running or waiting run).',
    z.object({ olderThanDays: z.number().min(0, 'use 0 or more days').max(3650, 'at most 3650 days').default(30) }).strict(), z.object({ deleted: z.number().int() })),
  'approvals.list': op('Approvals, newest first (pending by default), filtered by workflow; page with nextCursor.',
    z.object({ status: ApprovalStatus.or(z.literal('all')).default('pending'), workflow: z.string().optional(), limit: Limit, cursor: z.string().regex(/^[^~]+~[^~]+$/, 'use the nextCursor of the previous page').optional() }).strict(),
    z.object({ approvals: z.array(Approval), pending: z.number().int(), nextCursor: z.string().nullable() })),
  'approvals.get': op('One approval.', z.object({ id: z.string() }).strict(), Approval),
  'approvals.decide': op('Approve (optionally with an edited payload) or reject. A second decision keeps the first one.',
    z.object({ id: z.string(), decision: z.enum(['approve', 'reject']), payload: Json.optional(), reason: z.string().max(2000).optional(), by: z.string().max(200).optional() }).strict(),
    z.object({ approval: Approval, alreadyDecided: z.boolean(), message: z.string() })),
  'kpi.automation': op('Automation success for a date range (UTC days, inclusive, by finish time) and the previous period of the same length, plus failures in the last 24 hours.',
    z.object({ from: KpiDay, to: KpiDay }).strict().refine((r) => r.from <= r.to, { error: 'from must be on or before to', path: ['to'] }),
    AutomationKpi),
  'approvals.decideMany': op('Approve or reject many approvals in one call (no edited payloads). Each one keeps its first decision; an unknown id is reported, not fatal.',
    z.object({ ids: z.array(z.string().min(1)).min(1, 'give at least one approval id').max(1000), decision: z.enum(['approve', 'reject']), reason: z.string().max(2000).optional(), by: z.string().max(200).optional() }).strict(),
    z.object({
      results: z.array(z.object({ id: z.string(), approval: Approval.nullable(), alreadyDecided: z.boolean(), ok: z.boolean(), message: z.string() })),
      decided: z.number().int(),
      pending: z.number().int(),
    })),
  'escalations.list': op('Escalations: pinned open ones first (they stay there until acknowledged), then newest first; filtered by state, severity, workflow or cause (escalations.groups), paged with offset.',
    z.object({
      acknowledged: z.boolean().optional(),
      severity: Severity.optional(),
      workflow: z.string().max(200).optional(),
      cause: EscalationCause.optional(),
      offset: z.number().int().min(0, 'offset must be 0 or more').default(0),
      limit: Limit,
    }).strict(),
    z.object({ escalations: z.array(Escalation), unacknowledged: z.number().int(), total: z.number().int() })),
  'escalations.groups': op('Escalations grouped by cause (the workflow and the title before its first ": "): how many, the newest, the highest severity, pinned ones first, then the largest groups.',
    z.object({ state: z.enum(['open', 'acknowledged', 'all']).default('open'), severity: Severity.optional(), workflow: z.string().max(200).optional(), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    z.object({ groups: z.array(EscalationGroup), total: z.number().int(), unacknowledged: z.number().int() })),
  'escalations.acknowledge': op('Acknowledge an escalation.', z.object({ id: z.string(), by: z.string().max(200).optional() }).strict(), Escalation),
  'escalations.ackMany': op('Acknowledge many open escalations at once: every one of a cause (escalations.groups), or a list of ids.',
    z.object({ cause: EscalationCause.optional(), ids: z.array(z.string().min(1)).min(1, 'give at least one escalation id').max(10_000).optional(), by: z.string().max(200).optional() })
      .strict()
      .refine((i) => (i.cause === undefined) !== (i.ids === undefined), { error: 'give either cause (a group of escalations.groups) or ids', path: ['cause'] }),
    z.object({ acknowledged: z.number().int(), unacknowledged: z.number().int() })),
  'events.publish': op('Append a domain event; starts matching event-triggered workflows and resumes runs waiting for it.',
    z.object({ type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'use a dotted lower-case event type such as contact.created'), data: Json.optional(), subject: z.object({ type: z.string(), id: z.string() }).optional() }).strict(),
    z.object({ eventId: z.number().int(), startedRuns: z.array(z.string()), resumedSteps: z.number().int() })),
  'nodes.catalog': op('Every node type of the registry (domain nodes included): description, params (field list and JSON Schema), expression params and branches.', Empty,
    z.object({ nodes: z.array(NodeTypeInfo) })),
  'nodes.branches': op('The branches (besides "error") a node of this type has with these params (switch cases, ai.generate branches); null with the problems when the params are not valid.',
    z.object({ type: z.string().min(1, 'give a node type'), params: Json }).strict(),
    z.object({ branches: z.array(z.string()).nullable(), issues: z.array(ValidationIssue) })),
  'events.catalog': op('Every event type workflows can start on or wait for, with the shape of its data.', Empty, z.object({ events: z.array(EventTypeInfo) })),
  'workflows.testRun': op(
    'Test-run a definition, saved or not (it is checked like an import first): the whole workflow, or from one node on (that node and everything after it) with pinned input. A real run that does what its nodes do, marked as a test run: not counted in the KPIs nor in the workflow\'s own figures, no failure escalation.',
    z.object({ definition: Json, input: Json.optional(), from: NodeId.optional() }).strict(),
    z.object({ runId: z.string(), workflowId: z.string(), version: z.number().int(), nodes: z.array(z.string()) })),
  'schedules.preview': op('A schedule in words and its next fire times in its time zone (checked like an import).',
    z.object({ cron: z.string().max(200), timezone: z.string().max(100), count: z.number().int().min(1).max(20).default(5) }).strict(),
    z.object({ ok: z.boolean(), text: z.string().nullable(), next: z.array(z.string()), issues: z.array(ValidationIssue) })),
  'expressions.evaluate': op('Evaluate an expression (JSONata, without "=") against sample data { input, prev, steps, run }: at most 1 s and 500 levels deep; the value is cut to 64 KiB.',
    z.object({ expression: z.string().max(20_000), scope: Json.optional() }).strict(), ExpressionResult),
} as const;

export const RunUpdated = z.object({
  id: z.string(),
  workflowId: z.string(),
  status: RunStatus,
  phase: RunPhase.nullable().optional(),
  at: z.string(),
});
export const EscalationRaised = z.object({
  id: z.string(),
  severity: Severity,
  title: z.string(),
  detail: z.string(),
  createdAt: z.string(),
  runId: z.string().optional(),
  workflowId: z.string().optional(),
  pinned: z.boolean().optional(),
});
export type EscalationRaised = z.infer<typeof EscalationRaised>;

export const engineEvents = {
  'run.updated': RunUpdated,
  'approval.created': z.object({ id: z.string(), runId: z.string(), workflowId: z.string(), title: z.string(), createdAt: z.string() }),
  'approval.decided': z.object({ id: z.string(), runId: z.string(), status: ApprovalStatus, decidedBy: z.string().nullable(), decidedAt: z.string() }),
  'escalation.raised': EscalationRaised,
  /** One or many escalations were acknowledged (the open count is what is left). */
  'escalations.acknowledged': z.object({ count: z.number().int(), unacknowledged: z.number().int(), ids: z.array(z.string()).max(100) }),
  'approvals.count': z.object({ pending: z.number().int() }),
  'workflows.changed': z.object({ id: z.string() }),
  /** A respond node recorded the answer for the caller waiting on run `id` (the top-level run). */
  'run.responded': z.object({ id: z.string(), workflowId: z.string(), nodeId: z.string(), status: z.number().int(), at: z.string() }),
} as const;

/** Event types the engine records (rows of the events table a workflow can start on or wait for). */
export const engineEventTypes = {
  'run.failed': eventType(
    'A top-level run failed after its retries (also starts the workflow\'s error workflow).',
    z.object({ runId: z.string(), workflowId: z.string(), error: z.object({ message: z.string() }).passthrough() }).passthrough(),
    'run',
  ),
  'approval.decided': eventType(
    'An approval was approved, rejected or expired.',
    z.object({ approvalId: z.string(), runId: z.string(), status: z.enum(['approved', 'rejected', 'expired']), decidedBy: z.string().nullable().optional() }).passthrough(),
    'approval',
  ),
} as const;
