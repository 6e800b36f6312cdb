/**
 * After a CRM transaction commits: push events to the hosts (core.bus) and wake
 * the workflow engine. Every CRM event is a row of the `events` table
 * (contact.created, form.submitted, email.replied, score.crossed …), which is
 * exactly what the engine's dispatcher reads (by id cursor) to start
 * event-triggered workflows and resume waiting runs; so the CRM does not call
 * publishEvent (that would append a second row), it only asks a running
 * engine to dispatch now instead of at its next heartbeat.
 */
import type { Core } from '../core';
import { engineOf } from '../engine';
import type { Pending } from './store';

export interface DomainEvent {
  name: string;
  at: string;
  contactId: number;
  data: unknown;
}

type DomainSink = (core: Core, event: DomainEvent) => void;
const sinks = new WeakMap<Core, DomainSink[]>();

/** In-process subscription to the CRM's domain events (after commit). */
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
    publishDomain(core, { name: e.type, at: e.at, contactId: e.contactId, data: e.data });
  }
  if (p.events.length > 0 && core.isStarted) wakeEngine(core);
  const after = p.after.splice(0);
  for (const fn of after) fn();
  p.changed.length = 0;
  p.events.length = 0;
}

/** Ask a running engine to dispatch the new event rows now (one-shot CLI commands leave them to the running host). */
function wakeEngine(core: Core): void {
  let engine;
  try {
    engine = engineOf(core);
  } catch {
    return; // no engine domain on this core
  }
  void engine.dispatchEvents().catch((e: unknown) => core.log.error('event dispatch after a CRM change failed', { error: e as Error }));
}
