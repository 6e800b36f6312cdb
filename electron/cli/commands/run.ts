/** `baton run start|list|show|cancel|retry`. */
import { InvalidArgumentError, type Command } from 'commander';
import type { RunDetail, RunSummary } from '../../../shared/api';
import { engineOf } from '../../core/engine';
import { lockHolder } from '../../core/lock';
import { CliExit, dataDirOf, print, remoteOf, withApi } from '../context';

function json(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('give JSON, e.g. \'{"email":"ada@example.com"}\'.');
  }
}

const FINISHED = ['succeeded', 'failed', 'cancelled'];

/** A run that waits for a person's approval: nothing `run start --wait` does here moves it on. */
const waitsForApproval = (d: RunDetail) => d.status === 'waiting' && d.steps.some((s) => s.status === 'waiting' && s.waitingFor === 'approval');

function line(r: RunSummary): string {
  return `${r.id}  ${r.workflowId}  ${r.status}${r.phase ? `/${r.phase}` : ''}  ${r.createdAt}${r.error ? `  ${r.error.nodeId ? `${r.error.nodeId}: ` : ''}${r.error.message}` : ''}`;
}

function detail(d: RunDetail): string {
  const head = [`${d.id}  ${d.workflowName} v${d.version}  ${d.status}`, `started ${d.startedAt ?? '-'}  finished ${d.finishedAt ?? '-'}`];
  if (d.error) head.push(`error: ${d.error.nodeId ? `${d.error.nodeId}: ` : ''}${d.error.message}`);
  const steps = d.steps.map((s) => {
    const t = s.startedAt && s.finishedAt ? ` ${Date.parse(s.finishedAt) - Date.parse(s.startedAt)} ms` : '';
    const extra = s.status === 'waiting' && s.waitingFor ? `  waiting for ${s.waitingFor}` : s.error ? `  ${s.error.message}` : s.branch ? `  -> ${s.branch}` : '';
    return `  ${s.status.padEnd(9)} ${s.nodeId} (${s.type})  tries ${s.attempts}${t}${extra}`;
  });
  return [...head, 'steps:', ...steps, `output: ${JSON.stringify(d.output)}`].join('\n');
}

export function register(program: Command): void {
  const run = program.command('run').description('Workflow runs: start, list, show, cancel, retry.');
  run
    .command('start')
    .description('Start a run. It is executed by a running Baton (baton serve / the app); with --wait and none running, by this command until it finishes.')
    .argument('<workflow>', 'workflow id')
    .option('--input <json>', 'run input (JSON)', json)
    .option('--key <key>', 'idempotency key: a second start with the same key returns the first run')
    .option('--wait', 'wait until the run finishes and print it; without a running Baton, also when it waits for an approval and no other run is running')
    .option('--timeout <seconds>', 'with --wait: give up after this long (the run goes on)', (v) => Number(v))
    .action(async (workflow: string, o: { input?: unknown; key?: string; wait?: boolean; timeout?: number }, cmd: Command) => {
      // A remote server runs its engine itself.
      const served = remoteOf(cmd) !== null || lockHolder(dataDirOf(cmd)) !== null;
      const out = await withApi(cmd, async (api, local) => {
        const started = await api.call('runs.start', { workflow, input: o.input ?? {}, ...(o.key ? { idempotencyKey: o.key } : {}) });
        if (!o.wait) return { started, final: null };
        if (!served && local) await engineOf(local).startStandalone();
        const t0 = Date.now();
        for (;;) {
          const d = await api.call('runs.get', { id: started.runId });
          if (FINISHED.includes(d.status)) return { started, final: d };
          // Run here, a run waiting for an approval waits for a person: stop once the other runs this
          // command has moved on are done too.
          if (!served && waitsForApproval(d) && (await api.call('runs.list', { status: 'running', limit: 1 })).runs.length === 0) return { started, final: d };
          if (o.timeout !== undefined && Date.now() - t0 > o.timeout * 1000) return { started, final: d };
          await new Promise((r) => setTimeout(r, 100));
        }
      });
      if (!out.final) {
        print(cmd, out.started, () => `Started run ${out.started.runId}${out.started.deduplicated ? ' (existing run for this key)' : ''}: ${out.started.status}.${served ? '' : ' No Baton is running on this data folder: it runs when one starts (or use --wait).'}`);
        return;
      }
      print(cmd, out.final, () => detail(out.final as RunDetail));
      if (out.final.status === 'failed') throw new CliExit(`run ${out.final.id} failed`, 1);
    });
  run
    .command('list')
    .description('Runs, newest first.')
    .option('--workflow <id>', 'only this workflow')
    .option('--status <status>', 'queued, running, waiting, succeeded, failed or cancelled')
    .option('--from <date>', 'created at or after (ISO date)')
    .option('--to <date>', 'created at or before (ISO date)')
    .option('--limit <n>', 'page size (default 50)', (v) => Number(v))
    .option('--cursor <cursor>', 'the next page (printed by the previous one)')
    .action(async (o: { workflow?: string; status?: string; from?: string; to?: string; limit?: number; cursor?: string }, cmd: Command) => {
      const r = await withApi(cmd, (core) =>
        core.call('runs.list', {
          ...(o.workflow ? { workflow: o.workflow } : {}),
          ...(o.status ? { status: o.status as RunSummary['status'] } : {}),
          ...(o.from ? { from: o.from } : {}),
          ...(o.to ? { to: o.to } : {}),
          ...(o.limit ? { limit: o.limit } : {}),
          ...(o.cursor ? { cursor: o.cursor } : {}),
        }),
      );
      print(cmd, r, () => (r.runs.length ? r.runs.map(line).join('\n') + (r.nextCursor ? `\nmore: --cursor ${r.nextCursor}` : '') : 'No runs.'));
    });
  run
    .command('show')
    .description('A run with its step timeline.')
    .argument('<id>', 'run id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const d = await withApi(cmd, (core) => core.call('runs.get', { id }));
      print(cmd, d, () => detail(d));
    });
  for (const [name, op, text] of [
    ['cancel', 'runs.cancel', 'Cancel a queued, running or waiting run.'],
    ['retry', 'runs.retry', 'Retry a failed run from its failed step (finished steps are kept).'],
  ] as const) {
    run
      .command(name)
      .description(text)
      .argument('<id>', 'run id')
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const r = await withApi(cmd, (core) => core.call(op, { id }));
        print(cmd, r, () => line(r));
      });
  }
}
