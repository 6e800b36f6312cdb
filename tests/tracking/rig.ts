/**
 * A real core and its HTTP server (public routes over real HTTP), a real SMTP
 * server, tracking on at a loopback public address (the server's own URL), and
 * a contact to write to. E-mails go out through deliver(), the path of the
 * email.send node and of sequences.
 */
import { randomBytes } from 'node:crypto';
import type { Core } from '../../electron/core/core';
import { deliver, type DeliverResult } from '../../electron/core/sales/mail';
import { EnvSecretStore } from '../../electron/core/secrets';
import { startServer, type BatonServer } from '../../electron/server';
import { openTestCore } from '../helpers';
import { startImap, type TestImap } from '../support/imap';
import { startSmtp, type Received, type TestSmtp } from '../support/smtp';

export interface TrackingRig {
  core: Core;
  server: BatonServer;
  smtp: TestSmtp;
  imap: TestImap | null;
  /** The server's address without the trailing slash (also the public address). */
  base: string;
  send(contactId: number, html: string, opts?: { text?: string; key?: string; kind?: 'marketing' | 'transactional' }): Promise<{ result: DeliverResult; mail: Received }>;
  close(): Promise<void>;
}

let sends = 0;

export async function trackingRig(opts: { settings?: Record<string, unknown>; key?: boolean; imap?: boolean; trustProxy?: boolean } = {}): Promise<TrackingRig> {
  const smtpPw = ['smtp', 'pw', String(process.pid)].join('-');
  const smtp = await startSmtp({ user: 'mailer', password: smtpPw });
  const imap = opts.imap ? await startImap() : null;
  const env: NodeJS.ProcessEnv = {
    BATON_SECRET_SMTP_PASSWORD: smtpPw,
    ...(opts.key === false ? {} : { BATON_SECRET_TRACKING_KEY: randomBytes(32).toString('base64url') }),
    ...(imap ? { BATON_SECRET_IMAP_PASSWORD: imap.password } : {}),
  };
  const t = await openTestCore({ host: 'server', secrets: new EnvSecretStore(env, 'tests') });
  const server = await startServer(t.core, { port: 0, closeCore: false, ...(opts.trustProxy ? { trustProxy: true } : {}) });
  const base = server.url.replace(/\/$/, '');
  const settings: Record<string, unknown> = {
    'email.smtp.host': '127.0.0.1',
    'email.smtp.port': smtp.port,
    'email.smtp.user': 'mailer',
    'email.from': 'owner@solo.test',
    'email.fromName': 'Sam Solo',
    'server.publicUrl': base,
    'tracking.clicks': 'on',
    'tracking.opens': 'on',
    ...(imap ? { 'email.imap.host': imap.host, 'email.imap.port': imap.port, 'email.imap.secure': false, 'email.imap.user': imap.user } : {}),
    ...opts.settings,
  };
  for (const [key, value] of Object.entries(settings)) await t.core.call('settings.set', { key, value });
  return {
    core: t.core,
    server,
    smtp,
    imap,
    base,
    async send(contactId, html, o = {}) {
      const before = smtp.messages.length;
      const result = await deliver(
        { db: t.core.db, secrets: t.core.secrets, now: () => t.core.now() },
        { key: o.key ?? `test:${process.pid}:${++sends}`, contactId, template: { subject: 'News', html, ...(o.text ? { text: o.text } : {}) }, kind: o.kind ?? 'marketing' },
      );
      const mail = (await smtp.waitFor(before + 1, 30_000))[before]!;
      return { result, mail };
    },
    async close() {
      await server.close();
      await smtp.close();
      await imap?.close();
      await t.cleanup();
    },
  };
}

/** The hrefs of a received HTML part, in order. */
export function hrefs(html: string): string[] {
  return [...html.matchAll(/<a\b[^>]*\shref="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}
