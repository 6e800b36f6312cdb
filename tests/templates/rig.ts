/**
 * A rig for the shipped templates, driven by their real triggers: a real core on
 * a real SQLite file with the engine on a fake clock, the real HTTP server
 * (form posts to /hooks/forms/<form>, signed webhook posts), a real SMTP server
 * (smtp-server) and, when asked, a real IMAP server (dovecot). Templates are
 * installed through templates.install, as the first-run setup and the gallery do.
 */
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { startServer, type BatonServer } from '../../electron/server';
import type { TemplateInfo } from '../../shared/api';
import { openTestCore } from '../helpers';
import { startImap, type TestImap } from '../support/imap';
import { startSmtp, type TestSmtp } from '../support/smtp';

/** Monday 2026-03-02 10:00 UTC (inside the nurture sequence's 08:00-20:00 window). */
export const MONDAY_10_UTC = Date.parse('2026-03-02T10:00:00Z');
export const DAY = 86_400_000;

export interface TemplateRig {
  core: Core;
  server: BatonServer;
  smtp: TestSmtp;
  imap: TestImap | null;
  clock: { now: number };
  advance(ms: number): void;
  install(ids: string[], enable?: boolean): Promise<void>;
  template(id: string): Promise<TemplateInfo>;
  /** POST a form as a browser would (urlencoded), or as JSON. */
  postForm(slug: string, fields: Record<string, string>, as?: 'browser' | 'json'): Promise<{ status: number; location: string | null; body: string }>;
  /** What the host's services do: dispatch events and run due steps, then the sales tick (reactor + sequences), until nothing moves. */
  settle(): Promise<void>;
  /** Poll the reply mailbox (the sales service does it every email.imap.pollSeconds), then settle. */
  poll(): Promise<void>;
  /** A reply from `from` to a message Baton sent, appended to the IMAP mailbox. */
  reply(from: string, messageId: string, subject: string, body?: string): Promise<void>;
  contactByEmail(email: string): Promise<{ id: number; stage: string; score: number; tags: string[]; source: string | null }>;
  runsOf(workflow: string): Promise<{ id: string; status: string }[]>;
  close(): Promise<void>;
}

export const smtpPassword = () => ['smtp', 'pw', String(process.pid)].join('-');

export async function templateRig(opts: { imap?: boolean; settings?: Record<string, unknown>; secrets?: Record<string, string>; start?: number } = {}): Promise<TemplateRig> {
  const smtp = await startSmtp({ user: 'mailer', password: smtpPassword() });
  const imap = opts.imap ? await startImap() : null;
  const env: NodeJS.ProcessEnv = {
    BATON_SECRET_SMTP_PASSWORD: smtpPassword(),
    ...(imap ? { BATON_SECRET_IMAP_PASSWORD: imap.password } : {}),
    ...Object.fromEntries(Object.entries(opts.secrets ?? {}).map(([k, v]) => [`BATON_SECRET_${k}`, v])),
  };
  const t = await openTestCore({ secrets: new EnvSecretStore(env, 'tests') });
  const core = t.core;
  const clock = { now: opts.start ?? MONDAY_10_UTC };
  engineOf(core).clock = () => clock.now;
  const settings: Record<string, unknown> = {
    'email.smtp.host': '127.0.0.1',
    'email.smtp.port': smtp.port,
    'email.smtp.user': 'mailer',
    'email.from': 'sam@solo.test',
    'email.fromName': 'Sam Solo',
    'server.publicUrl': 'https://baton.solo.test',
    'email.frequencyCap': 10,
    ...(imap ? { 'email.imap.host': imap.host, 'email.imap.port': imap.port, 'email.imap.secure': false, 'email.imap.user': imap.user } : {}),
    ...opts.settings,
  };
  for (const [k, v] of Object.entries(settings)) await core.call('settings.set', { key: k, value: v });
  const server = await startServer(core, { port: 0, closeCore: false, allowHosts: ['baton.solo.test'] });
  const engine = engineOf(core);

  const rig: TemplateRig = {
    core,
    server,
    smtp,
    imap,
    clock,
    advance(ms) {
      clock.now += ms;
    },
    async install(ids, enable = true) {
      await core.call('templates.install', { ids, enable });
    },
    async template(id) {
      const t = (await core.call('templates.list', {})).templates.find((x) => x.id === id);
      if (!t) throw new Error(`no template ${id}`);
      return t;
    },
    async postForm(slug, fields, as = 'browser') {
      const res = await fetch(`${server.url}hooks/forms/${slug}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': as === 'browser' ? 'application/x-www-form-urlencoded' : 'application/json' },
        body: as === 'browser' ? new URLSearchParams(fields).toString() : JSON.stringify(fields),
      });
      return { status: res.status, location: res.headers.get('location'), body: await res.text() };
    },
    async settle() {
      for (let i = 0; i < 20; i++) {
        const steps = await engine.drain();
        const sales = await core.call('sequences.tick', {});
        const more = await engine.drain();
        if (steps + more === 0 && sales.events + sales.sent + sales.completed + sales.exited + sales.failed === 0) return;
      }
    },
    async poll() {
      await core.call('email.poll', {});
      await rig.settle();
    },
    async reply(from, messageId, subject, body = 'Yes, this is interesting: can we talk next week?') {
      if (!imap) throw new Error('the rig was started without IMAP');
      await imap.append(
        `From: ${from}\nTo: sam@solo.test\nSubject: ${subject}\nMessage-ID: <reply-${Math.random().toString(36).slice(2)}@client.test>\nIn-Reply-To: ${messageId}\nReferences: ${messageId}\nDate: ${new Date(clock.now).toUTCString()}\nContent-Type: text/plain; charset=utf-8\n\n${body}\n`,
      );
    },
    async contactByEmail(email) {
      const row = (await core.call('contacts.list', { search: email, limit: 5 })).rows.find((r) => r.email === email);
      if (!row) throw new Error(`no contact ${email}`);
      const c = await core.call('contacts.get', { id: row.id });
      return c.contact as unknown as { id: number; stage: string; score: number; tags: string[]; source: string | null };
    },
    async runsOf(workflow) {
      return (await core.call('runs.list', { workflow, limit: 100 })).runs.map((r) => ({ id: r.id, status: r.status }));
    },
    async close() {
      await server.close();
      await smtp.close();
      await imap?.close();
      await t.cleanup();
    },
  };
  return rig;
}
