// Against a REAL OS keychain: run with `npm run test:keychain`, which starts a
// private D-Bus session with an unlocked gnome-keyring (scripts/with-keyring.sh)
// and a keychain service name of its own (BATON_KEYCHAIN_SERVICE).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBaton } from '../../electron/core';
import { createSecretStore, KeychainSecretStore, type SecretStore } from '../../electron/core/secrets';
import { tempDir } from '../helpers';

const base = process.env.BATON_KEYCHAIN_SERVICE;
let n = 0;
/** A keychain service of its own for each store, removed afterwards. */
const stores: SecretStore[] = [];
async function keychain(): Promise<KeychainSecretStore> {
  if (!base) throw new Error('BATON_KEYCHAIN_SERVICE is not set: run these tests with `npm run test:keychain` (scripts/with-keyring.sh).');
  const store = await createSecretStore({ prefer: 'keychain', service: `${base}-${process.pid}-${++n}`, env: {} });
  expect(store).toBeInstanceOf(KeychainSecretStore);
  stores.push(store);
  return store as KeychainSecretStore;
}
afterAll(async () => {
  for (const s of stores) for (const name of await s.list()) await s.delete(name);
});

/** Every file under a folder (recursively): DB, -wal, -shm, backups, logs, locks … */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}
/** Files holding the value as bytes, in UTF-8 or UTF-16 (SQLite can store either). */
function filesContaining(files: string[], value: string): string[] {
  const needles = [Buffer.from(value, 'utf8'), Buffer.from(value, 'utf16le')];
  return files.filter((f) => {
    const bytes = readFileSync(f);
    return needles.some((needle) => bytes.includes(needle));
  });
}

describe('secrets in the OS keychain (gnome-keyring over D-Bus)', () => {
  it('auto-detects the keychain', async () => {
    const auto = await createSecretStore({ service: `${base}-auto`, env: {} });
    expect(auto.backend()).toMatchObject({ kind: 'keychain', writable: true });
  });

  it('set, list, get and delete through Core.call', async () => {
    const secrets = await keychain();
    const { dir, cleanup } = tempDir();
    const core = await openBaton({ dataDir: dir, host: 'cli', secrets });
    try {
      const value = 'test-' + randomBytes(12).toString('hex');
      expect(await core.call('secrets.list', {})).toEqual({ backend: secrets.backend(), names: [] });
      await core.call('secrets.set', { name: 'ANTHROPIC_API_KEY', value });
      await core.call('secrets.set', { name: 'SMTP_PASSWORD', value: value + '-smtp' });
      expect((await core.call('secrets.list', {})).names).toEqual(['ANTHROPIC_API_KEY', 'SMTP_PASSWORD']);
      expect(await core.secrets.get('ANTHROPIC_API_KEY')).toBe(value);
      // Overwrite in place.
      await core.call('secrets.set', { name: 'ANTHROPIC_API_KEY', value: value + '-2' });
      expect(await core.secrets.get('ANTHROPIC_API_KEY')).toBe(value + '-2');
      expect(await core.call('secrets.delete', { name: 'ANTHROPIC_API_KEY' })).toEqual({ deleted: true });
      expect(await core.call('secrets.delete', { name: 'ANTHROPIC_API_KEY' })).toEqual({ deleted: false });
      expect(await core.secrets.get('ANTHROPIC_API_KEY')).toBeNull();
      expect((await core.call('secrets.list', {})).names).toEqual(['SMTP_PASSWORD']);
      const info = await core.call('system.info', {});
      expect(info.secretBackend.kind).toBe('keychain');
    } finally {
      await core.close();
      cleanup();
    }
  });

  it('a planted secret never reaches the database, its WAL, backups or logs', async () => {
    const secrets = await keychain();
    const { dir, cleanup } = tempDir();
    // Built at run time; long and distinctive so a stray match is impossible.
    const value = ['test', 'leak', randomBytes(16).toString('hex')].join('-');
    try {
      const core = await openBaton({ dataDir: dir, host: 'cli', secrets, logLevel: 'debug' });
      await core.call('secrets.set', { name: 'ANTHROPIC_API_KEY', value });
      await core.call('settings.set', { key: 'ai.model', value: 'claude-test' });
      await core.call('settings.set', { key: 'backup.keep', value: 3 });
      core.log.info(`calling the API with key ${value}`, { apiKey: value, note: `k=${value}`, url: `https://x.test/?k=${encodeURIComponent(value)}` });
      core.log.error('request failed', { error: new Error(`401 for ${value}`) });
      await core.call('backups.create', {});
      // While the core is open the -wal holds the latest pages: scan it now too.
      const open = allFiles(dir);
      expect(open.some((f) => f.endsWith('baton.db-wal'))).toBe(true);
      expect(filesContaining(open, value)).toEqual([]);
      await core.close();

      // A second Core on the same folder (a new logger) that reads the key and logs about it.
      const again = await openBaton({ dataDir: dir, host: 'cli', secrets, logLevel: 'debug' });
      const read = await again.secrets.get('ANTHROPIC_API_KEY');
      expect(read).toBe(value);
      again.log.warn(`key in use: ${read}`);
      await again.call('backups.create', {});
      expect(filesContaining(allFiles(dir), value)).toEqual([]);
      await again.close();

      const files = allFiles(dir);
      expect(files.filter((f) => f.includes(`${join(dir, 'backups')}/`) && f.endsWith('.sqlite')).length).toBe(2);
      expect(files.some((f) => f.includes(`${join(dir, 'logs')}/`))).toBe(true);
      expect(filesContaining(files, value)).toEqual([]);
      // The scan itself works: the log does mention the replacement (and the secret-named field's redaction).
      expect(readFileSync(join(dir, 'logs', 'baton.log'), 'utf8')).toContain('calling the API with key [secret ANTHROPIC_API_KEY]');
      expect(filesContaining([join(dir, 'logs', 'baton.log')], '[redacted]')).toHaveLength(1);
    } finally {
      cleanup();
    }
  });
});

beforeAll(() => {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
    throw new Error('No D-Bus session: run these tests with `npm run test:keychain` (scripts/with-keyring.sh starts one with gnome-keyring).');
  }
});
