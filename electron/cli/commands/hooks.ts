/** `baton hooks list|secret` and `baton schedule fires`: webhook secrets and schedule history. */
import type { Command } from 'commander';
import { print, withCore } from '../context';

export function register(program: Command): void {
  const hooks = program.command('hooks').description('Webhook triggers (POST /hooks/<slug> on `baton serve`) and their secrets.');
  hooks
    .command('list')
    .description('Webhooks: slug, workflow, path and whether a secret is set (never the secret).')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withCore(cmd, (core) => core.call('hooks.list', {}));
      print(cmd, r, () =>
        r.hooks.length
          ? r.hooks
              .map((h) => `${h.enabled ? 'on ' : 'off'}  ${h.path}  -> ${h.workflowId}  secret ${h.secretName}: ${h.hasSecret ? 'set' : 'MISSING (baton hooks secret ' + h.slug + ')'}`)
              .join('\n')
          : 'No webhook triggers. Import a workflow whose trigger is { "type": "webhook", "slug": "..." }.',
      );
    });
  hooks
    .command('secret')
    .description('Generate a new secret for a webhook, store it in the keychain and print it once (the old one stops working).')
    .argument('<slug>', 'the webhook slug (the part after /hooks/)')
    .action(async (slug: string, _o: unknown, cmd: Command) => {
      const r = await withCore(cmd, (core) => core.call('hooks.rotateSecret', { slug }));
      print(cmd, r, () =>
        [
          `New secret for ${r.path} (stored as ${r.secretName}; it is shown only now):`,
          '',
          `  ${r.secret}`,
          '',
          'Send it as "Authorization: Bearer <secret>", or sign the body:',
          `  X-Baton-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>`,
        ].join('\n'),
      );
    });

  const schedule = program.command('schedule').description('Scheduled workflows.');
  schedule
    .command('fires')
    .description('Recent schedule fires, newest first: the scheduled time, the run it started, whether it was caught up late.')
    .argument('[workflow]', 'only this workflow')
    .option('--limit <n>', 'how many (default 50)', (v) => Number(v), 50)
    .action(async (workflow: string | undefined, o: { limit: number }, cmd: Command) => {
      const r = await withCore(cmd, (core) => core.call('schedules.fires', { limit: o.limit, ...(workflow ? { workflow } : {}) }));
      print(cmd, r, () =>
        r.fires.length
          ? r.fires.map((f) => `${f.fireAt}  ${f.workflowId}  ${f.status}${f.late ? ' (caught up)' : ''}  ${f.runId ?? f.error ?? ''}`).join('\n')
          : 'No schedule fires yet.',
      );
    });
}
