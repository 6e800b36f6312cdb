/**
 * The CLI for this issue, as a child process against the built app: secrets in
 * the encrypted file (a key file made by `baton secrets keyfile`, or a
 * passphrase), `baton doctor` naming the backend and why, webhook secrets and
 * authentication from `baton hooks`, `baton serve --ask-passphrase`, and the
 * one data folder (HOME/XDG) with the earlier desktop folder moved once.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { openBaton } from '../electron/core';
import { EnvSecretStore } from '../electron/core/secrets';
import { tempDir } from './helpers';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'baton.js');
const SECRET = ['whsec', 'cli', 'test', String(process.pid), 'abcdef'].join('_');

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_') && !k.startsWith('XDG_')) out[k] = v;
  // No keychain answers in a child without a D-Bus session.
  delete out.DBUS_SESSION_BUS_ADDRESS;
  return { ...out, ...extra };
}

function baton(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: env(opts.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

const hookWorkflow = JSON.stringify({ id: 'payments', name: 'Payments', trigger: { type: 'webhook', slug: 'payments' }, nodes: [{ id: 'n', type: 'log', params: { message: 'paid' } }], edges: [] });

describe('secrets in the encrypted file from the CLI', () => {
  it('keyfile, doctor, hooks set-secret and hooks auth; no secret in any output', { timeout: 120_000 }, async () => {
    const t = tempDir('baton-cli-reach-');
    try {
      const data = join(t.dir, 'data');
      const key = join(t.dir, 'baton.key');
      const made = await baton(['--data', data, '--json', 'secrets', 'keyfile', key]);
      expect(made.code, made.stderr).toBe(0);
      expect(statSync(key).mode & 0o777).toBe(0o600);
      expect((await baton(['--data', data, 'secrets', 'keyfile', join(data, 'inside.key')])).stderr).toMatch(/outside the data folder/);

      const doctor = await baton(['--data', data, '--secrets-keyfile', key, '--json', 'doctor']);
      const report = JSON.parse(doctor.stdout) as { secretBackend: { kind: string }; checks: { name: string; level: string; detail: string }[] };
      expect(report.secretBackend.kind).toBe('file');
      expect(report.checks.find((c) => c.name === 'secrets')?.detail).toMatch(/^file: Encrypted file .*key from the key file .*OS keychain unavailable/);
      const envOnly = JSON.parse((await baton(['--data', data, '--json', 'doctor'])).stdout) as typeof report;
      expect(envOnly.checks.find((c) => c.name === 'secrets')).toMatchObject({ level: 'warn', detail: expect.stringMatching(/^env: .*Read-only/) });

      writeFileSync(join(t.dir, 'wf.json'), hookWorkflow);
      expect((await baton(['--data', data, 'workflow', 'import', join(t.dir, 'wf.json')])).code).toBe(0);
      const auth = await baton(['--data', data, '--json', 'hooks', 'auth', 'payments', 'stripe', '--settings', '{"tolerance":120}']);
      expect(auth.code, auth.stderr).toBe(0);
      expect(JSON.parse(auth.stdout)).toMatchObject({ slug: 'payments', auth: { type: 'stripe', tolerance: 120 } });
      const bad = await baton(['--data', data, 'hooks', 'auth', 'payments', 'hmac']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/auth\.header/);
      const set = await baton(['--data', data, '--secrets-keyfile', key, 'hooks', 'set-secret', 'payments'], { input: `${SECRET}\n` });
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout).toBe('Stored the secret of /hooks/payments as HOOK_PAYMENTS.\n');
      const list = await baton(['--data', data, '--secrets-keyfile', key, 'hooks', 'list']);
      expect(list.stdout).toMatch(/\/hooks\/payments\s+-> payments\s+auth stripe\s+signing HOOK_PAYMENTS: set/);
      // With BATON_SECRETS_KEYFILE instead of the flag, and without any key: env-only, read-only.
      expect((await baton(['--data', data, 'hooks', 'list'], { env: { BATON_SECRETS_KEYFILE: key } })).stdout).toContain('HOOK_PAYMENTS: set');
      const readOnly = await baton(['--data', data, 'hooks', 'set-secret', 'payments'], { input: 'x'.repeat(20) });
      expect(readOnly.code).not.toBe(0);
      expect(readOnly.stderr).toMatch(/BATON_SECRETS_PASSPHRASE or BATON_SECRETS_KEYFILE/);
      for (const out of [made, doctor, auth, set, list, readOnly]) expect(out.stdout + out.stderr).not.toContain(SECRET);
      expect(readFileSync(join(data, 'secrets.enc'), 'utf8')).not.toContain(SECRET);
    } finally {
      t.cleanup();
    }
  });

  it('baton serve --ask-passphrase reads the passphrase from stdin and stores secrets from the API', async () => {
    const t = tempDir('baton-cli-pass-');
    const child = spawn(process.execPath, [BIN, '--data', t.dir, 'serve', '--port', '0', '--ask-passphrase', '--json'], { cwd: ROOT, env: env() });
    try {
      child.stdin.end('a long enough passphrase\n');
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const url = await new Promise<string>((ok, no) => {
        child.once('exit', (code) => no(new Error(`serve exited ${code}: ${stderr}`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
          const m = /"url":"([^"]+)"/.exec(line);
          if (m) ok(m[1]!);
        });
      });
      const token = readFileSync(join(t.dir, 'server-token'), 'utf8').trim();
      const call = (op: string, body: unknown) => fetch(`${url}api/v1/${op}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const list = (await (await call('secrets.list', {})).json()) as { result: { backend: { kind: string; writable: boolean } } };
      expect(list.result.backend).toMatchObject({ kind: 'file', writable: true });
      expect((await call('secrets.set', { name: 'ANTHROPIC_API_KEY', value: SECRET })).status).toBe(200);
      expect(readFileSync(join(t.dir, 'secrets.enc'), 'utf8')).not.toContain(SECRET);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      // The wrong passphrase next time: refused, saying so.
      const again = await baton(['--data', t.dir, 'secrets', 'list'], { env: { BATON_SECRETS_PASSPHRASE: 'not the passphrase!' } });
      expect(again.code).not.toBe(0);
      expect(again.stderr).toMatch(/Could not decrypt the secrets file .*passphrase is not the one it was locked with/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      t.cleanup();
    }
  });
});

describe('one data folder for every host and the CLI', () => {
  it('with no --data, the CLI uses the OS default and takes the earlier desktop folder once, saying so', async () => {
    const home = tempDir('baton-cli-home-');
    try {
      const legacy = join(home.dir, '.config', 'Baton');
      mkdirSync(legacy, { recursive: true });
      const core = await openBaton({ dataDir: legacy, host: 'electron', secrets: new EnvSecretStore({}, 'tests') });
      await core.call('contacts.create', { email: 'kept@example.com' });
      await core.close();
      const first = await baton(['--json', 'contacts', 'list'], { env: { HOME: home.dir, BATON_SECRETS: 'env' } });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toMatch(/moved its data from .*\.config\/Baton to .*\.local\/share\/baton/);
      expect((JSON.parse(first.stdout) as { rows: { email: string }[] }).rows.map((c) => c.email)).toEqual(['kept@example.com']);
      const second = await baton(['--json', 'doctor'], { env: { HOME: home.dir, BATON_SECRETS: 'env' } });
      expect(second.stderr).not.toMatch(/moved/);
      expect((JSON.parse(second.stdout) as { dataDir: string }).dataDir).toBe(join(home.dir, '.local', 'share', 'baton'));
    } finally {
      home.cleanup();
    }
  });
});
