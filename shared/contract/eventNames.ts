/**
 * The names of every push event (the keys of `events` in shared/api.ts), without their schemas:
 * the renderer's first bundle subscribes to them and checks a name without loading zod and the
 * contract. shared/api.ts fails to typecheck when this list and the events drift apart.
 */
import type { EventName } from '../api';

export const EVENT_NAMES = [
  'secrets.changed',
  'backup.created',
  'database.damaged',
  'host.stopping',
  'settings.changed',
  'run.updated',
  'approval.created',
  'approval.decided',
  'escalation.raised',
  'escalations.acknowledged',
  'approvals.count',
  'workflows.changed',
  'run.responded',
  'crm.contact.changed',
  'crm.contacts.imported',
  'crm.event.recorded',
  'crm.score.crossed',
  'crm.form.submitted',
  'crm.scoring.changed',
  'crm.kpi.changed',
  'crm.deal.changed',
  'ai.capReached',
  'docs.changed',
  'sales.email.sent',
  'sales.enrollment.changed',
  'sales.task.changed',
  'billing.changed',
  'connection.changed',
  'finance.changed',
  'reports.changed',
  'monitor.changed',
  'products.changed',
  'growth.changed',
  'playbooks.changed',
  'playbooks.run.updated',
  'playbooks.phase.updated',
  'playbooks.gate.updated',
  'playbooks.conflict.updated',
  'workspace.committed',
  'affiliate.changed',
] as const satisfies readonly EventName[];

const NAMES: ReadonlySet<string> = new Set(EVENT_NAMES);

/** Whether a string names a push event (the same answer as isEventName in shared/api.ts). */
export function isEventNameListed(name: string): name is EventName {
  return NAMES.has(name);
}
