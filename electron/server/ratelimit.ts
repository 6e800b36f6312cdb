/**
 * Token buckets for the public routes: one per (route, client address) and one
 * per route for everyone together. A bucket holds up to `burst` tokens and
 * refills at `perMinute`; a request takes one, and an empty bucket answers with
 * the seconds until the next token (the Retry-After of a 429).
 *
 * Memory is bounded: at most `maxClients` address buckets are kept per route
 * (the least recently seen go first; a dropped bucket is recreated full, which
 * only ever errs towards letting a request in, and the route's global bucket
 * still holds).
 */

export interface Rate {
  perMinute: number;
  /** Requests allowed at once (default: perMinute, at least 1). */
  burst?: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly capacity: number;
  private readonly perMs: number;

  constructor(rate: Rate, now: number) {
    this.capacity = Math.max(1, Math.floor(rate.burst ?? rate.perMinute));
    this.perMs = rate.perMinute / 60_000;
    this.tokens = this.capacity;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
    }
  }

  /** 0 when a token was taken, else the seconds until one is there (nothing taken). */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    if (this.perMs <= 0) return 3600;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perMs / 1000));
  }

  /** Give back a token taken for a request another bucket refused. */
  putBack(): void {
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

}

export interface RoutePolicy {
  perIp?: Rate;
  global?: Rate;
}

export type Verdict = { ok: true } | { ok: false; retryAfter: number; scope: 'client' | 'route' };

export class RateLimiter {
  /**
   * Address buckets per route in two generations: lookups go to the current
   * one (a bucket found in the previous one moves over); when the current one
   * holds half the allowance, it becomes the previous one and the old previous
   * one is dropped. O(1) per request, at most `maxClients` buckets per route.
   */
  private readonly clients = new Map<string, { current: Map<string, TokenBucket>; previous: Map<string, TokenBucket> }>();
  private readonly routes = new Map<string, TokenBucket>();

  constructor(
    private readonly opts: { maxClients?: number; now?: () => number } = {},
  ) {}

  private get now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private bucketFor(route: string, client: string, rate: Rate, now: number): TokenBucket {
    let gens = this.clients.get(route);
    if (!gens) this.clients.set(route, (gens = { current: new Map(), previous: new Map() }));
    let b = gens.current.get(client);
    if (b) return b;
    b = gens.previous.get(client) ?? new TokenBucket(rate, now);
    gens.previous.delete(client);
    if (gens.current.size >= Math.max(1, Math.floor((this.opts.maxClients ?? 10_000) / 2))) {
      gens.previous = gens.current;
      gens.current = new Map();
    }
    gens.current.set(client, b);
    return b;
  }

  /** Take a token for `client` on `route` (per-address bucket first, then the route's). */
  /** `client` null: no per-address limit (a request from this machine, see the server's clientOf). */
  check(route: string, client: string | null, policy: RoutePolicy): Verdict {
    const now = this.now;
    let clientBucket: TokenBucket | null = null;
    if (policy.perIp && client !== null) {
      clientBucket = this.bucketFor(route, client, policy.perIp, now);
      const wait = clientBucket.take(now);
      if (wait > 0) return { ok: false, retryAfter: wait, scope: 'client' };
    }
    if (policy.global) {
      let bucket = this.routes.get(route);
      if (!bucket) this.routes.set(route, (bucket = new TokenBucket(policy.global, now)));
      const wait = bucket.take(now);
      if (wait > 0) {
        clientBucket?.putBack();
        return { ok: false, retryAfter: wait, scope: 'route' };
      }
    }
    return { ok: true };
  }

  /** Address buckets kept right now (all routes): for tests and the bench. */
  size(): number {
    let n = 0;
    for (const g of this.clients.values()) n += g.current.size + g.previous.size;
    return n;
  }
}
