/** `baton escalations list|ack`. */
import type { Command } from 'commander';
import { print, withApi } from '../context';

export function register(program: Command): void {
  const es = program.command('escalations').description('Escalations (what the tray notifies): list, acknowledge.');
  es.command('list')
    .description('Escalations, newest first.')
    .option('--open', 'only unacknowledged ones')
    .option('--limit <n>', 'how many (default 50)', (v) => Number(v))
    .action(async (o: { open?: boolean; limit?: number }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('escalations.list', { ...(o.open ? { acknowledged: false } : {}), ...(o.limit ? { limit: o.limit } : {}) }));
      print(cmd, r, () =>
        r.escalations.length
          ? r.escalations.map((e) => `${e.id}  ${e.severity}  ${e.acknowledgedAt ? 'ack' : 'open'}  ${e.title}: ${e.detail}`).join('\n')
          : 'No escalations.',
      );
    });
  es.command('ack')
    .description('Acknowledge an escalation.')
    .argument('<id>', 'escalation id')
    .option('--by <name>', 'who (default: cli)')
    .action(async (id: string, o: { by?: string }, cmd: Command) => {
      const e = await withApi(cmd, (core) => core.call('escalations.acknowledge', { id, by: o.by ?? 'cli' }));
      print(cmd, e, () => `Acknowledged ${e.id} (${e.title}).`);
    });
}
