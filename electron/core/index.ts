/**
 * The composition root: openBaton() is the one way every host gets a core
 * with every domain registered. A domain is one `defineDomain({...})`
 * (electron/core/domain.ts); adding a capability = one domain folder, one line
 * in DOMAINS (and, when it has node types, one line in ./nodes.ts).
 */
import { operations, type OpName } from '../../shared/api';
import { affiliateDomain } from './affiliate';
import { aiDomain } from './ai';
import { billingDomain } from './billing';
import { systemDomain } from './api/system';
import { Core, type CoreOptions } from './core';
import { crmDomain } from './crm';
import { connectionDomain } from './remote';
import type { AnyDomain } from './domain';
import { engineDomain } from './engine';
import { financeDomain } from './finance';
import { kpiDomain } from './kpi';
import { monitoringDomain } from './monitoring';
import { reportsDomain } from './reports';
import { growthDomain } from './growth';
import { playbooksDomain } from './playbooks';
import { productsDomain } from './products';
import { triggersDomain } from './engine/triggers';
import { NODE_PACKS } from './nodes';
import { salesDomain } from './sales';
import { setupDomain } from './setup';
import { trackingDomain } from './tracking';
import { wordpressDomain } from './wordpress';

/** Every domain, in the order they are composed (a domain comes after those it requires). */
export const DOMAINS: readonly AnyDomain[] = [systemDomain, engineDomain, triggersDomain, crmDomain, aiDomain, salesDomain, trackingDomain, wordpressDomain, billingDomain, growthDomain, financeDomain, affiliateDomain, reportsDomain, kpiDomain, monitoringDomain, setupDomain, connectionDomain, playbooksDomain, productsDomain];

export async function openBaton(opts: CoreOptions, domains: readonly AnyDomain[] = DOMAINS): Promise<Core> {
  const core = await Core.open(opts);
  try {
    await compose(core, domains);
  } catch (e) {
    // A domain that met damage while loading (stored JSON that does not parse) names the backup too.
    const damage = core.damage(e);
    await core.close();
    throw damage ?? e;
  }
  return core;
}

/**
 * Register each domain on the core: its node and event types, then what its
 * create() returns (operation handlers, public routes, services). Whatever is
 * declared twice, or out of order, fails here, at startup.
 */
export async function compose(core: Core, domains: readonly AnyDomain[]): Promise<void> {
  const settingOwner = new Map<string, string>();
  for (const d of domains) {
    if (core.domains.includes(d.id)) throw new Error(`The domain "${d.id}" is composed twice.`);
    for (const r of d.requires ?? []) if (!core.domains.includes(r)) throw new Error(`The domain "${d.id}" needs the "${r}" domain composed before it.`);
    core.domains.push(d.id);
    if (d.nodes) core.nodes.add(d.id, d.nodes);
    if (d.events) core.eventTypes.add(d.id, d.events);
    for (const k of d.settings ?? []) {
      const had = settingOwner.get(k);
      if (had) throw new Error(`The setting "${k}" is declared by both the ${had} and the ${d.id} domain.`);
      settingOwner.set(k, d.id);
    }
    const parts = await d.create(core);
    if (!parts) continue;
    if (parts.handlers) {
      const declared = new Set(Object.keys(d.ops ?? {}));
      for (const name of Object.keys(parts.handlers)) if (!declared.has(name)) throw new Error(`The ${d.id} domain implements "${name}", which its ops do not declare.`);
      for (const name of declared) if (!(name in parts.handlers)) throw new Error(`The ${d.id} domain declares "${name}" but has no handler for it.`);
      core.register(parts.handlers);
    }
    for (const [prefix, handler] of Object.entries(parts.routes ?? {})) core.registerPublicRoute(prefix, handler);
    for (const s of parts.services ?? []) core.addService(s);
    if (parts.onClose) core.onClose(parts.onClose);
  }
  // Worker threads build their node registry from ./nodes.ts: it must hold exactly the domains' node types.
  const composed = new Set(domains.map((d) => d.id));
  // (types(), not all(): all() sorts with localeCompare, and the collator costs ~15 ms of start-up CPU.)
  const threadTypes = new Set(NODE_PACKS.filter((p) => composed.has(p.domain)).flatMap((p) => p.nodes.map((n) => `${p.domain}:${n.type}`)));
  const missing = core.nodes
    .types()
    .map((t) => `${core.nodes.domainOf(t)}:${t}`)
    .filter((t) => !threadTypes.has(t));
  if (missing.length) throw new Error(`Node types ${missing.join(', ')} are not listed in electron/core/nodes.ts: worker threads could not run them.`);
}

/** Operations of the contract that no composed domain implements (empty for DOMAINS). */
export function unimplemented(core: Core): OpName[] {
  return (Object.keys(operations) as OpName[]).filter((n) => !core.implements(n));
}

export { Core };
export type { CoreOptions };
