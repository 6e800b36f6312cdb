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
 * number of slots of the current batch, then per slot: step id (0 = finished),
 * deadline (ms epoch), started at (ms epoch), limit (ms: the timeout in force).
 * A slot is written deadline first and id last; the watchdog acts only on what
 * it read the same way twice (see pool.ts), so a torn read never kills a worker.
 */

const HEADER = 2;
const FIELDS = 4;
/** Slots per worker: a batch larger than this runs in chunks (claims are 256; successors can add more). */
export const INFLIGHT_SLOTS = 2048;

export function inflightBuffer(slots = INFLIGHT_SLOTS): SharedArrayBuffer {
  return new SharedArrayBuffer((HEADER + slots * FIELDS) * 8);
}

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
  readonly slots: number;
  constructor(buf: SharedArrayBuffer) {
    this.a = new Float64Array(buf);
    this.slots = (this.a.length - HEADER) / FIELDS;
  }
  tick(now = Date.now()): void {
    this.a[0] = now;
  }
  batch(n: number): void {
    this.a[1] = n;
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
  constructor(buf: SharedArrayBuffer) {
    this.a = new Float64Array(buf);
  }
  get lastTick(): number {
    return this.a[0] ?? 0;
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
