// Secret store selection and the env backend. The real-keychain tests live in
// tests/keychain/ (npm run test:keychain); here: what happens WITHOUT a keychain,
// with the real keytar addon in child processes that have no usable D-Bus.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type SecretBackend } from '../shared/api';
import { createSecretStore, EnvSecretStore } from '../electron/core/secrets';
import { openTestCore } from './helpers';

const root = resolve(import.meta.dirname, '..');

describe('createSecretStore without a keychain', () => {
  it('falls back to environment variables with the reason when keytar is missing', async () => {
    const store = await createSecretStore({ keytar: null, env: { BATON_SECRET_ANTHROPIC_API_KEY: 'test-' + 'value' } });
    const b = store.backend();
    expect(b.kind).toBe('env');
    expect(b.writable).toBe(false);
    expect(b.detail).toContain('OS keychain unavailable: the keytar module is not installed');
    expect(await store.list()).toEqual(['ANTHROPIC_API_KEY']);
    expect(await store.get('ANTHROPIC_API_KEY')).toBe('test-value');
    expect(await store.get('OTHER')).toBeNull();
  });

  it('BATON_SECRETS=keychain without a keychain is an error saying why; a typo names the variable', async () => {
    const err = await createSecretStore({ keytar: null, env: { BATON_SECRETS: 'keychain' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('unavailable');
    expect((err as Error).message).toContain('keytar module is not installed');
    const typo = await createSecretStore({ keytar: null, env: { BATON_SECRETS: 'keyring' } }).catch((e: unknown) => e);
    expect((typo as ApiError).code).toBe('invalid_input');
    expect((typo as Error).message).toMatch(/BATON_SECRETS must be auto, keychain, file or env \(found "keyring"\)/);
    expect((await createSecretStore({ env: { BATON_SECRETS: 'env' } })).backend().kind).toBe('env');
  });

  it('through Core: the env backend lists names, refuses writes with the variable to set, and stores nothing', async () => {
    const { core, cleanup } = await openTestCore({ env: { BATON_SECRET_SMTP_PASSWORD: 'test-' + 'smtp' } });
    try {
      const listed = await core.call('secrets.list', {});
      expect(listed).toEqual({ backend: expect.objectContaining({ kind: 'env', writable: false }) as SecretBackend, names: ['SMTP_PASSWORD'] });
      const err = await core.call('secrets.set', { name: 'ANTHROPIC_API_KEY', value: 'test-' + 'new' }).catch((e: unknown) => e);
      expect((err as ApiError).code).toBe('unavailable');
      expect((err as Error).message).toContain('BATON_SECRET_ANTHROPIC_API_KEY');
      const del = await core.call('secrets.delete', { name: 'SMTP_PASSWORD' }).catch((e: unknown) => e);
      expect((del as Error).message).toContain('unset it');
      expect(await core.call('secrets.delete', { name: 'NOT_THERE' })).toEqual({ deleted: false });
      const bad = await core.call('secrets.set', { name: 'lower case', value: 'x' }).catch((e: unknown) => e);
      expect((bad as ApiError).issues?.[0]?.path).toBe('name');
      expect(new EnvSecretStore({}).backend().detail).toContain('BATON_SECRETS=env');
    } finally {
      await cleanup();
    }
  });
});

describe('the real keytar on a machine without a usable D-Bus session', () => {
  // keytar/libsecret keep one D-Bus connection per process, so each situation
  // runs in its own child process, with createSecretStore bundled from source.
  let probeDir: string;
  let probe: string;
  beforeAll(async () => {
    const cache = join(root, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    probeDir = mkdtempSync(join(cache, 'baton-secrets-probe-'));
    probe = join(probeDir, 'probe.mjs');
    await build({
      stdin: {
        contents: `import { createSecretStore } from ${JSON.stringify(join(root, 'electron/core/secrets/index.ts'))};
          const store = await createSecretStore({ env: process.env });
          process.stdout.write(JSON.stringify(store.backend()));`,
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: probe,
      logLevel: 'silent',
    });
  });
  afterAll(() => rmSync(probeDir, { recursive: true, force: true }));

  function backendIn(env: Record<string, string>, wrap: string[] = []): SecretBackend {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DBUS_|DISPLAY|BATON_SECRET)/.test(k)));
    const [cmd, ...args] = [...wrap, process.execPath, probe];
    const out = execFileSync(cmd!, args, { env: { ...clean, ...env }, encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] });
    return JSON.parse(out) as SecretBackend;
  }

  it('bus address pointing at nothing: env backend, with a plain reason', () => {
    const b = backendIn({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/baton-test-bus' });
    expect(b.kind).toBe('env');
    expect(b.detail).toContain('OS keychain unavailable: the D-Bus session bus is not reachable');
  });

  it('no D-Bus session and no display: env backend, with a plain reason', () => {
    const b = backendIn({});
    expect(b.kind).toBe('env');
    expect(b.detail).toContain('OS keychain unavailable: no D-Bus session');
  });

  const hasDbus = spawnSync('sh', ['-c', 'command -v dbus-run-session']).status === 0;
  it.skipIf(!hasDbus && process.env.CI !== 'true')('a D-Bus session without any Secret Service: env backend, with a plain reason', () => {
    // A private session bus that cannot start services (no service directories), so nothing owns org.freedesktop.secrets.
    const conf = join(probeDir, 'session.conf');
    writeFileSync(
      conf,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
      <busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen><auth>EXTERNAL</auth>
      <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`,
    );
    const b = backendIn({}, ['dbus-run-session', `--config-file=${conf}`, '--']);
    expect(b.kind).toBe('env');
    expect(b.detail).toContain('OS keychain unavailable: no Secret Service is running (install gnome-keyring or KeePassXC)');
  });
});

describe('scripts/with-keyring.sh without gnome-keyring', () => {
  // A PATH that has the shell tools the script needs but not dbus-run-session / gnome-keyring-daemon.
  let bin: string;
  beforeAll(() => {
    bin = mkdtempSync(join(root, 'node_modules', '.cache', 'baton-nokeyring-'));
    for (const tool of ['bash', 'sh', 'env', 'mktemp', 'rm', 'mkdir', 'chmod', 'date', 'true', 'setsid']) {
      const real = execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      symlinkSync(real, join(bin, tool));
    }
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  const run = (ci: string | undefined) =>
    spawnSync(join(bin, 'bash'), [join(root, 'scripts/with-keyring.sh'), 'true'], {
      env: { PATH: bin, ...(ci ? { CI: ci } : {}) },
      encoding: 'utf8',
    });

  it('fails with a clear message under CI=true', () => {
    const r = run('true');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FAILED: keychain tests need dbus-run-session dbus-send gnome-keyring-daemon/);
  });

  it('skips with the reason elsewhere', () => {
    const r = run(undefined);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/SKIPPED: keychain tests need dbus-run-session dbus-send gnome-keyring-daemon \(Debian: apt-get install/);
  });
});
