/**
 * Checking a pushed event against its schema. Its own module, loaded with the first event
 * (httpTransport.ts): the event schemas bring zod and the whole contract, which the first
 * bundle (the shell and the dashboard) does without.
 */
import { events, isEventName, type EventName } from '../../../shared/api';

/** `{ event, payload }` with a known event and a payload that matches its schema, else null. */
export function parseEventMessage(data: unknown): { event: EventName; payload: unknown } | null {
  let msg: unknown;
  try {
    msg = JSON.parse(typeof data === 'string' ? data : String(data));
  } catch {
    return null;
  }
  if (!msg || typeof msg !== 'object') return null;
  const { event, payload } = msg as { event?: unknown; payload?: unknown };
  if (typeof event !== 'string' || !isEventName(event)) return null;
  const parsed = events[event].safeParse(payload);
  if (!parsed.success) {
    console.warn(`ignored a malformed ${event} event`);
    return null;
  }
  return { event, payload: parsed.data };
}
