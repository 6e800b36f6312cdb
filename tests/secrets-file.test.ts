/**
 * The encrypted file secret store (electron/core/secrets/file.ts) on a real
 * disk: AES-256-GCM with a key from a passphrase (scrypt) or a key file, atomic
 * 0600 writes, a wrong key refused, environment variables overriding, the
 * backend order of createSecretStore, and `baton doctor`'s line. Secret values
 * are never printed: assertions compare, never log.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../shared/api';
import { createKeyFile, createSecretStore, EncryptedFileSecretStore, SECRETS_FILE } from '../electron/core/secrets';
import { secretBackendCheck } from '../electron/cli/secrets-check';
import { openBaton } from '../electron/core';
import { tempDir } from './helpers';

const PASS = 'correct horse battery staple';
const VALUE = ['sk', 'ant', 'test', 'a1b2c3d4e5f6'].join('-');

function folders() {
  const t = tempDir('baton-secrets-');
  const data = join(t.dir, 'data');
  const outside = join(t.dir, 'keys');
  mkdirSync(data);
  mkdirSync(outside, { mode: 0o700 });
  return { ...t, data, outside };
}

describe('encrypted file store', () => {
  it('stores, lists, reads and deletes; the file is 0600 and holds no name or value in clear', async () => {
    const f = folders();
    try {
      const store = EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'passphrase', passphrase: PASS }, env: {} });
      expect(store.backend()).toMatchObject({ kind: 'file', writable: true });
      expect(store.backend().detail).toMatch(/Encrypted file .*secrets\.enc \(AES-256-GCM, key from a passphrase given at start\)/);
      await store.set('ANTHROPIC_API_KEY', VALUE);
      await store.set('SMTP_PASSWORD', 'another-secret-value');
      expect(await store.get('ANTHROPIC_API_KEY')).toBe(VALUE);
      expect(await store.list()).toEqual(['ANTHROPIC_API_KEY', 'SMTP_PASSWORD']);
      const file = join(f.data, SECRETS_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const raw = readFileSync(file, 'utf8');
      expect(raw).not.toContain(VALUE);
      expect(raw).not.toContain('ANTHROPIC_API_KEY');
      expect(JSON.parse(raw)).toMatchObject({ format: 'baton-secrets', version: 1, cipher: 'aes-256-gcm', kdf: { name: 'scrypt', N: 32768, r: 8, p: 1 } });
      // A fresh IV at every write: the same content encrypts differently.
      await store.set('SMTP_PASSWORD', 'another-secret-value');
      expect(JSON.parse(readFileSync(file, 'utf8')).iv).not.toBe(JSON.parse(raw).iv);
      expect(await store.delete('SMTP_PASSWORD')).toBe(true);
      expect(await store.delete('SMTP_PASSWORD')).toBe(false);
      expect(await store.list()).toEqual(['ANTHROPIC_API_KEY']);
      // Writes are atomic: no temp or lock file is left behind.
      expect(readdirSync(f.data).sort()).toEqual([SECRETS_FILE]);
    } finally {
      f.cleanup();
    }
  });

  it('a second process (the CLI next to a host) sees and makes changes at once', async () => {
    const f = folders();
    try {
      const host = EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'passphrase', passphrase: PASS }, env: {} });
      const cli = EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'passphrase', passphrase: PASS }, env: {} });
      await cli.set('HOOK_INTAKE', VALUE);
      expect(await host.get('HOOK_INTAKE')).toBe(VALUE);
      await host.set('OTHER_KEY', 'value-from-the-host');
      expect(await cli.list()).toEqual(['HOOK_INTAKE', 'OTHER_KEY']);
    } finally {
      f.cleanup();
    }
  });

  it('a wrong passphrase, a changed file or the other kind of key is refused, and nothing is overwritten', async () => {
    const f = folders();
    try {
      const store = EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'passphrase', passphrase: PASS }, env: {} });
      await store.set('ANTHROPIC_API_KEY', VALUE);
      const file = join(f.data, SECRETS_FILE);
      const before = readFileSync(file, 'utf8');
      const wrong = () => EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'passphrase', passphrase: 'not the passphrase' }, env: {} });
      expect(wrong).toThrow(ApiError);
      expect(wrong).toThrow(/Could not decrypt .*passphrase is not the one it was locked with.*Nothing was read or written/);
      const key = createKeyFile(join(f.outside, 'k'), f.data);
      expect(() => EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'keyfile', path: key }, env: {} })).toThrow(/locked with a passphrase, but Baton was started with a key file/);
      // One flipped byte of the ciphertext (or a changed header) fails authentication.
      const doc = JSON.parse(before) as { data: string; kdf: { N: number } };
      const bytes = Buffer.from(doc.data, 'base64');
      bytes[0] = bytes[0]! ^ 1;
      writeFileSync(file, JSON.stringify({ ...doc, data: bytes.toString('base64') }));
      await expect(store.get('ANTHROPIC_API_KEY')).rejects.toThrow(/Could not decrypt/);
      writeFileSync(file, JSON.stringify({ ...doc, kdf: { ...doc.kdf, N: 16384 } }));
      await expect(store.get('ANTHROPIC_API_KEY')).rejects.toThrow(/Could not decrypt/);
      await expect(store.set('X_KEY', 'another-value-1')).rejects.toThrow(/Could not decrypt/);
      expect(JSON.parse(readFileSync(file, 'utf8')).kdf.N).toBe(16384); // untouched by the refused write
      writeFileSync(file, before);
      expect(await store.get('ANTHROPIC_API_KEY')).toBe(VALUE);
      expect(() => EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'passphrase', passphrase: 'short' }, env: {} })).toThrow(/shorter than 8/);
    } finally {
      f.cleanup();
    }
  });

  it('a key file must be 0600, outside the data folder and long enough; baton secrets keyfile makes one', async () => {
    const f = folders();
    try {
      const key = createKeyFile(join(f.outside, 'baton.key'), f.data);
      expect(statSync(key).mode & 0o777).toBe(0o600);
      expect(() => createKeyFile(key, f.data)).toThrow(/never overwrites a key file/);
      expect(() => createKeyFile(join(f.data, 'k'), f.data)).toThrow(/outside the data folder/);
      const store = EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'keyfile', path: key }, env: {} });
      await store.set('HOOK_STRIPE', VALUE);
      expect(JSON.parse(readFileSync(join(f.data, SECRETS_FILE), 'utf8')).kdf.name).toBe('hkdf-sha256');
      expect(await EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'keyfile', path: key }, env: {} }).get('HOOK_STRIPE')).toBe(VALUE);
      chmodSync(key, 0o644);
      await expect(store.get('HOOK_STRIPE')).resolves.toBe(VALUE); // the key was derived at open
      expect(() => EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'keyfile', path: key }, env: {} })).toThrow(/mode 644: other users can read it\. Run: chmod 600/);
      const inside = join(f.data, 'inside.key');
      writeFileSync(inside, 'x'.repeat(64), { mode: 0o600 });
      expect(() => EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'keyfile', path: inside }, env: {} })).toThrow(/inside the data folder/);
      const short = join(f.outside, 'short.key');
      writeFileSync(short, 'too-short', { mode: 0o600 });
      await expect(createSecretStore({ dataDir: f.data, keyFile: short, keytar: null, env: {} })).rejects.toThrow(/holds 9 bytes; it needs at least 32 random bytes/);
    } finally {
      f.cleanup();
    }
  });

  it('environment variables override stored values', async () => {
    const f = folders();
    try {
      const env = { BATON_SECRET_ANTHROPIC_API_KEY: 'from-the-environment' };
      const store = EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'passphrase', passphrase: PASS }, env });
      await store.set('ANTHROPIC_API_KEY', VALUE);
      expect(await store.get('ANTHROPIC_API_KEY')).toBe('from-the-environment');
      expect(await store.list()).toEqual(['ANTHROPIC_API_KEY']);
      await expect(EncryptedFileSecretStore.open({ dataDir: f.data, source: { kind: 'passphrase', passphrase: PASS }, env: { BATON_SECRET_ONLY_ENV: 'x'.repeat(10) } }).delete('ONLY_ENV')).rejects.toThrow(/comes from the environment variable/);
    } finally {
      f.cleanup();
    }
  });
});

describe('backend order', () => {
  it('keychain when it answers; else the file when a passphrase or key file is given; else env (read-only, saying why)', async () => {
    const f = folders();
    try {
      const keytar = { getPassword: async () => null, setPassword: async () => {}, deletePassword: async () => false, findCredentials: async () => [] };
      expect((await createSecretStore({ dataDir: f.data, keytar, env: { BATON_SECRETS_PASSPHRASE: PASS } })).backend().kind).toBe('keychain');
      const file = await createSecretStore({ dataDir: f.data, keytar: null, env: { BATON_SECRETS_PASSPHRASE: PASS } });
      expect(file.backend().kind).toBe('file');
      expect(file.backend().detail).toMatch(/OS keychain unavailable: the keytar module is not installed.*; a passphrase was given/);
      const env = await createSecretStore({ dataDir: f.data, keytar: null, env: {} });
      expect(env.backend()).toMatchObject({ kind: 'env', writable: false });
      expect(env.backend().detail).toMatch(/no passphrase or key file .* BATON_SECRETS_PASSPHRASE or BATON_SECRETS_KEYFILE/);
      await expect(env.set('A_KEY', 'value-12345')).rejects.toThrow(/BATON_SECRETS_PASSPHRASE or BATON_SECRETS_KEYFILE/);
      const key = createKeyFile(join(f.outside, 'k'), f.data);
      expect((await createSecretStore({ dataDir: join(f.dir, 'other'), keytar: null, env: { BATON_SECRETS_KEYFILE: key } })).backend().detail).toContain(`key from the key file ${key}`);
      expect((await createSecretStore({ dataDir: f.data, prefer: 'file', keytar, env: { BATON_SECRETS_PASSPHRASE: PASS } })).backend().kind).toBe('file');
      await expect(createSecretStore({ dataDir: f.data, prefer: 'file', env: {} })).rejects.toThrow(/BATON_SECRETS=file needs a key/);
    } finally {
      f.cleanup();
    }
  });

  it('a core opened with a passphrase can write secrets through the API; doctor names the backend and why', async () => {
    const f = folders();
    try {
      const core = await openBaton({ dataDir: f.data, host: 'cli', secretOptions: { passphrase: PASS, keytar: null, env: {} } });
      try {
        expect((await core.call('secrets.list', {})).backend.kind).toBe('file');
        await core.call('secrets.set', { name: 'ANTHROPIC_API_KEY', value: VALUE });
        expect(await core.secrets.get('ANTHROPIC_API_KEY')).toBe(VALUE);
      } finally {
        await core.close();
      }
      expect(existsSync(join(f.data, SECRETS_FILE))).toBe(true);
      const ok = await secretBackendCheck(f.data, { passphrase: PASS, keytar: null, env: {} });
      expect(ok.check).toMatchObject({ name: 'secrets', level: 'ok' });
      expect(ok.check.detail).toMatch(/^file: Encrypted file .* OS keychain unavailable/);
      const wrong = await secretBackendCheck(f.data, { passphrase: 'not the passphrase', keytar: null, env: {} });
      expect(wrong.check).toMatchObject({ level: 'fail' });
      expect(wrong.check.detail).toMatch(/Could not decrypt/);
      const none = await secretBackendCheck(f.data, { keytar: null, env: {} });
      expect(none.check.level).toBe('warn');
      expect(none.check.detail).toMatch(/^env: .*Read-only/);
      for (const c of [ok, wrong, none]) expect(JSON.stringify(c.check)).not.toContain(VALUE);
    } finally {
      f.cleanup();
    }
  });
});
