/**
 * Connection state of the event stream, as a pure reducer plus a zustand store.
 * connected: events flow. reconnecting: the stream dropped (or is opening) and
 * the client is retrying. offline: several attempts in a row failed; the client
 * keeps retrying, slower.
 */
import { createStore } from 'zustand/vanilla';

export type ConnState = 'connected' | 'reconnecting' | 'offline';

export interface Connection {
  state: ConnState;
  /** Failed attempts since the last successful open. */
  failures: number;
  /** Increases each time the stream (re)opens: pages refetch when it changes, so nothing missed while offline stays stale. */
  epoch: number;
  /** When the next attempt is due (ms since epoch), while not connected. */
  retryAt: number | null;
  lastError: string | null;
  /** The event stream to this window's host is open (the host may still be attached to a remote server that is down). */
  stream: boolean;
  /** While the host is attached to a remote server that cannot be used: why (the window says which, and stays offline). */
  upstream: string | null;
}

export type ConnEvent =
  | { type: 'open' }
  | { type: 'fail'; error?: string; retryAt: number }
  | { type: 'closed' }
  /** The remote server the host is attached to: usable again (ok), or not (error: which problem). switched: the window now shows another store. */
  | { type: 'upstream'; ok: true; switched?: boolean }
  | { type: 'upstream'; ok: false; error: string; retryAt: number | null; switched?: boolean };

/** After this many failures in a row the state says offline. */
export const OFFLINE_AFTER = 3;

export const initialConnection: Connection = { state: 'reconnecting', failures: 0, epoch: 0, retryAt: null, lastError: null, stream: false, upstream: null };

export function reduceConnection(s: Connection, e: ConnEvent): Connection {
  switch (e.type) {
    case 'open':
      if (s.upstream) return { ...s, state: 'offline', failures: 0, epoch: s.epoch + 1, stream: true };
      return { state: 'connected', failures: 0, epoch: s.epoch + 1, retryAt: null, lastError: null, stream: true, upstream: null };
    case 'fail': {
      const failures = s.failures + 1;
      return { ...s, state: failures >= OFFLINE_AFTER ? 'offline' : 'reconnecting', failures, retryAt: e.retryAt, lastError: e.error ?? s.lastError, stream: false };
    }
    case 'closed':
      return { ...s, state: 'offline', retryAt: null, stream: false };
    case 'upstream': {
      const epoch = e.switched ? s.epoch + 1 : s.epoch;
      if (!e.ok) return { ...s, state: 'offline', upstream: e.error, lastError: e.error, retryAt: e.retryAt, epoch };
      if (!s.upstream) return epoch === s.epoch ? s : { ...s, epoch };
      // Back: pages refetch and queued decisions go out, as after a reconnect.
      if (!s.stream) return { ...s, upstream: null, epoch };
      return { ...s, state: 'connected', upstream: null, lastError: null, retryAt: null, epoch: s.epoch + 1 };
    }
  }
}

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s … capped at 10 s. `rand` in [0, 1). */
export function backoffMs(failures: number, rand: number = Math.random()): number {
  const base = Math.min(10_000, 500 * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * rand));
}

export interface ConnectionStore extends Connection {
  dispatch(e: ConnEvent): void;
}

export function createConnectionStore(initial: Connection = initialConnection) {
  return createStore<ConnectionStore>()((set) => ({
    ...initial,
    dispatch: (e) => set((s) => reduceConnection(s, e)),
  }));
}

/** The app's one connection store. */
export const connectionStore = createConnectionStore();

export function describeConnection(c: Connection, now: number = Date.now()): string {
  if (c.state === 'connected') return 'Connected: live updates are on.';
  if (c.epoch === 0 && c.failures === 0) return 'Connecting…';
  const wait = c.retryAt ? Math.max(0, Math.ceil((c.retryAt - now) / 1000)) : null;
  const retry = wait === null ? '' : wait === 0 ? ' Retrying now.' : ` Retrying in ${wait} s.`;
  if (c.state === 'offline' && c.upstream) return `Offline: ${c.upstream}${retry}`;
  if (c.state === 'offline') return `Offline: Baton is not reachable.${retry}`;
  return `Reconnecting…${retry}`;
}
