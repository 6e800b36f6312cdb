import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * One row per schedule fire that was (or is being) started. The UNIQUE
 * (workflow_id, fire_at) makes the claim atomic: of two processes racing for
 * the same fire, one insert wins and only the winner starts a run.
 */
export const scheduleFires = sqliteTable(
  'schedule_fires',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    workflowId: text('workflow_id').notNull(),
    /** The scheduled instant, ISO 8601 UTC. */
    fireAt: text('fire_at').notNull(),
    /** claimed (row written, run not started yet) | started | failed */
    status: text('status').notNull(),
    runId: text('run_id'),
    /** true when the fire was found after its time (caught up after a sleep or a restart). */
    late: integer('late', { mode: 'boolean' }).notNull().default(false),
    error: text('error'),
    claimedAt: text('claimed_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    startedAt: text('started_at'),
  },
  (t) => [uniqueIndex('schedule_fires_wf_fire').on(t.workflowId, t.fireAt), index('schedule_fires_status').on(t.status)],
);

/** Per scheduled workflow: up to which instant its fires have been decided (run, or skipped by policy). */
export const scheduleState = sqliteTable('schedule_state', {
  workflowId: text('workflow_id').primaryKey(),
  /** "cron|timezone": a changed schedule restarts from now instead of catching up under the new rule. */
  spec: text('spec').notNull(),
  handledUntil: text('handled_until').notNull(),
  /** Fires counted as skipped by the catch-up policy (total). */
  skipped: integer('skipped').notNull().default(0),
  updatedAt: text('updated_at').notNull(),
});
