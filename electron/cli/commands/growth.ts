/** `baton growth status|start|stop|run|priorities|phases|health|plans|item|learnings|recall|import|report` (docs/growth.md). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ENGINES, IMPORT_KINDS, PlanStatus, type Engine, type GrowthImportKind } from '../../../shared/contract/growth';
import { lockHolder } from '../../core/lock';
import { CliExit, EXIT, dataDirOf, print, withCore } from '../context';

const STATUSES = PlanStatus.options;

/** An engine name given on the command line, or exit 2 naming the argument and the choices. */
function engineOf(v: string, field: string): Engine {
  if (!(ENGINES as readonly string[]).includes(v)) throw new CliExit(`${field}: unknown engine "${v}"; use one of ${ENGINES.join(', ')}.`, EXIT.invalidInput);
  return v as Engine;
}

function statusOf(v: string, field: string): PlanStatus {
  if (!(STATUSES as readonly string[]).includes(v)) throw new CliExit(`${field}: unknown status "${v}"; use one of ${STATUSES.join(', ')}.`, EXIT.invalidInput);
  return v as PlanStatus;
}

function limitOf(v: string | undefined, max = 1000): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliExit(`--limit: give a whole number from 1 to ${max} (got "${v}").`, EXIT.invalidInput);
  return n;
}

const scalar = (v: unknown): string | null => (v === null || ['string', 'number', 'boolean'].includes(typeof v) ? String(v) : Array.isArray(v) ? `${v.length} items` : null);

/** Figures as `key=value` pairs; a phase's figures (an object) as `phase: k=v, …`, phases apart by `; `. */
function formatFigures(f: Record<string, unknown>): string {
  const flat: string[] = [];
  const groups: string[] = [];
  for (const [k, v] of Object.entries(f)) {
    const s = scalar(v);
    if (s !== null) flat.push(`${k}=${s}`);
    else if (v && typeof v === 'object') {
      const inner = Object.entries(v as Record<string, unknown>)
        .map(([ik, iv]) => (scalar(iv) === null ? null : `${ik}=${scalar(iv)}`))
        .filter((x): x is string => x !== null);
      if (inner.length) groups.push(`${k}: ${inner.join(', ')}`);
    }
  }
  return [...(flat.length ? [flat.join(', ')] : []), ...groups].join('; ');
}

/** Where a started cycle runs: a serving Baton, or none yet. */
const servedNote = (cmd: Command): string => (lockHolder(dataDirOf(cmd)) !== null ? '' : ' No Baton is running on this data folder: the cycle runs when one starts (baton serve or the app).');

