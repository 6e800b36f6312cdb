/**
 * Monitoring (docs/monitoring.md): uptime checks with the TLS certificate's
 * expiry, broken links on a site, KPI drops, and alerts routed beyond the
 * tray (e-mail, webhooks in Slack, Discord, ntfy or plain JSON format), each
 * route with quiet hours in the operator's time zone. An alert fires once and
 * not again until it recovers (state kept in SQLite).
 */
import { z } from 'zod';
import { Empty, eventType, op } from './base';

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export const AlertSeverity = z.enum(ALERT_SEVERITIES, { error: 'use info, warning or critical' });
export type AlertSeverity = z.infer<typeof AlertSeverity>;

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM on a 24-hour clock, e.g. 22:00');

/** Quiet hours in the operator's time zone (email.timeZone): from `start` to `end`, over midnight when end < start. */
export const QuietHours = z
  .object({ start: HHMM, end: HHMM })
  .strict()
  .refine((q) => q.start !== q.end, { error: 'start and end are the same time: give a window such as 22:00 to 07:00, or clear the quiet hours', path: ['end'] });
export type QuietHours = z.infer<typeof QuietHours>;

export const WEBHOOK_FORMATS = ['slack', 'discord', 'ntfy', 'json'] as const;
export const WebhookFormat = z.enum(WEBHOOK_FORMATS, { error: `use one of ${WEBHOOK_FORMATS.join(', ')}` });

/** The secret that holds the address of the alert webhook `id` (the address of a Slack or Discord webhook is its token). */
export const WEBHOOK_SECRET_PREFIX = 'MONITORING_WEBHOOK_';
export const webhookSecretName = (id: string): string => WEBHOOK_SECRET_PREFIX + id.toUpperCase();
export const WebhookId = z.string().regex(/^[a-z0-9]{1,16}$/, 'use 1 to 16 lower-case letters or digits, e.g. ops');
const WebhookUrl = z.url({ protocol: /^https?$/, error: 'use the http(s) address of the webhook, e.g. https://hooks.slack.com/services/…' });

/**
 * A webhook route as given: the payload format, a name, quiet hours, and its address (a Slack or
 * Discord incoming webhook, an ntfy topic URL, or any JSON receiver). The address holds a token,
 * so it is never stored as a setting: `settings.set` moves it to the secret store
 * (MONITORING_WEBHOOK_<ID>) and stores the rest under `id`. An entry without `url` keeps the
 * address already stored for its `id`.
 */
export const AlertWebhook = z
  .object({
    id: WebhookId.optional(),
    url: WebhookUrl.optional(),
    format: WebhookFormat,
    name: z.string().trim().min(1).max(100).optional(),
    quietHours: QuietHours.nullable().optional(),
  })
  .strict()
  .refine((h) => h.url !== undefined || h.id !== undefined, { error: 'give the address of the webhook (url); it is kept in the secret store', path: ['url'] });
export type AlertWebhook = z.infer<typeof AlertWebhook>;
export const AlertWebhooks = z
  .array(AlertWebhook)
  .max(10, 'at most 10 webhooks')
  .refine((hs) => new Set(hs.filter((h) => h.id).map((h) => h.id)).size === hs.filter((h) => h.id).length, { error: 'two webhooks have the same id: give each its own' });
/** A webhook as stored in settings: no address (it is in the secret store under its id). */
export type StoredAlertWebhook = Omit<AlertWebhook, 'url' | 'id'> & { id: string; url?: undefined };

/** A webhook as the Settings page and `baton monitor webhooks` show it: the host of its address only, never the address. */
export const AlertWebhookInfo = z.object({
  id: z.string(),
  format: WebhookFormat,
  name: z.string().nullable(),
  quietHours: QuietHours.nullable(),
  /** The host of the stored address, or null when no address is stored. */
  host: z.string().nullable(),
  secret: z.string(),
});
export type AlertWebhookInfo = z.infer<typeof AlertWebhookInfo>;

export const AlertState = z.object({
  key: z.string(),
  status: z.enum(['firing', 'ok']),
  severity: AlertSeverity,
  title: z.string(),
  detail: z.string(),
  since: z.string(),
  fired: z.number().int(),
});

export const AlertDelivery = z.object({
  id: z.number().int(),
  alertKey: z.string(),
  kind: z.enum(['alert', 'recovery']),
  route: z.string(),
  title: z.string(),
  dueAt: z.string(),
  status: z.enum(['pending', 'sent', 'dropped', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  sentAt: z.string().nullable(),
});
export type AlertDelivery = z.infer<typeof AlertDelivery>;

export const monitoringOps = {
  'monitor.alerts.list': op('Every alert Baton keeps state for: firing or ok, since when, how many times it fired.', Empty, z.object({ alerts: z.array(AlertState) })),
  'monitor.deliveries.list': op(
    'The latest alert deliveries to the routes (e-mail, webhooks): sent, held for quiet hours (pending), dropped or failed.',
    z.object({ limit: z.number().int().min(1).max(500).default(50) }).strict(),
    z.object({ deliveries: z.array(AlertDelivery) }),
  ),
  'monitor.webhooks.list': op(
    'The alert webhooks: format, name, quiet hours and the host of the address (the address itself holds a token: it stays in the secret store and is never returned).',
    Empty,
    z.object({ webhooks: z.array(AlertWebhookInfo), writable: z.boolean() }),
  ),
  'monitor.deliver': op(
    'Send the alert deliveries that are due now (held ones whose quiet hours ended, failed tries to retry), and delete finished ones older than 90 days. The background service does it every minute.',
    Empty,
    z.object({ sent: z.number().int(), failed: z.number().int() }),
  ),
} as const;

const AlertData = z.object({ key: z.string(), title: z.string(), severity: AlertSeverity, detail: z.string() }).passthrough();

/** The event types the monitoring domain records. */
export const monitoringEventTypes = {
  'monitor.alert.fired': eventType('An alert fired (first failure after being ok); it does not fire again until it recovers.', AlertData),
  'monitor.alert.recovered': eventType('A firing alert recovered.', AlertData),
};

export const monitoringEvents = {
  'monitor.changed': z.object({ key: z.string(), status: z.enum(['firing', 'ok']) }),
} as const;
