/**
 * The sales domain: e-mail (SMTP, IMAP, suppressions, unsubscribe pages at
 * /u/<token>), sequences, pipeline, escalation rules and tasks. One "sales"
 * service on the host's main thread: every `sales.tickSeconds` (30) it
 * processes new events and runs due sequence steps; it polls IMAP every
 * `email.imap.pollSeconds` (60) when email.imap.host is set, and scans for
 * stale deals hourly.
 */
import { ApiError, salesEventTypes, salesOps } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import type { Core, PublicRequest, PublicResponse, RouteLimits, Service } from '../core';
import { defineDomain } from '../domain';
import { SALES_NODES } from './nodes';
import { imapSettings, pollImap } from './imap';
import { optOut } from './optout';
import { frequencyCapOf, SMTP_PASSWORD, smtpSettings, verifySmtp } from './mail';
import { getPipeline, scanStale, setPipeline } from './pipeline';
import { initCursor, processEvents } from './reactor';
import { DEFAULT_RULES, getRules, setRules } from './rules';
import { enroll, exitEnrollments, getSequence, listSequences, saveSequence, tickSequences, toEnrollment, type EnrollmentRow } from './sequences';
import { enrollSegment } from './enrollSegment';
import { getState, setting } from './state';
import { completeTask, createManualTask, listTasks } from './tasks';
import { verifyUnsubscribeToken } from './unsubscribe';

/** The clock of the sales domain: the core's (tests inject a fake one there). */
function now(core: Core): number {
  return core.now();
}

