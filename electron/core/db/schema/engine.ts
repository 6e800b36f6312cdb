/**
 * The workflow engine's tables (docs/engine.md). Times that the engine compares
 * (due times, leases) are integer milliseconds since the epoch (UTC); times shown
 * to people are ISO strings.
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/** A workflow: its current version and switches. Definitions live in workflow_versions. */
export const workflows = sqliteTable(
  'workflows',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description'),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    currentVersion: integer('current_version').notNull(),
    /** Denormalised from the current definition for trigger lookups. */
    triggerType: text('trigger_type').notNull(),
    /** event type for event triggers, slug for webhooks. */
    triggerKey: text('trigger_key'),
    /**
     * Event triggers start after this event id: the high-water mark of the events table when the
     * workflow was enabled or its trigger changed (docs/engine.md, "Event triggers"). Events up to
     * it are never dispatched to this workflow; workflows.backfill runs them on request.
     */
    eventsFrom: integer('events_from').notNull().default(0),
    /** When events_from was set (ISO), shown as "listening since". */
    eventsFromAt: text('events_from_at'),
    createdAt: text('created_at').notNull().default(now),
    updatedAt: text('updated_at').notNull().default(now),
  },
  (t) => [index('workflows_trigger').on(t.triggerType, t.triggerKey)],
);

/** Every stored version of a definition; a run is pinned to one. Rows are never changed. */
export const workflowVersions = sqliteTable(
  'workflow_versions',
  {
    workflowId: text('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    definition: text('definition').notNull(),
    hash: text('hash').notNull(),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.version] })],
);

export const runs = sqliteTable(
  'runs',
  {
    id: text('id').primaryKey(),
    workflowId: text('workflow_id').notNull(),
    version: integer('version').notNull(),
    /** forEach body runs: the path of the forEach node whose body this run executes ('' for the workflow itself). */
    scope: text('scope').notNull().default(''),
    status: text('status').notNull(),
    phase: text('phase'),
    input: text('input'),
    output: text('output'),
    error: text('error'),
    trigger: text('trigger').notNull(),
    subject: text('subject'),
    idempotencyKey: text('idempotency_key'),
    parentRunId: text('parent_run_id'),
    parentStepId: integer('parent_step_id'),
    /** ms epoch: when the run times out (settings.timeout). */
    deadline: integer('deadline'),
    createdAt: text('created_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
    /** ms epoch of createdAt, for ordering and the queue. */
    seq: integer('seq').notNull(),
  },
  (t) => [
    index('runs_workflow_status').on(t.workflowId, t.status, t.seq),
    index('runs_status_finished').on(t.status, t.finishedAt),
    index('runs_created').on(t.seq),
    // Partial where the column is usually NULL: a run without a parent, idempotency key or subject
    // writes no entry there (fewer B-tree writes per run and per status change; lookups by value still use them).
    index('runs_parent').on(t.parentRunId).where(sql`parent_run_id IS NOT NULL`),
    uniqueIndex('runs_idem').on(t.workflowId, t.idempotencyKey).where(sql`idempotency_key IS NOT NULL`),
    index('runs_subject').on(t.workflowId, t.subject, t.status).where(sql`subject IS NOT NULL`),
  ],
);

export const steps = sqliteTable(
  'steps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    status: text('status').notNull(),
    branch: text('branch'),
    input: text('input'),
    output: text('output'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    /** JSON array of earlier attempts: { attempt, startedAt, finishedAt, error }. */
    history: text('history'),
    /** A suspended node's own state, handed back when it resumes. */
    state: text('state'),
    /** Why a suspended node was resumed: { kind: 'timer' | 'event' | 'approval' | 'child', … }. */
    resume: text('resume'),
    /** A signal arrived while the step was running (child run finished): run it again instead of waiting. */
    wake: integer('wake').notNull().default(0),
    /** Event type a waiting step waits for. */
    waitEvent: text('wait_event'),
    waitingFor: text('waiting_for'),
    /** Engine instance that claimed the step (running). */
    claimedBy: text('claimed_by'),
    /**
     * Worker threads that died (out of memory, crash) while running this step. A step with deaths > 0 runs
     * alone, one at a time in the whole pool, so a second death is its own: then it fails with the cause.
     */
    deaths: integer('deaths').notNull().default(0),
    createdAt: text('created_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
  },
  (t) => [
    uniqueIndex('steps_run_node').on(t.runId, t.nodeId),
    index('steps_ready').on(t.id).where(sql`status = 'ready'`),
    // Not an index on status alone: the planner took it for per-run queries (scanning every finished step).
    index('steps_running').on(t.claimedBy).where(sql`status = 'running'`),
    // Only steps waiting for an event have one: the others (nearly all) write no entry.
    index('steps_wait_event').on(t.waitEvent).where(sql`wait_event IS NOT NULL`),
    // Steps whose worker died while running them (nearly none): claimed one at a time.
    index('steps_suspect').on(t.id).where(sql`deaths > 0`),
  ],
);

/** Due work: wait ends, retry delays, approval expiries, run timeouts. Firing deletes the row in the same transaction as its effect. */
export const timers = sqliteTable(
  'timers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** ms epoch, UTC. */
    dueAt: integer('due_at').notNull(),
    kind: text('kind').notNull(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    stepId: integer('step_id'),
    payload: text('payload'),
  },
  (t) => [index('timers_due').on(t.dueAt), index('timers_step').on(t.stepId), index('timers_run').on(t.runId)],
);

/** Side effects (HTTP calls, emails): one row per idempotency key, recorded before and after sending. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    kind: text('kind').notNull(),
    request: text('request'),
    status: text('status').notNull(),
    response: text('response'),
    /** How many times the effect was sent (more than 1 only after a crash or a failed try). */
    sends: integer('sends').notNull().default(0),
    createdAt: text('created_at').notNull(),
    sentAt: text('sent_at'),
  },
  (t) => [uniqueIndex('outbox_key').on(t.key), index('outbox_run').on(t.runId)],
);