export function register(program: Command): void {
  const g = program.command('growth').description('Growth engines: state, start/stop, plans, learnings, imports of exports, the seed targets.');
  g.command('status')
    .description("Each engine's phase, since when, why it waits, the figures of its cycle in progress and of its last cycle; the budget and the locks.")
    .action(async (_o: unknown, cmd: Command) => {
      const s = await withCore(cmd, (core) => core.call('growth.status', {}));
      print(cmd, s, () => {
        const lines: string[] = [];
        for (const e of s.engines) {
          lines.push(`${e.priority}. ${e.label}: ${e.phase} since ${e.since}${e.enabled ? '' : ' (schedule off)'}${e.runId ? `, run ${e.runId}` : ''}${e.waiting ? `, waiting: ${e.waiting}` : ''}${e.nextRunAt ? `, next cycle ${e.nextRunAt}` : ''}`);
          const now = formatFigures(e.figures);
          if (now) lines.push(`   this cycle: ${now}`);
          if (e.lastCycle) {
            const f = formatFigures(e.lastCycle.figures);
            lines.push(`   last cycle: ${e.lastCycle.status} ${e.lastCycle.finishedAt}${e.lastCycle.runId ? ` (run ${e.lastCycle.runId})` : ''}${f ? `; ${f}` : ''}`);
          } else lines.push('   last cycle: none yet');
        }
        const b = s.budget;
        lines.push(`Budget ${b.month}: ${b.spentUsd.toFixed(2)} USD spent (AI ${b.aiUsd.toFixed(2)}, ads ${b.adUsd.toFixed(2)}) of ${b.capUsd === null ? 'no cap' : `${b.capUsd.toFixed(2)} USD`}`);
        for (const l of s.locks) lines.push(`Lock: ${l.asset} held by ${l.engine}${l.runId ? ` (run ${l.runId})` : ''} until ${l.expiresAt}`);
        return lines.join('\n');
      });
    });
  g.command('start')
    .description('Start an engine, or all of them: install its workflow, turn its schedule on and start a first cycle (highest priority first).')
    .argument('[engine]', ENGINES.join(' | ') + ' (default: all)')
    .option('--no-run', 'only turn the schedules on; no cycle now')
    .action(async (engine: string | undefined, o: { run: boolean }, cmd: Command) => {
      const e = engine === undefined ? undefined : engineOf(engine, 'engine');
      const r = await withCore(cmd, (core) => core.call('growth.start', { ...(e ? { engine: e } : {}), run: o.run }));
      print(cmd, r, () => [...r.started.map((x) => `Started ${x.engine}${x.runId ? `: cycle run ${x.runId}` : ' (schedule on, no cycle now)'}`), ...(r.started.some((x) => x.runId) ? [servedNote(cmd).trim()].filter(Boolean) : [])].join('\n'));
    });
  g.command('stop')
    .description('Stop an engine, or all of them: schedule off, the cycle in progress cancelled, the phase back to IDLE.')
    .argument('[engine]', ENGINES.join(' | ') + ' (default: all)')
    .action(async (engine: string | undefined, _o: unknown, cmd: Command) => {
      const e = engine === undefined ? undefined : engineOf(engine, 'engine');
      const r = await withCore(cmd, (core) => core.call('growth.stop', e ? { engine: e } : {}));
      print(cmd, r, () => `Stopped ${r.stopped.join(', ')}; ${r.cancelledRuns} cycle run(s) cancelled.`);
    });
  g.command('run')
    .description(`Start one cycle of an engine now: ${ENGINES.join(', ')}.`)
    .argument('<engine>')
    .action(async (engine: string, _o: unknown, cmd: Command) => {
      const e = engineOf(engine, 'engine');
      const r = await withCore(cmd, (core) => core.call('growth.run', { engine: e }));
      print(cmd, r, () => `Started a ${r.engine} cycle: run ${r.runId} (baton run show ${r.runId}).${servedNote(cmd)}`);
    });
  g.command('priorities')
    .description('The order in which engines go first when they compete for a page, a contact or the budget: all four, highest first.')
    .argument('<engines...>', `the four engines once each, e.g. ${ENGINES.join(' ')}`)
    .action(async (names: string[], _o: unknown, cmd: Command) => {
      const order = names.map((n, i) => engineOf(n, `engines[${i + 1}]`));
      if (order.length !== ENGINES.length || new Set(order).size !== ENGINES.length)
        throw new CliExit(`engines: list each of the ${ENGINES.length} engines once, highest priority first (got ${names.join(' ')}), e.g. baton growth priorities ${ENGINES.join(' ')}.`, EXIT.invalidInput);
      const r = await withCore(cmd, (core) => core.call('growth.priorities.set', { order }));
      print(cmd, r, () => r.engines.map((x) => `${x.priority}. ${x.engine}`).join('\n'));
    });
  g.command('phases')
    .description('Phase transitions, newest first.')
    .option('--engine <engine>', ENGINES.join(' | '))
    .option('--limit <n>', 'how many (default 50)')
    .action(async (o: { engine?: string; limit?: string }, cmd: Command) => {
      const engine = o.engine === undefined ? undefined : engineOf(o.engine, '--engine');
      const limit = limitOf(o.limit);
      const r = await withCore(cmd, (core) => core.call('growth.phases', { ...(engine ? { engine } : {}), ...(limit ? { limit } : {}) }));
      print(cmd, r, () => r.transitions.map((t) => `${t.at}  ${t.engine.padEnd(9)} ${t.from} -> ${t.to}${t.runId ? `  run ${t.runId}` : ''}${t.note ? `  (${t.note})` : ''}`).join('\n') || 'No phase transitions yet.');
    });
  g.command('health')
    .description('What needs attention: failed cycles, phases stuck or waiting, failing sources, the budget; exits 1 when something does.')
    .action(async (_o: unknown, cmd: Command) => {
      const h = await withCore(cmd, (core) => core.call('growth.health', {}));
      print(cmd, h, () =>
        [
          h.ok ? 'Healthy.' : 'Needs attention:',
          ...h.issues.map((i) => `${i.severity.padEnd(8)} ${(i.engine ?? '-').padEnd(9)} ${i.kind}: ${i.message}${i.runId ? ` (run ${i.runId})` : ''}`),
          `Cycles in the last 7 days: ${h.succeededRuns7d} succeeded, ${h.failedRuns7d} failed.`,
        ].join('\n'),
      );
      if (!h.ok) process.exitCode = 1;
    });
  g.command('plans')
    .description('Plans, newest first: goal, status and item counts; with --items each item (priority, status, action, expected, actual, reason).')
    .option('--engine <engine>', ENGINES.join(' | '))
    .option('--status <status>', STATUSES.join(' | '))
    .option('--items', 'list the items of each plan')
    .option('--limit <n>', 'how many plans (default 50)')
    .action(async (o: { engine?: string; status?: string; items?: boolean; limit?: string }, cmd: Command) => {
      const engine = o.engine === undefined ? undefined : engineOf(o.engine, '--engine');
      const status = o.status === undefined ? undefined : statusOf(o.status, '--status');
      const limit = limitOf(o.limit);
      const r = await withCore(cmd, (core) => core.call('plans.list', { ...(engine ? { engine } : {}), ...(status ? { status } : {}), items: !!o.items, ...(limit ? { limit } : {}) }));
      print(cmd, r, () => {
        if (!r.plans.length) return 'No plans yet.';
        const lines: string[] = [];
        for (const p of r.plans) {
          const counts = Object.entries(p.counts).map(([k, n]) => `${n} ${k}`).join(', ');
          lines.push(`#${p.id} ${p.engine} ${p.status}  ${p.title}  (${p.itemCount} items${counts ? `: ${counts}` : ''}; ${p.learningIds.length} learnings used; ${p.costUsd.toFixed(4)} USD; ${p.createdAt})`);
          for (const it of p.items ?? []) {
            const exp = formatFigures(it.expected);
            const act = it.actual ? formatFigures(it.actual) : '';
            lines.push(`   item ${it.id} p${it.priority} ${it.status.padEnd(9)} ${it.action} ${it.title}${exp ? `; expected ${exp}` : ''}${act ? `; actual ${act}` : ''}${it.reason ? `; ${it.reason}` : ''}`);
          }
        }
        return lines.join('\n');
      });
    });
  g.command('item')
    .description('Approve, drop or re-plan a plan item by hand (with the reason).')
    .argument('<id>', 'the item id (baton growth plans --items)')
    .argument('<status>', STATUSES.join(' | '))
    .option('--reason <text>', 'why (shown on the item)')
    .action(async (idArg: string, statusArg: string, o: { reason?: string }, cmd: Command) => {
      const id = Number(idArg);
      if (!Number.isInteger(id) || id < 1) throw new CliExit(`id: give the number of a plan item (got "${idArg}"); baton growth plans --items lists them.`, EXIT.invalidInput);
      const status = statusOf(statusArg, 'status');
      const r = await withCore(cmd, (core) => core.call('plans.item.set', { id, status, ...(o.reason ? { reason: o.reason } : {}) }));
      print(cmd, r, () => `Item ${r.id} (${r.title}): ${r.status}${r.reason ? ` (${r.reason})` : ''}.`);
    });
  g.command('learnings')
    .description('Learnings, newest first: subject, confidence, what worked, what did not, evidence.')
    .option('--engine <engine>', ENGINES.join(' | '))
    .option('--subject <subject>', 'only this subject')
    .option('--expired', 'include expired learnings')
    .option('--limit <n>', 'how many (default 50)')
    .action(async (o: { engine?: string; subject?: string; expired?: boolean; limit?: string }, cmd: Command) => {
      const engine = o.engine === undefined ? undefined : engineOf(o.engine, '--engine');
      const limit = limitOf(o.limit);
      const r = await withCore(cmd, (core) => core.call('learnings.list', { ...(engine ? { engine } : {}), ...(o.subject ? { subject: o.subject } : {}), includeExpired: !!o.expired, ...(limit ? { limit } : {}) }));
      print(cmd, r, () => r.learnings.map(learningLines).join('\n') || 'No learnings yet.');
    });
  g.command('recall')
    .description("The learnings an engine's planning would use for a subject, ranked by relevance × confidence × recency.")
    .argument('<engine>', ENGINES.join(' | '))
    .argument('[subject]', 'what the plan is about (default: everything of the engine)')
    .option('--limit <n>', 'how many (default 10)')
    .action(async (engineArg: string, subject: string | undefined, o: { limit?: string }, cmd: Command) => {
      const engine = engineOf(engineArg, 'engine');
      if (subject !== undefined && subject.length > 200) throw new CliExit(`subject: at most 200 characters (got ${subject.length}).`, EXIT.invalidInput);
      const limit = limitOf(o.limit, 100);
      const r = await withCore(cmd, (core) => core.call('learnings.recall', { engine, ...(subject ? { subject } : {}), ...(limit ? { limit } : {}) }));
      print(cmd, r, () => r.learnings.map(learningLines).join('\n') || `No learnings of ${engine} to recall${subject ? ` for "${subject}"` : ''}.`);
    });
  g.command('import')
    .description(`Import a CSV export: kind is one of ${IMPORT_KINDS.join(', ')}.`)
    .argument('<kind>', 'what the file holds')
    .argument('<file>', 'the CSV file')
    .option('--map <field=column...>', 'the column of a field, when Baton cannot tell (remembered for files with the same columns)')
    .option('--owner <domain>', 'links.backlinks: the competitor whose backlinks these are (default: ours)')
    .option('--day <day>', 'the day of the snapshot (YYYY-MM-DD, default today)')
    .action(async (kind: string, file: string, o: { map?: string[]; owner?: string; day?: string }, cmd: Command) => {
      if (!(IMPORT_KINDS as readonly string[]).includes(kind)) throw new CliExit(`kind: unknown "${kind}"; use one of ${IMPORT_KINDS.join(', ')}.`, EXIT.invalidInput);
      let csv: string;
      try {
        csv = readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliExit(`file: cannot read ${file}: ${(e as Error).message}`, EXIT.invalidInput);
      }
      const mapping: Record<string, string> = {};
      for (const m of o.map ?? []) {
        const i = m.indexOf('=');
        if (i <= 0) throw new CliExit(`--map takes field=column (got "${m}"), e.g. --map keyword="Suchbegriff".`, EXIT.invalidInput);
        mapping[m.slice(0, i).trim()] = m.slice(i + 1).trim();
      }
      const r = await withCore(cmd, (core) =>
        core.call('growth.import', { kind: kind as GrowthImportKind, csv, ...(Object.keys(mapping).length ? { mapping } : {}), ...(o.owner ? { owner: o.owner } : {}), ...(o.day ? { day: o.day } : {}) }),
      );
      print(cmd, r, () =>
        [`${r.rows} rows: ${r.imported} new, ${r.updated} updated, ${r.skipped} skipped (${r.ms} ms).`, `Columns: ${Object.entries(r.mapping).map(([f, c]) => `${f} <- "${c}"`).join(', ')}`, ...r.problems.map((p) => `row ${p.row}: ${p.message}`)].join('\n'),
      );
    });
  g.command('report')
    .description('The seed targets against what the data shows; exits 1 when one is not met.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withCore(cmd, (core) => core.call('growth.report', {}));
      print(cmd, r, () => seedReportLines(r).join('\n'));
      if (!r.allMet) process.exitCode = 1;
    });
}

