/** React bindings: load an operation's result, listen to events, follow the connection. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { ApiError, EventName, EventPayload, OpInput, OpName, OpOutput } from '../../../shared/api';
import { call, on, useSession } from './client';
import { connectionStore, type ConnectionStore } from './connection';
import { toApiError } from './errors';

export function useConnection<T>(select: (s: ConnectionStore) => T): T {
  return useStore(connectionStore, select);
}

export interface Query<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  /** Replace the data locally (after an event or an action). */
  setData: (fn: (old: T | undefined) => T | undefined) => void;
}

/**
 * Load `name(input)` now, again on reload(), and again whenever the event stream
 * reconnects (events may have been missed meanwhile).
 */
export function useApi<N extends OpName>(name: N, input: OpInput<N>): Query<OpOutput<N>> {
  const key = JSON.stringify(input ?? {});
  const [state, setState] = useState<{ data: OpOutput<N> | undefined; error: ApiError | null; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [nonce, setNonce] = useState(0);
  const epoch = useConnection((s) => s.epoch);
  const firstEpoch = useRef(epoch);
  const refetchEpoch = epoch > Math.max(1, firstEpoch.current) ? epoch : 0;
  const transport = useSession((s) => s.transport);

  useEffect(() => {
    if (!transport) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    call(name, JSON.parse(key) as OpInput<N>).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (e: unknown) => live && setState((s) => ({ data: s.data, error: toApiError(e), loading: false })),
    );
    return () => {
      live = false;
    };
  }, [name, key, nonce, refetchEpoch, transport]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const setData = useCallback((fn: (old: OpOutput<N> | undefined) => OpOutput<N> | undefined) => setState((s) => ({ ...s, data: fn(s.data) })), []);
  return { ...state, reload, setData };
}

/** Subscribe to a push event while the component is mounted. */
export function useEvent<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): void {
  const ref = useRef(cb);
  useEffect(() => {
    ref.current = cb;
  });
  const transport = useSession((s) => s.transport);
  useEffect(() => {
    if (!transport) return;
    return on(event, (p) => ref.current(p));
  }, [event, transport]);
}

/** Run an action (a button): pending flag and the last error, cleared on the next try. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setPending(true);
      setError(null);
      try {
        return await fn(...args);
      } catch (e) {
        setError(toApiError(e));
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [fn],
  );
  return { run, pending, error, clearError: () => setError(null) };
}
