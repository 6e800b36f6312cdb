/**
 * Uptime checks (docs/monitoring.md) on real local servers: monitor.check in
 * workflow runs against an HTTP site (status, expected text, a refused port)
 * and an HTTPS site whose openssl-made certificate expires in 3 days (the
 * expiry is read from the TLS connection); then the uptime-check template,
 * installed by the installer and fired by its real schedule trigger (the
 * scheduler's tick on the engine clock): the first failure raises one
 * escalation, one e-mail (real SMTP server) and one webhook; further failing
 * checks send nothing (the state is in SQLite); the recovery sends one
 * recovery message per route.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { schedulerOf } from '../../electron/core/engine/triggers';
import { nextFireAfter } from '../../electron/core/engine/triggers/schedule';
import { billingRig, type BillingRig } from '../billing/rig';
import { startReceiver, startSite, type Receiver, type Site } from './sites';

let rig: BillingRig | null = null;
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await rig?.close();
  rig = null;
  for (const s of servers.splice(0)) await s.close();
});

async function settle(runId: string) {
  await engineOf(rig!.core).drain();
  return rig!.core.call('runs.get', { id: runId });
}

interface CheckOut {
  up: boolean;
  status: number | null;
  reason: string | null;
  key: string;
  cert: { daysLeft: number; validTo: string; subject: string } | null;
}

async function check(params: Record<string, unknown>): Promise<{ out: CheckOut; branch: string | null }> {
  const { core } = rig!;
  await core.call('workflows.import', { definition: { id: 'check-once', name: 'Check once', trigger: { type: 'manual' }, nodes: [{ id: 'check', type: 'monitor.check', params }], edges: [] } });
  const run = await core.call('runs.start', { workflow: 'check-once', input: {} });
  const done = await settle(run.runId);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const step = done.steps.find((s) => s.nodeId === 'check')!;
  return { out: step.output as CheckOut, branch: (step as { branch?: string | null }).branch ?? null };
}

describe('monitor.check', () => {
  it('checks status and expected text of a real HTTP site, and reads the TLS certificate expiry of a real HTTPS site', async () => {
    rig = await billingRig({ start: Date.now() });
    const site = await startSite('http');
    const tls = await startSite('https', 3);
    servers.push(site, tls);

    const up = await check({ url: site.url, expectText: 'Welcome' });
    expect(up.out).toMatchObject({ up: true, status: 200, reason: null, key: `uptime:${site.url}`, cert: null });
    const noText = await check({ url: site.url, expectText: 'Opening hours' });
    expect(noText.out).toMatchObject({ up: false, status: 200, reason: 'the page does not contain "Opening hours"' });
    site.answer = { status: 503, body: 'maintenance' };
    expect((await check({ url: site.url })).out).toMatchObject({ up: false, status: 503, reason: 'HTTP 503' });
    site.answer = { status: 301, body: '' };
    expect((await check({ url: site.url, expectStatus: 200 })).out).toMatchObject({ up: false, reason: 'HTTP 301, expected 200' });
    // Nothing listens on port 1.
    expect((await check({ url: 'http://127.0.0.1:1/' })).out).toMatchObject({ up: false, status: null, reason: 'the connection was refused' });

    // HTTPS: the self-signed certificate is not trusted by default …
    const untrusted = await check({ url: tls.url });
    expect(untrusted.out.up).toBe(false);
    expect(untrusted.out.reason).toMatch(/^the TLS certificate is not trusted/);
    // … and, trusted for the test, its expiry in 3 days comes from the connection: below 14 days it is down, naming the date.
    const near = await check({ url: tls.url, verifyTls: false });
    const daysLeft = Math.floor((tls.certValidTo!.getTime() - rig.clock.now) / 86_400_000);
    expect([2, 3]).toContain(daysLeft); // 3 days, minus the seconds between the clock's start and the certificate
    expect(near.out.cert).toMatchObject({ subject: 'localhost', daysLeft, validTo: tls.certValidTo!.toISOString() });
    expect(near.out).toMatchObject({ up: false, status: 200, reason: `the TLS certificate expires in ${daysLeft} day(s) (${tls.certValidTo!.toISOString().slice(0, 10)}), fewer than 14` });
    expect((await check({ url: tls.url, verifyTls: false, certMinDays: daysLeft })).out).toMatchObject({ up: true, reason: null, cert: { daysLeft } });

    // Bad params are refused at import, naming the field.
    await expect(
      rig.core.call('workflows.import', { definition: { id: 'bad', name: 'Bad', trigger: { type: 'manual' }, nodes: [{ id: 'c', type: 'monitor.check', params: { url: 'ftp://x', timeoutMs: 0 } }], edges: [] } }),
    ).rejects.toThrow(/url[\s\S]*http\(s\)|timeoutMs[\s\S]*at least 100 ms/);
  }, 120_000);
});

describe('the uptime-check template', () => {
  it('fired by its schedule: alerts once when the site goes down (escalation, e-mail, webhook), stays quiet while down, and sends one recovery', async () => {
    const site: Site = await startSite('http');
    const hook: Receiver = await startReceiver();
    servers.push(site, hook);
    rig = await billingRig({ start: Date.now(), secretEnv: { BATON_SECRET_MONITORING_WEBHOOK_ALERTS: `${hook.url}/alerts` } });
    const { core, smtp, clock } = rig;
    for (const [k, v] of Object.entries({
      'monitoring.siteUrl': site.url,
      'monitoring.email.enabled': true,
      'monitoring.email.to': 'ops@solo.test',
      'monitoring.webhooks': [{ id: 'alerts', format: 'json' }],
    }))
      await core.call('settings.set', { key: k, value: v });
    expect((await core.call('templates.install', { ids: ['uptime-check'], enable: true })).installed).toEqual([{ id: 'uptime-check', version: 1, enabled: true }]);
    const trigger = ((await core.call('workflows.export', { id: 'uptime-check' })).definition as { trigger: { cron: string; timezone: string } }).trigger;
    expect(trigger.cron).toBe('*/5 * * * *');

    const sched = schedulerOf(core);
    await sched.tick(); // first sight of the schedule
    const fire = async () => {
      const at = nextFireAfter(trigger.cron, trigger.timezone, new Date(clock.now))!.getTime();
      rig!.advance(at + 1000 - clock.now);
      const started = (await sched.tick()).started.filter((s) => s.workflowId === 'uptime-check');
      expect(started).toHaveLength(1);
      const run = await settle(started[0]!.runId);
      expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
      return run.steps.find((s) => s.nodeId === 'alert')!.output as { change: string | null; fired: number };
    };
    const alertState = () => core.db.prepare('SELECT status, fired FROM monitor_alerts WHERE key = ?').get(`uptime:${site.url}`);
    const escalations = async () => (await core.call('escalations.list', {})).escalations.filter((e) => e.title.startsWith('Website down'));

    // Up: nothing fires.
    expect(await fire()).toMatchObject({ change: null });
    expect(site.hits).toBe(1);
    expect(alertState()).toBeUndefined();

    // Down: one alert on each route, one escalation.
    site.answer = { status: 500, body: 'oops' };
    expect(await fire()).toMatchObject({ change: 'fired', fired: 1 });
    const [mail] = await smtp.waitFor(1, 60_000);
    expect(mail!.to).toEqual(['ops@solo.test']);
    expect(mail!.parsed.subject).toBe(`[critical] Website down: ${site.url}`);
    expect(mail!.parsed.text).toContain('HTTP 500');
    const [first] = await hook.waitFor(1);
    expect(first!.path).toBe('/alerts');
    expect(JSON.parse(first!.body)).toMatchObject({ alert: { key: `uptime:${site.url}`, kind: 'alert', severity: 'critical', title: `Website down: ${site.url}`, detail: 'HTTP 500' } });
    expect((await escalations()).map((e) => [e.severity, e.title, e.detail])).toEqual([['critical', `Website down: ${site.url}`, 'HTTP 500']]);
    expect(alertState()).toEqual({ status: 'firing', fired: 1 });

    // Still down, twice: no new message anywhere (the state is read from SQLite).
    expect(await fire()).toMatchObject({ change: null });
    expect(await fire()).toMatchObject({ change: null });
    expect(site.hits).toBe(4);
    expect(hook.received).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    expect(await escalations()).toHaveLength(1);

    // Up again: one recovery per route.
    site.answer = { status: 200, body: 'Welcome back' };
    expect(await fire()).toMatchObject({ change: 'recovered', fired: 1 });
    const mails = await smtp.waitFor(2, 60_000);
    expect(mails[1]!.parsed.subject).toBe(`Website up again: ${site.url}`);
    const hooks = await hook.waitFor(2);
    expect(JSON.parse(hooks[1]!.body)).toMatchObject({ alert: { kind: 'recovery', title: `Website up again: ${site.url}` } });
    expect(hooks[1]!.body).toMatch(/Up again: HTTP 200 in \d+ ms/);
    expect(alertState()).toEqual({ status: 'ok', fired: 1 });
    expect(await fire()).toMatchObject({ change: null });
    expect(hook.received).toHaveLength(2);

    // Down again after the recovery: it fires again (a second time).
    site.answer = { status: 502, body: '' };
    expect(await fire()).toMatchObject({ change: 'fired', fired: 2 });
    await hook.waitFor(3);
    expect(await escalations()).toHaveLength(2);
    const delivered = await core.call('monitor.deliveries.list', {});
    expect(delivered.deliveries.filter((d) => d.status === 'sent')).toHaveLength(6);
  }, 240_000);
});
