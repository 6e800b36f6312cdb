/**
 * Exactly-once WordPress publishing across a real crash: a low-confidence
 * draft goes to approval, is edited and approved; then the built `baton serve`
 * runs the publish step and is killed with SIGKILL right after WordPress stored
 * the post (before the step could record it). The restarted server retries the
 * step, finds the post by its run marker and does not create a second one.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { openTestCore, tempDir } from '../helpers';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';
import { startFakeWordPress, type FakeWordPress } from '../support/fake-wordpress';
import { fakeKey } from './setup';

const ROOT = resolve(__dirname, '..', '..');
const tmp = tempDir('baton-ai-crash-');
const dataDir = join(tmp.dir, 'data');
/** A private copy of the built app: others rebuild out/ in the shared checkout. */
const APP = join(tmp.dir, 'app');
const key = fakeKey();
const wpPw = () => ['crash', 'wp', 'pw'].join('-');
const secretsEnv = () => ({ BATON_SECRET_ANTHROPIC_API_KEY: key, BATON_SECRET_WORDPRESS_APP_PASSWORD: wpPw() });

let claude: FakeAnthropic;
let wp: FakeWordPress;
let child: ChildProcess | null = null;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) throw new Error('Build first (npx electron-vite build): this test runs the built `baton serve`');
  execFileSync('flock', ['/tmp/baton-build.lock', 'sh', '-c', `mkdir -p "${APP}" && cp -r bin out resources package.json "${APP}/"`], { cwd: ROOT, stdio: 'pipe' });
  symlinkSync(join(ROOT, 'node_modules'), join(APP, 'node_modules'));
  claude = await startFakeAnthropic({ apiKey: key });
  wp = await startFakeWordPress({ user: 'editor', appPassword: wpPw() });
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await claude?.close();
  await wp?.close();
  tmp.cleanup();
});

function serve(): Promise<{ child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> }> {
  return new Promise((resolveStart, reject) => {
    const c = spawn(process.execPath, [join(APP, 'bin', 'baton.js'), '--json', 'serve', '--data', dataDir, '--port', '0'], {
      cwd: APP,
      env: { ...process.env, BATON_SECRETS: 'env', ...secretsEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    const exited = new Promise<NodeJS.Signals | number | null>((r) => c.once('exit', (code, signal) => r(signal ?? code)));
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`baton serve did not start in 30 s: ${err}`)), 30_000);
    c.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('{')) {
        clearTimeout(timer);
        resolveStart({ child: c, exited });
      }
    });
    c.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      if (!out.includes('{')) reject(new Error(`baton serve exited with ${code}: ${err}`));
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('AI draft -> approval -> WordPress, across a SIGKILL of baton serve', () => {
  it('the post is created exactly once', async () => {
    claude.respond((req) =>
      req.body.tool_choice?.name === 'submit_review'
        ? { json: { pass: true, issues: ['Could be warmer'], confidence: 0.4 } }
        : { json: { title: 'Invoice weekly', body: 'Small invoices get paid **faster**.' } },
    );
    // 1. In-process: import, run to the approval, edit + approve. Nothing is published yet.
    const t = await openTestCore({ dataDir, secrets: new EnvSecretStore(secretsEnv(), 'tests') });
    for (const [k, v] of Object.entries({ 'ai.baseUrl': claude.url, 'ai.maxRetries': 0, 'wordpress.siteUrl': wp.url, 'wordpress.user': 'editor' })) t.core.setSetting(k, v);
    await t.core.call('workflows.import', {
      definition: {
        id: 'crash-blog',
        name: 'crash blog',
        nodes: [
          { id: 'write', type: 'ai.generate', params: { prompt: 'Write a post.', output: 'json', schema: { type: 'object', properties: { title: { type: 'string' }, body: { type: 'string' } }, required: ['title', 'body'] } } },
          { id: 'review', type: 'ai.review', params: { from: 'write', checklist: ['Warm tone'] } },
          { id: 'publish', type: 'wordpress.publish', params: { title: '=steps.review.data.title', content: '=steps.review.data.body' }, retry: { maxAttempts: 5, initialDelay: '200ms' } },
        ],
        edges: [
          { from: 'write', to: 'review' },
          { from: 'review', to: 'publish', branch: 'approved' },
        ],
      },
    });
    const { runId } = await t.core.call('runs.start', { workflow: 'crash-blog', input: {} });
    await engineOf(t.core).drain();
    const [a] = (await t.core.call('approvals.list', {})).approvals;
    expect(a!.confidence).toBe(0.4);
    const payload = a!.payload as Record<string, unknown>;
    await t.core.call('approvals.decide', { id: a!.id, decision: 'approve', payload: { ...payload, draft: { data: { title: 'Invoice every week', body: 'Small invoices get paid **faster**.' } } } });
    await t.core.close();
    expect(wp.creates).toBe(0);

    // 2. The server runs the publish step; it is killed right after WordPress stored the post.
    wp.onNextCreate(() => child?.kill('SIGKILL'));
    const first = await serve();
    expect(await first.exited).toBe('SIGKILL');
    expect(wp.creates).toBe(1);

    // 3. Restart: the step is recovered and retried; the marker lookup finds the post.
    const second = await serve();
    const check = await openTestCore({ dataDir, secrets: new EnvSecretStore(secretsEnv(), 'tests') });
    try {
      const run = await until('the run to succeed', async () => {
        const r = await check.core.call('runs.get', { id: runId });
        return r.status === 'succeeded' ? r : undefined;
      });
      const publish = run.steps.find((s) => s.nodeId === 'publish')!;
      expect(publish.output).toMatchObject({ published: true, reused: true, status: 'draft' });
      expect(wp.creates).toBe(1);
      expect(wp.posts).toHaveLength(1);
      expect(wp.posts[0]!.title).toBe('Invoice every week');
      const sends = check.core.db.prepare(`SELECT sends FROM outbox WHERE run_id = ? AND node_id = 'publish'`).get(runId) as { sends: number };
      expect(sends.sends).toBe(2); // sent before the crash, looked up and reused after it
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
      await check.core.close();
    }
  }, 90_000);
});
