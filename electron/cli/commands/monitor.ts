/** `baton monitor alerts|deliveries|deliver` (docs/monitoring.md). */
import type { Command } from 'commander';
import { print, withApi } from '../context';

export function register(program: Command): void {
  const m = program.command('monitor').description('Monitoring alerts (uptime, broken links, KPI drops) and their messages to e-mail and webhooks (settings: monitoring.*).');
  m.command('alerts')
    .description('Every alert with its state: firing or ok, since when.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('monitor.alerts.list', {}));
      print(cmd, r, () => (r.alerts.length ? r.alerts.map((a) => `${a.status.padEnd(6)}  ${a.severity.padEnd(8)}  ${a.since}  ${a.key}  ${a.title}`).join('\n') : 'No alerts yet.'));
    });
  m.command('deliveries')
    .description('The latest alert messages to the routes: sent, held for quiet hours (pending), dropped or failed.')
    .option('--limit <n>', 'how many (default 50, at most 500)', (v) => Number(v))
    .action(async (o: { limit?: number }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('monitor.deliveries.list', o.limit ? { limit: o.limit } : {}));
      print(cmd, r, () =>
        r.deliveries.length
          ? r.deliveries.map((d) => `${d.id}  ${d.status.padEnd(7)}  ${d.route.padEnd(9)}  ${d.kind.padEnd(8)}  due ${d.dueAt}  ${d.title}${d.lastError ? `  (${d.lastError})` : ''}`).join('\n')
          : 'No alert messages yet.',
      );
    });
  m.command('deliver')
    .description('Send the alert messages that are due now.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('monitor.deliver', {}));
      print(cmd, r, () => `Sent ${r.sent}, failed ${r.failed}.`);
    });
}
