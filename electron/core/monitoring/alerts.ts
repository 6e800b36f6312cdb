/**
 * Alerts (docs/monitoring.md): their state (an alert fires once, then not
 * again until it recovers), and their deliveries to the routes beyond the
 * tray, e-mail and webhooks (Slack, Discord, ntfy, JSON), each with quiet
 * hours in the operator's time zone. Deliveries are rows of
 * monitor_deliveries, queued in the same transaction as the state change and
 * sent when due by `deliverDue` (the node right after, then the service every
 * minute): a crash between the two never loses or doubles an alert's queueing.
 */
import { AlertWebhooks, QuietHours, webhookSecretName, type AlertSeverity, type AlertWebhook } from '../../../shared/contract/monitoring';
import type { ThreadEnv } from '../env';
import { deliver, MailError } from '../sales/mail';

export interface AlertInput {
  key: string;
  failing: boolean;
  severity: AlertSeverity;
  title: string;
  detail: string;
  /** Shown in recovery messages (default: "Recovered: <title>"). */
  recoveryTitle?: string;
}

export type AlertChange = 'fired' | 'recovered' | null;

interface AlertRow {
  key: string;
  status: 'firing' | 'ok';
  severity: AlertSeverity;
  title: string;
  detail: string;
  since: string;
  fired: number;
}

export interface AlertMessage {
  key: string;
  kind: 'alert' | 'recovery';
  severity: AlertSeverity;
  title: string;
  detail: string;
  at: string;
}

interface Route {
  id: string;
  quiet: QuietHours | null;
}

const MINUTE = 60_000;
/** A sender's claim on a delivery expires after this (a crashed sender). */
const CLAIM_MS = 5 * MINUTE;
/** Tries per delivery before it stays failed. */
export const MAX_ATTEMPTS = 5;

function parsed<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, v: unknown, fallback: T): T {
  const r = schema.safeParse(v);
  return r.success ? r.data : fallback;
}

/** The route id of a webhook: "webhook:<id>" (a webhook stored before ids existed: its position). */
const webhookRoute = (h: AlertWebhook, i: number) => `webhook:${h.id ?? i}`;

function webhooks(env: ThreadEnv): AlertWebhook[] {
  return parsed(AlertWebhooks, env.setting<unknown>('monitoring.webhooks', []) ?? [], []);
}

/** The routes configured now: "email" when e-mail alerts are on, "webhook:<id>" per webhook. */
export function routes(env: ThreadEnv): Route[] {
  const out: Route[] = [];
  if (env.setting<boolean>('monitoring.email.enabled', false) === true) out.push({ id: 'email', quiet: parsed(QuietHours.nullable(), env.setting('monitoring.email.quietHours', null), null) });
  webhooks(env).forEach((h, i) => out.push({ id: webhookRoute(h, i), quiet: h.quietHours ?? null }));
  return out;
}

/** The webhook of a route and its address (from the secret store; an address still in settings where the store is read-only). */
async function webhookOf(env: ThreadEnv, route: string): Promise<{ hook: AlertWebhook; url: string } | null> {
  const hooks = webhooks(env);
  const i = hooks.findIndex((h, j) => webhookRoute(h, j) === route);
  const hook = hooks[i];
  if (!hook) return null;
  if (hook.url) return { hook, url: hook.url };
  const secret = webhookSecretName(hook.id!);
  const url = await env.secrets.get(secret);
  if (!url) throw new Error(`the address of the webhook "${hook.name ?? hook.id}" is not in the secret store (${secret}): give it again in Settings > Monitoring alerts`);
  return { hook, url };
}

const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The operator's time zone (email.timeZone, default UTC). */
export function operatorZone(env: ThreadEnv): string {
  const z = env.setting<string | null>('email.timeZone', null);
  return typeof z === 'string' && z ? z : 'UTC';
}

/**
 * When the quiet hours around `now` end (epoch ms), or null when `now` is not inside them. The window is
 * read on the wall clock of `zone` (over midnight when end < start).
 */
export function quietUntil(q: QuietHours | null, now: number, zone: string): number | null {
  if (!q) return null;
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const cur = get('hour') * 60 + get('minute');
  const start = toMin(q.start);
  const end = toMin(q.end);
  const inside = start < end ? cur >= start && cur < end : cur >= start || cur < end;
  if (!inside) return null;
  const minutesLeft = (end - cur + 1440) % 1440;
  return now - get('second') * 1000 - (now % 1000) + minutesLeft * MINUTE;
}

/**
 * What a route does with a message inside quiet hours: critical alerts go out at once (as the tray's quiet
 * hours), warnings are held until the quiet hours end, info alerts are dropped. A recovery follows its alert
 * (same severity rule), and is dropped when that alert's message to the route was dropped.
 */
export function planDelivery(severity: AlertSeverity, now: number, until: number | null): { dueAt: number; status: 'pending' | 'dropped' } {
  if (until === null || severity === 'critical') return { dueAt: now, status: 'pending' };
  if (severity === 'warning') return { dueAt: until, status: 'pending' };
  return { dueAt: now, status: 'dropped' };
}

