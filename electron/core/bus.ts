import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../../shared/api';
import { scrubValue } from './secrets/scrub';

type AnyListener = (name: EventName, payload: unknown) => void;

/**
 * The core's push events (the contract's `events`), fanned out to every host. Every payload passes
 * the secret scrubber first: no known secret value reaches a WebSocket or a window.
 */
export class EventBus {
  private readonly ee = new EventEmitter();
  constructor() {
    this.ee.setMaxListeners(0);
  }
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    payload = scrubValue(payload);
    this.ee.emit(name, payload);
    this.ee.emit('*', name, payload);
  }
  on<E extends EventName>(name: E, cb: (payload: EventPayload<E>) => void): () => void {
    this.ee.on(name, cb);
    return () => this.ee.off(name, cb);
  }
  /** Listeners of one event name (tests check that waiting requests leave none behind). */
  listenerCount(name: EventName | '*'): number {
    return this.ee.listenerCount(name);
  }
  onAny(cb: AnyListener): () => void {
    this.ee.on('*', cb);
    return () => this.ee.off('*', cb);
  }
}
