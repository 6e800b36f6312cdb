/** `baton sequences list|save|enroll|unenroll|enrollments|tick` (docs/sequences.md). */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { capPeriod, type OpOutput } from '../../../shared/api';
import { CliExit, print, withApi } from '../context';

const ids = (v: string, prev: number[] = []) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('give contact ids (positive integers).');
  return [...prev, n];
};

export function register(program: Command): void {
  const sq = program.command('sequences').description('Multi-step e-mail/task/wait sequences.');
  sq.command('list')
    .description('Sequences with enrollment counts.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('sequences.list', {}));
      print(cmd, r, () => r.sequences.map((s) => `${s.id}  ${s.name}  ${s.steps} steps  active ${s.active}, completed ${s.completed}, exited ${s.exited}${s.enabled ? '' : '  (disabled)'}`).join('\n') || 'No sequences.');
    });
  sq.command('save')
    .description('Create or replace a sequence from a JSON file (templates are checked).')
    .argument('<file>')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      let def: unknown;
      try {
        def = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new CliExit(`${file}: ${(e as Error).message}`, 2);
      }
      const r = await withApi(cmd, (core) => core.call('sequences.save', def as never));
      print(cmd, r, () => `Saved sequence ${r.definition.id} (${r.definition.steps.length} steps).`);
    });
  sq.command('enroll')
    .description('Enroll contacts in a sequence.')
    .argument('<sequence>')
    .argument('<contactIds...>', 'contact ids', ids)
    .action(async (sequenceId: string, contactIds: number[], _o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('sequences.enroll', { sequenceId, contactIds }));
      print(cmd, r, () => [`${r.enrolled.length} enrolled.`, ...r.skipped.map((s) => `contact ${s.contactId} skipped: ${s.reason}`)].join('\n'));
    });
  sq.command('enroll-segment')
    .description('Enroll every contact a segment matches now in a sequence (--dry-run: only say who would be enrolled and who skipped).')
    .argument('<sequence>')
    .argument('<segmentId>', 'segment id', (v) => ids(v)[0]!)
    .option('--dry-run', 'change nothing, only report')
    .action(async (sequenceId: string, segmentId: number, o: { dryRun?: boolean }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('sequences.enrollSegment', { sequenceId, segmentId, dryRun: !!o.dryRun }));
      print(cmd, r, () => enrollSegmentLines(r).join('\n'));
    });
  sq.command('unenroll')
    .description('End a contact\'s active enrollment(s).')
    .argument('<contactId>', 'contact id', (v) => ids(v)[0]!)
    .option('--sequence <id>', 'only this sequence')
    .action(async (contactId: number, o: { sequence?: string }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('sequences.unenroll', { contactId, ...(o.sequence ? { sequenceId: o.sequence } : {}) }));
      print(cmd, r, () => `${r.exited} enrollment(s) ended.`);
    });
  sq.command('enrollments')
    .description('Enrollments of a sequence.')
    .argument('<sequence>')
    .action(async (sequenceId: string, _o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('sequences.enrollments', { sequenceId }));
      print(cmd, r, () => r.enrollments.map((e) => `contact ${e.contactId}  ${e.status}${e.exitReason ? ` (${e.exitReason})` : ''}  step ${e.stepIndex}  next ${e.nextAt}${e.lastError ? `  last error: ${e.lastError}` : ''}`).join('\n') || 'No enrollments.');
    });
  sq.command('tick')
    .description('Process new events and run due steps now (a running host does this every 30 s).')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('sequences.tick', {}));
      print(cmd, r, () => `${r.events} events, ${r.sent} sent, ${r.deferred} deferred, ${r.failed} failed, ${r.completed} completed, ${r.exited} exited`);
    });
}

/** What `baton sequences enroll-segment` prints: who is (or would be) enrolled, who skipped and why, who waits for the per-contact cap. */
export function enrollSegmentLines(r: OpOutput<'sequences.enrollSegment'>): string[] {
  return [
    `${r.dryRun ? 'Would enroll' : 'Enrolled'} ${r.enrolled} of ${r.matched} contacts of "${r.segment.name}" in "${r.sequence.name}".`,
    ...r.skipped.map((s) => `${s.count} skipped: ${s.reason}`),
    ...(r.capped ? [`${r.capped} wait for the per-contact cap (${r.perContactCap} e-mail${r.perContactCap === 1 ? '' : 's'} per contact in any ${capPeriod(r.perContactCapDays)}).`] : []),
  ];
}
