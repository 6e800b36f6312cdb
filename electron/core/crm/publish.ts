/**
 * After a CRM transaction commits: push events to the hosts (core.bus) and hand
 * domain events (contact.created, form.submitted, email.replied, score.crossed …)
 * to the workflow engine.
 */
import type { Core } from '../core';
import type { Pending } from './store';

export interface DomainEvent {
  name: string;
  at: string;
  contactId: number;
  data: unknown;
}

type DomainSink = (core: Core, event: DomainEvent) => void;
const sinks = new WeakMap<Core, DomainSink[]>();

/**
 * Subscribe to the CRM's domain events. The engine calls this (or the CRM calls
 * the engine's publishEvent once electron/core/engine exports it).
 * TODO(engine): wire to engine.publishEvent when it exists.
 */
export function onDomainEvent(core: Core, sink: DomainSink): () => void {
  const list = sinks.get(core) ?? [];
  list.push(sink);
  sinks.set(core, list);
  return () => {
    const l = sinks.get(core);
    if (l) l.splice(l.indexOf(sink), 1);
  };
}

function publishDomain(core: Core, event: DomainEvent): void {
  for (const sink of sinks.get(core) ?? []) {
    try {
      sink(core, event);
    } catch (e) {
      core.log.error('a CRM domain event subscriber failed', { event: event.name, error: e as Error });
    }
  }
}

export function afterCommit(core: Core, p: Pending): void {
  for (const c of p.changed) core.bus.emit('crm.contact.changed', c);
  for (const e of p.events) {
    core.bus.emit('crm.event.recorded', { id: e.id, type: e.type, contactId: e.contactId, at: e.at });
    const name = e.type === 'lifecycle.changed' && (e.data as { reason?: string })?.reason === 'score' ? 'score.crossed' : e.type;
    publishDomain(core, { name, at: e.at, contactId: e.contactId, data: e.data });
  }
  p.changed.length = 0;
  p.events.length = 0;
}