/**
 * Apply one observation to the alert's state, in the caller's transaction: the first failure after ok (or
 * ever) fires and queues an alert per route; the first success after firing recovers and queues one
 * recovery; anything else changes nothing (no repeat while it fails).
 */
export function observe(env: ThreadEnv, a: AlertInput): { change: AlertChange; fired: number } {
  const { db } = env;
  const now = env.now();
  const at = new Date(now).toISOString();
  const row = db.prepare('SELECT * FROM monitor_alerts WHERE key = ?').get(a.key) as AlertRow | undefined;
  if (a.failing) {
    if (row?.status === 'firing') return { change: null, fired: row.fired };
    const fired = (row?.fired ?? 0) + 1;
    db.prepare(
      `INSERT INTO monitor_alerts (key, status, severity, title, detail, since, fired, updated_at) VALUES (?, 'firing', ?, ?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET status = 'firing', severity = excluded.severity, title = excluded.title, detail = excluded.detail, since = excluded.since, fired = excluded.fired, updated_at = excluded.updated_at`,
    ).run(a.key, a.severity, a.title, a.detail, at, fired, at);
    queue(env, { key: a.key, kind: 'alert', severity: a.severity, title: a.title, detail: a.detail, at });
    return { change: 'fired', fired };
  }
  if (row?.status !== 'firing') {
    if (!row) return { change: null, fired: 0 };
    return { change: null, fired: row.fired };
  }
  db.prepare(`UPDATE monitor_alerts SET status = 'ok', since = ?, updated_at = ? WHERE key = ?`).run(at, at, a.key);
  queue(env, { key: a.key, kind: 'recovery', severity: row.severity, title: a.recoveryTitle ?? `Recovered: ${row.title}`, detail: a.detail, at });
  return { change: 'recovered', fired: row.fired };
}

function queue(env: ThreadEnv, m: AlertMessage): void {
  const now = env.now();
  const zone = operatorZone(env);
  const insert = env.db.prepare('INSERT INTO monitor_deliveries (alert_key, kind, route, message, due_at, status) VALUES (?, ?, ?, ?, ?, ?)');
  for (const r of routes(env)) {
    let plan = planDelivery(m.severity, now, quietUntil(r.quiet, now, zone));
    if (m.kind === 'recovery') {
      const last = env.db.prepare(`SELECT status, due_at FROM monitor_deliveries WHERE alert_key = ? AND route = ? AND kind = 'alert' ORDER BY id DESC LIMIT 1`).get(m.key, r.id) as
        | { status: string; due_at: number }
        | undefined;
      if (!last || last.status === 'dropped') plan = { dueAt: now, status: 'dropped' };
      // Never before its alert (a held alert and its recovery go out together, in order).
      else if (plan.status === 'pending' && last.status === 'pending') plan = { ...plan, dueAt: Math.max(plan.dueAt, last.due_at) };
    }
    insert.run(m.key, m.kind, r.id, JSON.stringify(m), plan.dueAt, plan.status);
  }
}

/* ---------- sending ---------- */

const EMOJI: Record<string, string> = { critical: '🔴', warning: '🟠', info: '🔵', recovery: '✅' };
const DISCORD_COLOR: Record<string, number> = { critical: 0xdc2626, warning: 0xf59e0b, info: 0x3b82f6, recovery: 0x16a34a };
const NTFY_PRIORITY: Record<string, string> = { critical: '5', warning: '4', info: '3', recovery: '3' };

function headline(m: AlertMessage): string {
  return m.kind === 'recovery' ? m.title : `[${m.severity}] ${m.title}`;
}

/** The request a webhook of `format` gets for a message (the receiver's own payload shape). */
export function webhookRequest(format: AlertWebhook['format'], m: AlertMessage): { headers: Record<string, string>; body: string } {
  const look = m.kind === 'recovery' ? 'recovery' : m.severity;
  const text = m.detail ? `${headline(m)}\n${m.detail}` : headline(m);
  switch (format) {
    case 'slack':
      // Slack incoming webhooks: `text` (the notification) and Block Kit blocks.
      return {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          text: `${EMOJI[look]} ${text}`,
          blocks: [
            { type: 'header', text: { type: 'plain_text', text: `${EMOJI[look]} ${headline(m)}`.slice(0, 150), emoji: true } },
            ...(m.detail ? [{ type: 'section', text: { type: 'mrkdwn', text: m.detail.slice(0, 3000) } }] : []),
            { type: 'context', elements: [{ type: 'mrkdwn', text: `${m.key} · ${m.at}` }] },
          ],
        }),
      };
    case 'discord':
      // Discord webhooks: `content` (at most 2000 characters) and embeds (title at most 256, description at most 4096).
      return {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          content: `${EMOJI[look]} ${headline(m)}`.slice(0, 2000),
          embeds: [{ title: headline(m).slice(0, 256), description: (m.detail || m.key).slice(0, 4096), color: DISCORD_COLOR[look], timestamp: m.at, footer: { text: m.key.slice(0, 2048) } }],
          allowed_mentions: { parse: [] },
        }),
      };
    case 'ntfy':
      // ntfy: the body is the message; title, priority (1-5) and tags in headers (ASCII only: the title is stripped to it).
      return {
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          Title: headline(m).replace(/[^\x20-\x7e]/g, '?').slice(0, 250),
          Priority: NTFY_PRIORITY[look]!,
          Tags: m.kind === 'recovery' ? 'white_check_mark' : m.severity === 'critical' ? 'rotating_light' : 'warning',
        },
        body: m.detail || headline(m),
      };
    case 'json':
      return { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ alert: m }) };
  }
}

