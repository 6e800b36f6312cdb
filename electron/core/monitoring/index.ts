/**
 * The monitoring domain (docs/monitoring.md): uptime checks with TLS expiry
 * (monitor.check), broken links on a site (monitor.links), KPI drops
 * (monitor.kpi), and alerts (monitor.alert) that fire once until they recover,
 * routed beyond the tray to e-mail and webhooks (Slack, Discord, ntfy, JSON),
 * each route with quiet hours. A service sends held and retried deliveries
 * every minute. Webhook addresses (tokens) live in the secret store (./webhooks.ts).
 */
import { monitoringEventTypes, monitoringOps, type AlertDelivery, type AlertWebhook } from '../../../shared/api';
import { defineDomain } from '../domain';
import { deliverDue, pruneDeliveries, type AlertMessage } from './alerts';
import { MONITORING_NODES } from './nodes';
import { listWebhooks, migrateWebhooks, readWebhooks, writeWebhooks } from './webhooks';

const TICK_MS = 60_000;

export const monitoringDomain = defineDomain({
  id: 'monitoring',
  description: 'Uptime checks with TLS expiry, broken links, KPI drops, and alerts to e-mail and webhooks (Slack, Discord, ntfy) with quiet hours, once until they recover.',
  ops: monitoringOps,
  events: monitoringEventTypes,
  nodes: MONITORING_NODES,
  requires: ['engine', 'sales', 'kpi'],
  settings: ['monitoring.siteUrl', 'monitoring.email.enabled', 'monitoring.email.to', 'monitoring.email.quietHours', 'monitoring.webhooks'],
  async create(core) {
    core.registerSettingHook('monitoring.webhooks', { write: (v) => writeWebhooks(core, v as AlertWebhook[] | null), read: readWebhooks });
    try {
      await migrateWebhooks(core);
    } catch (e) {
      core.log.warn('monitoring: could not move the webhook addresses to the secret store; they stay in settings until the next start', { error: (e as Error).message });
    }
    let timer: NodeJS.Timeout | null = null;
    let running: Promise<unknown> | null = null;
    const tick = () => {
      running ??= deliverDue(core)
        .then(() => pruneDeliveries(core))
        .catch((e: unknown) => core.log.warn('monitoring: sending alerts failed', { error: String(e).slice(0, 200) }))
        .finally(() => (running = null));
      return running;
    };
    return {
      handlers: {
        'monitor.alerts.list': () => ({
          alerts: (core.db.prepare('SELECT key, status, severity, title, detail, since, fired FROM monitor_alerts ORDER BY updated_at DESC, key').all() as never[]),
        }),
        'monitor.deliveries.list': ({ limit }) => ({
          deliveries: (
            core.db.prepare('SELECT id, alert_key, kind, route, message, due_at, status, attempts, last_error, sent_at FROM monitor_deliveries ORDER BY id DESC LIMIT ?').all(limit) as {
              id: number;
              alert_key: string;
              kind: 'alert' | 'recovery';
              route: string;
              message: string;
              due_at: number;
              status: AlertDelivery['status'];
              attempts: number;
              last_error: string | null;
              sent_at: string | null;
            }[]
          ).map((r) => ({
            id: r.id,
            alertKey: r.alert_key,
            kind: r.kind,
            route: r.route,
            title: (JSON.parse(r.message) as AlertMessage).title,
            dueAt: new Date(r.due_at).toISOString(),
            status: r.status,
            attempts: r.attempts,
            lastError: r.last_error,
            sentAt: r.sent_at,
          })),
        }),
        'monitor.webhooks.list': () => listWebhooks(core),
        'monitor.deliver': async () => {
          const r = await deliverDue(core);
          pruneDeliveries(core);
          return r;
        },
      },
      services: [
        {
          name: 'monitoring.deliveries',
          start() {
            timer = setInterval(() => void tick(), TICK_MS);
            timer.unref();
          },
          async stop() {
            if (timer) clearInterval(timer);
            timer = null;
            await running;
          },
        },
      ],
    };
  },
});
