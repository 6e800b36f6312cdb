import { z } from 'zod';
import { AlertSeverity } from '../../../../shared/contract/monitoring';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { deliverDue, observe } from '../alerts';

/**
 * Raise or clear an alert (docs/monitoring.md). `failing` true: the first time
 * (or the first time after a recovery) it fires: an escalation (the tray) and
 * one message per route (e-mail, webhooks; quiet hours apply); while it keeps
 * failing nothing more. `failing` false after firing: one recovery message.
 * The state is kept in SQLite (monitor_alerts) and changed exactly once per
 * step (ctx.once), with the messages queued in the same transaction; they are
 * sent right after (and by the background service when held or retried).
 * Output: key, failing, change ("fired", "recovered" or null), fired (count).
 */
export default defineNode({
  type: 'monitor.alert',
  description: 'Fire an alert once while a check fails (escalation, e-mail, webhooks), and one recovery when it passes again.',
  params: z
    .object({
      key: z.string().min(1, 'give the alert a key, e.g. "=steps.check.key"').max(300, 'at most 300 characters'),
      failing: ex(z.boolean()),
      severity: ex(AlertSeverity).default('warning'),
      title: z.string().min(1, 'give a title').max(300, 'at most 300 characters'),
      detail: z.string().max(4000, 'at most 4000 characters').default(''),
      recoveryTitle: z.string().min(1).max(300, 'at most 300 characters').optional(),
    })
    .strict(),
  branches: ['fired', 'recovered', 'unchanged'],
  async run(ctx) {
    const p = ctx.params;
    if (typeof p.failing !== 'boolean') throw new NodeError(`monitor.alert: failing must be true or false (got ${JSON.stringify(p.failing)})`, { retryable: false, code: 'bad_param' });
    const severity = AlertSeverity.safeParse(p.severity);
    if (!severity.success) throw new NodeError(`monitor.alert: severity must be info, warning or critical (got ${JSON.stringify(p.severity)})`, { retryable: false, code: 'bad_param' });
    const alert = { key: p.key, failing: p.failing, severity: severity.data, title: p.title, detail: p.detail ?? '', ...(p.recoveryTitle ? { recoveryTitle: p.recoveryTitle } : {}) };
    const { value, replayed } = ctx.once('monitor.alert', () => observe(ctx.env, alert));
    if (value.change === 'fired') {
      ctx.escalate({ severity: alert.severity, title: alert.title, detail: alert.detail, key: `monitor:${alert.key}:${value.fired}` });
      ctx.publish({ type: 'monitor.alert.fired', data: { key: alert.key, title: alert.title, severity: alert.severity, detail: alert.detail } });
    } else if (value.change === 'recovered') {
      ctx.publish({ type: 'monitor.alert.recovered', data: { key: alert.key, title: alert.recoveryTitle ?? `Recovered: ${alert.title}`, severity: alert.severity, detail: alert.detail } });
    }
    if (value.change && !replayed) ctx.env.emit('monitor.changed', { key: alert.key, status: value.change === 'fired' ? 'firing' : 'ok' });
    // Send what is due now; a failure stays queued (retried by the service) and does not fail the run.
    const sent = value.change ? await deliverDue(ctx.env).catch((e: unknown) => ({ sent: 0, failed: 0, error: String(e) })) : { sent: 0, failed: 0 };
    return { output: { key: alert.key, failing: alert.failing, change: value.change, fired: value.fired, delivered: sent }, branch: value.change ?? 'unchanged' };
  },
});
