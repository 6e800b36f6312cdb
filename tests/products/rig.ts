/**
 * The products rig: a real core on a temp SQLite file, the real `stripe`
 * client pointed at the local Stripe-compatible server, the headless HTTP
 * server (webhooks and the public access routes over real HTTP), a real SMTP
 * server, one fake clock shared by the engine, signatures and fake Stripe.
 */
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { startServer, type BatonServer } from '../../electron/server';
import { openTestCore } from '../helpers';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { startSmtp, type TestSmtp } from '../support/smtp';

export const stripeKey = () => ['sk', 'test', `pr0d${process.pid}xyzKEY`].join('_');
export const webhookSecret = () => ['whsec', `pr0d${process.pid}signing`].join('_');
const smtpPassword = () => ['smtp', 'pw', String(process.pid)].join('-');
const linkKey = () => ['link', 'key', String(process.pid), 'x'.repeat(32)].join('-');

/** Monday 2026-03-02 10:00 UTC: inside a 09:00-17:00 weekday window in UTC. */
export const MONDAY_10_UTC = Date.parse('2026-03-02T10:00:00Z');
export const DAY = 86_400_000;

export interface ProductsRig {
  core: Core;
  stripe: FakeStripe;
  smtp: TestSmtp;
  server: BatonServer;
  clock: { now: number };
  advance(ms: number): void;
  deliver(ev: Parameters<FakeStripe['deliver']>[0]): ReturnType<FakeStripe['deliver']>;
  url(path: string): string;
  close(): Promise<void>;
}

export async function productsRig(opts: { start?: number } = {}): Promise<ProductsRig> {
  const stripe = await startFakeStripe({ key: stripeKey() });
  const smtp = await startSmtp({ user: 'mailer', password: smtpPassword() });
  const env: NodeJS.ProcessEnv = {
    BATON_SECRET_SMTP_PASSWORD: smtpPassword(),
    BATON_SECRET_STRIPE_SECRET_KEY: stripeKey(),
    BATON_SECRET_STRIPE_WEBHOOK_SECRET: webhookSecret(),
    BATON_SECRET_PRODUCT_LINK_KEY: linkKey(),
  };
  const t = await openTestCore({ host: 'server', secrets: new EnvSecretStore(env, 'tests') });
  const clock = { now: opts.start ?? MONDAY_10_UTC };
  engineOf(t.core).clock = () => clock.now;
  stripe.clock.now = Math.floor(clock.now / 1000);
  const server = await startServer(t.core, { port: 0, closeCore: false });
  const settings: Record<string, unknown> = {
    'billing.apiUrl': stripe.url,
    'email.smtp.host': '127.0.0.1',
    'email.smtp.port': smtp.port,
    'email.smtp.user': 'mailer',
    'email.from': 'owner@solo.test',
    'email.fromName': 'Sam Solo',
    'server.publicUrl': server.url.replace(/\/+$/, ''),
  };
  for (const [k, v] of Object.entries(settings)) await t.core.call('settings.set', { key: k, value: v });
  const hookUrl = new URL('hooks/stripe', server.url).toString();
  return {
    core: t.core,
    stripe,
    smtp,
    server,
    clock,
    advance(ms) {
      clock.now += ms;
      stripe.clock.now = Math.floor(clock.now / 1000);
    },
    deliver: (ev) => stripe.deliver(ev, hookUrl, webhookSecret(), { timestamp: Math.floor(clock.now / 1000) }),
    url: (path) => new URL(path.replace(/^\//, ''), server.url).toString(),
    async close() {
      await server.close();
      await stripe.close();
      await smtp.close();
      await t.cleanup();
    },
  };
}
