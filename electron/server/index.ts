/**
 * The headless host: the contract over HTTP (POST /api/v1/<operation>, bearer
 * token), push events over a WebSocket (/api/v1/events, token as subprotocol
 * `baton.<token>`), files of the workspace for the window's previews
 * (GET /api/files/workspace/…, bearer token; ./files.ts), the domains' public
 * routes (/<prefix>/…, no token), and the
 * built renderer at / with a strict CSP. Every request must name this server in
 * its Host header (DNS-rebinding defence) and, when it carries an Origin, come
 * from this server's own origin.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basename, join } from 'node:path';
import sirv from 'sirv';
import type { WebSocket, WebSocketServer } from 'ws';
import { ApiError } from '../../shared/api';
import type { Core, PublicResponse, RouteLimits } from '../core/core';
import { storeUnavailable } from '../core/db/errors';
import { lazyRequire } from '../core/lazy';
import { appRoot } from '../core/resources';
import { uiOf, type RemoteFile } from '../core/remote';
import { storedPublicUrl } from '../../shared/contract/settings';
import { allowedHosts, checkHostAndOrigin, isLoopback, publicHosts } from './guard';
import { RateLimiter } from './ratelimit';
import { loadOrCreateToken, tokenMatches } from './token';
import { FILES_PREFIX, MAX_FILE_BYTES, resolveWorkspaceFile, workspacePathProblem } from './files';

const wsLib = lazyRequire<typeof import('ws')>('ws');

export { isLoopback } from './guard';
export { loadOrCreateToken, readToken, tokenFile } from './token';

export const DEFAULT_PORT = 4717;
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/**
 * The limits of a public route that declares none (a route's own limits replace
 * these field by field): 60 requests a minute per address (30 at once), 600 a
 * minute for the route, bodies up to the server's body limit, any content type.
 */
export const DEFAULT_ROUTE_LIMITS: Required<Pick<RouteLimits, 'perIp' | 'global'>> = {
  perIp: { perMinute: 60, burst: 30 },
  global: { perMinute: 600, burst: 100 },
};
export const EVENTS_PATH = '/api/v1/events';
const API_PREFIX = '/api/v1/';
/** A WebSocket client that lets this much queue up is too slow and is dropped. */
const MAX_WS_BUFFER = 8 * 1024 * 1024;

export interface ServerOptions {
  /** Interface to bind; 127.0.0.1 unless you mean to expose Baton. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The built renderer (default: <app>/out/renderer). */
  rendererDir?: string;
  /** Extra Host names to accept (a reverse proxy or tunnel name), without port. */
  allowHosts?: string[];
  /** Largest request body in bytes (API and public routes). */
  bodyLimit?: number;
  /** Close the core when the server stops (default true). */
  closeCore?: boolean;
  /**
   * Behind a reverse proxy or tunnel on this machine, every request comes from
   * 127.0.0.1: then the client address of the rate limits is the last
   * X-Forwarded-For entry (only believed from a loopback peer).
   */
  trustProxy?: boolean;
  /** The rate limiter (tests give one with their own clock). */
  rateLimiter?: RateLimiter;
}

export interface BatonServer {
  /** http://host:port/ */
  url: string;
  host: string;
  port: number;
  /** Where the bearer token is kept (never print the token itself unasked). */
  tokenFile: string;
  /** The bearer token, for the host process itself (tests, `baton token`). */
  token: string;
  /** WebSocket clients connected right now. */
  clientCount(): number;
  /** Close WebSocket clients, the HTTP server, then the core. */
  close(): Promise<void>;
}

