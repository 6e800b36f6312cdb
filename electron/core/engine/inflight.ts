/**
 * The steps a worker is running right now, in memory shared with the main
 * thread (a SharedArrayBuffer per worker thread). The worker writes it (no
 * message, no lock: a few plain stores per step); the main thread's watchdog
 * reads it, also while the worker is stuck in a never-ending expression, and
 * after the worker died. That is how the pool knows which step kept a worker
 * busy past its deadline (fail it; hand its batch-mates back) and which steps
 * were running when a worker ran out of memory.
 *
 * Layout (Float64): [0] the worker's last event-loop tick (ms epoch), [1] the
 * number of slots of the current batch, [2] since when (ms epoch) the worker is
 * in a store transaction (waiting for the write lock or holding it; 0: not),
 * then per slot: step id (0 = finished),
 * deadline (ms epoch), started at (ms epoch), limit (ms: the timeout in force).
 * A slot is written deadline first and id last; the watchdog acts only on what
 * it read the same way twice (see pool.ts), so a torn read never kills a worker.
 */

const HEADER = 3;
const FIELDS = 4;
/** Slots per worker: a batch larger than this runs in chunks (claims are 256; successors can add more). */
export const INFLIGHT_SLOTS = 2048;

/**
 * After the slots: two Int32 flags for waking the worker without a message while it works
 * ([0] the worker sleeps, [1] new work was announced). The worker raises "sleeps" then reads
 * "announced"; the main thread raises "announced" then reads "sleeps" (sequentially consistent
 * Atomics): at least one of them sees the other, so a wake is never lost, and a message is posted
 * only to a sleeping worker (a busy one finds the flag before it sleeps and makes another pass).
 */
const SIGNAL_BYTES = 8;

/** Atomics.waitAsync (V8, Node 16+; typed in TypeScript's es2024 lib only). */
interface AtomicsWaitAsync {
  waitAsync(a: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
}

export function inflightBuffer(slots = INFLIGHT_SLOTS): SharedArrayBuffer {
  return new SharedArrayBuffer((HEADER + slots * FIELDS) * 8 + SIGNAL_BYTES);
}

const floats = (buf: SharedArrayBuffer) => new Float64Array(buf, 0, (buf.byteLength - SIGNAL_BYTES) / 8);
const flags = (buf: SharedArrayBuffer) => new Int32Array(buf, buf.byteLength - SIGNAL_BYTES, 2);

export interface InflightStep {
  slot: number;
  stepId: number;
  deadline: number;
  startedAt: number;
  limitMs: number;
}

/** The worker's side. */
export class InflightWriter {
  private readonly a: Float64Array;
  private readonly f: Int32Array;
  readonly slots: number;
  constructor(buf: SharedArrayBuffer) {
    this.a = floats(buf);
    this.f = flags(buf);
    this.slots = (this.a.length - HEADER) / FIELDS;
  }
  /** About to sleep: true when work was announced meanwhile (then do not sleep: make another pass). */
  sleep(): boolean {
    Atomics.store(this.f, 0, 1);
    if (Atomics.exchange(this.f, 1, 0) === 1) {
      Atomics.store(this.f, 0, 0);
      return true;
    }
    return false;
  }
  /**
   * Sleep until work is announced (Atomics.notify from the main thread: no message to serialise) or
   * `ms` pass. Call after sleep() returned false.
   */
  async waitWake(ms: number): Promise<void> {
    const w = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.f, 1, 0, ms);
    if (w.async) await w.value;
  }
  /** Awake again (by an announcement, a message or the timer): announcements from now on need no notify. */
  awake(): void {
    Atomics.store(this.f, 0, 0);
    Atomics.store(this.f, 1, 0);
  }
  tick(now = Date.now()): void {
    this.a[0] = now;
  }
  batch(n: number): void {
    this.a[1] = n;
  }
  /** The worker begins a store transaction (it may wait for the write lock), or ended it (`false`). */
  inStore(on: boolean, now = Date.now()): void {
    this.a[2] = on ? now : 0;
    if (!on) this.a[0] = now;
  }
  begin(slot: number, stepId: number, startedAt: number, limitMs: number): void {
    const o = HEADER + slot * FIELDS;
    this.a[o + 1] = startedAt + limitMs;
    this.a[o + 2] = startedAt;
    this.a[o + 3] = limitMs;
    this.a[o] = stepId;
  }
  /** A new limit for a running step (its params are evaluated: the node's own run time starts to count). */
  limit(slot: number, startedAt: number, limitMs: number): void {
    const o = HEADER + slot * FIELDS;
    this.a[o + 3] = limitMs;
    this.a[o + 1] = startedAt + limitMs;
  }
  end(slot: number): void {
    this.a[HEADER + slot * FIELDS] = 0;
  }
}

/** The main thread's side. */
export class InflightReader {
  private readonly a: Float64Array;
  private readonly f: Int32Array;
  constructor(buf: SharedArrayBuffer) {
    this.a = floats(buf);
    this.f = flags(buf);
  }
  /** Announce new work: a worker that is awake sees the flag before it would sleep. True when it sleeps. */
  announce(): boolean {
    Atomics.store(this.f, 1, 1);
    return Atomics.load(this.f, 0) === 1;
  }
  /** Wake a sleeping worker (after announce()); it goes back to sleep at once if the flag was taken meanwhile. */
  notify(): void {
    Atomics.notify(this.f, 1);
  }
  get lastTick(): number {
    return this.a[0] ?? 0;
  }
  /** Since when the worker is in a store transaction (ms epoch), or 0. */
  get inStoreSince(): number {
    return this.a[2] ?? 0;
  }
  /** The steps running now (not finished) of the current batch. */
  running(): InflightStep[] {
    const n = Math.min(this.a[1] ?? 0, (this.a.length - HEADER) / FIELDS);
    const out: InflightStep[] = [];
    for (let slot = 0; slot < n; slot++) {
      const o = HEADER + slot * FIELDS;
      const stepId = this.a[o] ?? 0;
      if (stepId > 0) out.push({ slot, stepId, deadline: this.a[o + 1] ?? 0, startedAt: this.a[o + 2] ?? 0, limitMs: this.a[o + 3] ?? 0 });
    }
    return out;
  }
}
