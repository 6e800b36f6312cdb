/**
 * The first-run experience on a real `baton serve` (the built app, a real data
 * folder, HTTP): demo data loaded, then what the templates need set up and every
 * example template installed and enabled, as a new user does. No run starts from the demo's past events (they
 * were recorded before the templates listened), though the server dispatches
 * them only after the install; a new event does start them;
 * `baton workflow backfill` (the CLI, next to the running server) counts the
 * past events first and starts runs only with --yes, once per event.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillResult, OpInput, OpName, OpOutput } from '../shared/api';
import { tempDir } from './helpers';

const ROOT = resolve(__dirname, '..');
const tmp = tempDir('baton-first-run-');
const dataDir = join(tmp.dir, 'data');
/** A private copy of the built app: others rebuild out/ in the shared checkout. */
const APP = join(tmp.dir, 'app');
const env = () => ({ ...process.env, BATON_SECRETS: 'env', BATON_SECRET_ANTHROPIC_API_KEY: '' });
let child: ChildProcess | null = null;
let url = '';
let token = '';

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) throw new Error('Build first (npx electron-vite build): this test runs the built `baton serve`');
  execFileSync('flock', ['/tmp/baton-build.lock', 'sh', '-c', `mkdir -p "${APP}" && cp -r bin out resources package.json "${APP}/"`], { cwd: ROOT, stdio: 'pipe' });
  symlinkSync(join(ROOT, 'node_modules'), join(APP, 'node_modules'));
}, 120_000);

async function serve(): Promise<void> {
  const c = spawn(process.execPath, [join(APP, 'bin', 'baton.js'), '--json', 'serve', '--data', dataDir, '--port', '0'], { cwd: APP, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  child = c;
  url = await new Promise<string>((ok, no) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => no(new Error(`baton serve did not start in 60 s: ${err}`)), 60_000);
    c.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    c.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /"url":\s*"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    });
    c.once('exit', (code) => no(new Error(`baton serve exited with ${code}: ${err}`)));
  });
  token = readFileSync(join(dataDir, 'server-token'), 'utf8').trim();
}

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  tmp.cleanup();
});

async function api<N extends OpName>(name: N, input: OpInput<N>): Promise<OpOutput<N>> {
  const res = await fetch(new URL(`api/v1/${name}`, url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status} ${body.error?.message ?? ''}`);
  return body.result as OpOutput<N>;
}

async function cli(...args: string[]): Promise<unknown> {
  return cliWith({}, ...args);
}

async function cliWith(secrets: Record<string, string>, ...args: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(APP, 'bin', 'baton.js'), '--data', dataDir, '--json', ...args], { cwd: APP, env: { ...env(), ...secrets } });
  return JSON.parse(stdout) as unknown;
}

/** Wait on state: until the server's event dispatcher has handled every event recorded so far. */
async function dispatched(): Promise<void> {
  const db = new Database(join(dataDir, 'baton.db'), { readonly: true, fileMustExist: true });
  try {
    const max = (db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM events').get() as { m: number }).m;
    const t0 = Date.now();
    for (;;) {
      const cursor = Number((db.prepare(`SELECT value FROM engine_state WHERE key = 'event_cursor'`).get() as { value: string } | undefined)?.value ?? 0);
      if (cursor >= max) return;
      if (Date.now() - t0 > 60_000) throw new Error(`the dispatcher did not reach event ${max} (at ${cursor})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    db.close();
  }
}

const eventRuns = async () => (await api('runs.list', { limit: 1000 })).runs.filter((r) => r.trigger.type === 'event');

