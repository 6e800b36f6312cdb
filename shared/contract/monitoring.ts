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

/** A webhook route: its address (a Slack or Discord incoming webhook, an ntfy topic URL, or any JSON receiver) and the payload format. */
export const AlertWebhook = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'use the http(s) address of the webhook, e.g. https://hooks.slack.com/services/…' }),
    format: WebhookFormat,
    name: z.string().trim().min(1).max(100).optional(),
    quietHours: QuietHours.nullable().optional(),
  })
  .strict();
export type AlertWebhook = z.infer<typeof AlertWebhook>;
export const AlertWebhooks = z.array(AlertWebhook).max(10, 'at most 10 webhooks');

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
