/**
 * The one contract between the UI and the core. Every host (Electron IPC, the
 * headless HTTP/WebSocket server, the CLI) serves exactly these operations and
 * pushes exactly these events. Domain files in shared/contract/ declare them;
 * this file joins them.
 */
import type { z } from 'zod';
import { systemEvents, systemOps } from './contract/system';
import { engineEvents, engineOps } from './contract/engine';
import { crmEvents, crmOps } from './contract/crm';
import { aiEvents, aiOps } from './contract/ai';
import { triggersEvents, triggersOps } from './contract/triggers';
import { salesEvents, salesOps } from './contract/sales';
import { setupEvents, setupOps } from './contract/setup';
import { billingEvents, billingOps } from './contract/billing';
import { wordpressEvents, wordpressOps } from './contract/wordpress';
import { trackingEvents, trackingOps } from './contract/tracking';
import { connectionEvents, connectionOps } from './contract/connection';
import { financeEvents, financeOps } from './contract/finance';
import { reportsEvents, reportsOps } from './contract/reports';
import { monitoringEvents, monitoringOps } from './contract/monitoring';
import { productsEvents, productsOps } from './contract/products';
import { kpiEvents, kpiOps } from './contract/kpi';
import { growthEvents, growthOps } from './contract/growth';
import { playbooksEvents, playbooksOps } from './contract/playbooks';
import { affiliateEvents, affiliateOps } from './contract/affiliate';
import type { EVENT_NAMES } from './contract/eventNames';

export * from './contract/base';
export * from './contract/system';
export * from './contract/engine';
export * from './contract/workflow';
export * from './contract/crm';
export * from './contract/ai';
export * from './contract/triggers';
export * from './contract/sales';
export * from './contract/settings';
export * from './contract/setup';
export * from './contract/billing';
export * from './contract/wordpress';
export * from './contract/tracking';
export * from './contract/connection';
export * from './contract/finance';
export * from './contract/reports';
export * from './contract/monitoring';
export * from './contract/products';
export * from './contract/kpi';
export * from './contract/growth';
export * from './contract/playbooks';
export * from './contract/affiliate';

export const operations = {
  ...systemOps,
  ...engineOps,
  ...crmOps,
  ...aiOps,
  ...triggersOps,
  ...salesOps,
  ...setupOps,
  ...billingOps,
  ...wordpressOps,
  ...trackingOps,
  ...connectionOps,
  ...financeOps,
  ...reportsOps,
  ...monitoringOps,
  ...productsOps,
  ...kpiOps,
  ...growthOps,
  ...playbooksOps,
  ...affiliateOps,
} as const;

export const events = {
  ...systemEvents,
  ...engineEvents,
  ...crmEvents,
  ...aiEvents,
  ...triggersEvents,
  ...salesEvents,
  ...setupEvents,
  ...billingEvents,
  ...wordpressEvents,
  ...trackingEvents,
  ...connectionEvents,
  ...financeEvents,
  ...reportsEvents,
  ...monitoringEvents,
  ...productsEvents,
  ...kpiEvents,
  ...growthEvents,
  ...playbooksEvents,
  ...affiliateEvents,
} as const;

export type Operations = typeof operations;
export type OpName = keyof Operations;
export type OpInput<N extends OpName> = z.input<Operations[N]['input']>;
export type OpOutput<N extends OpName> = z.output<Operations[N]['output']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export function isOpName(name: string): name is OpName {
  return Object.prototype.hasOwnProperty.call(operations, name);
}
export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}

/** What a transport implements: the renderer's client and the CLI use it alike. */
export interface Transport {
  call<N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>>;
  on<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void;
}

// shared/contract/eventNames.ts lists every event name for code that must not load the schemas (the
// renderer's first bundle): this fails to typecheck when a name is missing there or is not an event.
type UnlistedEvent = Exclude<EventName, (typeof EVENT_NAMES)[number]>;
export const EVENT_NAMES_COMPLETE: [UnlistedEvent] extends [never] ? true : { missingFromEventNames: UnlistedEvent } = true;