/** Process events, then due sequence steps (what the service does each tick). */
export async function salesTick(core: Core, at = now(core)) {
  let events = 0;
  for (let i = 0; i < 50; i++) {
    const n = processEvents(core, at);
    events += n;
    if (n === 0) break;
  }
  const r = await tickSequences(core, at);
  // Sends may have exited/advanced nothing new, but e-mails write events (email.sent).
  events += processEvents(core, at);
  return { events, ...r };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.6rem 1.2rem}</style></head><body>${body}</body></html>`;

/** Unsubscribe pages: a GET shows the button, a POST (the button, or RFC 8058 one-click) records it; tiny bodies. */
const UNSUBSCRIBE_LIMITS: RouteLimits = {
  bodyLimit: 4 * 1024,
  contentTypes: ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'],
  perIp: { perMinute: 30, burst: 10 },
  global: { perMinute: 600, burst: 100 },
};

/**
 * RFC 8058: a mail client's one-click POST carries the field List-Unsubscribe=One-Click, urlencoded
 * or as multipart/form-data (the page's button sends no such field).
 */
function isOneClick(req: PublicRequest): boolean {
  const body = req.body.toString('utf8');
  if (/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) return /name="?List-Unsubscribe"?[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n\s*One-Click\s*(?:\r?\n|$)/i.test(body);
  return /(?:^|&)List-Unsubscribe=One-Click(?:&|\s*$)/i.test(body.trim());
}

export function unsubscribeRoute(core: Core) {
  return (req: PublicRequest): PublicResponse => {
    const token = req.path.replace(/^\/+|\/+$/g, '');
    const email = verifyUnsubscribeToken(core.db, token);
    if (!email) return { status: 400, html: page('Link not valid', '<h1>This unsubscribe link is not valid</h1><p>It may be cut or changed. Use the link from the most recent e-mail, or reply to it and ask to be removed.</p>') };
    if (req.method === 'GET' || req.method === 'HEAD') {
      // Mail scanners open links: a GET changes nothing.
      return {
        status: 200,
        html: page('Unsubscribe', `<h1>Unsubscribe</h1><p>Stop e-mails to <strong>${esc(email)}</strong>?</p><form method="post" action=""><button type="submit">Unsubscribe</button></form>`),
      };
    }
    if (req.method !== 'POST') return { status: 405, html: page('Not allowed', '<p>Use the button on the page.</p>'), headers: { allow: 'GET, POST' } };
    optOut(core, email, isOneClick(req) ? 'one-click' : 'link', 'link');
    return { status: 200, html: page('Unsubscribed', `<h1>You are unsubscribed</h1><p><strong>${esc(email)}</strong> will get no more of these e-mails.</p>`) };
  };
}

function problem(v: unknown): { message: string; at: string; hint: string } | null {
  return v && typeof v === 'object' ? (v as { message: string; at: string; hint: string }) : null;
}

export function salesHandlers(core: Core): HandlerMap<keyof typeof salesOps> {
  return {
    'email.status': async () => {
      const s = smtpSettings(core.db);
      const i = imapSettings(core);
      return {
        smtp: {
          configured: !!(s.host && s.from),
          host: s.host,
          port: s.port ?? (s.host ? (s.secure ? 465 : 587) : null),
          secure: s.secure,
          user: s.user,
          from: s.from,
          passwordSet: (await core.secrets.get(SMTP_PASSWORD)) !== null,
          lastError: problem(getState(core.db, 'smtp.lastError', null)),
          lastSentAt: getState<string | null>(core.db, 'smtp.lastSentAt', null),
        },
        imap: { configured: !!i.host, host: i.host, lastError: problem(getState(core.db, 'imap.lastError', null)), lastPollAt: getState<string | null>(core.db, 'imap.lastPollAt', null), seen: getState<number>(core.db, 'imap.seen', 0) },
        frequencyCap: frequencyCapOf(core.db),
      };
    },
    'email.verify': () => verifySmtp(core.db, core.secrets),
    'email.messages': (i) => {
      const rows = core.db
        .prepare(`SELECT * FROM email_messages ${i.contactId ? 'WHERE contact_id = ?' : ''} ORDER BY id DESC LIMIT ?`)
        .all(...(i.contactId ? [i.contactId, i.limit] : [i.limit])) as {
        id: number;
        message_id: string;
        contact_id: number | null;
        to_addr: string;
        subject: string;
        status: string;
        skip_reason: string | null;
        attempts: number;
        last_error: string | null;
        sequence_id: string | null;
        run_id: string | null;
        sent_at: number | null;
      }[];
      return {
        messages: rows.map((r) => ({
          id: r.id,
          messageId: r.message_id,
          contactId: r.contact_id,
          to: r.to_addr,
          subject: r.subject,
          status: r.status,
          skipReason: r.skip_reason,
          attempts: r.attempts,
          lastError: r.last_error,
          sequenceId: r.sequence_id,
          runId: r.run_id,
          sentAt: r.sent_at === null ? null : new Date(r.sent_at).toISOString(),
        })),
      };
    },
    'email.suppressions.list': (i) => ({
      suppressions: (core.db.prepare('SELECT email, reason, source, created_at FROM suppressions ORDER BY created_at DESC LIMIT ?').all(i.limit) as { email: string; reason: string; source: string | null; created_at: string }[]).map((r) => ({
        email: r.email,
        reason: r.reason as 'manual',
        source: r.source,
        createdAt: r.created_at,
      })),
    }),
    'email.suppressions.add': (i) => {
      const email = i.email.trim().toLowerCase();
      core.db.prepare(`INSERT INTO suppressions (email, reason, source) VALUES (?, ?, 'operator') ON CONFLICT(email) DO UPDATE SET reason = excluded.reason`).run(email, i.reason);
      const r = core.db.prepare('SELECT email, reason, source, created_at FROM suppressions WHERE email = ?').get(email) as { email: string; reason: string; source: string | null; created_at: string };
      return { email: r.email, reason: r.reason as 'manual', source: r.source, createdAt: r.created_at };
    },
    'email.suppressions.remove': (i) => ({ removed: core.db.prepare('DELETE FROM suppressions WHERE email = ?').run(i.email.trim().toLowerCase()).changes > 0 }),
    'email.poll': async () => {
      if (!imapSettings(core).host) throw new ApiError('unavailable', 'IMAP is not set up: set email.imap.host (and email.imap.user; password in the secret IMAP_PASSWORD).');
      const r = await pollImap(core);
      processEvents(core, now(core));
      return r;
    },
    'sequences.list': () => ({ sequences: listSequences(core) }),
    'sequences.get': (i) => ({ definition: getSequence(core, i.id) }),
    'sequences.save': (i) => ({ definition: saveSequence(core, i) }),
    'sequences.delete': (i) => ({ deleted: core.db.prepare('DELETE FROM sequences WHERE id = ?').run(i.id).changes > 0 }),
    'sequences.enroll': (i) => enroll(core, i.sequenceId, i.contactIds, now(core)),
    'sequences.enrollSegment': (i) => enrollSegment(core, i.sequenceId, i.segmentId, i.dryRun, now(core)),
    'sequences.unenroll': (i) => ({ exited: exitEnrollments(core, i.contactId, i.reason, now(core), (id) => !i.sequenceId || id === i.sequenceId) }),
    'sequences.enrollments': (i) => {
      const where: string[] = [];
      const args: unknown[] = [];
      for (const [col, v] of [['sequence_id', i.sequenceId], ['contact_id', i.contactId], ['status', i.status]] as const) {
        if (v === undefined) continue;
        where.push(`${col} = ?`);
        args.push(v);
      }
      const rows = core.db.prepare(`SELECT * FROM enrollments ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...(args as never[]), i.limit) as EnrollmentRow[];
      return { enrollments: rows.map(toEnrollment) };
    },
    'sequences.tick': () => salesTick(core),
    'pipeline.get': () => getPipeline(core),
    'pipeline.set': (i) => setPipeline(core, i),
    'pipeline.scan': () => ({ stale: scanStale(core, now(core)) }),
    'tasks.list': (i) => ({ tasks: listTasks(core, i) }),
    'tasks.done': (i) => completeTask(core, i.id),
    'tasks.create': (i) => createManualTask(core, i),
    'escalationRules.get': () => ({ rules: getRules(core) }),
    'escalationRules.defaults': () => ({ rules: DEFAULT_RULES }),
    'escalationRules.set': (i) => ({ rules: setRules(core, i.rules) }),
  };
}

