/** `baton playbook list|import|start|status` (docs/playbooks.md). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { lockHolder } from '../../core/lock';
import { CliExit, EXIT, dataDirOf, print, withCore } from '../context';

/** `key=value` pairs of --config, or exit 2 naming the bad one. */
function configOf(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i < 1) throw new CliExit(`--config: give key=value, such as budget="3000 EUR" (got "${p}").`, EXIT.invalidInput);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

export function register(program: Command): void {
  const pb = program.command('playbook').description('Agent-team playbooks: list, import, start a run, follow it.');
  pb.command('list')
    .description('Playbooks with their modes and estimated time.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withCore(cmd, (core) => core.call('playbooks.list', {}));
      print(cmd, r, () =>
        r.playbooks
          .map((p) => `${p.id}${p.builtIn ? ' (built in)' : ''}: ${p.name}, ${p.roles} roles, ${p.phases} phases, ${p.steps} steps, ~${p.estimatedMinutes.parallel} min; modes ${p.modes.map((m) => m.id).join(', ')}`)
          .join('\n'),
      );
    });
  pb.command('import')
    .description('Import a playbook file (YAML or JSON); refused, naming the step and field, when it is not valid.')
    .argument('<file>', 'the playbook file')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliExit(`file: cannot read ${file}: ${(e as Error).message}`, EXIT.invalidInput);
      }
      const r = await withCore(cmd, (core) => core.call('playbooks.import', { text, ...(/\.json$/i.test(file) ? { format: 'json' as const } : {}) }));
      print(cmd, r, () => `${r.created ? 'Imported' : 'Updated'} ${r.playbook.id}: ${r.playbook.name} (${r.playbook.steps} steps)`);
    });
  pb.command('start')
    .description('Start a playbook run in a mode, with a scenario and/or config values.')
    .argument('<playbook>', 'playbook id')
    .requiredOption('--mode <mode>', 'execution mode (baton playbook list shows them)')
    .option('--scenario <scenario>', 'a scenario (its preset config)')
    .option('--config <key=value...>', 'config values', [])
    .option('--role <role>', 'single agent modes: the role')
    .option('--task <text>', 'single agent modes: the task')
    .action(async (playbookId: string, o: { mode: string; scenario?: string; config: string[]; role?: string; task?: string }, cmd: Command) => {
      const input = { playbookId, mode: o.mode, config: configOf(o.config), ...(o.scenario ? { scenario: o.scenario } : {}), ...(o.role ? { role: o.role } : {}), ...(o.task ? { task: o.task } : {}) };
      const r = await withCore(cmd, (core) => core.call('playbooks.start', input));
      const served = lockHolder(dataDirOf(cmd)) !== null;
      print(cmd, r, () => `Started run ${r.run.id} (${r.run.modeName}, ~${r.run.estimatedMinutes} min).${served ? '' : ' No Baton is running on this data folder: it runs when one starts (baton serve or the app).'}`);
    });
  pb.command('status')
    .description('A run: phases, steps, gates, conflicts; without an id, the recent runs.')
    .argument('[run]', 'run id')
    .action(async (id: string | undefined, _o: unknown, cmd: Command) => {
      if (!id) {
        const r = await withCore(cmd, (core) => core.call('playbooks.runs', { limit: 20 }));
        print(cmd, r, () => r.runs.map((x) => `${x.id} ${x.playbookId} ${x.mode} ${x.status}${x.waitingFor ? ` (${x.waitingFor})` : ''} ${x.startedAt}`).join('\n') || 'No playbook run yet.');
        return;
      }
      const d = await withCore(cmd, (core) => core.call('playbooks.run', { id }));
      print(cmd, d, () => {
        const lines = [`${d.id}: ${d.playbookName}, ${d.modeName}: ${d.status}${d.waitingFor ? ` (${d.waitingFor})` : ''}${d.error ? ` (${d.error})` : ''}, $${d.costUsd.toFixed(4)}`];
        for (const p of d.phases) {
          lines.push(`  ${p.name}: ${p.status}${p.gate ? `, gate ${p.gate.status}${p.gate.approvalId ? ` (approval ${p.gate.approvalId})` : ''}` : ''}`);
          for (const s of p.steps) if (s.status !== 'skipped') lines.push(`    ${s.roleName}: ${s.title}: ${s.status}, ${s.actualMinutes ?? '-'} / ~${s.estimatedMinutes} min, $${s.costUsd.toFixed(4)}`);
        }
        for (const c of d.conflicts) lines.push(`  conflict ${c.topic} (${c.kind}, ${c.status})${c.decision ? `: ${c.decision.choice} [${c.decision.path}]` : ''}`);
        return lines.join('\n');
      });
    });
}
