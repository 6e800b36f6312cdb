/** `baton hooks list|secret` and `baton schedule fires`: webhook secrets and schedule history. */
import type { Command } from 'commander';
import { HookAuth } from '../../../shared/api';
import { CliExit, EXIT, print, withApi } from '../context';
import { readSecretValue } from './system';

export function register(program: Command): void {
  const hooks = program.command('hooks').description('Webhook triggers (POST /hooks/<slug> on `baton serve`) and their secrets.');
  hooks
    .command('list')
    .description('Webhooks: slug, workflow, path and whether a secret is set (never the secret).')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('hooks.list', {}));
      print(cmd, r, () =>
        r.hooks.length
          ? r.hooks
              .map(
                (h) =>
                  `${h.enabled ? 'on ' : 'off'}  ${h.path}  -> ${h.workflowId}  auth ${h.auth.type}  ` +
                  h.secrets.map((s) => `${s.role} ${s.name}: ${s.set ? 'set' : `MISSING (baton hooks ${h.auth.type === 'baton' && s.role === 'signing' ? 'secret' : 'set-secret'} ${h.slug}${s.role === 'verify' ? ' --verify' : ''})`}`).join(', '),
              )
              .join('\n')
          : 'No webhook triggers. Import a workflow whose trigger is { "type": "webhook", "slug": "..." }.',
      );
    });
  hooks
    .command('secret')
    .description('Generate a new secret for a webhook, store it in the keychain and print it once (the old one stops working).')
    .argument('<slug>', 'the webhook slug (the part after /hooks/)')
    .action(async (slug: string, _o: unknown, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('hooks.rotateSecret', { slug }));
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

  hooks
    .command('set-secret')
    .description("Store a secret the provider gives you (Stripe's whsec_…, an app secret); the value is read from standard input, never from the command line.")
    .argument('<slug>', 'the webhook slug')
    .option('--verify', "store the hook's verify token instead (Meta's subscription check)")
    .addHelpText('after', '\nExamples:\n  printf %s "$STRIPE_WHSEC" | baton hooks set-secret payments\n  baton hooks set-secret leads --verify   (then type the value; it is not shown)')
    .action(async (slug: string, o: { verify?: boolean }, cmd: Command) => {
      const value = await readSecretValue(o.verify ? `the verify token of ${slug}` : `the secret of ${slug}`);
      if (!value.trim()) throw new CliExit('The value is empty; pipe it on standard input. Nothing was stored.', EXIT.invalidInput);
      const r = await withApi(cmd, (core) => core.call('hooks.setSecret', { slug, role: o.verify ? 'verify' : 'signing', value }));
      print(cmd, r, () => `Stored the ${r.role === 'verify' ? 'verify token' : 'secret'} of /hooks/${r.slug} as ${r.secretName}.`);
    });
  hooks
    .command('auth')
    .description('Choose how a webhook authenticates: baton, stripe, meta, or hmac (with its settings as JSON).')
    .argument('<slug>', 'the webhook slug')
    .argument('<type>', 'baton | stripe | meta | hmac')
    .option('--settings <json>', 'the other fields as JSON, e.g. \'{"header":"X-Hub-Signature-256","prefix":"sha256=","eventIdHeader":"X-GitHub-Delivery"}\'')
    .action(async (slug: string, type: string, o: { settings?: string }, cmd: Command) => {
      let extra: Record<string, unknown> = {};
      if (o.settings) {
        try {
          extra = JSON.parse(o.settings) as Record<string, unknown>;
        } catch (e) {
          throw new CliExit(`--settings is not valid JSON (${(e as Error).message}).`, EXIT.invalidInput);
        }
      }
      const parsed = HookAuth.safeParse({ ...extra, type });
      if (!parsed.success) {
        throw new CliExit(`Invalid authentication: ${parsed.error.issues.map((i) => `${['auth', ...i.path].join('.')}: ${i.message}`).join('; ')}. Nothing was changed.`, EXIT.invalidInput);
      }
      const r = await withApi(cmd, (core) => core.call('hooks.configure', { slug, auth: parsed.data }));
      print(cmd, r, () => `/hooks/${r.slug} now authenticates with ${r.auth.type} (workflow ${r.workflowId} version ${r.version}).`);
    });

  const schedule = program.command('schedule').description('Scheduled workflows.');
  schedule
    .command('fires')
    .description('Recent schedule fires, newest first: the scheduled time, the run it started, whether it was caught up late.')
    .argument('[workflow]', 'only this workflow')
    .option('--limit <n>', 'how many (default 50)', (v) => Number(v), 50)
    .action(async (workflow: string | undefined, o: { limit: number }, cmd: Command) => {
      const r = await withApi(cmd, (core) => core.call('schedules.fires', { limit: o.limit, ...(workflow ? { workflow } : {}) }));
      print(cmd, r, () =>
        r.fires.length
          ? r.fires.map((f) => `${f.fireAt}  ${f.workflowId}  ${f.status}${f.late ? ' (caught up)' : ''}  ${f.runId ?? f.error ?? ''}`).join('\n')
          : 'No schedule fires yet.',
      );
    });
}