/**
 * The sales service on the host's main thread: every `sales.tickSeconds` (30)
 * it processes new events and runs due sequence steps (and at once when event
 * rows are appended in this process); it polls IMAP every
 * `email.imap.pollSeconds` (60) when email.imap.host is set, and scans for
 * stale deals hourly.
 */
function salesService(core: Core): Service {
  const timers: NodeJS.Timeout[] = [];
  let busy = false;
  let soon: NodeJS.Timeout | null = null;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await salesTick(core);
    } catch (e) {
      core.log.error('sales tick failed', { error: e as Error });
    } finally {
      busy = false;
    }
  };
  let unsubscribe: (() => void) | null = null;
  return {
    name: 'sales',
    start() {
      const every = (ms: number, fn: () => void | Promise<void>) => {
        const t = setInterval(() => void fn(), ms);
        t.unref();
        timers.push(t);
      };
      every(Math.max(1, Number(setting(core.db, 'sales.tickSeconds', 30))) * 1000, tick);
      every(Math.max(5, Number(setting(core.db, 'email.imap.pollSeconds', 60))) * 1000, async () => {
        if (!imapSettings(core).host) return;
        try {
          await pollImap(core);
          await tick();
        } catch (e) {
          core.log.warn('IMAP poll failed', { error: e as Error });
        }
      });
      every(60 * 60_000, () => {
        try {
          scanStale(core, now(core));
        } catch (e) {
          core.log.error('stale-deal scan failed', { error: e as Error });
        }
      });
      // React to new events at once (replies, unsubscribes, score changes).
      unsubscribe = core.onEventsAppended(() => {
        if (soon) return;
        soon = setTimeout(() => {
          soon = null;
          void tick();
        }, 50);
        soon.unref();
      });
    },
    stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      if (soon) clearTimeout(soon);
      soon = null;
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}

export const salesDomain = defineDomain({
  id: 'sales',
  description: 'E-mail over SMTP and IMAP (suppressions, unsubscribe pages at /u/<token>), sequences, the pipeline, tasks and escalation rules.',
  ops: salesOps,
  events: salesEventTypes,
  nodes: SALES_NODES,
  requires: ['engine', 'crm'],
  settings: [
    'email.timeZone',
    'email.smtp.host',
    'email.smtp.port',
    'email.smtp.secure',
    'email.smtp.user',
    'email.smtp.rejectUnauthorized',
    'email.from',
    'email.fromName',
    'email.frequencyCap',
    'email.frequencyCapDays',
    'email.frequencyCapAction',
    'email.bookingUrl',
    'email.leadMagnetUrl',
    'email.imap.host',
    'email.imap.port',
    'email.imap.secure',
    'email.imap.user',
    'email.imap.mailbox',
    'email.imap.rejectUnauthorized',
    'email.publicUrl',
    'email.imap.pollSeconds',
    'sales.tickSeconds',
    'sequences.dailyCap',
    'escalation.rules',
    'pipeline.config',
  ],
  create(core) {
    initCursor(core);
    return { handlers: salesHandlers(core), routes: { u: { handler: unsubscribeRoute(core), limits: UNSUBSCRIBE_LIMITS } }, services: [salesService(core)] };
  },
});