/**
 * The answer a `respond` node recorded for the caller waiting on a run (a webhook in
 * lastNode / respondNode mode, a form with respond.workflow). One row per top-level run:
 * the first respond node wins (a respond node in a forEach body or a sub-workflow answers
 * for the top-level run). Written in the same transaction as the respond step's result.
 */
export const runResponses = sqliteTable('run_responses', {
  /** The top-level run the caller waits for. */
  runId: text('run_id')
    .primaryKey()
    .references(() => runs.id, { onDelete: 'cascade' }),
  /** The run whose step answered (the top-level run, a forEach body run or a sub-workflow run). */
  fromRunId: text('from_run_id').notNull(),
  nodeId: text('node_id').notNull(),
  status: integer('status').notNull(),
  /** JSON object of the (sanitised) response headers. */
  headers: text('headers').notNull(),
  /** The body as sent (JSON text or the string given); null for none. */
  body: text('body'),
  /** The http(s) URL of a redirect (sent as Location). */
  redirect: text('redirect'),
  createdAt: text('created_at').notNull(),
});

export const approvals = sqliteTable(
  'approvals',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    stepId: integer('step_id').notNull(),
    workflowId: text('workflow_id').notNull(),
    nodeId: text('node_id').notNull(),
    title: text('title').notNull(),
    payload: text('payload'),
    confidence: real('confidence'),
    reason: text('reason'),
    status: text('status').notNull(),
    decidedPayload: text('decided_payload'),
    decidedBy: text('decided_by'),
    decidedAt: text('decided_at'),
    decisionReason: text('decision_reason'),
    expiresAt: text('expires_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('approvals_step').on(t.stepId), index('approvals_status').on(t.status, t.createdAt)],
);

export const escalations = sqliteTable(
  'escalations',
  {
    id: text('id').primaryKey(),
    severity: text('severity').notNull(),
    title: text('title').notNull(),
    detail: text('detail').notNull(),
    runId: text('run_id'),
    workflowId: text('workflow_id'),
    /** Dedupe: the same key is raised once. */
    key: text('key'),
    /** Stays on top of the open escalations until acknowledged (e.g. the AI spend cap reached). */
    pinned: integer('pinned', { mode: 'boolean' }).notNull().default(false),
    createdAt: text('created_at').notNull(),
    acknowledgedAt: text('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
  },
  (t) => [index('escalations_created').on(t.createdAt), uniqueIndex('escalations_key').on(t.key)],
);

/** Agentic workflows: what a run planned to do. */
export const plans = sqliteTable(
  'plans',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    workflowId: text('workflow_id').notNull(),
    runId: text('run_id'),
    title: text('title').notNull(),
    content: text('content'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('plans_workflow').on(t.workflowId, t.id)],
);

/** Agentic workflows: what a run learned, read by the next runs. */
export const learnings = sqliteTable(
  'learnings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    workflowId: text('workflow_id').notNull(),
    runId: text('run_id'),
    text: text('text').notNull(),
    tags: text('tags').notNull().default('[]'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('learnings_workflow').on(t.workflowId, t.id)],
);

/** Live engine instances (a host's main thread); steps claimed by a dead one are handed back. */
export const engineInstances = sqliteTable('engine_instances', {
  id: text('id').primaryKey(),
  pid: integer('pid').notNull(),
  startedAt: integer('started_at').notNull(),
  heartbeatAt: integer('heartbeat_at').notNull(),
});

/** Small engine bookkeeping values (the event dispatcher's cursor …). */
export const engineState = sqliteTable('engine_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
