/**
 * Through the real CLI (`node bin/baton.js …`, the built app): a 10,000-contact store
 * with 64 random bytes written into one page is found by `doctor --deep`, refused as
 * a backup, and every command (and the HTTP API) meeting it answers "damaged, restore
 * <newest verified backup>" (exit 4 / 503 corrupt_database). And a `baton serve`
 * whose data folder or database file is deleted under it stops, says why, exits non-zero.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers';
import { damageContactRow } from './support/damage';

const ROOT = resolve(__dirname, '..');
const tmp = tempDir('baton-integrity-cli-');
const APP = join(tmp.dir, 'app');
const BIN = join(APP, 'bin', 'baton.js');
let n = 0;
const fresh = () => join(tmp.dir, `data-${++n}`);

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) e[k] = v;
  return { ...e, BATON_SECRETS: 'env' };
}
function baton(data: string, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--data', data, ...args], { cwd: APP, encoding: 'utf8', env: env(), maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  // A private copy of the built app: others rebuild out/ in the shared checkout.
  const copy = `mkdir -p "${APP}" && cp -r bin out resources package.json "${APP}/" && ln -s "${ROOT}/node_modules" "${APP}/node_modules"`;
  execFileSync('flock', ['/tmp/baton-build.lock', 'sh', '-c', process.env.BATON_TEST_SKIP_BUILD ? copy : `npx electron-vite build && ${copy}`], { cwd: ROOT, stdio: 'pipe' });
}, 180_000);
afterAll(() => tmp.cleanup());

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const backupsOf = (data: string) => Object.fromEntries(readdirSync(join(data, 'backups')).sort().map((f) => [f, sha(join(data, 'backups', f))]));
const logOf = (data: string) =>
  readFileSync(join(data, 'logs', 'baton.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

interface Serving {
  child: ChildProcess;
  url: string;
  err: () => string;
  exit: Promise<number | null>;
}
function serve(data: string): Promise<Serving> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--data', data, '--port', '0'], { cwd: APP, env: env() });
    let out = '';
    let err = '';
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timer = setTimeout(() => fail(new Error(`serve did not start: ${out} ${err}`)), 30_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m && out.includes('Stop with')) {
        clearTimeout(timer);
        ok({ child, url: m[1]!, err: () => err, exit });
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code}: ${err}`));
    });
  });
}
function post(url: string, op: string, token: string, body: unknown): Promise<{ status: number; json: { result?: unknown; error?: { code: string; message: string } } }> {
  const u = new URL(`api/v1/${op}`, url);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (r) => {
      let t = '';
      r.on('data', (c: Buffer) => (t += c.toString()));
      r.on('end', () => ok({ status: r.statusCode ?? 0, json: JSON.parse(t) }));
    });
    req.on('error', fail);
    req.end(JSON.stringify(body));
  });
}
/** Resolves with the exit code, or null when the process is still running after `ms`. */
const exitWithin = (s: Serving, ms: number) => Promise.race([s.exit, new Promise<'running'>((r) => setTimeout(() => r('running'), ms))]);

