/**
 * `baton contacts|events|demo` run as child processes against the BUILT app
 * (npm test builds first), on real SQLite files in temp folders.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'baton.js');

function baton(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BATON_')) env[k] = v;
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...env, BATON_SECRETS: 'env' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('baton-crm-cli-');
});
afterAll(() => tmp.cleanup());

describe.skipIf(!existsSync(join(ROOT, 'out', 'main', 'cli.js')))('baton contacts / events / demo', () => {
  it('imports a CSV, lists, shows, records an event and exports', async () => {
    const data = join(tmp.dir, 'a');
    const csv = join(tmp.dir, 'people.csv');
    writeFileSync(csv, 'Mail,Name,Plan\nada@example.com,Ada Lovelace,pro\nbad,Nope,\n');
    const r = await baton(['--data', data, 'contacts', 'import', csv, '--map', '{"Mail":"email","Name":"fullName","Plan":"custom.plan"}']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 created, 0 updated, 0 unchanged, 1 invalid of 2 rows');
    expect(r.stdout).toContain('line 3: email: "bad" is not a valid e-mail address');
    const badMap = await baton(['--data', data, '--json', 'contacts', 'import', csv, '--map', '{"Nope":"email"}']);
    expect(badMap.code).toBe(2);
    expect(JSON.parse(badMap.stderr).error.issues[0].path).toBe('map.Nope');

    const ev = await baton(['--data', data, 'events', 'add', '--email', 'ada@example.com', '--type', 'page.visited', '--props', '{"url":"https://x.io/pricing"}']);
    expect(ev.code).toBe(0);
    const badType = await baton(['--data', data, 'events', 'add', '--email', 'ada@example.com', '--type', 'email.teleported']);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('events.0.type');

    const list = JSON.parse((await baton(['--data', data, '--json', 'contacts', 'list'])).stdout);
    expect(list.total).toBe(1);
    expect(list.rows[0]).toMatchObject({ email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', custom: { plan: 'pro' } });
    const show = await baton(['--data', data, 'contacts', 'show', 'ADA@example.com']);
    expect(show.stdout).toContain('pricing: 1 × page.visited');
    expect(show.stdout).toContain('page.visited  {"url":"https://x.io/pricing"}');

    const exp = await baton(['--data', data, 'contacts', 'export', '--format', 'json']);
    expect(JSON.parse(exp.stdout).map((c: { email: string }) => c.email)).toEqual(['ada@example.com']);
    const out = join(tmp.dir, 'out.csv');
    expect((await baton(['--data', data, 'contacts', 'export', '--out', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('ada@example.com,Ada,Lovelace');
  });

  it('seeds the same demo business for the same seed, and refuses a non-empty CRM', async () => {
    const seed = async (name: string) => {
      const data = join(tmp.dir, name);
      const r = await baton(['--data', data, '--json', 'demo', 'seed', '--contacts', '300', '--seed', '7']);
      expect(r.code).toBe(0);
      return { data, result: JSON.parse(r.stdout) };
    };
    const a = await seed('d1');
    const b = await seed('d2');
    expect(a.result).toMatchObject({ contacts: 300, companies: 38 });
    expect(a.result.events).toBe(b.result.events);
    expect(a.result.events).toBeGreaterThan(2000);
    const emails = async (data: string) => JSON.parse((await baton(['--data', data, 'contacts', 'export', '--format', 'json'])).stdout).map((c: { email: string; stage: string }) => `${c.email}/${c.stage}`);
    expect(await emails(a.data)).toEqual(await emails(b.data));
    const again = await baton(['--data', a.data, 'demo', 'seed', '--contacts', '10']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('needs an empty CRM');
  });
});
