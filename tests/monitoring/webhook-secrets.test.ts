/**
 * The addresses of the alert webhooks are kept in the secret store (docs/monitoring.md, "Webhooks"),
 * on a real core with the real encrypted-file store and a real read-only environment store:
 * `settings.set` moves a given url there and `settings.get` never returns one; an entry given back
 * by id keeps its address; removing a webhook deletes its secret; addresses an older Baton kept as
 * plain settings are moved on start (and their queued deliveries follow); a read-only store refuses
 * a url naming the environment variable to set, and still hides a legacy address; alerts reach the
 * address from the secret store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { EncryptedFileSecretStore, EnvSecretStore, type SecretStore } from '../../electron/core/secrets';
import { openTestCore, tempDir } from '../helpers';
import { startReceiver, type Receiver } from './sites';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const fileStore = (dataDir: string): SecretStore => EncryptedFileSecretStore.open({ dataDir, source: { kind: 'passphrase', passphrase: 'a long enough test passphrase' }, env: {} });

async function open(dataDir: string, secrets: SecretStore): Promise<Core> {
  const t = await openTestCore({ dataDir, secrets, host: 'server' });
  cleanups.push(() => t.core.close());
  return t.core;
}

/** Raise a critical alert in a real workflow run and send its deliveries. */
let runs = 0;
async function raise(core: Core, key: string) {
  const id = `raise${++runs}`;
  await core.call('workflows.import', {
    definition: { id, name: 'Raise', trigger: { type: 'manual' }, nodes: [{ id: 'a', type: 'monitor.alert', params: { key: '=input.key', failing: true, severity: 'critical', title: 'Shop down', detail: 'HTTP 503' } }], edges: [] },
  });
  const run = await core.call('runs.start', { workflow: id, input: { key } });
  await engineOf(core).drain();
  expect((await core.call('runs.get', { id: run.runId })).status).toBe('succeeded');
  await core.call('monitor.deliver', {});
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  cleanups.push(() => r.close());
  return r;
}

const TOKEN = 'T0KEN-b4Xq9zW2';

