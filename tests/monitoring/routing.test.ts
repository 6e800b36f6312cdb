/**
 * Alert routing beyond the tray (docs/monitoring.md), through monitor.alert in
 * real workflow runs: the Slack, Discord and ntfy payloads as a local HTTP
 * receiver gets them; quiet hours in the operator's time zone (critical at
 * once, warnings held until they end, info dropped, a recovery following its
 * alert), for a webhook and for e-mail (real SMTP server); a receiver that
 * fails is retried later; and the settings refuse bad values naming the field
 * and the fix.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { quietUntil } from '../../electron/core/monitoring/alerts';
import { billingRig, type BillingRig } from '../billing/rig';
import { startReceiver } from './sites';

let rig: BillingRig | null = null;
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await rig?.close();
  rig = null;
  for (const s of servers.splice(0)) await s.close();
});

const ZONE = 'Europe/Paris';

async function setup(settings: Record<string, unknown>, start: number, secretEnv: Record<string, string> = {}) {
  rig = await billingRig({ start, secretEnv, settings: { 'email.timeZone': ZONE, ...settings } });
  await rig.core.call('workflows.import', {
    definition: {
      id: 'raise',
      name: 'Raise',
      trigger: { type: 'manual' },
      nodes: [{ id: 'alert', type: 'monitor.alert', params: { key: '=input.key', failing: '=input.failing', severity: '=input.severity', title: '=input.title', detail: '=input.detail' } }],
      edges: [],
    },
  });
  return rig;
}

async function raise(input: { key: string; failing: boolean; severity: string; title: string; detail?: string }) {
  const { core } = rig!;
  const run = await core.call('runs.start', { workflow: 'raise', input: { detail: '', ...input } });
  await engineOf(core).drain();
  const done = await core.call('runs.get', { id: run.runId });
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  return done.steps.find((s) => s.nodeId === 'alert')!.output as { change: string | null };
}

describe('alert webhooks', () => {
  it('posts the real payload shape of Slack, Discord and ntfy, and retries a receiver that failed', async () => {
    const hook = await startReceiver();
    servers.push(hook);
    await setup(
      {
        'monitoring.webhooks': [
          { id: 'slack', format: 'slack' },
          { id: 'discord', format: 'discord' },
          { id: 'ntfy', format: 'ntfy' },
        ],
      },
      Date.now(),
      // The addresses are secrets (from the environment here): the setting names them by id.
      {
        BATON_SECRET_MONITORING_WEBHOOK_SLACK: `${hook.url}/slack/T000/B000/XXXX`,
        BATON_SECRET_MONITORING_WEBHOOK_DISCORD: `${hook.url}/discord/123/abc`,
        BATON_SECRET_MONITORING_WEBHOOK_NTFY: `${hook.url}/baton-alerts`,
      },
    );
    expect(await raise({ key: 'uptime:https://shop.test/', failing: true, severity: 'critical', title: 'Website down: https://shop.test/', detail: 'HTTP 503' })).toMatchObject({ change: 'fired' });
    const got = await hook.waitFor(3);
    const by = (p: string) => got.find((h) => h.path.startsWith(p))!;

    // Slack incoming webhook: JSON with text (the notification) and Block Kit blocks.
    const slack = by('/slack/');
    expect(slack.method).toBe('POST');
    expect(slack.headers['content-type']).toBe('application/json');
    const s = JSON.parse(slack.body) as { text: string; blocks: { type: string; text?: { type: string; text: string }; elements?: unknown[] }[] };
    expect(s.text).toBe('🔴 [critical] Website down: https://shop.test/\nHTTP 503');
    expect(s.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(s.blocks[0]!.text).toEqual({ type: 'plain_text', text: '🔴 [critical] Website down: https://shop.test/', emoji: true });
    expect(s.blocks[1]!.text).toEqual({ type: 'mrkdwn', text: 'HTTP 503' });

    // Discord webhook: content and an embed with a colour, no mentions.
    const discord = JSON.parse(by('/discord/').body) as { content: string; embeds: { title: string; description: string; color: number; timestamp: string }[]; allowed_mentions: unknown };
    expect(discord.content).toBe('🔴 [critical] Website down: https://shop.test/');
    expect(discord.embeds).toHaveLength(1);
    expect(discord.embeds[0]).toMatchObject({ title: '[critical] Website down: https://shop.test/', description: 'HTTP 503', color: 0xdc2626 });
    expect(Number.isNaN(Date.parse(discord.embeds[0]!.timestamp))).toBe(false);
    expect(discord.allowed_mentions).toEqual({ parse: [] });

    // ntfy: the body is the message, title, priority and tags in headers.
    const ntfy = by('/baton-alerts');
    expect(ntfy.body).toBe('HTTP 503');
    expect(ntfy.headers).toMatchObject({ title: '[critical] Website down: https://shop.test/', priority: '5', tags: 'rotating_light' });

    // The same alert again while firing: nothing.
    expect(await raise({ key: 'uptime:https://shop.test/', failing: true, severity: 'critical', title: 'Website down: https://shop.test/' })).toMatchObject({ change: null });
    expect(hook.received).toHaveLength(3);

    // The receivers fail (HTTP 500) at the recovery: kept, with the error (naming the host, not the address), and sent by a later pass.
    hook.status = 500;
    expect(await raise({ key: 'uptime:https://shop.test/', failing: false, severity: 'critical', title: 'Website down: https://shop.test/', detail: 'HTTP 200' })).toMatchObject({ change: 'recovered' });
    const failed = (await rig!.core.call('monitor.deliveries.list', {})).deliveries.filter((d) => d.kind === 'recovery');
    expect(failed).toHaveLength(3);
    for (const d of failed) {
      expect(d).toMatchObject({ status: 'pending', attempts: 1 });
      expect(d.lastError).toMatch(/webhook at 127\.0\.0\.1:\d+ answered HTTP 500$/);
    }
    hook.status = 200;
    expect(await rig!.core.call('monitor.deliver', {})).toEqual({ sent: 0, failed: 0 }); // not due yet (a minute later)
    rig!.advance(61_000);
    expect(await rig!.core.call('monitor.deliver', {})).toEqual({ sent: 3, failed: 0 });
    const recovered = (await hook.waitFor(6)).slice(3);
    expect(JSON.parse(recovered.find((h) => h.path.startsWith('/slack/'))!.body).text).toBe('✅ Recovered: Website down: https://shop.test/\nHTTP 200');
    expect(recovered.find((h) => h.path === '/baton-alerts')!.headers).toMatchObject({ priority: '3', tags: 'white_check_mark' });
  }, 180_000);
});

describe('quiet hours', () => {
  it('in the operator time zone: critical at once, warnings held until they end, info dropped; a recovery follows its alert; on e-mail and on a webhook', async () => {
    const hook = await startReceiver();
    servers.push(hook);
    // 23:30 in Paris (22:30 UTC in winter), inside 22:00-07:00.
    const night = Date.parse('2026-01-14T22:30:00Z');
    const morning = Date.parse('2026-01-15T06:00:00Z'); // 07:00 in Paris
    expect(quietUntil({ start: '22:00', end: '07:00' }, night, ZONE)).toBe(morning);
    expect(quietUntil({ start: '22:00', end: '07:00' }, morning, ZONE)).toBeNull();
    expect(quietUntil({ start: '09:00', end: '17:00' }, night, ZONE)).toBeNull();
    const { core, smtp } = await setup(
      {
        'monitoring.email.enabled': true,
        'monitoring.email.to': 'ops@solo.test',
        'monitoring.email.quietHours': { start: '22:00', end: '07:00' },
        'monitoring.webhooks': [{ id: 'hook', format: 'json', quietHours: { start: '22:00', end: '07:00' } }],
      },
      night,
      { BATON_SECRET_MONITORING_WEBHOOK_HOOK: `${hook.url}/hook` },
    );
    await raise({ key: 'a:critical', failing: true, severity: 'critical', title: 'Shop down' });
    await raise({ key: 'b:warning', failing: true, severity: 'warning', title: 'Shop slow' });
    await raise({ key: 'c:info', failing: true, severity: 'info', title: 'Leads lower' });
    // Only the critical alert went out, on both routes.
    await hook.waitFor(1);
    await smtp.waitFor(1, 60_000);
    const titles = () => hook.received.map((h) => (JSON.parse(h.body) as { alert: { title: string } }).alert.title);
    expect(titles()).toEqual(['Shop down']);
    const rows = () => core.db.prepare(`SELECT alert_key AS key, kind, route, status, due_at AS dueAt FROM monitor_deliveries ORDER BY id`).all() as { key: string; kind: string; route: string; status: string; dueAt: number }[];
    expect(rows().filter((r) => r.key === 'b:warning')).toEqual([
      { key: 'b:warning', kind: 'alert', route: 'email', status: 'pending', dueAt: morning },
      { key: 'b:warning', kind: 'alert', route: 'webhook:hook', status: 'pending', dueAt: morning },
    ]);
    expect(rows().filter((r) => r.key === 'c:info').map((r) => r.status)).toEqual(['dropped', 'dropped']);

    // The warning recovers during the night: its recovery is held behind it; the info one's recovery is dropped as its alert was.
    rig!.advance(30 * 60_000);
    expect(await raise({ key: 'b:warning', failing: false, severity: 'warning', title: 'Shop slow' })).toMatchObject({ change: 'recovered' });
    expect(await raise({ key: 'c:info', failing: false, severity: 'info', title: 'Leads lower' })).toMatchObject({ change: 'recovered' });
    expect(rows().filter((r) => r.kind === 'recovery').map((r) => [r.key, r.status, r.dueAt])).toEqual([
      ['b:warning', 'pending', morning],
      ['b:warning', 'pending', morning],
      ['c:info', 'dropped', rig!.clock.now],
      ['c:info', 'dropped', rig!.clock.now],
    ]);
    expect(await core.call('monitor.deliver', {})).toEqual({ sent: 0, failed: 0 });
    expect(titles()).toEqual(['Shop down']);

    // 07:00 in Paris: the held alert and its recovery go out, in order.
    rig!.clock.now = morning + 30_000;
    expect(await core.call('monitor.deliver', {})).toEqual({ sent: 4, failed: 0 });
    expect(titles()).toEqual(['Shop down', 'Shop slow', 'Recovered: Shop slow']);
    const mails = await smtp.waitFor(3, 60_000);
    expect(mails.map((m) => m.parsed.subject)).toEqual(['[critical] Shop down', '[warning] Shop slow', 'Recovered: Shop slow']);
    expect(rows().filter((r) => r.status === 'pending')).toEqual([]);

    // 90 days on, the finished deliveries are deleted; the alert states stay.
    const before = rows().length;
    expect(before).toBe(10);
    rig!.clock.now = morning + 91 * 86_400_000;
    await core.call('monitor.deliver', {});
    expect(rows()).toEqual([]);
    expect((await core.call('monitor.alerts.list', {})).alerts.map((a) => [a.key, a.status])).toEqual(
      expect.arrayContaining([
        ['a:critical', 'firing'],
        ['b:warning', 'ok'],
        ['c:info', 'ok'],
      ]),
    );
  }, 180_000);
});

describe('monitoring settings', () => {
  it('refuse bad values naming the field and the fix, and keep the stored value', async () => {
    await setup({ 'monitoring.webhooks': [{ id: 'slack', format: 'slack' }] }, Date.now(), { BATON_SECRET_MONITORING_WEBHOOK_SLACK: 'https://hooks.slack.com/services/T/B/C' });
    const { core } = rig!;
    const refused = async (key: string, value: unknown) => {
      const e = await core.call('settings.set', { key, value }).then(
        () => null,
        (x: unknown) => x as Error,
      );
      expect(e, `${key} accepted ${JSON.stringify(value)}`).not.toBeNull();
      return e!.message;
    };
    expect(await refused('monitoring.webhooks', [{ url: 'https://example.com/hook', format: 'teams' }])).toMatch(/monitoring\.webhooks[\s\S]*format[\s\S]*use one of slack, discord, ntfy, json/);
    expect(await refused('monitoring.webhooks', [{ url: 'example.com/hook', format: 'slack' }])).toMatch(/url[\s\S]*use the http\(s\) address of the webhook/);
    expect(await refused('monitoring.webhooks', [{ url: 'https://x.test/', format: 'ntfy', quietHours: { start: '22:00', end: '7' } }])).toMatch(/quietHours[\s\S]*end[\s\S]*use HH:MM on a 24-hour clock/);
    expect(await refused('monitoring.webhooks', [{ format: 'ntfy' }])).toMatch(/monitoring\.webhooks[\s\S]*0\.url: give the address of the webhook \(url\); it is kept in the secret store/);
    expect(await refused('monitoring.email.quietHours', { start: '08:00', end: '08:00' })).toMatch(/monitoring\.email\.quietHours[\s\S]*start and end are the same time/);
    expect(await refused('monitoring.email.to', 'not-an-address')).toMatch(/monitoring\.email\.to/);
    expect(await refused('monitoring.siteUrl', 'ftp://example.com')).toMatch(/monitoring\.siteUrl[\s\S]*http\(s\) address/);
    expect((await core.call('settings.get', {})).settings['monitoring.webhooks']).toEqual([{ id: 'slack', format: 'slack' }]);
  }, 120_000);
});
