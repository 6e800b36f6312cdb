/**
 * After a CRM transaction commits: push events to the hosts and tell the
 * thread's environment that event rows were appended. Every CRM event is a row
 * of the `events` table (contact.created, form.submitted, email.replied,
 * score.crossed …), which is exactly what the engine's dispatcher reads (by id
 * cursor) to start event-triggered workflows and resume waiting runs; so the
 * CRM does not publish through the engine (that would append a second row), it
 * only says "appended" and a running engine dispatches now instead of at its
 * next heartbeat (in a worker thread the main thread is told).
 */
import type { ThreadEnv } from '../env';
import { settle } from './segments';
import type { Pending } from './store';

export function afterCommit(env: ThreadEnv, p: Pending): void {
  // A write that did not settle inside its transaction (no re-scoring: deals, a recorded reply):
  // its contact events and segment membership are finished now, in a transaction of their own.
  if (p.snapshots.length || p.touched.size || p.reconcile.size) env.db.transaction(() => settle(env, p))();
  for (const c of p.changed) env.emit('crm.contact.changed', c);
  for (const e of p.events) env.emit('crm.event.recorded', { id: e.id, type: e.type, contactId: e.contactId, at: e.at });
  if (p.events.length > 0) env.eventsAppended();
  const after = p.after.splice(0);
  for (const fn of after) fn();
  p.changed.length = 0;
  p.events.length = 0;
}