/** The seed targets, one a line: PASS or FAIL, the engine, the target and the measured figure. */
export function seedReportLines(r: { targets: { engine: string; name: string; target: number; actual: number; unit: string; met: boolean }[]; allMet: boolean }): string[] {
  const num = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  const failed = r.targets.filter((t) => !t.met).length;
  return [
    ...r.targets.map((t) => `${t.met ? 'PASS' : 'FAIL'}  ${t.engine.padEnd(9)} ${t.name}: ${num(t.actual)} ${t.unit} (target >= ${num(t.target)})`),
    r.allMet ? `All ${r.targets.length} seed targets PASS.` : `${failed} of ${r.targets.length} seed targets FAIL.`,
  ];
}

function learningLines(l: { id: number; engine: string; subject: string; confidence: number; whatWorked: string; whatDidNot: string; evidence: { runIds: string[]; deltas: unknown[] }; expiresAt: string | null; createdAt: string; score?: number }): string {
  return [
    `#${l.id} ${l.engine} "${l.subject}" confidence ${l.confidence.toFixed(2)}${l.score !== undefined ? `, score ${l.score.toFixed(3)}` : ''} (${l.createdAt}${l.expiresAt ? `, expires ${l.expiresAt}` : ''})`,
    ...(l.whatWorked ? [`   worked: ${l.whatWorked}`] : []),
    ...(l.whatDidNot ? [`   did not: ${l.whatDidNot}`] : []),
    `   evidence: ${l.evidence.runIds.length} run(s)${l.evidence.runIds.length ? ` (${l.evidence.runIds.join(', ')})` : ''}, ${l.evidence.deltas.length} measured delta(s)`,
  ].join('\n');
}
