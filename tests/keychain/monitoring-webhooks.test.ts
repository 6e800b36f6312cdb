// Against a REAL OS keychain: run with `npm run test:keychain` (scripts/with-keyring.sh starts a
// private D-Bus session with an unlocked gnome-keyring). The alert webhooks' addresses an older
// Baton kept as a plain setting move into the keychain when Baton starts; settings.get never
// returns one, and a new address given to settings.set goes straight to the keychain.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openBaton } from '../../electron/core';
import { createSecretStore, EnvSecretStore, KeychainSecretStore, type SecretStore } from '../../electron/core/secrets';
import { tempDir } from '../helpers';

const base = process.env.BATON_KEYCHAIN_SERVICE;
const stores: SecretStore[] = [];
afterAll(async () => {
  for (const s of stores) for (const name of await s.list()) await s.delete(name);
});

describe('alert webhook addresses in the OS keychain', () => {
  it('moves plain-setting addresses into the keychain on start; settings.get never returns one', async () => {
    if (!base) throw new Error('BATON_KEYCHAIN_SERVICE is not set: run these tests with `npm run test:keychain` (scripts/with-keyring.sh).');
    const secrets = await createSecretStore({ prefer: 'keychain', service: `${base}-webhooks-${process.pid}`, env: {} });
    expect(secrets).toBeInstanceOf(KeychainSecretStore);
    stores.push(secrets);
    const token = randomBytes(12).toString('hex');
    const slack = `https://hooks.slack.com/services/T000/B000/${token}`;
    const { dir, cleanup } = tempDir();
    try {
      // As an older Baton left it: the address in the setting.
      const old = await openBaton({ dataDir: dir, host: 'cli', secrets: new EnvSecretStore({}, 'tests') });
      old.setSetting('monitoring.webhooks', [{ url: slack, format: 'slack', name: 'Team' }]);
      await old.close();

      const core = await openBaton({ dataDir: dir, host: 'cli', secrets });
      try {
        expect(await secrets.get('MONITORING_WEBHOOK_SLACK')).toBe(slack);
        const got = (await core.call('settings.get', {})).settings;
        expect(got['monitoring.webhooks']).toEqual([{ id: 'slack', format: 'slack', name: 'Team' }]);
        expect(JSON.stringify(got)).not.toContain(token);
        expect((await core.call('monitor.webhooks.list', {})).webhooks).toEqual([
          { id: 'slack', format: 'slack', name: 'Team', quietHours: null, host: 'hooks.slack.com', secret: 'MONITORING_WEBHOOK_SLACK' },
        ]);
        // A new address goes straight to the keychain.
        const discord = `https://discord.com/api/webhooks/1/${token}-d`;
        await core.call('settings.set', { key: 'monitoring.webhooks', value: [...(got['monitoring.webhooks'] as unknown[]), { url: discord, format: 'discord' }] });
        expect(await secrets.get('MONITORING_WEBHOOK_DISCORD')).toBe(discord);
        expect(JSON.stringify((await core.call('settings.get', {})).settings)).not.toContain(token);
        expect((await core.call('secrets.list', {})).names).toEqual(['MONITORING_WEBHOOK_DISCORD', 'MONITORING_WEBHOOK_SLACK']);
      } finally {
        await core.close();
      }
    } finally {
      cleanup();
    }
  });
});
