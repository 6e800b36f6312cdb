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
  'run.updated': (p) => [
    ...(p.status === 'succeeded' || p.status === 'failed' || p.status === 'cancelled' ? (['workflows.list', 'engine.status', 'escalations.groups', 'finance.pnl'] as const) : (['engine.status'] as const)),
    // A growth engine's cycle (workflow growth-<engine>): its state and the health view.
    ...(p.workflowId.startsWith('growth-') ? (['growth.status', 'growth.health'] as const) : []),
  ],
  'settings.changed': (p) =>
    p.key === 'engine.paused' ? ['engine.status', 'settings.get'] : p.key.startsWith('finance.') ? ['settings.get', 'finance.pnl'] : ['settings.get', 'templates.list', 'email.status', 'ai.status'],
  'secrets.changed': ['secrets.list', 'templates.list', 'ai.status'],
  'crm.deal.changed': DEALS,
  'crm.event.recorded': (p) => (p.type.startsWith('deal.') ? DEALS : []),
  'crm.contact.changed': ['contacts.get'],
  'sales.task.changed': ['tasks.list'],
  'sales.enrollment.changed': ['sequences.enrollments', 'sequences.list'],
  'crm.scoring.changed': ['scoring.rules.get'],
  'finance.changed': ['finance.pnl', 'finance.sources.list', 'finance.transactions.list', 'finance.categories.list', 'finance.rules.list'],
  // Commissions are P&L income and the dashboard's affiliate tile.
  'affiliate.changed': (p) =>
    p.source === 'clicks'
      ? ['affiliate.stats', 'affiliate.links.list', 'kpi.summary']
      : ['affiliate.stats', 'affiliate.links.list', 'affiliate.programs.list', 'affiliate.sources.list', 'affiliate.commissions.list', 'affiliate.costs.list', 'finance.pnl', 'kpi.summary'],
  // Income from billing (charges, refunds) is in the P&L.
  'billing.changed': ['finance.pnl'],
  'growth.changed': (p) => [...growthOps(p.kind), ...(p.engine && !CONTROL_KINDS.has(p.kind) ? (ENGINE_DATA[p.engine] ?? []) : [])],
  'products.changed': ['products.list', 'products.get', 'products.grants.list'],
  'playbooks.changed': ['playbooks.list', 'playbooks.get'],
  'playbooks.run.updated': ['playbooks.runs', 'playbooks.run', 'playbooks.list'],
  'playbooks.phase.updated': ['playbooks.run', 'playbooks.runs'],
  'playbooks.gate.updated': ['playbooks.run', 'approvals.list'],
  'playbooks.conflict.updated': ['playbooks.run'],
  // A commit never changes; only the lists that gain it (the diff of a commit is never out of date).
  'workspace.committed': ['workspace.history', 'workspace.log', 'playbooks.run'],
  // A file saved outside playbooks is recorded on the next workspace read.
  'docs.changed': ['docs.list', 'workspace.history', 'workspace.log'],
};

/** growth.changed kinds about the engines' control (phases, plans), not about their data. */
const CONTROL_KINDS = new Set(['phase', 'run', 'start', 'stop', 'priorities', 'plan']);

/** What each growth engine's own steps change (a growth.changed of its data makes them out of date). */
const ENGINE_DATA: Record<string, readonly OpName[]> = {
  seo: ['seo.quickWins', 'seo.opportunities', 'seo.rankChanges', 'seo.health', 'seo.pages'],
  content: ['content.sources.list', 'content.trending', 'content.ideas', 'content.calendar'],
  links: ['links.opportunities', 'links.outreachQueue', 'links.roi'],
  campaigns: ['campaigns.list', 'campaigns.patterns', 'campaigns.portfolio', 'campaigns.roi'],
};

/** The Growth page's answers a growth.changed of this kind makes out of date. */
function growthOps(kind: string): readonly OpName[] {
  const status: OpName[] = ['growth.status', 'growth.health', 'growth.dashboard', 'growth.report'];
  switch (kind) {
    case 'plan':
      return [...status, 'plans.list', 'plans.items'];
    case 'learning':
      return [...status, 'learnings.list', 'plans.list', 'plans.items'];
    case 'import':
    case 'analyze':
    case 'pages':
      return [...status, 'seo.quickWins', 'seo.opportunities', 'seo.rankChanges', 'seo.health', 'seo.pages', 'content.trending', 'links.opportunities', 'campaigns.list', 'campaigns.patterns'];
    case 'sources':
    case 'calendar':
      return [...status, 'content.sources.list', 'content.trending', 'content.ideas', 'content.calendar'];
    default:
      // phase, run, start, stop, priorities and what an engine's nodes record in a cycle
      return [...status, 'plans.list', 'plans.items'];
  }
}

/** The operations an event invalidates. */
export function invalidatedBy<E extends EventName>(event: E, payload: EventPayload<E>): readonly OpName[] {
  const rule = INVALIDATES[event] as Rule<E> | undefined;
  if (!rule) return [];
  return typeof rule === 'function' ? rule(payload) : rule;
}