describe('alert webhook addresses in the secret store', () => {
  it('settings.set moves the url to the secret store; settings.get and the list never show it; alerts still reach it', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const hook = await receiver();
    const secrets = fileStore(dir);
    const core = await open(dir, secrets);
    await core.call('settings.set', { key: 'monitoring.webhooks', value: [{ url: `${hook.url}/services/T000/B000/${TOKEN}`, format: 'slack', name: 'Team' }] });

    const got = (await core.call('settings.get', {})).settings;
    expect(got['monitoring.webhooks']).toEqual([{ id: 'slack', format: 'slack', name: 'Team' }]);
    expect(JSON.stringify(got)).not.toContain(TOKEN);
    expect(await secrets.get('MONITORING_WEBHOOK_SLACK')).toBe(`${hook.url}/services/T000/B000/${TOKEN}`);
    const listed = await core.call('monitor.webhooks.list', {});
    expect(listed).toEqual({ writable: true, webhooks: [{ id: 'slack', format: 'slack', name: 'Team', quietHours: null, host: new URL(hook.url).host, secret: 'MONITORING_WEBHOOK_SLACK' }] });
    expect(JSON.stringify(listed)).not.toContain(TOKEN);
    // The row in SQLite holds no address either.
    expect(JSON.stringify(core.db.prepare(`SELECT value FROM settings WHERE key = 'monitoring.webhooks'`).get())).not.toContain(TOKEN);

    await raise(core, 'uptime:a');
    const [sent] = await hook.waitFor(1);
    expect(sent!.path).toBe(`/services/T000/B000/${TOKEN}`);
    expect(JSON.parse(sent!.body)).toMatchObject({ text: '🔴 [critical] Shop down\nHTTP 503' });

    // What settings.get returned, given back with a second webhook: the first keeps its address.
    await core.call('settings.set', { key: 'monitoring.webhooks', value: [...(got['monitoring.webhooks'] as unknown[]), { url: `${hook.url}/ntfy-topic`, format: 'ntfy' }] });
    expect((await core.call('settings.get', {})).settings['monitoring.webhooks']).toEqual([
      { id: 'slack', format: 'slack', name: 'Team' },
      { id: 'ntfy', format: 'ntfy' },
    ]);
    expect(await secrets.get('MONITORING_WEBHOOK_SLACK')).toBe(`${hook.url}/services/T000/B000/${TOKEN}`);
    // Removing a webhook deletes its address.
    await core.call('settings.set', { key: 'monitoring.webhooks', value: [{ id: 'ntfy', format: 'ntfy' }] });
    expect(await secrets.get('MONITORING_WEBHOOK_SLACK')).toBeNull();
    expect(await secrets.get('MONITORING_WEBHOOK_NTFY')).toBe(`${hook.url}/ntfy-topic`);
    // An id without a stored address is refused, naming the field and the fix; the stored value stays.
    const e = await core.call('settings.set', { key: 'monitoring.webhooks', value: [{ id: 'ops', format: 'json' }] }).catch((x: unknown) => x as Error);
    expect((e as Error).message).toMatch(/monitoring\.webhooks \(Alert webhooks\): 0\.url: no address is stored for the webhook "ops" \(secret MONITORING_WEBHOOK_OPS\): give its url/);
    expect((await core.call('settings.get', {})).settings['monitoring.webhooks']).toEqual([{ id: 'ntfy', format: 'ntfy' }]);
    // Cleared: no webhook, no address left.
    await core.call('settings.set', { key: 'monitoring.webhooks', value: null });
    expect(await secrets.list()).toEqual([]);
  }, 120_000);

  it('moves the addresses an older Baton kept as plain settings on start, with their queued deliveries', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const hook = await receiver();
    const secrets = fileStore(dir);
    // The store as an older Baton left it: addresses in the setting, a delivery held for "webhook:1".
    const old = await openTestCore({ dataDir: dir, secrets: new EnvSecretStore({}, 'tests') });
    old.core.setSetting('monitoring.webhooks', [
      { url: `https://discord.test/api/webhooks/1/${TOKEN}`, format: 'discord' },
      { url: `${hook.url}/hooks/${TOKEN}`, format: 'json', quietHours: { start: '22:00', end: '07:00' } },
    ]);
    const message = { key: 'uptime:b', kind: 'alert', severity: 'warning', title: 'Shop slow', detail: '', at: new Date().toISOString() };
    old.core.db.prepare(`INSERT INTO monitor_deliveries (alert_key, kind, route, message, due_at, status) VALUES ('uptime:b', 'alert', 'webhook:1', ?, ?, 'pending')`).run(JSON.stringify(message), Date.now());
    await old.core.close();

    const core = await open(dir, secrets);
    const stored = (await core.call('settings.get', {})).settings['monitoring.webhooks'];
    expect(stored).toEqual([
      { id: 'discord', format: 'discord' },
      { id: 'json', format: 'json', quietHours: { start: '22:00', end: '07:00' } },
    ]);
    expect(JSON.stringify(core.db.prepare(`SELECT value FROM settings WHERE key = 'monitoring.webhooks'`).get())).not.toContain(TOKEN);
    expect(await secrets.get('MONITORING_WEBHOOK_DISCORD')).toBe(`https://discord.test/api/webhooks/1/${TOKEN}`);
    expect(await secrets.get('MONITORING_WEBHOOK_JSON')).toBe(`${hook.url}/hooks/${TOKEN}`);
    // The held delivery follows its webhook and is sent to the address from the secret store.
    expect(await core.call('monitor.deliver', {})).toEqual({ sent: 1, failed: 0 });
    expect((await hook.waitFor(1))[0]!.path).toBe(`/hooks/${TOKEN}`);
    expect((await core.call('monitor.deliveries.list', { limit: 5 })).deliveries[0]).toMatchObject({ route: 'webhook:json', status: 'sent' });
  }, 120_000);

  it('with a read-only store: a url is refused naming the variable to set; a legacy address stays hidden and working', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const hook = await receiver();
    const env = { BATON_SECRET_MONITORING_WEBHOOK_OPS: `${hook.url}/ops/${TOKEN}` };
    const core = await open(dir, new EnvSecretStore(env, 'tests'));
    const e = await core.call('settings.set', { key: 'monitoring.webhooks', value: [{ url: `${hook.url}/x/${TOKEN}`, format: 'json' }] }).catch((x: unknown) => x as Error);
    expect((e as Error).message).toMatch(/monitoring\.webhooks \(Alert webhooks\): 0\.url: the address holds a token and is kept in the secret store, which is read-only here[\s\S]*Set BATON_SECRET_MONITORING_WEBHOOK_JSON to the address/);
    expect((e as Error).message).not.toContain(TOKEN);
    // Given by id, the address comes from the environment.
    await core.call('settings.set', { key: 'monitoring.webhooks', value: [{ id: 'ops', format: 'json' }] });
    await raise(core, 'uptime:c');
    expect((await hook.waitFor(1))[0]!.path).toBe(`/ops/${TOKEN}`);
    await core.close();
    cleanups.pop();

    // A legacy plain address cannot move to a read-only store: it keeps working, settings.get hides it.
    const legacy = await openTestCore({ dataDir: dir, secrets: new EnvSecretStore({}, 'tests'), host: 'server' });
    cleanups.push(() => legacy.core.close());
    legacy.core.setSetting('monitoring.webhooks', [{ url: `${hook.url}/legacy/${TOKEN}`, format: 'json' }]);
    await legacy.core.close();
    cleanups.pop();
    const again = await open(dir, new EnvSecretStore({}, 'tests'));
    const got = (await again.call('settings.get', {})).settings;
    expect(got['monitoring.webhooks']).toEqual([{ id: 'json', format: 'json' }]);
    expect(JSON.stringify(got)).not.toContain(TOKEN);
    expect((await again.call('monitor.webhooks.list', {})).webhooks[0]).toMatchObject({ id: 'json', host: new URL(hook.url).host });
    // Given back as settings.get shows it, the legacy address stays with it.
    await again.call('settings.set', { key: 'monitoring.webhooks', value: got['monitoring.webhooks'] });
    await raise(again, 'uptime:d');
    expect((await hook.waitFor(2))[1]!.path).toBe(`/legacy/${TOKEN}`);
  }, 120_000);
});
