/**
 * A real core on a temp SQLite file, the real `stripe` client pointed at the
 * local Stripe-compatible server (tests/support/fake-stripe.ts), the headless
 * HTTP server (webhooks over real HTTP), a real SMTP server, and one fake
 * clock shared by the engine, the webhook signature check and fake Stripe.
 */
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { startServer, type BatonServer } from '../../electron/server';
import { openTestCore } from '../helpers';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { startSmtp, type TestSmtp } from '../support/smtp';

export const stripeKey = () => ['sk', 'test', `bat0n${process.pid}xyzKEY`].join('_');
export const webhookSecret = () => ['whsec', `t3st${process.pid}signing`].join('_');
const smtpPassword = () => ['smtp', 'pw', String(process.pid)].join('-');

/** Monday 2026-03-02 10:00 UTC: inside a 09:00-17:00 weekday window in UTC. */
export const MONDAY_10_UTC = Date.parse('2026-03-02T10:00:00Z');

export interface BillingRig {
  core: Core;
  stripe: FakeStripe;
  smtp: TestSmtp;
  server: BatonServer;
  hookUrl: string;
  clock: { now: number };
  /** Move every clock (engine, signatures, fake Stripe) forward. */
  advance(ms: number): void;
  /** Deliver a Stripe event to POST /hooks/stripe, signed at the current time. */
  deliver(ev: Parameters<FakeStripe['deliver']>[0], opts?: { secret?: string; header?: string; timestamp?: number }): ReturnType<FakeStripe['deliver']>;
  close(): Promise<void>;
}

export async function billingRig(
  opts: { key?: string | null; webhookSecret?: string | null; start?: number; settings?: Record<string, unknown>; secretEnv?: Record<string, string> } = {},
): Promise<BillingRig> {
  const stripe = await startFakeStripe({ key: stripeKey() });
  const smtp = await startSmtp({ user: 'mailer', password: smtpPassword() });
  const env: NodeJS.ProcessEnv = { ...opts.secretEnv, BATON_SECRET_SMTP_PASSWORD: smtpPassword() };
  const key = opts.key === undefined ? stripeKey() : opts.key;
  if (key !== null) env.BATON_SECRET_STRIPE_SECRET_KEY = key;
  const whsec = opts.webhookSecret === undefined ? webhookSecret() : opts.webhookSecret;
  if (whsec !== null) env.BATON_SECRET_STRIPE_WEBHOOK_SECRET = whsec;
  const t = await openTestCore({ host: 'server', secrets: new EnvSecretStore(env, 'tests') });
  const clock = { now: opts.start ?? MONDAY_10_UTC };
  engineOf(t.core).clock = () => clock.now;
  stripe.clock.now = Math.floor(clock.now / 1000);
  const settings: Record<string, unknown> = {
    'billing.apiUrl': stripe.url,
    'email.smtp.host': '127.0.0.1',
    'email.smtp.port': smtp.port,
    'email.smtp.user': 'mailer',
    'email.from': 'owner@solo.test',
    'email.fromName': 'Sam Solo',
    ...opts.settings,
  };
  for (const [k, v] of Object.entries(settings)) await t.core.call('settings.set', { key: k, value: v });
  const server = await startServer(t.core, { port: 0, closeCore: false });
  const hookUrl = new URL('hooks/stripe', server.url).toString();
  return {
    core: t.core,
    stripe,
    smtp,
    server,
    hookUrl,
    clock,
    advance(ms) {
      clock.now += ms;
      stripe.clock.now = Math.floor(clock.now / 1000);
    },
    deliver: (ev, o = {}) => stripe.deliver(ev, hookUrl, o.secret ?? webhookSecret(), { timestamp: o.timestamp ?? Math.floor(clock.now / 1000), ...(o.header ? { header: o.header } : {}) }),
    async close() {
      await server.close();
      await stripe.close();
      await smtp.close();
      await t.cleanup();
    },
  };
}

/** Every billing event row checked against the schema its domain declares (and its subject): the problems, if any. */
export function badBillingEvents(core: Core): string[] {
  const rows = core.db.prepare('SELECT id, type, subject_type, data FROM events ORDER BY id').all() as { id: number; type: string; subject_type: string | null; data: string | null }[];
  const bad: string[] = [];
  let checked = 0;
  for (const r of rows) {
    if (core.eventTypes.domainOf(r.type) !== 'billing') continue;
    checked++;
    const def = core.eventTypes.get(r.type)!;
    const parsed = def.data.safeParse(r.data === null ? null : JSON.parse(r.data));
    if (!parsed.success) bad.push(`${r.type} #${r.id}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (r.subject_type !== def.subject) bad.push(`${r.type} #${r.id}: subject ${r.subject_type}, declared ${def.subject}`);
  }
  if (checked === 0) bad.push('no billing event was recorded');
  return bad;
}
