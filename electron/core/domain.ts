/**
 * Domains: how a capability plugs into the core (docs/architecture.md,
 * "Domains"). A domain (crm, sales, ai, wordpress …) is one folder that
 * declares, through one `defineDomain({...})`, everything it adds:
 *
 * - `ops`: the contract it implements (shared/contract/<domain>.ts); `create`
 *   returns one handler per operation (checked by TypeScript);
 * - `events`: the event types it records, each with a zod schema of its data
 *   (shared/contract/<domain>.ts, so the UI can show them too);
 * - `nodes`: its workflow node types (also loaded by every worker thread,
 *   through electron/core/nodes.ts);
 * - `settings`: the keys of shared/contract/settings.ts it reads (editable or internal);
 * - in `create(core)`: public routes, background services, and host services
 *   for other domains (`core.provide(KEY, value)`).
 *
 * Domains are composed in electron/core/index.ts. The engine is the kernel:
 * it knows node and event types only through the registry built there, and
 * imports no domain. Domains reach each other through events and typed
 * service keys (electron/core/env.ts), never through module-level locators.
 */
import type { EventTypeDef, KnownSettingKey, OpDef, OpName } from '../../shared/api';
import type { HandlerMap } from './api/types';
import type { Core, PublicRoute, Service } from './core';
import type { NodeDef } from './engine/registry';

export interface DomainParts<K extends OpName> {
  /** One handler per operation of `ops`. */
  handlers?: HandlerMap<K>;
  /** Public HTTP routes (no bearer token; the handler authenticates), by prefix ("hooks/forms"), with their limits. */
  routes?: Record<string, PublicRoute>;
  /** Started by hosts that serve (`baton serve`, the desktop app), not by one-shot CLI commands. */
  services?: Service[];
  /** Run when the core closes. */
  onClose?: () => void | Promise<void>;
}

export interface DomainDef<O extends Record<string, OpDef> = Record<string, OpDef>> {
  id: string;
  /** One line: what the domain adds (shown in docs/workflows.md). */
  description: string;
  ops?: O;
  events?: Record<string, EventTypeDef>;
  nodes?: readonly NodeDef[];
  /** The settings it reads: keys of SETTINGS or INTERNAL_SETTINGS (shared/contract/settings.ts). */
  settings?: readonly KnownSettingKey[];
  /** Domains whose host services this one uses: they must be composed before it. */
  requires?: readonly string[];
  create(core: Core): DomainParts<Extract<keyof O, OpName>> | void | Promise<DomainParts<Extract<keyof O, OpName>> | void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDomain = DomainDef<any>;

export function defineDomain<O extends Record<string, OpDef> = Record<never, OpDef>>(d: DomainDef<O>): DomainDef<O> {
  return d;
}

/** The event types every domain declared, by name, with the declaring domain. */
export class EventTypes {
  private readonly types = new Map<string, { def: EventTypeDef; domain: string }>();

  add(domain: string, types: Record<string, EventTypeDef>): void {
    for (const [name, def] of Object.entries(types)) {
      const had = this.types.get(name);
      if (had) throw new Error(`Event type "${name}" is declared by both the ${had.domain} and the ${domain} domain.`);
      this.types.set(name, { def, domain });
    }
  }

  get(name: string): EventTypeDef | undefined {
    return this.types.get(name)?.def;
  }

  domainOf(name: string): string | undefined {
    return this.types.get(name)?.domain;
  }

  names(): string[] {
    return [...this.types.keys()].sort();
  }

  all(): { name: string; def: EventTypeDef; domain: string }[] {
    return this.names().map((name) => ({ name, ...(this.types.get(name) as { def: EventTypeDef; domain: string }) }));
  }
}
