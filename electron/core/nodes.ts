/**
 * The node types of every domain, for threads that run workflow steps without
 * a Core (the engine's Bree workers). It lists the same node modules the
 * domains declare (electron/core/index.ts checks at startup that both agree),
 * and nothing else of the domains, so a worker loads only what nodes need.
 */
import { AFFILIATE_NODES } from './affiliate/nodes';
import { AI_NODES } from './ai/nodes';
import { BILLING_NODES } from './billing/nodes';
import { CRM_NODES } from './crm/nodes';
import { ENGINE_NODES } from './engine/nodes';
import { GROWTH_NODES } from './growth/nodes';
import { PLAYBOOK_NODES } from './playbooks/nodes';
import { PRODUCTS_NODES } from './products/nodes';
import { NodeRegistry } from './engine/registry';
import { KPI_NODES } from './kpi/nodes';
import { MONITORING_NODES } from './monitoring/nodes';
import { REPORTS_NODES } from './reports/nodes';
import { SALES_NODES } from './sales/nodes';
import { WORDPRESS_NODES } from './wordpress/nodes';

export const NODE_PACKS = [
  { domain: 'engine', nodes: ENGINE_NODES },
  { domain: 'crm', nodes: CRM_NODES },
  { domain: 'ai', nodes: AI_NODES },
  { domain: 'sales', nodes: SALES_NODES },
  { domain: 'wordpress', nodes: WORDPRESS_NODES },
  { domain: 'billing', nodes: BILLING_NODES },
  { domain: 'kpi', nodes: KPI_NODES },
  { domain: 'reports', nodes: REPORTS_NODES },
  { domain: 'growth', nodes: GROWTH_NODES },
  { domain: 'playbooks', nodes: PLAYBOOK_NODES },
  { domain: 'monitoring', nodes: MONITORING_NODES },
  { domain: 'products', nodes: PRODUCTS_NODES },
  { domain: 'affiliate', nodes: AFFILIATE_NODES },
] as const;

/** A registry of every node type (a worker thread's, or a test's). */
export function threadNodes(): NodeRegistry {
  return new NodeRegistry(NODE_PACKS);
}
