/**
 * React bindings of the query cache: `useQuery(op, input)` (the same shape as useApi:
 * data, error, loading, reload, setData), one cache for the app, fed by the client's
 * transport, refetched by push events (./invalidation.ts) and after a reconnect.
 */
import { useCallback, useMemo, useRef, useSyncExternalStore } from 'react';
import type { OpInput, OpName, OpOutput } from '../../../shared/api';
import { EVENT_NAMES } from '../../../shared/contract/eventNames';
import { call, on, useSession } from '../api/client';
import { connectionStore } from '../api/connection';
import { toApiError } from '../api/errors';
import type { Query } from '../api/hooks';
import { QueryCache, stableKey, type Snapshot } from './cache';
import { invalidatedBy } from './invalidation';

export const queryCache = new QueryCache({ toError: toApiError, minGapMs: 800 });

let started = false;
/**
 * Start the cache once (main.tsx): follow the session's transport, the push events of the
 * invalidation map, and reconnects (events may have been missed: everything is out of date).
 */
export function startQueries(): void {
  if (started) return;
  started = true;
  let offs: (() => void)[] = [];
  const attach = (ready: boolean) => {
    for (const off of offs) off();
    offs = [];
    if (!ready) {
      queryCache.setFetcher(null);
      return;
    }
    queryCache.setFetcher((op, input) => call(op as OpName, input as never));
    let pending = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    for (const name of EVENT_NAMES) {
      offs.push(
        on(name, (payload) => {
          for (const op of invalidatedBy(name, payload as never)) pending.add(op);
          if (timer || pending.size === 0) return;
          timer = setTimeout(() => {
            timer = null;
            const ops = pending;
            pending = new Set();
            queryCache.invalidate(ops);
          }, 120);
        }),
      );
    }
  };
  attach(useSession.getState().transport !== null);
  useSession.subscribe((s, old) => {
    if (s.transport !== old.transport) attach(s.transport !== null);
  });
  let epoch = connectionStore.getState().epoch;
  connectionStore.subscribe((s) => {
    if (s.epoch > Math.max(1, epoch)) queryCache.invalidate(() => true);
    epoch = s.epoch;
  });
}

/** An operation's answer from the cache, live. `input: null` waits (nothing is loaded). */
export function useQuery<N extends OpName>(name: N, input: OpInput<N> | null): Query<OpOutput<N>> {
  const key = input === null ? null : stableKey(name, input);
  // The input object is rebuilt each render; the key says whether it changed.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const stableInput = useMemo(() => input, [key]);
  const subscribe = useCallback((cb: () => void) => (stableInput === null ? () => {} : queryCache.subscribe(name, stableInput, cb)), [name, stableInput]);
  const get = useCallback((): Snapshot<OpOutput<N>> => (stableInput === null ? IDLE : queryCache.snapshot<OpOutput<N>>(name, stableInput)), [name, stableInput]);
  const snap = useSyncExternalStore(subscribe, get, get);
  const reload = useCallback(() => stableInput !== null && queryCache.reload(name, stableInput), [name, stableInput]);
  const setData = useCallback((fn: (old: OpOutput<N> | undefined) => OpOutput<N> | undefined) => stableInput !== null && queryCache.setData(name, stableInput, fn), [name, stableInput]);
  return { data: snap.data, error: snap.error, loading: snap.loading, reload, setData };
}
const IDLE: Snapshot<never> = { data: undefined, error: null, loading: false };

/** Several inputs of one operation from the cache, live (e.g. one deals.list per pipeline stage); one array while none changed. */
export function useQueries<N extends OpName>(name: N, inputs: readonly OpInput<N>[]): Snapshot<OpOutput<N>>[] {
  const keys = inputs.map((i) => stableKey(name, i)).join('\n');
  // The inputs are rebuilt each render; the keys say whether they changed.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const stable = useMemo(() => inputs, [keys]);
  const subscribe = useCallback(
    (cb: () => void) => {
      const offs = stable.map((i) => queryCache.subscribe(name, i, cb));
      return () => offs.forEach((off) => off());
    },
    [name, stable],
  );
  const last = useRef<Snapshot<OpOutput<N>>[]>([]);
  const get = useCallback((): Snapshot<OpOutput<N>>[] => {
    const snaps = stable.map((i) => queryCache.snapshot<OpOutput<N>>(name, i));
    if (snaps.length === last.current.length && snaps.every((s, j) => s === last.current[j])) return last.current;
    last.current = snaps;
    return snaps;
  }, [name, stable]);
  return useSyncExternalStore(subscribe, get, get);
}

/** After an action: these operations' answers are out of date now (the push event may follow later). */
export function invalidate(...ops: OpName[]): void {
  queryCache.invalidate(ops);
}