interface ErrorBody {
  code: string;
  message: string;
  issues?: { path: string; message: string }[];
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The renderer's policy: nothing inline, nothing from elsewhere; the WebSocket back to this host only. */
export function rendererCsp(host: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://${host}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** Public HTML pages (unsubscribe, form thanks) may carry their own inline styles, never scripts. */
const PUBLIC_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Header maps merged as HTTP does: names are case-insensitive, a later map's value replaces an earlier one's. */
function mergeHeaders(...maps: Record<string, string>[]): Record<string, string> {
  const out = new Map<string, [string, string]>();
  for (const m of maps) for (const [k, v] of Object.entries(m)) out.set(k.toLowerCase(), [k, v]);
  return Object.fromEntries(out.values());
}

/** The headers of every JSON answer, merged once (most answers add none: a 202 from a webhook). */
const JSON_HEADERS = mergeHeaders(SECURITY_HEADERS, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });

/**
 * Answer with `base` (already merged, SECURITY_HEADERS first) and then `headers`, and the body's length
 * (no caller's map holds a Content-Length: public routes may not set it, see RESERVED_HEADERS).
 */
function send(res: ServerResponse, status: number, body: string | Uint8Array, headers: Record<string, string>, base = SECURITY_HEADERS): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const all = isEmpty(headers) ? { ...base } : mergeHeaders(base, headers);
  all['Content-Length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  res.writeHead(status, all);
  res.end(body);
}

function isEmpty(o: Record<string, string>): boolean {
  for (const _ in o) return false;
  return true;
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(value), headers, JSON_HEADERS);
}

function sendError(res: ServerResponse, status: number, error: ErrorBody, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error }, headers);
}

const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Any control character but tab (CR and LF would start a new header). */
const hasControl = (v: string, allowTab: boolean): boolean => [...v].some((ch) => {
  const c = ch.charCodeAt(0);
  return (c < 0x20 && !(allowTab && c === 0x09)) || c === 0x7f;
});
/** Headers a public route may not set: the server owns them. */
const RESERVED_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'location', 'set-cookie']);

/**
 * A route's extra headers, checked: a name that is not a token, a value with a
 * control character (header injection: CR/LF/NUL) or a header the server owns
 * is a bug in the route, refused before anything is sent.
 */
export function safeRouteHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw new Error(`a public route set a header with an invalid name (${JSON.stringify(name.slice(0, 40))})`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw new Error(`a public route may not set the ${name} header (use \`redirect\` for Location)`);
    if (typeof value !== 'string' || hasControl(value, true)) throw new Error(`a public route set the ${name} header to a value with control characters`);
    out[name] = value;
  }
  return out;
}

/**
 * The Location of a redirect: an absolute http(s) URL without credentials,
 * re-serialized by the WHATWG URL parser (which drops tabs and newlines and
 * percent-encodes the rest), so nothing a visitor put in it can start a header.
 */
export function safeRedirect(target: string): string {
  if (typeof target !== 'string' || target.length > 4096 || hasControl(target, false)) throw new Error('a public route redirected to an address with control characters');
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    throw new Error('a public route redirected to something that is not an absolute URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`a public route redirected to a ${u.protocol} address`);
  if (u.username || u.password) throw new Error('a public route redirected to an address with credentials');
  return u.href;
}

/** The media type of a Content-Type header, lower-case, without parameters. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Whether the request carries a body (a declared length above 0, or a chunked one). */
function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  if (len !== undefined) return Number(len) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** Read the body up to `limit` bytes; a larger one is a 413 before anything runs. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** How much of a refused body is still read (and dropped) after its 413, so the sender gets the answer. */
const DRAIN_LIMIT = 8 * 1024 * 1024;

/**
 * Read and drop the rest of a refused request's body (up to DRAIN_LIMIT, then the connection is
 * closed). Closing a connection while the client, or a reverse proxy in front, is still sending
 * the body makes the kernel reset it, and the sender may see the reset instead of the 413 (Caddy
 * then answers 502). False when the declared length is over the limit: that connection is closed.
 */
function drainBody(req: IncomingMessage): boolean {
  if (req.complete) return true;
  if (Number(req.headers['content-length'] ?? '0') > DRAIN_LIMIT) return false;
  let seen = 0;
  req.removeAllListeners('data');
  req.on('data', (c: Buffer) => {
    seen += c.length;
    if (seen > DRAIN_LIMIT) req.socket.destroy();
  });
  req.resume();
  return true;
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'too_large', `The request body is larger than ${Math.round(limit / 1024)} KiB.`);
}

function bearerOf(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1] ?? null;
}

function rejectUpgrade(socket: Socket, status: number, reason: string, error: ErrorBody): void {
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

/** True when a decoded path tries to leave its folder or smuggle separators. */
function unsafePath(pathname: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return true;
  }
  return decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').some((seg) => seg === '..' || seg === '.');
}

