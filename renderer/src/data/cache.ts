/**
 * The renderer's query cache (DOM-free): one entry per operation + input, shared by every
 * component that shows it, loaded once, refetched when a push event invalidates its
 * operation (./invalidation.ts) or the event stream reconnects. An entry keeps its last
 * data while it refetches (no flicker), refetches at most once at a time (an invalidation
 * during a load marks it dirty: one more load after), and waits `minGapMs` between
 * invalidation refetches so a burst of events costs one load, not hundreds.
 */
import type { ApiError } from '../../../shared/api';

export interface Snapshot<T = unknown> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
}

export type Fetcher = (op: string, input: unknown) => Promise<unknown>;

interface Entry {
  key: string;
  op: string;
  input: unknown;
  snap: Snapshot;
  inflight: boolean;
  dirty: boolean;
  stale: boolean;
  fetchedAt: number;
  timer: ReturnType<typeof setTimeout> | null;
  listeners: Set<() => void>;
  usedAt: number;
}

/** The same input gives the same key whatever the order of its fields. */
export function stableKey(op: string, input: unknown): string {
  const norm = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
            .map((k) => [k, norm((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(norm)
        : v;
  return `${op} ${JSON.stringify(norm(input ?? {}))}`;
}

const EMPTY: Snapshot = { data: undefined, error: null, loading: true };

export class QueryCache {
  private readonly entries = new Map<string, Entry>();
  private fetcher: Fetcher | null = null;

  constructor(
    private readonly opts: {
      toError: (e: unknown) => ApiError;
      now?: () => number;
      /** Least time between two invalidation refetches of one entry. */
      minGapMs?: number;
      /** Entries nobody shows are dropped beyond this many. */
      maxEntries?: number;
    },
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Where loads go (the client's `call`); set once the transport is there. Pending entries load now. */
  setFetcher(f: Fetcher | null): void {
    this.fetcher = f;
    if (f) for (const e of this.entries.values()) if (e.listeners.size && (e.snap.data === undefined || e.stale)) this.load(e);
  }

  private entry(op: string, input: unknown): Entry {
    const key = stableKey(op, input);
    let e = this.entries.get(key);
    if (!e) {
      e = { key, op, input, snap: EMPTY, inflight: false, dirty: false, stale: true, fetchedAt: 0, timer: null, listeners: new Set(), usedAt: this.now() };
      this.entries.set(key, e);
      this.trim();
    }
    return e;
  }

  private trim(): void {
    const max = this.opts.maxEntries ?? 200;
    if (this.entries.size <= max) return;
    const idle = [...this.entries.values()].filter((e) => e.listeners.size === 0 && !e.inflight).sort((a, b) => a.usedAt - b.usedAt);
    for (const e of idle.slice(0, this.entries.size - max)) this.entries.delete(e.key);
  }

  private set(e: Entry, snap: Snapshot): void {
    e.snap = snap;
    for (const l of [...e.listeners]) l();
  }

  private load(e: Entry): void {
    if (!this.fetcher) return;
    if (e.inflight) {
      e.dirty = true;
      return;
    }
    if (e.timer) {
      clearTimeout(e.timer);
      e.timer = null;
    }
    e.inflight = true;
    e.dirty = false;
    e.stale = false;
    if (!e.snap.loading) this.set(e, { ...e.snap, loading: true });
    this.fetcher(e.op, e.input).then(
      (data) => this.settle(e, { data, error: null, loading: false }),
      (err: unknown) => this.settle(e, { data: e.snap.data, error: this.opts.toError(err), loading: false }),
    );
  }

  private settle(e: Entry, snap: Snapshot): void {
    e.inflight = false;
    e.fetchedAt = this.now();
    this.set(e, snap);
    if (e.dirty) {
      e.dirty = false;
      this.refetchSoon(e);
    }
  }

  /** Refetch an entry after an invalidation: not while it loads, and not sooner than minGapMs after the last load. */
  private refetchSoon(e: Entry): void {
    if (e.inflight) {
      e.dirty = true;
      return;
    }
    if (e.timer) return;
    const wait = Math.max(0, e.fetchedAt + (this.opts.minGapMs ?? 1000) - this.now());
    if (wait === 0) this.load(e);
    else
      e.timer = setTimeout(() => {
        e.timer = null;
        if (e.listeners.size) this.load(e);
        else e.stale = true;
      }, wait);
  }

  snapshot<T>(op: string, input: unknown): Snapshot<T> {
    return (this.entries.get(stableKey(op, input))?.snap ?? EMPTY) as Snapshot<T>;
  }

  /** Follow an entry; the first follower of an entry without (fresh) data loads it. */
  subscribe(op: string, input: unknown, listener: () => void): () => void {
    const e = this.entry(op, input);
    e.listeners.add(listener);
    e.usedAt = this.now();
    // A load under way already serves this follower too (loading again after it would double every first load).
    if (!e.inflight && (e.snap.data === undefined || e.stale)) this.load(e);
    return () => {
      e.listeners.delete(listener);
      e.usedAt = this.now();
    };
  }

  /** Load again now (a Retry, a Refresh). */
  reload(op: string, input: unknown): void {
    this.load(this.entry(op, input));
  }

  /** Every entry of these operations is out of date: shown ones refetch (throttled), others load when next shown. */
  invalidate(ops: Iterable<string> | ((op: string) => boolean)): void {
    const hit = typeof ops === 'function' ? ops : ((s: Set<string>) => (op: string) => s.has(op))(new Set(ops));
    for (const e of this.entries.values()) {
      if (!hit(e.op)) continue;
      if (e.listeners.size) this.refetchSoon(e);
      else e.stale = true;
    }
  }

  /** Replace an entry's data locally (after an action whose answer says what changed). */
  setData<T>(op: string, input: unknown, fn: (old: T | undefined) => T | undefined): void {
    const e = this.entry(op, input);
    this.set(e, { ...e.snap, data: fn(e.snap.data as T | undefined) });
  }

  /** For tests and the bench: how many entries are kept. */
  get size(): number {
    return this.entries.size;
  }
}