function emailTo(env: ThreadEnv): string | null {
  for (const k of ['monitoring.email.to', 'operator.email', 'email.from']) {
    const v = env.setting<string | null>(k, null);
    if (typeof v === 'string' && v) return v;
  }
  return null;
}

async function send(env: ThreadEnv, id: number, route: string, m: AlertMessage): Promise<void> {
  if (route === 'email') {
    const to = emailTo(env);
    if (!to) throw new MailError('monitoring.email.to: no address to send alerts to; set monitoring.email.to (or operator.email)', false, 'no_recipient');
    const r = await deliver(
      { db: env.db, secrets: env.secrets, now: () => env.now() },
      {
        key: `monitor:${id}`,
        contactId: null,
        to,
        kind: 'transactional',
        // The message goes in as variables (the HTML part escapes them): the check's text is never read as a template.
        template: {
          subject: '{{ vars.subject }}',
          text: '{{ vars.body }}\n\n{{ vars.key }} · {{ vars.at }}',
          html: '<h2>{{ vars.subject }}</h2><p>{{ vars.body }}</p><p><small>{{ vars.key }} · {{ vars.at }}</small></p>',
        },
        vars: { subject: headline(m), body: m.detail, key: m.key, at: m.at },
      },
    );
    if (r.status !== 'sent') throw new Error(`the e-mail was not sent (${r.status === 'skipped' ? r.reason : 'deferred'})`);
    return;
  }
  const found = await webhookOf(env, route);
  if (!found) throw new Error(`${route} is no longer in monitoring.webhooks`);
  const { hook, url } = found;
  const req = webhookRequest(hook.format, m);
  const res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body, signal: AbortSignal.timeout(15_000) });
  await res.arrayBuffer().catch(() => undefined);
  // The address may hold a token (Slack, Discord): errors name the host only.
  if (!res.ok) throw new Error(`${hook.format} webhook at ${new URL(url).host} answered HTTP ${res.status}`);
}

/** Finished deliveries (sent, dropped, failed) are kept this long, then deleted (the alert states stay). */
export const KEEP_DELIVERY_DAYS = 90;

/** Delete finished deliveries older than KEEP_DELIVERY_DAYS; pending ones are never deleted. */
export function pruneDeliveries(env: ThreadEnv): number {
  return env.db.prepare(`DELETE FROM monitor_deliveries WHERE status != 'pending' AND due_at < ?`).run(env.now() - KEEP_DELIVERY_DAYS * 86_400_000).changes;
}

/** Send every delivery due now (claimed one by one, so two senders never send the same one). */
export async function deliverDue(env: ThreadEnv): Promise<{ sent: number; failed: number }> {
  const { db } = env;
  let sent = 0;
  let failed = 0;
  const claim = db.prepare(`UPDATE monitor_deliveries SET claimed_at = ? WHERE id = ? AND status = 'pending' AND (claimed_at IS NULL OR claimed_at < ?)`);
  for (;;) {
    const now = env.now();
    const next = db
      .prepare(`SELECT id, route, message, attempts FROM monitor_deliveries WHERE status = 'pending' AND due_at <= ? AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY due_at, id LIMIT 1`)
      .get(now, now - CLAIM_MS) as { id: number; route: string; message: string; attempts: number } | undefined;
    if (!next) break;
    if (claim.run(now, next.id, now - CLAIM_MS).changes !== 1) continue;
    try {
      await send(env, next.id, next.route, JSON.parse(next.message) as AlertMessage);
      db.prepare(`UPDATE monitor_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL, claimed_at = NULL WHERE id = ?`).run(new Date(env.now()).toISOString(), next.id);
      sent++;
    } catch (e) {
      const attempts = next.attempts + 1;
      const retryable = !(e instanceof MailError && !e.retryable) && attempts < MAX_ATTEMPTS;
      const message = e instanceof Error ? e.message : String(e);
      // Retried a minute later, then 2, 4 … (the service picks it up when due).
      db.prepare(`UPDATE monitor_deliveries SET status = ?, attempts = ?, last_error = ?, due_at = ?, claimed_at = NULL WHERE id = ?`).run(
        retryable ? 'pending' : 'failed',
        attempts,
        message.slice(0, 500),
        env.now() + MINUTE * 2 ** (attempts - 1),
        next.id,
      );
      env.log.warn('monitoring: an alert delivery failed', { route: next.route, attempts, error: message.slice(0, 200) });
      failed++;
    }
  }
  return { sent, failed };
}