describe('a 10,000-contact store with 64 random bytes in one page (built CLI)', () => {
  it('doctor --deep finds it, backups refuse it, commands and the API exit 4 / 503 naming the newest verified backup, restore recovers', async () => {
    const data = fresh();
    expect(baton(data, ['demo', 'seed', '--contacts', '10000', '--events-per-contact', '2']).code).toBe(0);
    const b1 = JSON.parse(baton(data, ['--json', 'backup']).out) as { file: string; verifiedAt: string | null };
    const b2 = JSON.parse(baton(data, ['--json', 'backup']).out) as { file: string; verifiedAt: string | null };
    expect(b1.verifiedAt).not.toBeNull();
    expect(b2.verifiedAt).not.toBeNull();
    const hit = damageContactRow(join(data, 'baton.db'));
    const before = backupsOf(data);

    // The quick doctor still passes (that is the gap); it says a full check exists.
    const quick = baton(data, ['doctor']);
    expect(quick.code).toBe(0);
    expect(quick.out).toMatch(/quick check ok/);
    expect(quick.out).toMatch(/doctor --deep/);
    expect(quick.out).toContain(`newest verified ${b2.file}`);

    const deep = baton(data, ['--json', 'doctor', '--deep']);
    expect(deep.code).toBe(4);
    const report = JSON.parse(deep.out) as { ok: boolean; deep: { ok: boolean; problems: string[] }; checks: { name: string; level: string; detail: string }[] };
    expect(report.ok).toBe(false);
    expect(report.deep.problems.join('\n')).toMatch(new RegExp(`row ${hit.contactId} missing from index`));
    expect(report.checks.find((c) => c.name === 'full check')).toMatchObject({ level: 'fail' });
    expect(report.checks.find((c) => c.name === 'full check')!.detail).toContain(`baton restore "${b2.file}"`);
    expect(baton(data, ['doctor', '--deep']).out).toMatch(/fail\s+full check\s+The database .* is damaged/);

    const exp = baton(data, ['contacts', 'export']);
    expect(exp.code).toBe(4);
    expect(exp.err).toContain(`contacts.custom of row ${hit.contactId} is not valid JSON`);
    expect(exp.err).toContain(`baton restore "${b2.file}"`);
    expect(exp.err).not.toMatch(/Unexpected token/);
    const show = baton(data, ['--json', 'contacts', 'show', String(hit.contactId)]);
    expect(show.code).toBe(4);
    expect(JSON.parse(show.err).error).toMatchObject({ code: 'corrupt_database' });

    const bk = baton(data, ['backup']);
    expect(bk.code).toBe(4);
    expect(bk.err).toMatch(/a backup taken now failed its check/);
    expect(bk.err).toContain(b2.file);
    expect(backupsOf(data)).toEqual(before);
    expect(logOf(data).filter((l) => l.msg === 'database damaged' && l.newestBackup === b2.file).length).toBeGreaterThanOrEqual(3);

    // The HTTP API: a clear error code, not a 500 with a JSON parse message.
    const s = await serve(data);
    try {
      const token = readFileSync(join(data, 'server-token'), 'utf8').trim();
      const r = await post(s.url, 'contacts.get', token, { id: hit.contactId });
      expect(r.status).toBe(503);
      expect(r.json.error?.code).toBe('corrupt_database');
      expect(r.json.error?.message).toContain(`baton restore "${b2.file}"`);
      expect(r.json.error?.message).not.toMatch(/Unexpected token|Internal error/);
      const info = await post(s.url, 'system.info', token, {});
      expect((info.json.result as { lastVerifiedBackup: { file: string } }).lastVerifiedBackup.file).toBe(b2.file);
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exit).toBe(0);

    expect(baton(data, ['restore', b2.file]).code).toBe(0);
    expect(baton(data, ['doctor', '--deep']).code).toBe(0);
    expect(JSON.parse(baton(data, ['--json', 'contacts', 'show', String(hit.contactId)]).out).contact.id).toBe(hit.contactId);
  }, 240_000);

  it('doctor --deep checks backups an older Baton took (no mark) and marks the good ones', () => {
    const data = fresh();
    expect(baton(data, ['demo', 'seed', '--contacts', '200']).code).toBe(0);
    const b = JSON.parse(baton(data, ['--json', 'backup']).out) as { file: string };
    rmSync(`${b.file}.verified`);
    const before = baton(data, ['doctor']);
    expect(before.out).toMatch(/none verified yet/);
    const deep = baton(data, ['--json', 'doctor', '--deep']);
    expect(deep.code).toBe(0);
    expect(JSON.parse(deep.out).lastVerifiedBackup.file).toBe(b.file);
    expect(existsSync(`${b.file}.verified`)).toBe(true);
  }, 60_000);
});

describe('baton serve whose data goes away under it', () => {
  it('data folder deleted: stops within seconds, says why on stderr, exits non-zero, recreates nothing', async () => {
    const data = fresh();
    expect(baton(data, ['demo', 'seed', '--contacts', '100']).code).toBe(0);
    const s = await serve(data);
    rmSync(data, { recursive: true, force: true });
    const code = await exitWithin(s, 30_000);
    if (code === 'running') s.child.kill('SIGKILL');
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    expect(s.err()).toMatch(/The data folder .* was deleted or moved while Baton was running/);
    expect(existsSync(data)).toBe(false);
  }, 60_000);

  it('database file deleted: stops, logs why (naming the backup), exits non-zero, does not create an empty store', async () => {
    const data = fresh();
    expect(baton(data, ['demo', 'seed', '--contacts', '100']).code).toBe(0);
    const b = JSON.parse(baton(data, ['--json', 'backup']).out) as { file: string };
    const s = await serve(data);
    for (const f of ['baton.db', 'baton.db-wal', 'baton.db-shm']) rmSync(join(data, f), { force: true });
    const code = await exitWithin(s, 30_000);
    if (code === 'running') s.child.kill('SIGKILL');
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    expect(s.err()).toMatch(/The database .* was deleted or replaced while Baton was running/);
    expect(s.err()).toContain(`baton restore "${b.file}"`);
    const lost = logOf(data).find((l) => l.msg === 'data lost: stopping');
    expect(lost).toMatchObject({ level: 'error', reason: 'database_lost' });
    expect(existsSync(join(data, 'baton.db'))).toBe(false);
    expect(existsSync(join(data, 'baton.pid'))).toBe(false);
  }, 60_000);
});
