/**
 * A client of a remote `baton serve` over its HTTP API: operations as
 * `POST <base>/api/v1/<op>` with the bearer token, and (RemoteLink) its event
 * stream over the WebSocket, reconnecting with backoff. Node's fetch and `ws`
 * verify TLS certificates (never turned off here); requests only ever go to
 * the pinned origin: a redirect is refused, not followed. Every failure that
 * is about the connection becomes a RemoteError naming the problem
 * (shared/contract/connection.ts decides which is which).
 */
import type WebSocket from 'ws';
import { lazyRequire } from '../lazy';
import {
  ApiError,
  classifyRemoteFailure,
  events,
  isEventName,
  parseRemoteUrl,
  remoteBackoffMs,
  remoteProblemMessage,
  type EventName,
  type RemoteProblem,
} from '../../../shared/api';

// Loaded when a window attaches to a remote server, not at start.
const wsLib = lazyRequire<typeof WebSocket>('ws');

/** A failure of the connection itself (not of the operation): code `unavailable`, with the problem. */
export class RemoteError extends ApiError {
  constructor(
    readonly problem: RemoteProblem,
    message: string,
  ) {
    super('unavailable', message);
  }
}

/** The error code Node gives a failed request (fetch puts it on `cause`, sometimes nested). */
export function networkCode(e: unknown): string | null {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const c = cur as { code?: unknown; cause?: unknown; name?: unknown };
    if (typeof c.code === 'string' && c.code !== 'UND_ERR_SOCKET') return c.code;
    if (c.name === 'TimeoutError' || c.name === 'AbortError') return 'ETIMEDOUT';
    cur = c.cause;
  }
  return null;
}

function detailOf(e: unknown): string {
  const code = networkCode(e);
  let cur: unknown = e;
  let msg = '';
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const m = (cur as { message?: unknown }).message;
    if (typeof m === 'string' && m && m !== 'fetch failed') msg = m;
    cur = (cur as { cause?: unknown }).cause;
  }
  return msg || code || 'no answer';
}

export function remoteErrorFromNetwork(origin: string, e: unknown): RemoteError {
  const problem = classifyRemoteFailure({ code: networkCode(e) });
  return new RemoteError(problem, remoteProblemMessage(problem, origin, detailOf(e)));
}

export function remoteErrorFromStatus(origin: string, status: number, detail?: string): RemoteError {
  const problem = classifyRemoteFailure({ status });
  return new RemoteError(problem, remoteProblemMessage(problem, origin, detail ?? `HTTP ${status}`));
}

export interface RemoteClientOptions {
  /** The server's address (validated by parseRemoteUrl). */
  url: string;
  token: string;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

export class RemoteClient {
  readonly origin: string;
  readonly base: string;

  constructor(protected readonly opts: RemoteClientOptions) {
    const u = parseRemoteUrl(opts.url);
    if (!u.ok) throw new ApiError('invalid_input', u.message, [{ path: 'url', message: u.message }]);
    this.origin = u.origin;
    this.base = u.base;
  }

