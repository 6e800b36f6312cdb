/** `baton pipeline show|scan|tasks|done` (docs/sequences.md "Pipeline"). */
import type { Command } from 'commander';
import { print, withApi } from '../context';

export function register(program: Command): void {
  const pl = program.command('pipeline').description('Pipeline stages, stale-deal scan and operator tasks.');
  pl.command('show')
    .description('Stages with entry events, time limits and tasks.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('pipeline.get', {}));
      print(cmd, r, () => r.stages.map((s) => `${s.id}  ${s.name}  enter on: ${s.enterOn.join(', ') || '(deal created)'}  limit: ${s.limitDays ?? '-'} days${s.task ? `  task: ${s.task}` : ''}`).join('\n'));
    });
  pl.command('scan')
    .description('Raise stale-deal alerts now.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('pipeline.scan', {}));
      print(cmd, r, () => `${r.stale} stale deal(s) alerted.`);
    });
  pl.command('tasks')
    .description('Open tasks (by due date), with who they are for.')
    .option('--all', 'include done tasks')
    .action(async (o: { all?: boolean }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('tasks.list', o.all ? {} : { status: 'open' }));
      print(
        cmd,
        r,
        () =>
          r.tasks
            .map((t) => `#${t.id}  ${t.status}  ${t.title}${t.contactId ? `  (${t.contactName ?? `contact ${t.contactId}`})` : ''}${t.dueAt && t.status === 'open' ? `  due ${t.dueAt.slice(0, 16).replace('T', ' ')} UTC` : ''}`)
            .join('\n') || 'No tasks.',
      );
    });
  pl.command('done')
    .description('Mark a task done.')
    .argument('<id>', 'task id', (v) => Number(v))
    .action(async (id: number, _o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('tasks.done', { id }));
      print(cmd, r, () => `Task #${r.id} done.`);
    });
}
