/** `baton workflow import|export|list|enable|disable|validate|backfill`. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliExit, print, withApi } from '../context';

function readJson(file: string): unknown {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliExit(`Cannot read ${file}: ${(e as Error).message}`, 2);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliExit(`${file} is not valid JSON: ${(e as Error).message}`, 2);
  }
}

export function register(program: Command): void {
  const wf = program.command('workflow').description('Workflow definitions: import, export, list, enable, disable.');
  wf.command('import')
    .description('Validate a definition (JSON file, or - for stdin) and store it as a new version; a rejected file changes nothing.')
    .argument('<file>', 'definition file')
    .option('--disabled', 'store it disabled')
    .action(async (file: string, o: { disabled?: boolean }, cmd: Command) => {
      const definition = readJson(file);
      const r = await withApi(cmd, (core) => core.call('workflows.import', { definition, ...(o.disabled ? { enable: false } : {}) }));
      print(cmd, r, () => (r.changed ? `Imported ${r.id} version ${r.version}${r.created ? ' (new workflow)' : ''}.` : `${r.id} is unchanged (version ${r.version}).`));
    });
  wf.command('validate')
    .description('Check a definition without storing it.')
    .argument('<file>', 'definition file')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const definition = readJson(file);
      const r = await withApi(cmd, (core) => core.call('workflows.validate', { definition }));
      print(cmd, r, () => (r.ok ? 'Valid.' : r.issues.map((i) => `${i.path}${i.nodeId ? ` (node ${i.nodeId})` : ''}: ${i.message}`).join('\n')));
      if (!r.ok) throw new CliExit(`${r.issues.length} problem(s) in ${file}`, 2);
    });
  wf.command('export')
    .description('Print (or write) a stored definition.')
    .argument('<id>', 'workflow id')
    .option('--version <n>', 'a given version (default: current)', (v) => Number(v))
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (id: string, o: { version?: number; out?: string }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('workflows.export', { id, ...(o.version !== undefined ? { version: o.version } : {}) }));
      const text = JSON.stringify(r.definition, null, 2) + '\n';
      if (o.out) {
        writeFileSync(o.out, text);
        print(cmd, { written: o.out }, () => `Wrote ${o.out}.`);
      } else process.stdout.write(text);
    });
  wf.command('list')
    .description('Workflows with enabled, version, last run, next run and 7-day success rate.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('workflows.list', {}));
      print(cmd, r, () =>
        r.workflows.length
          ? r.workflows
              .map(
                (w) =>
                  `${w.enabled ? 'on ' : 'off'}  ${w.id}  v${w.version}  ${w.trigger.type}` +
                  `  last: ${w.lastRun ? `${w.lastRun.status} ${w.lastRun.createdAt}` : '-'}` +
                  `  next: ${w.nextRun ?? '-'}  7d: ${w.successRate7d === null ? '-' : `${Math.round(w.successRate7d * 100)}% of ${w.runs7d}`}`,
              )
              .join('\n')
          : 'No workflows. Import one with: baton workflow import FILE.json',
      );
    });
  wf.command('backfill')
    .description(
      'Run an event-triggered workflow for the matching events recorded before its trigger started listening (it never does by itself). Without --yes it only counts them (dry run).',
    )
    .argument('<id>', 'workflow id')
    .option('--since <date>', 'only events recorded at or after this date (ISO, e.g. 2025-01-31)')
    .option('--limit <n>', 'start at most N runs, oldest events first (default 1000)', (v) => Number(v))
    .option('--yes', 'start the runs (after checking the count with a dry run)')
    .action(async (id: string, o: { since?: string; limit?: number; yes?: boolean }, cmd: Command) => {
      if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 1)) throw new CliExit(`--limit must be a whole number of at least 1 (got ${String(o.limit)}); nothing was started.`, 2);
      const r = await withApi(cmd, (core) =>
        core.call('workflows.backfill', { id, dryRun: !o.yes, ...(o.since ? { since: o.since } : {}), ...(o.limit !== undefined ? { limit: o.limit } : {}) }),
      );
      print(cmd, r, () => {
        const what = `${r.matching} existing ${r.event} event(s)${r.filter ? ` match the filter ${r.filter}` : ''} (of ${r.scanned} recorded before ${id} started listening${r.listeningSince ? ` at ${r.listeningSince}` : ''})`;
        const done = r.alreadyRun ? `; ${r.alreadyRun} already have a run` : '';
        if (r.dryRun) {
          return `${what}${done}.\n${r.toStart ? `Dry run: nothing started. Start ${r.toStart} run(s) with: baton workflow backfill ${id}${o.since ? ` --since ${o.since}` : ''}${o.limit ? ` --limit ${o.limit}` : ''} --yes` : 'Nothing to start.'}${r.remaining ? ` (${r.remaining} more beyond --limit)` : ''}`;
        }
        return `${what}${done}.\nStarted ${r.started} run(s)${r.skippedActive ? `; ${r.skippedActive} skipped (the contact already has an active run)` : ''}${r.remaining ? `; ${r.remaining} more beyond --limit` : ''}.`;
      });
    });
  for (const [name, op] of [
    ['enable', 'workflows.enable'],
    ['disable', 'workflows.disable'],
  ] as const) {
    wf.command(name)
      .description(name === 'enable' ? 'Enable a workflow (its triggers start runs).' : 'Disable a workflow (its triggers stop; runs in flight finish).')
      .argument('<id>', 'workflow id')
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const r = await withApi(cmd, (core) => core.call(op, { id }));
        print(cmd, r, () => `${id} ${r.enabled ? 'enabled' : 'disabled'}.`);
      });
  }
}
