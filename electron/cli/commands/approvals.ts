/** `baton approvals list|show|decide`. */
import { InvalidArgumentError, type Command } from 'commander';
import type { Approval } from '../../../shared/api';
import { CliExit, print, withApi } from '../context';

const line = (a: Approval) =>
  `${a.id}  ${a.status}  ${a.title}${a.confidence !== null ? `  confidence ${a.confidence}` : ''}  run ${a.runId}${a.expiresAt ? `  expires ${a.expiresAt}` : ''}`;

export function register(program: Command): void {
  const ap = program.command('approvals').description('The approvals inbox: list, show, decide.');
  ap.command('list')
    .description('Approvals (pending by default).')
    .option('--status <status>', 'pending, approved, rejected, expired, cancelled or all', 'pending')
    .option('--limit <n>', 'how many (default 50)', (v) => Number(v))
    .action(async (o: { status: string; limit?: number }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('approvals.list', { status: o.status as 'pending', ...(o.limit ? { limit: o.limit } : {}) }));
      print(cmd, r, () => (r.approvals.length ? r.approvals.map(line).join('\n') : `No ${o.status === 'all' ? '' : `${o.status} `}approvals.`));
    });
  ap.command('show')
    .description('One approval with its payload.')
    .argument('<id>', 'approval id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const a = await withApi(cmd, (core) => core.call('approvals.get', { id }));
      print(cmd, a, () =>
        [line(a), a.reason ? `reason: ${a.reason}` : '', `payload: ${JSON.stringify(a.payload, null, 2)}`, a.decidedAt ? `decided by ${a.decidedBy} at ${a.decidedAt}${a.decisionReason ? `: ${a.decisionReason}` : ''}` : '']
          .filter(Boolean)
          .join('\n'),
      );
    });
  ap.command('decide')
    .description('Approve (optionally with an edited payload) or reject. A second decision keeps the first.')
    .argument('<id>', 'approval id')
    .argument('<decision>', 'approve or reject')
    .option('--payload <json>', 'the edited payload to approve (JSON)', (v) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        throw new InvalidArgumentError('give JSON, e.g. \'{"text":"Hello Ada"}\'.');
      }
    })
    .option('--reason <text>', 'why')
    .option('--by <name>', 'who decides (default: cli)')
    .action(async (id: string, decision: string, o: { payload?: unknown; reason?: string; by?: string }, cmd: Command) => {
      if (decision !== 'approve' && decision !== 'reject') throw new CliExit(`decision must be "approve" or "reject", got "${decision}"`, 2);
      const r = await withApi(cmd, (core) =>
        core.call('approvals.decide', { id, decision, ...(o.payload !== undefined ? { payload: o.payload } : {}), ...(o.reason ? { reason: o.reason } : {}), by: o.by ?? 'cli' }),
      );
      print(cmd, r, () => r.message);
    });
}