  async call(name: string, input: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/v1/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(input ?? {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (e) {
      throw remoteErrorFromNetwork(this.origin, e);
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw remoteErrorFromStatus(this.origin, res.status, `it redirects to ${res.headers.get('location') ?? 'another address'}; Baton only talks to the address it was given`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw remoteErrorFromStatus(this.origin, res.status, `HTTP ${res.status}, not a Baton answer`);
    }
    if (res.ok && body && typeof body === 'object' && 'result' in body) return (body as { result: unknown }).result;
    const err = body && typeof body === 'object' ? (body as { error?: { code?: unknown; message?: unknown; issues?: unknown } }).error : undefined;
    if (!err || typeof err.code !== 'string' || typeof err.message !== 'string') throw remoteErrorFromStatus(this.origin, res.status);
    // The connection's own refusals: the token, or the Host/Origin guard in front of every route.
    if (res.status === 401) throw remoteErrorFromStatus(this.origin, 401);
    if (res.status === 403 && /^(Host|Origin) "/.test(err.message)) throw remoteErrorFromStatus(this.origin, 403, err.message);
    // The operation's own error (bad input, not found …): the same ApiError the local core would throw.
    throw ApiError.from(err as Parameters<typeof ApiError.from>[0]);
  }

  /**
   * A workspace file of the remote (`GET <base>/api/files/<path>`, the same route the window's
   * previews use locally), `raw` still percent-encoded. The remote's own refusals (404, 403, 400)
   * come back as its status and message; a failure of the connection is a RemoteError.
   */
  async fetchFile(raw: string, maxBytes: number): Promise<{ ok: true; type: string; bytes: Buffer } | { ok: false; status: number; code: string; message: string }> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/files/${raw}`, {
        headers: { authorization: `Bearer ${this.opts.token}` },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (e) {
      throw remoteErrorFromNetwork(this.origin, e);
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw remoteErrorFromStatus(this.origin, res.status, `it redirects to ${res.headers.get('location') ?? 'another address'}; Baton only talks to the address it was given`);
    }
    if (res.status === 401) {
      await res.body?.cancel();
      throw remoteErrorFromStatus(this.origin, 401);
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown } } | null;
      const err = body?.error;
      if (!err || typeof err.message !== 'string') throw remoteErrorFromStatus(this.origin, res.status);
      return { ok: false, status: res.status, code: typeof err.code === 'string' ? err.code : 'unavailable', message: err.message };
    }
    const length = Number(res.headers.get('content-length') ?? '0');
    if (length > maxBytes) {
      await res.body?.cancel();
      return { ok: false, status: 403, code: 'forbidden', message: `The file is larger than ${maxBytes / 1024 / 1024} MB.` };
    }
    let bytes: Buffer;
    try {
      bytes = Buffer.from(await res.arrayBuffer());
    } catch (e) {
      throw remoteErrorFromNetwork(this.origin, e);
    }
    if (bytes.length > maxBytes) return { ok: false, status: 403, code: 'forbidden', message: `The file is larger than ${maxBytes / 1024 / 1024} MB.` };
    return { ok: true, type: res.headers.get('content-type') ?? 'application/octet-stream', bytes };
  }

  get eventsUrl(): string {
    return this.base.replace(/^http/, 'ws') + '/api/v1/events';
  }
}

export type LinkState = { state: 'connecting' | 'connected' } | { state: 'down'; problem: RemoteProblem; message: string; retryAt: number };

export interface RemoteLinkOptions extends RemoteClientOptions {
  onState(s: LinkState): void;
  onEvent(name: EventName, payload: unknown): void;
  /** For tests: the retry delay after `failures` failures in a row. */
  backoff?: (failures: number) => number;
  /** Drop the socket when no ping came for this long (the server pings every 30 s). Default 75 s. */
  silenceMs?: number;
}

/** The client plus the event stream, kept open (with backoff) until stop(). */
export class RemoteLink extends RemoteClient {
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private silence: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private stopped = true;
  private current: LinkState = { state: 'connecting' };

  constructor(private readonly link: RemoteLinkOptions) {
    super(link);
  }

  get state(): LinkState {
    return this.current;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.silence) clearTimeout(this.silence);
    this.timer = this.silence = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.removeAllListeners();
      s.on('error', () => {});
      s.terminate();
    }
  }

  /** Try now instead of waiting for the backoff (a call just succeeded). */
  retryNow(): void {
    if (this.stopped || this.socket || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  }

  override async call(name: string, input: unknown): Promise<unknown> {
    const out = await super.call(name, input);
    if (this.current.state === 'down') this.retryNow();
    return out;
  }

  private set(s: LinkState): void {
    this.current = s;
    this.link.onState(s);
  }

  private heartbeat(ws: WebSocket): void {
    if (this.silence) clearTimeout(this.silence);
    this.silence = setTimeout(() => ws.terminate(), this.link.silenceMs ?? 75_000);
  }

  private connect(): void {
    if (this.current.state !== 'connecting') this.set({ state: 'connecting' });
    let failure: RemoteError | null = null;
    let ws: WebSocket;
    try {
      ws = new (wsLib())(this.eventsUrl, [`baton.${this.opts.token}`], { handshakeTimeout: 15_000, followRedirects: false, perMessageDeflate: false });
    } catch (e) {
      this.fail(remoteErrorFromNetwork(this.origin, e));
      return;
    }
    this.socket = ws;
    ws.on('unexpected-response', (_req, res) => {
      failure = remoteErrorFromStatus(this.origin, res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', (e) => {
      failure ??= remoteErrorFromNetwork(this.origin, e);
    });
    ws.on('open', () => {
      this.failures = 0;
      this.heartbeat(ws);
      this.set({ state: 'connected' });
    });
    ws.on('ping', () => this.heartbeat(ws));
    ws.on('message', (data) => {
      const msg = parseRemoteEvent(String(data));
      if (msg) this.link.onEvent(msg.event, msg.payload);
    });
    ws.on('close', (code) => {
      if (this.socket !== ws) return;
      this.socket = null;
      if (this.silence) clearTimeout(this.silence);
      if (this.stopped) return;
      this.fail(failure ?? new RemoteError('unreachable', remoteProblemMessage('unreachable', this.origin, `the event stream closed, code ${code}`)));
    });
  }

  private fail(e: RemoteError): void {
    this.failures += 1;
    const delay = (this.link.backoff ?? remoteBackoffMs)(this.failures);
    this.set({ state: 'down', problem: e.problem, message: e.message, retryAt: Date.now() + delay });
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }
}

/** `{ event, payload }` with a known event whose payload fits its schema, else null. */
export function parseRemoteEvent(data: string): { event: EventName; payload: unknown } | null {
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return null;
  }
  if (!msg || typeof msg !== 'object') return null;
  const { event, payload } = msg as { event?: unknown; payload?: unknown };
  if (typeof event !== 'string' || !isEventName(event)) return null;
  const parsed = events[event].safeParse(payload);
  return parsed.success ? { event, payload: parsed.data } : null;
}
