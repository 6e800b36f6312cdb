/**
 * openBaton(): the one way every host gets a core with every domain registered.
 * A domain (engine, CRM, AI …) is a function `(core) => void` that registers its
 * operation handlers, public routes and services; add it to DOMAINS.
 */
import { Core, type CoreOptions } from './core';
import { registerEngine } from './engine';
import { registerTriggers } from './engine/triggers';
import { crmDomain } from './crm';
import { salesDomain } from './sales';
import { registerAi } from './ai';
import { setupDomain } from './setup';

export type Domain = (core: Core) => void | Promise<void>;

const DOMAINS: Domain[] = [registerEngine, registerTriggers, crmDomain, registerAi, salesDomain, setupDomain];

export async function openBaton(opts: CoreOptions): Promise<Core> {
  const core = await Core.open(opts);
  try {
    for (const register of DOMAINS) await register(core);
  } catch (e) {
    // A domain that met damage while loading (stored JSON that does not parse) names the backup too.
    const damage = core.damage(e);
    await core.close();
    throw damage ?? e;
  }
  return core;
}

export { Core };
export type { CoreOptions };