export async function startServer(core: Core, opts: ServerOptions = {}): Promise<BatonServer> {
  const bindHost = opts.host ?? '127.0.0.1';
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const limiter = opts.rateLimiter ?? new RateLimiter();
  const rendererDir = opts.rendererDir ?? join(appRoot(), 'out', 'renderer');
  // The window's operations and events: this core's, or a remote server's while attached (electron/core/remote).
  const ui = uiOf(core);
  const { token, file: tokenFile, fixedMode } = loadOrCreateToken(core.dataDir);
  if (fixedMode) core.log.warn('server token file was readable by others; its mode was set to 0600', { file: tokenFile });

  let allowed = new Set<string>();
  // The public address's name is this server's too (a tunnel or reverse proxy forwards with it); it follows the setting.
  const readPublic = () => publicHosts(storedPublicUrl({ 'server.publicUrl': core.setting<unknown>('server.publicUrl', null), 'email.publicUrl': core.setting<unknown>('email.publicUrl', null) }));
  let publicNames = readPublic();
  const offSettings = core.bus.on('settings.changed', ({ key }) => {
    if (key === 'server.publicUrl' || key === 'email.publicUrl') publicNames = readPublic();
  });
  // sirv serves from a file list built when it is created (nothing outside it can be
  // reached). A rebuild of the renderer changes index.html: then the list is rebuilt.
  let assets: ReturnType<typeof sirv> | null = null;
  let builtAt = -1;
  const staticHandler = (): ReturnType<typeof sirv> | null => {
    let mtime: number;
    try {
      mtime = statSync(join(rendererDir, 'index.html')).mtimeMs;
    } catch {
      return null;
    }
    if (!assets || mtime !== builtAt) {
      builtAt = mtime;
      assets = sirv(rendererDir, {
        single: false,
        dev: false,
        etag: true,
        dotfiles: false,
        setHeaders: (res, pathname) => {
          if (pathname.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
          else if (pathname.startsWith('/assets/')) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        },
      });
    }
    return assets;
  };

  /** GET /api/files/workspace/<path> (bearer token): a file of the workspace, for the window's previews (./files.ts). */
  async function handleFile(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, { code: 'method_not_allowed', message: `Use GET for ${FILES_PREFIX}<path>.` }, { Allow: 'GET, HEAD' });
      return;
    }
    if (!tokenMatches(bearerOf(req), token)) {
      sendError(res, 401, { code: 'unauthorized', message: `Missing or wrong bearer token. Send "Authorization: Bearer <token>"; the token is in ${tokenFile}.` }, { 'WWW-Authenticate': 'Bearer realm="baton"' });
      return;
    }
    // Attached to a remote server: the window shows its data, so the file is the remote's.
    const bad = workspacePathProblem(raw);
    if (!bad && ui.remoteFile) {
      let r: RemoteFile | null;
      try {
        r = await ui.remoteFile(raw, MAX_FILE_BYTES);
      } catch (e) {
        sendError(res, 502, { code: 'unavailable', message: `The file is on the remote server the window is attached to, and it could not be fetched: ${(e as Error).message}` });
        return;
      }
      if (r) {
        if (!r.ok) {
          sendError(res, r.status, { code: r.code, message: `${r.origin}: ${r.message}` });
          return;
        }
        const name = (raw.split('/').pop() ?? 'file').replace(/[^A-Za-z0-9._ -]/g, '_');
        res.writeHead(
          200,
          mergeHeaders(SECURITY_HEADERS, {
            'Content-Type': r.type,
            'Content-Length': String(r.bytes.length),
            'Cache-Control': 'no-store',
            'Content-Disposition': `inline; filename="${name}"`,
            'Content-Security-Policy': "default-src 'none'; sandbox",
          }),
        );
        res.end(req.method === 'HEAD' ? undefined : r.bytes);
        return;
      }
    }
    const f = resolveWorkspaceFile(core.dataDir, raw);
    if (!f.ok) {
      sendError(res, f.status, { code: f.status === 404 ? 'not_found' : f.status === 403 ? 'forbidden' : 'invalid_input', message: f.message });
      return;
    }
    const name = basename(f.abs).replace(/[^A-Za-z0-9._ -]/g, '_');
    res.writeHead(
      200,
      mergeHeaders(SECURITY_HEADERS, {
        'Content-Type': f.type,
        'Content-Length': String(f.size),
        'Cache-Control': 'no-store',
        'Content-Disposition': `inline; filename="${name}"`,
        'Content-Security-Policy': "default-src 'none'; sandbox",
      }),
    );
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(f.abs);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'POST') {
      sendError(res, 405, { code: 'method_not_allowed', message: `Use POST for ${pathname}.` }, { Allow: 'POST' });
      return;
    }
    if (!tokenMatches(bearerOf(req), token)) {
      sendError(
        res,
        401,
        { code: 'unauthorized', message: `Missing or wrong bearer token. Send "Authorization: Bearer <token>"; the token is in ${tokenFile}.` },
        { 'WWW-Authenticate': 'Bearer realm="baton"' },
      );
      return;
    }
    let name: string;
    try {
      name = decodeURIComponent(pathname.slice(API_PREFIX.length));
    } catch {
      name = pathname.slice(API_PREFIX.length);
    }
    const raw = await readBody(req, bodyLimit);
    let input: unknown = {};
    if (raw.length > 0) {
      try {
        input = JSON.parse(raw.toString('utf8'));
      } catch (e) {
        throw new ApiError('invalid_input', `The request body is not valid JSON (${(e as Error).message}).`, [
          { path: '(root)', message: 'not valid JSON' },
        ]);
      }
    }
    const result = await ui.call(name, input);
    sendJson(res, 200, { result });
  }

  /** The address the rate limits count a request against. */
  /**
   * The address the per-address limits count a request against, or null for none. A request from
   * this machine without trustProxy is a tunnel, a reverse proxy or a local tool speaking for every
   * visitor at once: only the route-wide limit applies to it (a per-address limit there would turn
   * away real leads after the first few). Behind a tunnel, server.trustProxy counts each visitor.
   */
  function clientOf(req: IncomingMessage): string | null {
    const peer = req.socket.remoteAddress ?? 'unknown';
    const local = isLoopback(peer.replace(/^::ffff:/, ''));
    if (opts.trustProxy && local) {
      const fwd = (req.headers['x-forwarded-for'] ?? '').toString().split(',').map((x) => x.trim()).filter(Boolean).at(-1);
      if (fwd && fwd.length <= 64) return fwd;
    }
    return local && !opts.trustProxy ? null : peer;
  }

  /** A route's limits over the defaults, merged once per route (until its declared limits change). */
  const mergedLimits = new Map<string, { declared: RouteLimits | undefined; limits: RouteLimits & typeof DEFAULT_ROUTE_LIMITS & { bodyLimit: number } }>();
  function limitsOf(prefix: string) {
    const declared = core.publicRouteLimits.get(prefix);
    const hit = mergedLimits.get(prefix);
    if (hit && hit.declared === declared) return hit.limits;
    const limits = { ...DEFAULT_ROUTE_LIMITS, bodyLimit, ...declared };
    mergedLimits.set(prefix, { declared, limits });
    return limits;
  }

  async function handlePublic(req: IncomingMessage, res: ServerResponse, url: URL, prefix: string): Promise<boolean> {
    const handler = core.publicRoutes.get(prefix);
    if (!handler) return false;
    const limits = limitsOf(prefix);
    const client = clientOf(req);
    // Rate limits come first: a flood costs one bucket lookup per request, no body is read.
    const verdict = limiter.check(prefix, client, limits);
    if (!verdict.ok) {
      core.log.warn('public route rate-limited', { route: `/${prefix}`, scope: verdict.scope, retryAfter: verdict.retryAfter });
      sendError(
        res,
        429,
        { code: 'rate_limited', message: `Too many requests to /${prefix}${verdict.scope === 'client' ? ' from your address' : ''}; try again in ${verdict.retryAfter} s.` },
        { 'Retry-After': String(verdict.retryAfter), Connection: 'close' },
      );
      return true;
    }
    if (limits.contentTypes && hasBody(req) && !limits.contentTypes.includes(mediaType(req.headers['content-type']))) {
      const got = mediaType(req.headers['content-type']) || 'none';
      sendError(res, 415, { code: 'unsupported_media_type', message: `/${prefix} does not take a ${got} body; send ${limits.contentTypes.join(' or ')}.` }, { Connection: 'close' });
      req.resume();
      return true;
    }
    const body = await readBody(req, limits.bodyLimit);
    const headers: Record<string, string | undefined> = {};
    for (const k in req.headers) {
      const v = req.headers[k];
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const out: PublicResponse = await handler({
      method: req.method ?? 'GET',
      path: url.pathname.slice(prefix.length + 2),
      query: url.searchParams,
      headers,
      body,
      ip: (client ?? req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
    });
    const extra = safeRouteHeaders(out.headers ?? {});
    if (out.redirect !== undefined) {
      if (!REDIRECT_STATUS.has(out.status)) throw new Error(`a public route redirected with status ${out.status}`);
      send(res, out.status, '', mergeHeaders(extra, { Location: safeRedirect(out.redirect), 'Cache-Control': 'no-store' }));
    } else if (out.html !== undefined) {
      send(res, out.status, out.html, mergeHeaders({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PUBLIC_HTML_CSP, 'Cache-Control': 'no-store' }, extra));
    } else if (out.text !== undefined) {
      // Plain text by default; a workflow's answer (engine/respond.ts) brings its own sanitised headers and sandbox CSP.
      send(res, out.status, out.text, mergeHeaders({ 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': "default-src 'none'", 'Cache-Control': 'no-store' }, extra));
    } else if (out.bytes !== undefined) {
      send(res, out.status, out.bytes, mergeHeaders({ 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store' }, extra));
    } else if (out.json !== undefined) {
      sendJson(res, out.status, out.json, extra);
    } else {
      send(res, out.status, '', extra);
    }
    return true;
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, host: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, { code: 'method_not_allowed', message: 'Only GET and HEAD are served here.' }, { Allow: 'GET, HEAD' });
      return;
    }
    const handler = staticHandler();
    if (!handler) {
      send(res, 503, 'The Baton UI is not built. Run `npm run build`, then reload.\n', { 'Content-Type': 'text/plain; charset=utf-8' });
      return;
    }
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.setHeader('Content-Security-Policy', rendererCsp(host));
    // index.html (and the SPA fallback) is read whole and sent with its exact length: a
    // rebuild rewrites it in place, and a file stream could send more bytes than the
    // Content-Length it announced, corrupting a keep-alive connection. Built assets have
    // hashed names (never rewritten in place) and go through sirv.
    const sendIndex = () => {
      let body: Buffer;
      try {
        body = readFileSync(join(rendererDir, 'index.html'));
      } catch {
        send(res, 503, 'The Baton UI is being rebuilt; reload in a moment.\n', { 'Content-Type': 'text/plain; charset=utf-8' });
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(body.length), 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    if (pathname === '/' || pathname === '/index.html') return sendIndex();
    handler(req, res, () => {
      // Client-side routes (/approvals/42) get the app; a missing file (/assets/x.js) is a 404.
      if (!/\.[^/]*$/.test(pathname)) return sendIndex();
      send(res, 404, 'Not found\n', { 'Content-Type': 'text/plain; charset=utf-8' });
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, first = '', second = ''] = url.pathname.split('/');
    // A public route is mounted at one segment (/forms) or two (/hooks/forms): the longer wins.
    const publicPrefix = first === 'api' ? null : core.publicRoutes.has(`${first}/${second}`) ? `${first}/${second}` : core.publicRoutes.has(first) ? first : null;
    const isPublic = publicPrefix !== null;
    const guard = checkHostAndOrigin({ host: req.headers.host, origin: req.headers.origin }, allowed, { requireOriginMatch: !isPublic, public: publicNames });
    if (!guard.ok) {
      sendError(res, 403, { code: 'forbidden', message: guard.message });
      return;
    }
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    if (unsafePath(rawPath)) {
      sendError(res, 400, { code: 'invalid_input', message: 'The path may not contain "..", "." segments, backslashes or NUL.' });
      return;
    }
    if (rawPath.startsWith(FILES_PREFIX)) {
      await handleFile(req, res, rawPath.slice(FILES_PREFIX.length));
      return;
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      if (!url.pathname.startsWith(API_PREFIX) || url.pathname === EVENTS_PATH) {
        sendError(res, url.pathname === EVENTS_PATH ? 426 : 404, {
          code: 'not_found',
          message: url.pathname === EVENTS_PATH ? `${EVENTS_PATH} is a WebSocket endpoint.` : `No API at ${url.pathname}; operations are at ${API_PREFIX}<operation>.`,
        });
        return;
      }
      await handleApi(req, res, url.pathname);
      return;
    }
    if (publicPrefix !== null && (await handlePublic(req, res, url, publicPrefix))) return;
    handleStatic(req, res, host);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      // A damaged store (met outside core.call too) is answered as such, naming the backup.
      e = core.damage(e) ?? e;
      if (e instanceof ApiError) {
        sendError(res, e.status, e.toBody());
      } else if (e instanceof HttpError) {
        // A 413 keeps the connection while the rest of the body is dropped (drainBody); others close it.
        const keep = e.status === 413 && drainBody(req);
        sendError(res, e.status, { code: e.code, message: e.message }, keep ? {} : { Connection: 'close' });
      } else if (storeUnavailable(e)) {
        // The store was busy past the timeout or the disk is full: 503 naming it, not an internal error.
        const u = storeUnavailable(e, 'Nothing was stored.')!;
        sendError(res, u.status, u.toBody());
      } else {
        core.log.error('request failed', { method: req.method, path: req.url?.split('?')[0], error: e as Error });
        sendError(res, 500, { code: 'internal', message: `Internal error; details are in ${core.log.file ?? 'the log'}.` });
      }
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  // WebSocket: the same Host/Origin rules; the token arrives as subprotocol baton.<token>
  // (browsers cannot set headers on a WebSocket), or as a bearer header from non-browser clients.
  const offeredToken = (req: IncomingMessage): string | null => {
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    return offered.find((p) => p.startsWith('baton.') && tokenMatches(p.slice('baton.'.length), token)) ?? null;
  };
  // ws loads with the first event stream, not before the server answers.
  let wss: WebSocketServer | null = null;
  const wssOf = (): WebSocketServer =>
    (wss ??= new (wsLib().WebSocketServer)({
      noServer: true,
      maxPayload: 64 * 1024,
      handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith('baton.') && tokenMatches(p.slice('baton.'.length), token)) ?? false,
    }));
  const clients = new Set<WebSocket>();

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const guard = checkHostAndOrigin({ host: req.headers.host, origin: req.headers.origin }, allowed, { requireOriginMatch: true, public: publicNames });
    if (!guard.ok) return rejectUpgrade(socket, 403, 'Forbidden', { code: 'forbidden', message: guard.message });
    if (url.pathname !== EVENTS_PATH) return rejectUpgrade(socket, 404, 'Not Found', { code: 'not_found', message: `WebSocket events are at ${EVENTS_PATH}.` });
    if (!offeredToken(req) && !tokenMatches(bearerOf(req), token)) {
      return rejectUpgrade(socket, 401, 'Unauthorized', {
        code: 'unauthorized',
        message: `Missing or wrong token: offer the subprotocol "baton.<token>"; the token is in ${tokenFile}.`,
      });
    }
    wssOf().handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      const off = ui.bus.onAny((event, payload) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > MAX_WS_BUFFER) {
          ws.terminate();
          return;
        }
        ws.send(JSON.stringify({ event, payload }));
      });
      let alive = true;
      ws.on('pong', () => (alive = true));
      const ping = setInterval(() => {
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, 30_000);
      ping.unref();
      ws.on('message', () => {
        /* the channel is one-way: calls go through POST /api/v1/<operation> */
      });
      ws.on('error', () => ws.terminate());
      ws.on('close', () => {
        clearInterval(ping);
        off();
        clients.delete(ws);
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_PORT, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(bindHost, port, opts.allowHosts ?? []);
  const urlHost = bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  const url = `http://${urlHost}:${port}/`;
  core.log.info('server listening', { url, tokenFile });

  let closing: Promise<void> | null = null;
  return {
    url,
    host: bindHost,
    port,
    token,
    tokenFile,
    clientCount: () => clients.size,
    close: () =>
      (closing ??= (async () => {
        for (const ws of clients) ws.close(1001, 'Baton is stopping');
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            for (const ws of clients) ws.terminate();
            resolve();
          }, 1000);
          t.unref();
          const check = (): void => {
            if (clients.size > 0) {
              setTimeout(check, 10);
              return;
            }
            clearTimeout(t);
            resolve();
          };
          check();
        });
        wss?.close();
        offSettings();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        core.log.info('server stopped', { url });
        if (opts.closeCore !== false) await core.close();
      })()),
  };
}
