/**
 * Which push events make which operations' answers out of date: the one map the query cache
 * (./cache.ts) follows, instead of each page wiring its own reloads. An event absent here
 * invalidates nothing. Operations of pages not moved onto the cache yet are listed too, so
 * moving a page is a change of that page only.
 */
import type { EventName, EventPayload, OpName } from '../../../shared/api';

type Rule<E extends EventName> = readonly OpName[] | ((payload: EventPayload<E>) => readonly OpName[]);

const DEALS: readonly OpName[] = ['deals.list', 'deals.get', 'contacts.get', 'kpi.dashboard'];

export const INVALIDATES: { [E in EventName]?: Rule<E> } = {
  'escalation.raised': ['escalations.groups', 'escalations.list'],
  'escalations.acknowledged': ['escalations.groups', 'escalations.list'],
  'approval.created': ['approvals.list'],
  'approval.decided': ['approvals.list'],
  'approvals.count': ['approvals.list'],
  'workflows.changed': ['workflows.list', 'workflows.get', 'templates.list'],
  'run.updated': (p) => (p.status === 'succeeded' || p.status === 'failed' || p.status === 'cancelled' ? ['workflows.list', 'engine.status', 'escalations.groups'] : ['engine.status']),
  'settings.changed': (p) => (p.key === 'engine.paused' ? ['engine.status', 'settings.get'] : ['settings.get', 'templates.list', 'email.status', 'ai.status']),
  'secrets.changed': ['secrets.list', 'templates.list', 'ai.status'],
  'crm.deal.changed': DEALS,
  'crm.event.recorded': (p) => (p.type.startsWith('deal.') ? DEALS : []),
  'crm.contact.changed': ['contacts.get'],
  'sales.task.changed': ['tasks.list'],
  'sales.enrollment.changed': ['sequences.enrollments', 'sequences.list'],
  'crm.scoring.changed': ['scoring.rules.get'],
  'playbooks.changed': ['playbooks.list', 'playbooks.get'],
  'playbooks.run.updated': ['playbooks.runs', 'playbooks.run', 'playbooks.list'],
  'playbooks.phase.updated': ['playbooks.run', 'playbooks.runs'],
  'playbooks.gate.updated': ['playbooks.run', 'approvals.list'],
  'playbooks.conflict.updated': ['playbooks.run'],
  // A commit never changes; only the lists that gain it (the diff of a commit is never out of date).
  'workspace.committed': ['workspace.history', 'workspace.log', 'playbooks.run'],
  // A file saved outside playbooks is recorded on the next workspace read.
  'docs.changed': ['workspace.history', 'workspace.log'],
};

/** The operations an event invalidates. */
export function invalidatedBy<E extends EventName>(event: E, payload: EventPayload<E>): readonly OpName[] {
  const rule = INVALIDATES[event] as Rule<E> | undefined;
  if (!rule) return [];
  return typeof rule === 'function' ? rule(payload) : rule;
}
