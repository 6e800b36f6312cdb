/**
 * The public routes of tracking (docs/server.md, "Public routes"; limits in
 * ./index.ts):
 *
 *   GET  /t/c/<token>      click: 302 to the link's stored target (404 page for a changed or unknown token)
 *   GET  /t/o/<token>.gif  open pixel: a 1x1 GIF
 *   GET  /t/s.js           the site snippet
 *   POST /t/e              the snippet's events (CORS for tracking.allowedOrigins only)
 *
 * No route tells whether a contact exists: every bad token is the same 404.
 */
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Core, PublicRequest, PublicResponse } from '../core';
import { allowedOrigins, machineOpenSeconds, setting, siteStorage, VISITOR_DAYS } from './config';
import { classifyVisitor } from './proxies';
import type { Recorder } from './recorder';
import { snippetSource } from './snippet';
import { KIND, signToken, verifyToken } from './token';

/** A transparent 1x1 GIF (42 bytes). */
export const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const DAY_MS = 86_400_000;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head><body>${body}</body></html>`;

export const NOT_FOUND: PublicResponse = {
  status: 404,
  html: page('Link not valid', '<h1>This link is not valid</h1><p>It may have been cut or changed on the way. Open it again from the e-mail, or copy the whole address.</p>'),
};

export interface TrackingRuntime {
  core: Core;
  recorder: Recorder;
  /** The signing key (cached; null while there is none). */
  key(): Promise<Buffer | null>;
}

interface LinkRow {
  url: string | null;
  contact_id: number;
  message_id: string;
  idx: number;
  sent_at: number | null;
}

function linkLookup(core: Core) {
  let stmt: { get(id: number): unknown } | null = null;
  return (id: number): LinkRow | undefined => {
    stmt ??= core.db.prepare(
      `SELECT l.url, l.contact_id, l.message_id, l.idx, m.sent_at FROM email_links l LEFT JOIN email_messages m ON m.message_id = l.message_id WHERE l.id = ?`,
    );
    return stmt.get(id) as LinkRow | undefined;
  };
}

/** The visitor id a tracked link hands to the operator's own site (only to an allowed origin). */
export function visitorToken(key: Buffer, contactId: number, now: number): string {
  return signToken(key, KIND.visitor, [contactId, Math.floor(now / DAY_MS)]);
}

/** The contact of a visitor id, while it is at most VISITOR_DAYS old; else null. */
export function visitorContact(key: Buffer, token: string, now: number): number | null {
  const n = verifyToken(key, token, KIND.visitor, 2);
  if (!n) return null;
  const age = Math.floor(now / DAY_MS) - n[1]!;
  return age >= 0 && age <= VISITOR_DAYS ? n[0]! : null;
}

function withVisitor(rt: TrackingRuntime, key: Buffer, target: string, contactId: number): string {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    return target;
  }
  if (!allowedOrigins(rt.core.db).includes(u.origin)) return target;
  u.searchParams.set('bt', visitorToken(key, contactId, rt.core.now()));
  return u.href;
}

const isoNow = (core: Core) => new Date(core.now()).toISOString();

export function clickRoute(rt: TrackingRuntime) {
  const lookup = linkLookup(rt.core);
  return async (req: PublicRequest): Promise<PublicResponse> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return { ...NOT_FOUND, status: 405, headers: { allow: 'GET, HEAD' } };
    const key = await rt.key();
    const n = key ? verifyToken(key, req.path.replace(/^\/+|\/+$/g, ''), KIND.click, 2) : null;
    if (!key || !n) return NOT_FOUND;
    const row = lookup(n[0]!);
    if (!row || row.contact_id !== n[1] || row.idx === 0 || !row.url) return NOT_FOUND;
    // A HEAD (link checkers, previews) is answered without being recorded.
    if (req.method === 'GET') {
      const who = classifyVisitor(req.ip, req.headers['user-agent']);
      await rt.recorder
        .record({
          type: 'email.clicked',
          contactId: row.contact_id,
          at: isoNow(rt.core),
          data: { messageId: row.message_id, url: row.url, linkId: row.idx, machine: who.machineReason !== null, machineReason: who.machineReason, userAgent: who.userAgent },
        })
        .catch((e: unknown) => rt.core.log.error('tracking: a click could not be recorded (the visitor was still sent on)', { error: e as Error }));
    }
    return { status: 302, redirect: withVisitor(rt, key, row.url, row.contact_id) };
  };
}

const PIXEL_HEADERS = {
  'Content-Type': 'image/gif',
  'Cache-Control': 'no-store, no-cache, must-revalidate, private',
  // Webmail shows the image from its own origin.
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

export function openRoute(rt: TrackingRuntime) {
  const lookup = linkLookup(rt.core);
  return async (req: PublicRequest): Promise<PublicResponse> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, text: '', headers: { allow: 'GET, HEAD' } };
    const m = /^\/*([A-Za-z0-9_-]+)\.gif$/.exec(req.path);
    const key = await rt.key();
    const n = key && m ? verifyToken(key, m[1]!, KIND.open, 2) : null;
    const row = n ? lookup(n[0]!) : undefined;
    if (!n || !row || row.contact_id !== n[1] || row.idx !== 0) return { status: 404, text: 'Not found\n' };
    if (req.method === 'GET') {
      const now = rt.core.now();
      const who = classifyVisitor(req.ip, req.headers['user-agent']);
      const after = row.sent_at === null ? null : Math.max(0, Math.round((now - row.sent_at) / 100) / 10);
      const soon = after !== null && after < machineOpenSeconds(rt.core.db);
      const reason = who.machineReason ?? (soon ? 'soon-after-send' : null);
      await rt.recorder
        .record({
          type: 'email.opened',
          contactId: row.contact_id,
          at: new Date(now).toISOString(),
          data: { messageId: row.message_id, machine: reason !== null, machineReason: reason, userAgent: who.userAgent, secondsAfterSend: after },
        })
        .catch((e: unknown) => rt.core.log.error('tracking: an open could not be recorded', { error: e as Error }));
    }
    return { status: 200, bytes: PIXEL, headers: PIXEL_HEADERS };
  };
}

export function snippetRoute(rt: TrackingRuntime) {
  return (req: PublicRequest): PublicResponse => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, text: '', headers: { allow: 'GET, HEAD' } };
    if (req.path.replace(/^\/+/, '') !== '') return { status: 404, text: 'Not found\n' };
    return {
      status: 200,
      text: snippetSource(siteStorage(rt.core.db)),
      headers: {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'public, max-age=300',
        // Loaded by the operator's own site.
        'Cross-Origin-Resource-Policy': 'cross-origin',
      },
    };
  };
}

const SiteEvent = z
  .object({
    k: z.string().max(100),
    bt: z.string().max(200),
    type: z.enum(['page', 'form']),
    url: z.string().max(2000),
    title: z.string().max(300).optional(),
    ref: z.string().max(2000).optional(),
    form: z.string().max(200).optional(),
  })
  .strict();

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function eventRoute(rt: TrackingRuntime) {
  return async (req: PublicRequest): Promise<PublicResponse> => {
    const { core } = rt;
    const origin = (req.headers.origin ?? '').replace(/\/$/, '');
    const allowed = origin !== '' && allowedOrigins(core.db).includes(origin);
    const cors: Record<string, string> = allowed ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : { Vary: 'Origin' };
    const refuse = (status: number, message: string): PublicResponse => ({ status, json: { error: { code: status === 403 ? 'forbidden' : 'invalid_input', message } }, headers: cors });
    if (req.path.replace(/^\/+|\/+$/g, '') !== '') return { status: 404, json: { error: { code: 'not_found', message: 'Not found.' } } };
    if (req.method === 'OPTIONS') {
      if (!allowed) return refuse(403, 'This site is not in tracking.allowedOrigins.');
      return { status: 204, headers: { ...cors, 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Max-Age': '600' } };
    }
    if (req.method !== 'POST') return { status: 405, json: { error: { code: 'invalid_input', message: 'Use POST.' } }, headers: { allow: 'POST, OPTIONS' } };
    if (!allowed) return refuse(403, origin ? `${origin} is not in tracking.allowedOrigins.` : 'Send from a page of an allowed site (Origin header).');
    let parsed: z.output<typeof SiteEvent>;
    try {
      parsed = SiteEvent.parse(JSON.parse(req.body.toString('utf8')));
    } catch {
      return refuse(400, 'The body is not a site event (JSON with k, bt, type, url).');
    }
    const siteKey = setting<string | null>(core.db, 'tracking.siteKey', null);
    if (!siteKey || !same(parsed.k, siteKey)) return refuse(403, 'Unknown site key: copy the snippet again (tracking.snippet).');
    let url: URL;
    try {
      url = new URL(parsed.url);
    } catch {
      return refuse(400, 'url is not an address.');
    }
    if (url.origin !== origin) return refuse(400, 'url is not a page of the site that sent it.');
    const key = await rt.key();
    const contactId = key ? visitorContact(key, parsed.bt, core.now()) : null;
    // Anonymous (or an expired or changed id): nothing is stored, and the answer does not say so.
    if (contactId !== null) {
      const common = { url: url.href, path: url.pathname, via: 'snippet' };
      const data = parsed.type === 'page' ? { ...common, title: parsed.title ?? '', referrer: parsed.ref ?? '' } : { ...common, form: parsed.form ?? 'form' };
      await rt.recorder
        .record({ type: parsed.type === 'page' ? 'page.visited' : 'form.viewed', contactId, at: isoNow(core), data })
        .catch((e: unknown) => core.log.error('tracking: a site event could not be recorded', { error: e as Error }));
    }
    return { status: 204, headers: cors };
  };
}

/** Anything else under /t/. */
export function otherRoute() {
  return (): PublicResponse => NOT_FOUND;
}
