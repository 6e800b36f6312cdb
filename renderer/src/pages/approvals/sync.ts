/** Sends the locally saved decisions whenever the connection to Baton (re)opens, on any page. */
import { call } from '../../api/client';
import { connectionStore } from '../../api/connection';
import { flushQueue, useDecisionQueue, type QueuedDecision, type SendOutcome } from './queue';

/** Who the decisions are recorded as (the engine's default actor). */
export const DECIDED_BY = 'operator';

const listeners = new Set<(o: SendOutcome) => void>();

/** Hear about decisions the queue delivered (the inbox updates its rows). */
export function onQueueSent(cb: (o: SendOutcome) => void): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

export function sendQueued(d: QueuedDecision): Promise<SendOutcome> {
  return call('approvals.decide', {
    id: d.id,
    decision: d.decision,
    by: DECIDED_BY,
    ...(d.payload !== undefined ? { payload: d.payload } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
  });
}

export function flushNow(): Promise<void> {
  return flushQueue(sendQueued, (o) => listeners.forEach((l) => l(o)));
}

let started = false;
/** Start watching the connection (idempotent). */
export function startQueueSync(): void {
  if (started) return;
  started = true;
  connectionStore.subscribe((s, prev) => {
    if (s.state === 'connected' && (prev.state !== 'connected' || s.epoch !== prev.epoch) && useDecisionQueue.getState().items.length) void flushNow();
  });
  // A decision that failed while the stream stayed up (the request itself failed): try again now and then.
  setInterval(() => {
    if (connectionStore.getState().state === 'connected' && useDecisionQueue.getState().items.length) void flushNow();
  }, 5000);
}