describe('first run: demo data, then the example templates', () => {
  it('a server started after the demo data and every template starts no run from the demo events; new contacts start them; the CLI backfill counts first and starts only with --yes', async () => {
    // As a new user does before the app runs: demo data, then what the templates need, then every
    // template installed and enabled (one-shot CLI commands: nothing is dispatched yet, so the demo
    // events wait for the server). The install runs where the secrets are (a keychain, here the
    // environment); the server below runs without the Anthropic key, as on a machine where it was removed.
    const seeded = (await cli('demo', 'seed', '--contacts', '400')) as { events: number };
    expect(seeded.events).toBeGreaterThan(1000);
    const settings: [string, string][] = [
      ['email.smtp.host', '127.0.0.1'],
      ['email.smtp.port', '9'],
      ['email.from', 'sam@solo.test'],
      ['email.imap.host', '127.0.0.1'],
      ['email.imap.user', 'sam'],
      ['email.leadMagnetUrl', 'https://solo.test/guide.pdf'],
      ['wordpress.siteUrl', 'https://blog.solo.test'],
      ['wordpress.user', 'sam'],
      ['monitoring.siteUrl', 'https://solo.test'],
    ];
    for (const [k, v] of settings) await cli('settings', 'set', k, v);
    const secrets = Object.fromEntries(['ANTHROPIC_API_KEY', 'IMAP_PASSWORD', 'WORDPRESS_APP_PASSWORD', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'HOOK_INTAKE'].map((n) => [`BATON_SECRET_${n}`, `${n.toLowerCase()}-${process.pid}`]));
    const templates = ((await cliWith(secrets, 'templates', 'list')) as OpOutput<'templates.list'>).templates;
    expect(templates.filter((t) => !t.ready).map((t) => t.id)).toEqual([]);
    await cliWith(secrets, 'templates', 'install', ...templates.map((t) => t.id), '--enable');
    await serve();
    await dispatched();
    expect(await eventRuns()).toEqual([]);
    const eventWorkflows = new Set(templates.filter((t) => t.trigger.startsWith('on ')).map((t) => t.id));
    const escalated = (await api('escalations.list', { limit: 1000 })).escalations.filter((e) => e.workflowId && eventWorkflows.has(e.workflowId));
    expect(escalated).toEqual([]);

    // The triggers work for what happens from now on: a contact added through the API.
    const onCreated = templates.filter((t) => t.trigger === 'on contact.created').map((t) => t.id).sort();
    expect(onCreated).toEqual(['ai-lead-research', 'new-lead-routing']);
    const added = await api('contacts.create', { email: 'new@example.com', firstName: 'New', lastName: 'Lead' });
    await dispatched();
    const started = await eventRuns();
    expect(started.map((r) => r.workflowId).sort()).toEqual(onCreated);
    expect(started.every((r) => r.subject === String(added.id))).toBe(true);
    expect(new Set(started.map((r) => (r.trigger.detail as { eventId: number }).eventId)).size).toBe(1);

    // The past events, on request only: a dry run first (nothing starts), then --yes with a limit, then nothing twice.
    // (The demo's form posts: the lead loop would score and route them.)
    const dry = (await cli('workflow', 'backfill', 'crm-new-lead')) as BackfillResult;
    expect(dry).toMatchObject({ dryRun: true, event: 'form.submitted', started: 0 });
    expect(dry.matching).toBeGreaterThan(10);
    expect((await eventRuns()).filter((r) => r.workflowId === 'crm-new-lead')).toHaveLength(0);
    const go = (await cli('workflow', 'backfill', 'crm-new-lead', '--limit', '3', '--yes')) as BackfillResult;
    expect(go).toMatchObject({ dryRun: false, started: 3, remaining: dry.matching - 3 });
    const again = (await cli('workflow', 'backfill', 'crm-new-lead')) as BackfillResult;
    expect(again).toMatchObject({ alreadyRun: 3, toStart: Math.min(1000, dry.matching - 3) });
    expect((await eventRuns()).filter((r) => r.workflowId === 'crm-new-lead')).toHaveLength(3);

    // Without a key the AI steps wait for it (and for a decision), visibly; the workflow's concurrency queues the rest.
    for (const n of [1, 2, 3]) await api('contacts.create', { email: `more-${n}@example.com` });
    const concurrency = (JSON.parse(readFileSync(join(ROOT, 'resources', 'templates', 'ai-lead-research.json'), 'utf8')) as { settings: { concurrency: number } }).settings.concurrency;
    const expected = Math.min(4, concurrency);
    const t0 = Date.now();
    let waiting = (await cli('ai', 'waiting')) as OpOutput<'ai.waiting'>;
    while (waiting.key < expected && Date.now() - t0 < 60_000) {
      await new Promise((r) => setTimeout(r, 200));
      waiting = (await cli('ai', 'waiting')) as OpOutput<'ai.waiting'>;
    }
    expect(waiting).toMatchObject({ key: expected, keyPresent: false, decisionNeeded: false });
    const statuses = (await eventRuns()).filter((r) => r.workflowId === 'ai-lead-research').map((r) => r.status);
    expect(statuses.filter((x) => x === 'waiting')).toHaveLength(expected);
    expect(statuses.filter((x) => x === 'queued')).toHaveLength(4 - expected);
  }, 180_000);
});
