/**
 * The kpi domain: dashboard KPIs for any range with the previous period, as a
 * workflow node (kpi.read) and an operation (kpi.summary), for summaries to
 * the operator (the weekly-summary template). It reads the other domains'
 * KPI functions; it owns the operator's own address (operator.email).
 */
import { kpiOps } from '../../../shared/api';
import { defineDomain } from '../domain';
import { KPI_NODES } from './nodes';
import { readKpis } from './read';

export const kpiDomain = defineDomain({
  id: 'kpi',
  description: 'Dashboard KPIs for any range with the previous period, what changed most, what failed and what waits: summaries for you.',
  ops: kpiOps,
  nodes: KPI_NODES,
  requires: ['engine', 'crm', 'billing', 'finance', 'affiliate'],
  settings: ['operator.email'],
  create(core) {
    return { handlers: { 'kpi.summary': (i) => readKpis(core, i) } };
  },
});
