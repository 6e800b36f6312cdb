/**
 * The `baton` command run as a child process (`node bin/baton.js …`) against the
 * BUILT app, on real SQLite files in temp folders. Secrets use the env backend
 * (BATON_SECRETS=env) so these tests never touch a real keychain.
 */
import Database from 'better-sqlite3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBaton } from '../electron/core';
import { EnvSecretStore } from '../electron/core/secrets';
import { tempDir } from './helpers';

const ROOT = resolve(__dirname, '..');

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) env[k] = v;
  return { ...env, BATON_SECRETS: 'env', ...extra };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function baton(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmpdir(), env: cleanEnv(opts.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** Write a setting straight through a core (what the app would do), then close it. */
async function setSetting(dataDir: string, key: string, value: unknown): Promise<void> {
  const core = await openBaton({ dataDir, host: 'cli', secrets: new EnvSecretStore({}, 'tests') });
  try {
    await core.call('settings.set', { key, value });
  } finally {
    await core.close();
  }
}

function readSetting(dataDir: string, key: string): unknown {
  const db = new Database(join(dataDir, 'baton.db'), { readonly: true });
  try {
    const row = db.prepare('select value from settings where key = ?').get(key) as { value: string } | undefined;
    return row ? JSON.parse(row.value) : undefined;
  } finally {
    db.close();
  }
}

function httpPost(port: number, path: string, token: string, body: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (r) => {
      let t = '';
      r.on('data', (c: Buffer) => (t += c.toString()));
      r.on('end', () => res({ status: r.statusCode ?? 0, json: JSON.parse(t) }));
    });
    req.on('error', rej);
    req.end(JSON.stringify(body));
  });
}

/** Start `baton serve` and wait for its first stdout line(s) naming the URL. */
function startServe(args: string[]): Promise<{ child: ChildProcess; out: () => string; err: () => string; url: string }> {
  return new Promise((resolveServe, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: tmpdir(), env: cleanEnv() });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out} ${err}`)), 15_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m && out.includes('API token')) {
        clearTimeout(timer);
        resolveServe({ child, out: () => out, err: () => err, url: m[1]! });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${err}`));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
}

/** Newest modification time of the sources the CLI bundle is built from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The CLI under test is a private copy of the built app in a folder whose path has
 * spaces and parentheses (like an install path): others rebuilding out/ in this
 * checkout cannot pull it away mid-test. Built first when out/ is older than the
 * sources; build and copy happen under the machine's build lock.
 */
const APP = join(tmpdir(), `baton cli (test ${process.pid})`);
const BIN = join(APP, 'bin', 'baton.js');

beforeAll(() => {
  const cli = join(ROOT, 'out', 'main', 'cli.js');
  const sources = Math.max(...['electron', 'shared', 'resources'].map((d) => newestSource(join(ROOT, d))), statSync(join(ROOT, 'package.json')).mtimeMs);
  const stale = !existsSync(cli) || (!process.env.BATON_TEST_SKIP_BUILD && statSync(cli).mtimeMs < sources);
  rmSync(APP, { recursive: true, force: true });
  mkdirSync(join(APP, 'out'), { recursive: true });
  const script = `${stale ? 'npx electron-vite build >/dev/null && ' : ''}cp -R out/main "$1/out/main" && cp -R bin "$1/bin" && cp package.json "$1/"`;
  execFileSync('flock', ['/tmp/baton-build.lock', 'sh', '-c', script, 'sh', APP], { cwd: ROOT, stdio: 'pipe' });
  symlinkSync(join(ROOT, 'node_modules'), join(APP, 'node_modules'));
  symlinkSync(join(ROOT, 'resources'), join(APP, 'resources'));
}, 120_000);

afterAll(() => rmSync(APP, { recursive: true, force: true }));

