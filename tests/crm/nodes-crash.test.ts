/**
 * Crash test of the CRM and sales nodes: the built `baton serve` as a child process, SIGKILLed after
 * the nodes' writes committed and before their steps' results did (a slow HTTP call in the same batch
 * holds the commit back), then started again. The steps run again on the new process; no write is
 * applied twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { startSink } from '../engine/sink';

const ROOT = resolve(__dirname, '..', '..');
const tmp = tempDir('baton-crm-crash-');
const dataDir = join(tmp.dir, 'data');
/** A private copy of the built app (other test files may rebuild out/ meanwhile). */
const APP = join(tmp.dir, 'app');

interface Server {
  child: ChildProcess;
  url: string;
  token: string;
}
let server: Server | null = null;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'out/main/cli.js'))) throw new Error('Build first (npx electron-vite build): this test runs the built app');
  mkdirSync(APP, { recursive: true });
  for (const p of ['bin', 'out', 'resources', 'package.json']) cpSync(join(ROOT, p), join(APP, p), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(APP, 'node_modules'));
});
afterAll(async () => {
  if (server) await kill(server);
  tmp.cleanup();
});

function start(): Promise<Server> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(APP, 'bin', 'baton.js'), '--json', 'serve', '--data', dataDir, '--port', '0'], { cwd: APP, env: { ...process.env, BATON_SECRETS: 'env' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`baton serve did not start in 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as { url: string; tokenFile: string };
      ok({ child, url: info.url.replace(/\/$/, ''), token: readFileSync(info.tokenFile, 'utf8').trim() });
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`baton serve exited with ${code}: ${err}`));
    });
  });
}

function kill(s: Server): Promise<void> {
  return new Promise((r) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return r();
    s.child.once('exit', () => r());
    s.child.kill('SIGKILL');
  });
}

async function api<T>(s: Server, op: string, input: unknown): Promise<T> {
  const res = await fetch(`${s.url}/api/v1/${op}`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (!res.ok) throw new Error(`${op}: ${res.status} ${body.error?.message}`);
  return body.result as T;
}

describe('crash: kill -9 baton serve between the CRM writes and the step commit', () => {
  it('after the restart the steps finish and every write was applied once', async () => {
    type Rows = { node_id: string; status: string }[];
    const seen: { atKill: { once: Rows; steps: Rows } | null; killed: Promise<void> | null } = { atKill: null, killed: null };
    const sink = await startSink((r) => {
      if (seen.atKill === null && r.url === '/slow' && server) {
        // Read the store as the killed process left it: the writes' records committed, the steps still running.
        const db = new Database(join(dataDir, 'baton.db'), { readonly: true });
        try {
          seen.atKill = {
            once: db.prepare(`SELECT node_id, status FROM outbox WHERE node_id IN ('score', 'deal', 'task', 'enroll') ORDER BY node_id`).all() as Rows,
            steps: db.prepare(`SELECT node_id, status FROM steps WHERE node_id IN ('score', 'deal', 'task', 'enroll') ORDER BY node_id`).all() as Rows,
          };
        } finally {
          db.close();
        }
        seen.killed = kill(server);
        return 'hang';
      }
      return { status: 200, body: { ok: true } };
    });
    try {
      server = await start();
      const c = await api<{ id: number }>(server, 'contacts.create', { email: 'crash@example.com', firstName: 'Cass' });
      await api(server, 'sequences.save', { id: 'after-crash', name: 'After crash', steps: [{ type: 'wait', duration: '3d' }] });
      await api(server, 'workflows.import', {
        definition: {
          id: 'crash-crm',
          name: 'CRM writes next to a slow call',
          nodes: [
            { id: 'fan', type: 'parallel', params: {} },
            { id: 'score', type: 'crm.score', params: { contactId: '=input.id', points: 7, reason: 'Crash test' } },
            { id: 'deal', type: 'crm.deal.create', params: { contactId: '=input.id', value: 70, whenOpen: 'create' } },
            { id: 'task', type: 'crm.task.create', params: { title: 'Call {{ contact.first_name }}', contactId: '=input.id' } },
            { id: 'enroll', type: 'sequence.enroll', params: { sequence: 'after-crash', contactId: '=input.id' } },
            { id: 'slow', type: 'http.request', params: { method: 'POST', url: `${sink.url}/slow`, body: { x: 1 }, timeout: '30s' } },
          ],
          edges: ['score', 'deal', 'task', 'enroll', 'slow'].map((to) => ({ from: 'fan', to })),
        },
      });
      const { runId } = await api<{ runId: string }>(server, 'runs.start', { workflow: 'crash-crm', input: { id: c.id } });
      const t0 = Date.now();
      while (!seen.killed && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
      expect(seen.killed, 'the slow call reached the receiver').not.toBeNull();
      await seen.killed;
      const k = seen.atKill!;
      expect(k.once.map((r) => `${r.node_id}:${r.status}`)).toEqual(['deal:sent', 'enroll:sent', 'score:sent', 'task:sent']);
      expect(k.steps.every((s) => s.status === 'running')).toBe(true);

      server = await start();
      const t1 = Date.now();
      let status = '';
      while (Date.now() - t1 < 90_000) {
        status = (await api<{ status: string }>(server, 'runs.get', { id: runId })).status;
        if (status === 'succeeded' || status === 'failed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe('succeeded');
      const contact = await api<{ contact: { score: number }; timeline: { type: string }[] }>(server, 'contacts.get', { id: c.id });
      expect(contact.contact.score).toBe(7);
      expect(contact.timeline.filter((e) => e.type === 'score.adjusted')).toHaveLength(1);
      expect(contact.timeline.filter((e) => e.type === 'deal.opened')).toHaveLength(1);
      expect((await api<{ total: number }>(server, 'deals.list', { contactId: c.id })).total).toBe(1);
      // The node's task, and the one the deal's stage creates on entry: each once.
      const tasks = (await api<{ tasks: { title: string }[] }>(server, 'tasks.list', { contactId: c.id })).tasks.map((t) => t.title).sort();
      expect(tasks).toEqual(['Call Cass', 'Qualify Cass: book a discovery call']);
      expect((await api<{ enrollments: unknown[] }>(server, 'sequences.enrollments', { contactId: c.id })).enrollments).toHaveLength(1);
      const run = await api<{ steps: { nodeId: string; status: string; branch: string | null }[] }>(server, 'runs.get', { id: runId });
      expect(run.steps.find((s) => s.nodeId === 'enroll')!.branch).toBe('enrolled'); // the recorded answer, not "already active"
      expect(run.steps.find((s) => s.nodeId === 'deal')!.branch).toBe('created');
    } finally {
      await sink.close();
    }
  }, 240_000);
});
