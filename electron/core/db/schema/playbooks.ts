import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/*
 * Agent-team playbooks (docs/playbooks.md). JSON columns are TEXT written and
 * parsed by the playbooks store (electron/core/playbooks/store.ts).
 */

/** A playbook definition: the built-in one and the imported ones (the latest version). */
export const playbooks = sqliteTable('playbooks', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  version: integer('version').notNull(),
  builtIn: integer('built_in').notNull().default(0),
  format: text('format').notNull(),
  source: text('source').notNull(),
  /** The validated definition (JSON). */
  definition: text('definition').notNull(),
  createdAt: text('created_at').notNull().default(now),
  updatedAt: text('updated_at').notNull().default(now),
});

/** One run of a playbook in a mode: the definition it ran (JSON snapshot), its config, and the engine run. */
export const playbookRuns = sqliteTable(
  'playbook_runs',
  {
    id: text('id').primaryKey(),
    playbookId: text('playbook_id').notNull(),
    definition: text('definition').notNull(),
    mode: text('mode').notNull(),
    scenario: text('scenario'),
    role: text('role'),
    task: text('task'),
    config: text('config').notNull(),
    /** The step ids the mode runs (JSON array). */
    plan: text('plan').notNull(),
    status: text('status').notNull(),
    waitingFor: text('waiting_for'),
    workflowRunId: text('workflow_run_id'),
    error: text('error'),
    startedAt: text('started_at').notNull().default(now),
    finishedAt: text('finished_at'),
  },
  (t) => [index('playbook_runs_playbook').on(t.playbookId, t.startedAt)],
);

/** A phase of a run: its branch, its gate (JSON) and merge. */
export const playbookPhases = sqliteTable(
  'playbook_phases',
  {
    runId: text('run_id').notNull(),
    phaseId: text('phase_id').notNull(),
    status: text('status').notNull(),
    branch: text('branch'),
    baseCommit: text('base_commit'),
    mergeCommit: text('merge_commit'),
    gate: text('gate'),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.runId, t.phaseId] })],
);

/** A step of a run: its answer (files and status-file fields, JSON), the request to revise it, cost and timings. */
export const playbookSteps = sqliteTable(
  'playbook_steps',
  {
    runId: text('run_id').notNull(),
    stepId: text('step_id').notNull(),
    phaseId: text('phase_id').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    costUsd: real('cost_usd').notNull().default(0),
    files: text('files'),
    roleStatus: text('role_status'),
    request: text('request'),
    commitOid: text('commit_oid'),
    error: text('error'),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.runId, t.stepId] })],
);

/** A conflict raised by a step (two positions) or met merging a branch, and the Coordinator's decision. */
export const playbookConflicts = sqliteTable(
  'playbook_conflicts',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull(),
    phaseId: text('phase_id').notNull(),
    stepId: text('step_id'),
    kind: text('kind').notNull(),
    raisedBy: text('raised_by').notNull(),
    topic: text('topic').notNull(),
    positions: text('positions').notNull(),
    files: text('files').notNull(),
    status: text('status').notNull(),
    decision: text('decision'),
    rerun: text('rerun').notNull().default('[]'),
    raisedAt: text('raised_at').notNull().default(now),
  },
  (t) => [index('playbook_conflicts_run').on(t.runId)],
);
