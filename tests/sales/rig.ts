/** A real core + real SMTP server (+ optional real IMAP server) with a fake engine clock. */
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { openTestCore } from '../helpers';
import { startImap, type TestImap } from '../support/imap';
import { startSmtp, type TestSmtp } from '../support/smtp';

export interface SalesRig {
  core: Core;
  smtp: TestSmtp;
  imap: TestImap | null;
  clock: { now: number };
  contact(email: string, extra?: Record<string, unknown>): Promise<number>;
  close(): Promise<void>;
}

export const smtpPassword = () => ['smtp', 'pw', String(process.pid)].join('-');

/** Monday 2026-03-02 10:00 in Berlin (09:00Z). */
export const MONDAY_10_BERLIN = Date.parse('2026-03-02T09:00:00Z');

export async function salesRig(opts: { imap?: boolean; settings?: Record<string, unknown>; start?: number; smtpEchoPassword?: boolean } = {}): Promise<SalesRig> {
  const smtp = await startSmtp({ user: 'mailer', password: smtpPassword(), ...(opts.smtpEchoPassword ? { echoPassword: true } : {}) });
  const imap = opts.imap ? await startImap() : null;
  const env: NodeJS.ProcessEnv = { BATON_SECRET_SMTP_PASSWORD: smtpPassword(), ...(imap ? { BATON_SECRET_IMAP_PASSWORD: imap.password } : {}) };
  const t = await openTestCore({ secrets: new EnvSecretStore(env, 'tests') });
  const clock = { now: opts.start ?? MONDAY_10_BERLIN };
  engineOf(t.core).clock = () => clock.now;
  const settings: Record<string, unknown> = {
    'email.smtp.host': '127.0.0.1',
    'email.smtp.port': smtp.port,
    'email.smtp.user': 'mailer',
    'email.from': 'owner@solo.test',
    'email.fromName': 'Sam Solo',
    'email.publicUrl': 'http://127.0.0.1:4717',
    ...(imap ? { 'email.imap.host': imap.host, 'email.imap.port': imap.port, 'email.imap.secure': false, 'email.imap.user': imap.user } : {}),
    ...opts.settings,
  };
  for (const [k, v] of Object.entries(settings)) await t.core.call('settings.set', { key: k, value: v });
  return {
    core: t.core,
    smtp,
    imap,
    clock,
    async contact(email, extra = {}) {
      const c = await t.core.call('contacts.create', { email, ...extra });
      return c.id;
    },
    async close() {
      await smtp.close();
      await imap?.close();
      await t.cleanup();
    },
  };
}
