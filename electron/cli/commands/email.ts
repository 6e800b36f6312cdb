/** `baton email status|messages|poll|suppress|unsuppress` (docs/email.md). */
import type { Command } from 'commander';
import { capPeriod } from '../../../shared/api';
import { print, withApi } from '../context';

export function register(program: Command): void {
  const em = program.command('email').description('Automated e-mail: SMTP/IMAP status, sent messages, IMAP poll, suppressions.');
  em.command('status')
    .description('SMTP and IMAP settings, whether the password is set, and the last error with a hint.')
    .action(async (_o: unknown, cmd: Command) => {
      const s = await withApi(cmd, (core) => core.call('email.status', {}));
      print(cmd, s, () =>
        [
          `SMTP: ${s.smtp.configured ? `${s.smtp.host}:${s.smtp.port} as ${s.smtp.user ?? '(no login)'}, from ${s.smtp.from}, password ${s.smtp.passwordSet ? 'set' : 'NOT set'}` : 'not set up (email.smtp.host, email.from)'}`,
          s.smtp.lastError ? `  last error ${s.smtp.lastError.at}: ${s.smtp.lastError.message}\n  ${s.smtp.lastError.hint}` : `  last sent: ${s.smtp.lastSentAt ?? 'never'}`,
          `IMAP: ${s.imap.configured ? `${s.imap.host}, last poll ${s.imap.lastPollAt ?? 'never'}, ${s.imap.seen} messages seen` : 'not set up (email.imap.host)'}`,
          s.imap.lastError ? `  last error ${s.imap.lastError.at}: ${s.imap.lastError.message}\n  ${s.imap.lastError.hint}` : '',
          `Frequency cap: ${s.frequencyCap.max} automated e-mail${s.frequencyCap.max === 1 ? '' : 's'} per contact in any ${capPeriod(s.frequencyCap.days)} (email.frequencyCap, email.frequencyCapDays); over it: ${s.frequencyCap.action === 'drop' ? 'dropped' : 'wait'}`,
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });
  em.command('messages')
    .description('Recent automated e-mails.')
    .option('--limit <n>', 'how many (default 50)', (v) => Number(v))
    .action(async (o: { limit?: number }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('email.messages', { ...(o.limit ? { limit: o.limit } : {}) }));
      print(cmd, r, () => r.messages.map((m) => `${m.sentAt ?? '-'}  ${m.status}${m.skipReason ? ` (${m.skipReason})` : ''}  ${m.to}  ${m.subject}`).join('\n') || 'No e-mails yet.');
    });
  em.command('poll')
    .description('Poll the IMAP mailbox now for replies, bounces and complaints.')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('email.poll', {}));
      print(cmd, r, () => `${r.seen} new: ${r.replies} replies, ${r.autoReplies} auto-replies, ${r.bounces} bounces, ${r.complaints} complaints, ${r.unmatched} unmatched`);
    });
  em.command('suppress')
    .description('Never send marketing e-mail to this address.')
    .argument('<email>')
    .action(async (email: string, _o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('email.suppressions.add', { email }));
      print(cmd, r, () => `${r.email} suppressed (${r.reason}).`);
    });
  em.command('unsuppress')
    .description('Remove an address from the suppression list.')
    .argument('<email>')
    .action(async (email: string, _o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('email.suppressions.remove', { email }));
      print(cmd, r, () => (r.removed ? `${email} removed from the suppression list.` : `${email} was not suppressed.`));
    });
}
