/**
 * The headless transport: operations as `POST /api/v1/<operation>` with a bearer
 * token, push events over the WebSocket `/api/v1/events` (token as the
 * subprotocol `baton.<token>`), reconnecting with backoff. No DOM types here so
 * tests can run it in Node against real servers.
 */
import type { EventName, EventPayload, OpInput, OpName, OpOutput, Transport } from '../../../shared/api';
import type { parseEventMessage } from './eventMessage';
import { backoffMs, type ConnEvent } from './connection';
import { errorFromHttp, errorFromNetwork } from './errors';

/** The part of the WebSocket API the client uses (browser WebSocket and the `ws` package both fit). */
export interface WebSocketLike {
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(code?: number, reason?: string): void;
}
export type WebSocketCtor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface HttpTransportOptions {
  /** e.g. http://127.0.0.1:4319 (no trailing slash needed). */
  baseUrl: string;
  token: string;
  WebSocket: WebSocketCtor;
  fetch?: typeof fetch;
  /** Connection state changes (wire to connectionStore.dispatch). */
  onConnection?: (e: ConnEvent) => void;
  /** Called when the server rejects the token (HTTP 401). */
  onUnauthorized?: () => void;
  /** For tests: override the retry delay. */
  backoff?: (failures: number) => number;
}

type Listener = (payload: unknown) => void;

export const SUBPROTOCOL_PREFIX = 'baton.';

let parser: typeof parseEventMessage | null = null;
let parserLoad: Promise<typeof parseEventMessage> | null = null;
function loadParser(): Promise<typeof parseEventMessage> {
  parserLoad ??= import('./eventMessage').then(
    (m) => (parser = m.parseEventMessage),
    (e: unknown) => {
      parserLoad = null;
      throw e;
    },
  );
  return parserLoad;
}

export class HttpTransport implements Transport {
  private readonly base: string;
  private readonly listeners = new Map<string, Set<Listener>>();
  private socket: WebSocketLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private stopped = true;

  constructor(private readonly opts: HttpTransportOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  async call<N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>> {
    const doFetch = this.opts.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(`${this.base}/api/v1/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
    } catch (e) {
      throw errorFromNetwork(name, this.base, e);
    }
    // The server answered, so it is back: reopen the event stream now rather than after the backoff.
    if (this.timer) this.retryNow();
    let body: unknown = undefined;
    try {
      body = await res.json();
    } catch {
      // not JSON: described by the status below
    }
    if (res.ok && body && typeof body === 'object' && 'result' in body) return (body as { result: OpOutput<N> }).result;
    if (res.status === 401) this.opts.onUnauthorized?.();
    throw errorFromHttp(name, res.status, body);
  }

  /** A file of the workspace (GET /api/files/<path>, with the token): its bytes, or an error naming the path. */
  async fetchFile(path: string): Promise<Uint8Array> {
    const doFetch = this.opts.fetch ?? fetch;
    const url = `${this.base}/api/files/${path.split('/').map(encodeURIComponent).join('/')}`;
    let res: Response;
    try {
      res = await doFetch(url, { headers: { authorization: `Bearer ${this.opts.token}` } });
    } catch (e) {
      throw errorFromNetwork(`file ${path}`, this.base, e);
    }
    if (!res.ok) {
      let body: unknown = undefined;
      try {
        body = await res.json();
      } catch {
        // not JSON
      }
      if (res.status === 401) this.opts.onUnauthorized?.();
      throw errorFromHttp(`file ${path}`, res.status, body);
    }
    return new Uint8Array(await res.arrayBuffer());
  }

  on<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = cb as Listener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  /** Open the event stream (and keep it open until stop()). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close(1000, 'client stopped');
    }
    this.opts.onConnection?.({ type: 'closed' });
  }

  /** Retry now instead of waiting for the backoff (e.g. the browser came back online). */
  retryNow(): void {
    if (this.stopped || this.socket) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  }

  get eventsUrl(): string {
    return this.base.replace(/^http/, 'ws') + '/api/v1/events';
  }

  private connect(): void {
    let ws: WebSocketLike;
    try {
      ws = new this.opts.WebSocket(this.eventsUrl, [SUBPROTOCOL_PREFIX + this.opts.token]);
    } catch (e) {
      this.scheduleRetry(e instanceof Error ? e.message : String(e));
      return;
    }
    this.socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      // Fetch the event schemas now, before the first event needs them.
      loadParser().catch(() => {});
      this.failures = 0;
      this.opts.onConnection?.({ type: 'open' });
    };
    ws.onmessage = (ev) => this.dispatch(ev.data);
    ws.onerror = () => {
      // onclose follows and handles the retry
    };
    ws.onclose = (ev) => {
      if (this.socket !== ws) return;
      this.socket = null;
      if (this.stopped) return;
      const why = opened ? `the event stream closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''})` : 'cannot open the event stream';
      this.scheduleRetry(why);
    };
  }

  private scheduleRetry(error: string): void {
    this.failures += 1;
    const delay = (this.opts.backoff ?? backoffMs)(this.failures);
    this.opts.onConnection?.({ type: 'fail', error, retryAt: Date.now() + delay });
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  /**
   * Events that arrived before the event schemas were loaded (the first ones), in order. The
   * schemas come in their own chunk with the first event (./eventMessage.ts), so the first
   * bundle holds no zod; every event is still checked before a listener sees it.
   */
  private waiting: unknown[] = [];

  private dispatch(data: unknown): void {
    if (parser && this.waiting.length === 0) {
      this.deliver(parser(data));
      return;
    }
    this.waiting.push(data);
    if (this.waiting.length > 1) return; // the load is under way: it delivers these in order
    loadParser().then(
      (parse) => {
        const queued = this.waiting;
        this.waiting = [];
        for (const d of queued) this.deliver(parse(d));
      },
      (e: unknown) => {
        // The chunk did not load (the server went away mid-load): drop these, try again with the next event.
        this.waiting = [];
        console.error('could not load the event schemas', e);
      },
    );
  }

  private deliver(msg: ReturnType<typeof parseEventMessage>): void {
    if (!msg) return;
    const set = this.listeners.get(msg.event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(msg.payload);
      } catch (e) {
        console.error(`listener for ${msg.event} failed`, e);
      }
    }
  }
}
