/**
 * The monitoring settings and alerts from the CLI, as a child process against
 * the built app (`npx electron-vite build`): `baton settings set` stores the
 * webhooks and refuses a bad value naming the field; an alert raised by a
 * workflow run is listed by `baton monitor alerts` and its message by
 * `baton monitor deliveries`.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBaton } from '../../electron/core';
import { engineOf } from '../../electron/core/engine';
import { EncryptedFileSecretStore } from '../../electron/core/secrets';
import { tempDir } from '../helpers';
import { startReceiver } from './sites';

/** The CLI keeps secrets in the encrypted file of the data folder (the webhook's address goes there). */
const PASSPHRASE = 'a long enough test passphrase';
const BIN = join(resolve(import.meta.dirname, '../..'), 'bin', 'baton.js');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function baton(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) env[k] = v;
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmpdir(), env: { ...env, BATON_SECRETS: 'file', BATON_SECRETS_PASSPHRASE: PASSPHRASE } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end();
  });
}

describe('baton settings / baton monitor', () => {
  it('sets the routes, refuses a bad one naming the field, and lists alerts and their messages', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const hook = await startReceiver();
    cleanups.push(() => hook.close());
    const hooks = [{ url: `${hook.url}/ntfy-topic`, format: 'ntfy', quietHours: { start: '22:00', end: '07:00' } }];
    const set = await baton(['settings', 'set', 'monitoring.webhooks', JSON.stringify(hooks), '--data', dir]);
    expect(set.code, set.stderr).toBe(0);
    const bad = await baton(['settings', 'set', 'monitoring.email.quietHours', '{"start":"22:00","end":"25:00"}', '--data', dir]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('monitoring.email.quietHours (E-mail alerts: quiet hours): end: use HH:MM on a 24-hour clock, e.g. 22:00');
    // The address holds a token: it went to the secret store, and is never printed back.
    const got = await baton(['settings', 'get', 'monitoring.webhooks', '--json', '--data', dir]);
    expect(JSON.parse(got.stdout)).toEqual({ 'monitoring.webhooks': [{ id: 'ntfy', format: 'ntfy', quietHours: { start: '22:00', end: '07:00' } }] });
    expect(got.stdout).not.toContain('ntfy-topic');

    // A workflow run raises a critical alert (critical goes out even in quiet hours).
    const core = await openBaton({ dataDir: dir, host: 'cli', secrets: EncryptedFileSecretStore.open({ dataDir: dir, source: { kind: 'passphrase', passphrase: PASSPHRASE }, env: {} }) });
    try {
      await core.call('workflows.import', {
        definition: { id: 'raise', name: 'Raise', trigger: { type: 'manual' }, nodes: [{ id: 'a', type: 'monitor.alert', params: { key: 'uptime:https://shop.test/', failing: true, severity: 'critical', title: 'Shop down', detail: 'HTTP 503' } }], edges: [] },
      });
      const run = await core.call('runs.start', { workflow: 'raise', input: {} });
      await engineOf(core).drain();
      expect((await core.call('runs.get', { id: run.runId })).status).toBe('succeeded');
    } finally {
      await core.close();
    }
    expect((await hook.waitFor(1))[0]!.headers).toMatchObject({ title: '[critical] Shop down', priority: '5' });

    const alerts = await baton(['monitor', 'alerts', '--json', '--data', dir]);
    expect(alerts.code, alerts.stderr).toBe(0);
    expect(JSON.parse(alerts.stdout).alerts).toEqual([expect.objectContaining({ key: 'uptime:https://shop.test/', status: 'firing', severity: 'critical', title: 'Shop down', fired: 1 })]);
    const text = await baton(['monitor', 'deliveries', '--data', dir]);
    expect(text.code, text.stderr).toBe(0);
    const cols = text.stdout.trim().split(/\s+/);
    expect([...cols.slice(0, 5), ...cols.slice(6)]).toEqual(['1', 'sent', 'webhook:ntfy', 'alert', 'due', 'Shop', 'down']);
  }, 120_000);
});