describe('baton CLI', () => {
  const tmp = tempDir('baton-cli-');
  afterAll(() => tmp.cleanup());
  let n = 0;
  const fresh = () => join(tmp.dir, `data-${++n}`);

  it('doctor --json reports a healthy fresh store and exits 0', async () => {
    const data = fresh();
    await setSetting(data, 'ai.model', 'x');
    const r = await baton(['doctor', '--json', '--data', data]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.dataDir).toBe(data);
    expect(report.schemaVersion).toBe(report.latestSchemaVersion);
    expect(report.integrity).toBe('ok');
    expect(report.secretBackend.kind).toBe('env');
    expect(report.server.running).toBe(false);
    // BATON_DATA_DIR works as well as --data.
    const viaEnv = await baton(['doctor', '--json'], { env: { BATON_DATA_DIR: data } });
    expect(JSON.parse(viaEnv.stdout).dataDir).toBe(data);
  });

  it('doctor does not fail when no OS keychain answers: it falls back to env and says why', async () => {
    const data = fresh();
    const env = cleanEnv();
    delete env.BATON_SECRETS;
    delete env.DISPLAY;
    const r = await new Promise<Run>((res) => {
      const child = spawn(process.execPath, [BIN, 'doctor', '--json', '--data', data], {
        cwd: tmpdir(),
        env: { ...env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(tmp.dir, 'no-bus')}` },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => res({ code, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.secretBackend.kind).toBe('env');
    expect(report.secretBackend.detail).toMatch(/keychain unavailable/i);
    expect(report.checks.find((c: { name: string }) => c.name === 'secrets').level).toBe('warn');
  });

  it('secrets: set refuses the read-only env backend clearly, bad names and empty values; list shows env names only', async () => {
    const data = fresh();
    const value = 'val-' + 'ue-' + Math.random().toString(36).slice(2);
    const set = await baton(['secrets', 'set', 'FOO_KEY', '--data', data], { input: value + '\n' });
    expect(set.code).toBe(1);
    expect(set.stderr).toContain('BATON_SECRET_FOO_KEY');
    expect(set.stderr + set.stdout).not.toContain(value);
    const badName = await baton(['secrets', 'set', 'lower-case', '--data', data], { input: value });
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('capital letters');
    const empty = await baton(['secrets', 'set', 'FOO_KEY', '--data', data], { input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/empty/);
    const list = await baton(['secrets', 'list', '--json', '--data', data], { env: { BATON_SECRET_FOO: value } });
    expect(list.code).toBe(0);
    const out = JSON.parse(list.stdout);
    expect(out.names).toEqual(['FOO']);
    expect(out.backend.kind).toBe('env');
    expect(list.stdout).not.toContain(value);
    const logs = join(data, 'logs', 'baton.log');
    if (existsSync(logs)) expect(readFileSync(logs, 'utf8')).not.toContain(value);
  });

  it('backup then restore brings the data back, keeping a safety copy of what it replaced', async () => {
    const data = fresh();
    await setSetting(data, 'email.fromName', 'before');
    const backup = await baton(['backup', '--json', '--data', data]);
    expect(backup.code).toBe(0);
    const info = JSON.parse(backup.stdout);
    expect(existsSync(info.file)).toBe(true);
    const to = join(tmp.dir, 'explicit.sqlite');
    expect((await baton(['backup', '--to', to, '--data', data])).code).toBe(0);
    expect(existsSync(to)).toBe(true);
    expect((await baton(['backup', '--to', to, '--data', data])).stderr).toContain('already exists');

    await setSetting(data, 'email.fromName', 'after');
    const restore = await baton(['restore', info.file, '--json', '--data', data]);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(readSetting(data, 'email.fromName')).toBe('before');
    const safety = JSON.parse(restore.stdout).safetyBackup as string;
    expect(existsSync(safety)).toBe(true);
    expect((await baton(['doctor', '--data', data])).code).toBe(0);
  });

  it('restore refuses a file that is not a database and leaves the data untouched', async () => {
    const data = fresh();
    await setSetting(data, 'email.fromName', 'kept');
    const before = readFileSync(join(data, 'baton.db'));
    const text = join(tmp.dir, 'notes.txt');
    writeFileSync(text, 'just some text, not SQLite\n');
    const r = await baton(['restore', text, '--data', data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a SQLite database/);
    expect(r.stderr).toMatch(/nothing was restored/);
    expect(readFileSync(join(data, 'baton.db')).equals(before)).toBe(true);
    expect(readSetting(data, 'email.fromName')).toBe('kept');
  });

  it('restore refuses while a live Baton holds the lock on the data folder', async () => {
    const data = fresh();
    await setSetting(data, 'email.fromName', 'locked');
    const backup = JSON.parse((await baton(['backup', '--json', '--data', data])).stdout);
    writeFileSync(join(data, 'baton.pid'), String(process.pid)); // this test process is alive
    const r = await baton(['restore', backup.file, '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`pid ${process.pid}`);
    expect(r.stderr).toContain('nothing was restored');
  });

  it('exits 3 with a clear message on a database from a newer Baton', async () => {
    const data = fresh();
    await setSetting(data, 'email.fromName', 'x');
    const db = new Database(join(data, 'baton.db'));
    db.pragma('user_version = 999');
    db.close();
    const r = await baton(['secrets', 'list', '--data', data]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/newer Baton \(schema version 999\)/);
    const doc = await baton(['doctor', '--json', '--data', data]);
    expect(doc.code).toBe(3);
    expect(JSON.parse(doc.stdout).ok).toBe(false);
  });

  it('exits 4 on a damaged database, naming the newest backup, and restoring that backup recovers', async () => {
    const data = fresh();
    await setSetting(data, 'email.fromName', 'saved');
    const backup = JSON.parse((await baton(['backup', '--json', '--data', data])).stdout);
    writeFileSync(join(data, 'baton.db'), 'this is not a database at all');
    const r = await baton(['doctor', '--data', data]);
    expect(r.code).toBe(4);
    expect(r.stdout + r.stderr).toContain(backup.file);
    const j = await baton(['secrets', 'list', '--json', '--data', data]);
    expect(j.code).toBe(4);
    expect(JSON.parse(j.stderr).error.code).toBe('corrupt_database');
    expect((await baton(['restore', backup.file, '--data', data])).code).toBe(0);
    expect(readSetting(data, 'email.fromName')).toBe('saved');
  });

  it('serve prints the URL and the token location (not the token), answers, and refuses a second serve', async () => {
    const data = fresh();
    const s = await startServe(['--data', data, '--port', '0']);
    try {
      const tokenPath = join(data, 'server-token');
      expect(s.out()).toContain(tokenPath);
      const token = readFileSync(tokenPath, 'utf8').trim();
      expect(s.out()).not.toContain(token);
      const port = Number(new URL(s.url).port);
      const r = await httpPost(port, '/api/v1/system.info', token, {});
      expect(r.status).toBe(200);
      expect((r.json as { result: { host: string } }).result.host).toBe('server');

      const second = await baton(['serve', '--data', data, '--port', '0']);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/already running/);

      const tok = await baton(['token', '--url', '--data', data]);
      expect(tok.stdout.trim()).toBe(`${s.url}#token=${token}`);
      expect((await baton(['token', '--data', data])).stdout.trim()).toBe(token);
      const doc = JSON.parse((await baton(['doctor', '--json', '--data', data])).stdout);
      expect(doc.server).toMatchObject({ running: true, pid: s.child.pid, url: s.url });
      expect(doc.ok).toBe(true);
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await exited(s.child)).toBe(0);
    expect(existsSync(join(data, 'baton.pid'))).toBe(false);
    expect(existsSync(join(data, 'server.json'))).toBe(false);
  });

  it('serve warns loudly when bound beyond loopback, and rejects a bad port', async () => {
    const data = fresh();
    const s = await startServe(['--data', data, '--port', '0', '--host', '0.0.0.0']);
    s.child.kill('SIGINT');
    expect(await exited(s.child)).toBe(0);
    expect(s.err()).toMatch(/WARNING: Baton is listening on 0\.0\.0\.0/);
    const bad = await baton(['serve', '--data', data, '--port', 'eighty']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--port/);
  });

  it('settings set refuses a bad value naming the key and rule; templates install enables examples', async () => {
    const data = fresh();
    const bad = await baton(['settings', 'set', 'email.smtp.port', '99999', '--data', data]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('email.smtp.port (SMTP port): use a port from 1 to 65535');
    expect((await baton(['settings', 'set', 'email.smtp.port', '2525', '--data', data])).code).toBe(0);
    expect(JSON.parse((await baton(['settings', 'get', 'email.smtp.port', '--json', '--data', data])).stdout)).toEqual({ 'email.smtp.port': 2525 });
    const inst = await baton(['templates', 'install', 'daily-report', '--enable', '--json', '--data', data]);
    expect(JSON.parse(inst.stdout)).toEqual({ installed: [{ id: 'daily-report', version: 1, enabled: true }], brought: { sequences: [], forms: [], segments: [] } });
    const list = JSON.parse((await baton(['templates', 'list', '--json', '--data', data])).stdout) as { templates: { id: string; installed: boolean }[] };
    expect(list.templates.filter((t) => t.installed).map((t) => t.id)).toEqual(['daily-report']);
  });

  it('token explains what to do before the server ever ran', async () => {
    const r = await baton(['token', '--data', fresh()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/baton(\.js)?["]? (--data \S+ )?serve/);
  });
});
