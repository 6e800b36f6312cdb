/**
 * Hostile workflows on a real `baton serve` (the built app as a child process,
 * its real Bree pool of 2 workers with a 96 MB heap limit each), beside a
 * heartbeat: a one-node `log` run started every 200 ms through the HTTP API.
 *
 * - Never-ending expressions (self recursion, mutual recursion, $eval
 *   recursion, a catastrophic regex, fib(35)) with `timeout: "2s"`: each run
 *   fails "timed out after 2 s in node …" within its timeout + a margin.
 * - Memory bombs (non-tail recursion, $sort of 1e6 items with a comparator):
 *   each run fails "… out of memory" after its worker died twice, instead of
 *   being handed back for ever.
 * - Cancel of a run stuck in an expression (no node timeout: the engine's 60 s
 *   default) ends its worker within seconds.
 * - Sub-workflow cycles: a static one (A -> B -> A, a self-call) is refused at
 *   import; a dynamic one (the target is an expression) stops at the depth
 *   limit (engine.subworkflowDepth, 10) with the chain in the root's error.
 * - Deep nesting: JSON nested 10,000 levels in runs.start, events.publish and
 *   settings.set is a 400 naming the limit; a chain of 5,000 nodes and params
 *   nested 2,000 levels deep are answered (valid, or a 400), never a 500.
 * - SIGTERM with a stuck worker: the server exits within the 3 s the docs
 *   promise; the stuck step is handed back (durable), not lost.
 * - The heartbeat keeps finishing throughout: no run waits more than
 *   HEARTBEAT_BOUND_MS, and half of them finish within a second.
 *
 * Why that bound: a heartbeat step can land in the same batch as a hostile one
 * (a batch is claimed and committed together). When the hostile step keeps
 * its worker busy, the watchdog sees the worker stuck after STALL_MS (1 s) at
 * its next scan (250 ms), hands the steps the worker is not running back and
 * starts a spare worker: the heartbeat runs again on a free worker, or on the
 * spare once it has started (a worker's cold start measured 0.7-1.3 s on
 * this 2-core machine at load average ~20, up to ~4 s while hostile threads
 * spin beside it). That worker may claim another hostile step that waited in
 * the queue together with the heartbeat (a second round):
 * 2 x (1.25 s + 4 s) + slack = 12 s. Measured: max 3-7 s, median ~20 ms.
 * Before the fix the same heartbeat was still `running` 30 s later, and for ever.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';

const ROOT = resolve(__dirname, '..', '..');
const HEARTBEAT_BOUND_MS = 12_000;
/** Worker heap limit (MB): small, so memory bombs die in seconds. */
const HEAP_MB = 96;
/**
 * Timeout of the never-ending expressions, and what their step may run beyond it: the watchdog's grace
 * (1 s), two scans (0.5 s: it acts on what it saw twice), slack for this loaded machine.
 */
const BOMB_TIMEOUT = '2s';
const TIMEOUT_MARGIN_MS = 3_000;
/** A run may wait its turn first: all workers busy with other hostile steps (two rounds) and worker starts. */
const RUN_BOUND_MS = 20_000;

const NEVER_ENDING: Record<string, string> = {
  self: '($f := function($x){ $f($x) }; $f(1))',
  mutual: '($a := function($x){ $b($x) }; $b := function($x){ $a($x) }; $a(1))',
  'eval-recursion': '($e := function(){ $eval("$e()") }; $e())',
  regex: '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)',
  fib35: '($fib := function($n){ $n < 2 ? $n : $fib($n - 1) + $fib($n - 2) }; $fib(35))',
};
const MEMORY_BOMBS: Record<string, string> = {
  'non-tail': '($f := function($n){ 1 + $f($n + 1) }; $f(0))',
  'sort-million': '$sort([1..1000000], function($a, $b){ $a < $b })',
};

interface Server {
  child: ChildProcess;
  url: string;
  token: string;
}
interface Run {
  id: string;
  status: string;
  error: { message: string; code?: string; nodeId?: string } | null;
  createdAt: string;
  finishedAt: string | null;
  steps?: { nodeId: string; status: string; attempts: number; startedAt: string | null; finishedAt: string | null }[];
}

const tmp = tempDir('baton-hostile-');
const dataDir = join(tmp.dir, 'data');
/** A private copy of the built app (others rebuild out/ in the shared checkout while this test runs). */
const APP = join(tmp.dir, 'app-copy');
let server: Server | null = null;

function baton(...args: string[]): string {
  return execFileSync(process.execPath, [join(APP, 'bin', 'baton.js'), '--data', dataDir, ...args], { cwd: APP, env: { ...process.env, BATON_SECRETS: 'env' }, encoding: 'utf8' });
}

function start(): Promise<Server> {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, [join(APP, 'bin', 'baton.js'), '--json', 'serve', '--data', dataDir, '--port', '0'], {
      cwd: APP,
      env: { ...process.env, BATON_SECRETS: 'env' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`baton serve did not start in 30 s: ${err}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line || server) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as { url: string; tokenFile: string };
      resolveStart({ child, url: info.url.replace(/\/$/, ''), token: readFileSync(info.tokenFile, 'utf8').trim() });
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`baton serve exited with ${code}: ${err}`));
    });
  });
}

async function api<T>(s: Server, op: string, input: unknown): Promise<T> {
  const res = await fetch(`${s.url}/api/v1/${op}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (!res.ok) throw new Error(`${op}: ${res.status} ${body.error?.message}`);
  return body.result as T;
}

/** The raw answer of an operation (status and body), for the refusals. */
async function raw(s: Server, op: string, input: unknown): Promise<{ status: number; body: { result?: unknown; error?: { code: string; message: string; issues?: { path: string; message: string }[] } } }> {
  const res = await fetch(`${s.url}/api/v1/${op}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as never };
}

/** {"a":{"a":…}} nested `depth` levels, built as text (JSON.stringify of such a value overflows the stack). */
const nestedJson = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const FINISHED = ['succeeded', 'failed', 'cancelled'];
const took = (r: Run) => Date.parse(r.finishedAt ?? '') - Date.parse(r.createdAt);
const logLines = () =>
  readFileSync(join(dataDir, 'logs', 'baton.log'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: string; msg: string; [k: string]: unknown });

const transform = (id: string, expression: string, timeout?: string) => ({
  id,
  name: `hostile: ${id}`,
  trigger: { type: 'manual' },
  nodes: [{ id: 'evil', type: 'transform', params: { expression }, ...(timeout ? { timeout } : {}) }],
});

/** Heartbeat runs started every 200 ms while `beating`. */
const beats: string[] = [];
let beating = false;
let beatLoop: Promise<void> = Promise.resolve();
let beatSince = 0;
function startHeartbeat(s: Server): void {
  beating = true;
  beatSince = Date.now();
  beatLoop = (async () => {
    while (beating) {
      beats.push((await api<{ runId: string }>(s, 'runs.start', { workflow: 'heartbeat', input: {} })).runId);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
}

beforeAll(async () => {
  const copy = `mkdir -p "${APP}" && cp -r bin out resources package.json "${APP}/"`;
  const build = process.env.BATON_TEST_SKIP_BUILD ? copy : `npx electron-vite build && ${copy}`;
  execFileSync('flock', ['/tmp/baton-build.lock', 'sh', '-c', build], { cwd: ROOT, stdio: 'pipe' });
  symlinkSync(join(ROOT, 'node_modules'), join(APP, 'node_modules'));
  baton('settings', 'set', 'engine.workers', '2');
  baton('settings', 'set', 'engine.workerHeapMb', String(HEAP_MB));
  server = await start();
  await api(server, 'workflows.import', { definition: { id: 'heartbeat', name: 'Heartbeat', trigger: { type: 'manual' }, nodes: [{ id: 'beat', type: 'log', params: { message: 'beat' } }] } });
  for (const [id, expr] of Object.entries(NEVER_ENDING)) await api(server, 'workflows.import', { definition: transform(id, expr, BOMB_TIMEOUT) });
  for (const [id, expr] of Object.entries(MEMORY_BOMBS)) await api(server, 'workflows.import', { definition: transform(id, expr, '30s') });
  await api(server, 'workflows.import', { definition: transform('stuck', NEVER_ENDING.self!) });
  startHeartbeat(server);
  // The workers are up (a cold start takes a second or two here): the hostile runs start now.
  await until('the first heartbeats', async () => beats.length >= 3 && (await api<Run>(server!, 'runs.get', { id: beats[2]! })).status === 'succeeded', 60_000);
}, 180_000);

afterAll(async () => {
  beating = false;
  await beatLoop.catch(() => undefined);
  if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  tmp.cleanup();
});

describe('hostile workflows beside a heartbeat on baton serve', () => {
  it('never-ending expressions fail "timed out after 2 s" within their timeout + a margin', { timeout: 120_000 }, async () => {
    const s = server!;
    const ids = new Map<string, string>();
    for (const wf of Object.keys(NEVER_ENDING)) ids.set(wf, (await api<{ runId: string }>(s, 'runs.start', { workflow: wf, input: {} })).runId);
    const runs = new Map<string, Run>();
    await until('every never-ending run to finish', async () => {
      for (const [wf, id] of ids) runs.set(wf, await api<Run>(s, 'runs.get', { id }));
      return [...runs.values()].every((r) => FINISHED.includes(r.status));
    });
    for (const [wf, r] of runs) {
      expect(r.status, wf).toBe('failed');
      expect(r.error?.code, wf).toBe('timeout');
      expect(r.error?.message, wf).toMatch(/^timed out after 2 s in node "evil" \(transform\)/);
      // Its step ran at most its timeout + the margin (from the claim that ran it to its failure) …
      const step = r.steps?.[0] as { startedAt: string; finishedAt: string; attempts: number };
      expect(step.attempts, wf).toBe(1);
      expect(Date.parse(step.finishedAt) - Date.parse(step.startedAt), wf).toBeLessThan(2_000 + TIMEOUT_MARGIN_MS);
      // … and the run did not wait long for a worker.
      expect(took(r), wf).toBeLessThan(RUN_BOUND_MS);
    }
  });

  it('memory bombs fail "out of memory" once their worker died twice (not handed back for ever)', { timeout: 120_000 }, async () => {
    const s = server!;
    const ids = new Map<string, string>();
    for (const wf of Object.keys(MEMORY_BOMBS)) ids.set(wf, (await api<{ runId: string }>(s, 'runs.start', { workflow: wf, input: {} })).runId);
    const runs = new Map<string, Run>();
    await until('every memory bomb to finish', async () => {
      for (const [wf, id] of ids) runs.set(wf, await api<Run>(s, 'runs.get', { id }));
      return [...runs.values()].every((r) => FINISHED.includes(r.status));
    });
    for (const [wf, r] of runs) {
      expect(r.status, wf).toBe('failed');
      expect(r.error?.code, wf).toBe('out_of_memory');
      expect(r.error?.message, wf).toMatch(new RegExp(`^the worker running node "evil" \\(transform\\) died 2 times while running it: out of memory \\(worker heap limit ${HEAP_MB} MB`));
      // Two deaths each (a few seconds each at this heap limit), one suspect at a time, each attempt
      // bounded by the node's 30 s anyway.
      expect(took(r), wf).toBeLessThan(60_000);
    }
  });

  it('cancel of a run stuck in an expression ends its worker within seconds (not at the 60 s default timeout)', { timeout: 60_000 }, async () => {
    const s = server!;
    const { runId } = await api<{ runId: string }>(s, 'runs.start', { workflow: 'stuck', input: {} });
    await until('the stuck step to run', async () => (await api<Run>(s, 'runs.get', { id: runId })).steps?.[0]?.status === 'running');
    // Long enough for the worker to count as stuck (a spare starts beside it).
    await new Promise((r) => setTimeout(r, 1_500));
    const before = logLines().filter((l) => l.msg === 'engine worker stopped: it was running a cancelled step').length;
    const t0 = Date.now();
    expect((await api<Run>(s, 'runs.cancel', { id: runId })).status).toBe('cancelled');
    await until('the worker to be ended', () => logLines().filter((l) => l.msg === 'engine worker stopped: it was running a cancelled step').length > before, 10_000);
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it('sub-workflow cycles: static ones refused at import, a dynamic one stops at the depth limit naming the chain', { timeout: 120_000 }, async () => {
    const s = server!;
    const call = (id: string, target: string) => ({ id, name: id, trigger: { type: 'manual' }, nodes: [{ id: 'next', type: 'subworkflow', params: { workflow: target } }] });
    // A -> B -> A: the second import closes the cycle and is refused, naming it; nothing of it is stored.
    await api(s, 'workflows.import', { definition: call('cyc-a', 'cyc-b') });
    const closing = await raw(s, 'workflows.import', { definition: call('cyc-b', 'cyc-a') });
    expect(closing.status).toBe(400);
    expect(closing.body.error?.message).toContain('subworkflow cycle: cyc-b -> cyc-a -> cyc-b');
    expect((await raw(s, 'workflows.get', { id: 'cyc-b' })).status).toBe(404);
    const self = await raw(s, 'workflows.import', { definition: call('cyc-self', 'cyc-self') });
    expect(self.status).toBe(400);
    expect(self.body.error?.message).toContain('subworkflow cycle: cyc-self -> cyc-self');
    // A dynamic self-call (the target comes from the input): bounded by engine.subworkflowDepth (10).
    await api(s, 'workflows.import', { definition: { id: 'dyn', name: 'dyn', trigger: { type: 'manual' }, nodes: [{ id: 'again', type: 'subworkflow', params: { workflow: '=input.target', input: '=input' } }] } });
    const { runId } = await api<{ runId: string }>(s, 'runs.start', { workflow: 'dyn', input: { target: 'dyn' } });
    let root: Run | null = null;
    await until('the dynamic cycle to end', async () => FINISHED.includes((root = await api<Run>(s, 'runs.get', { id: runId })).status));
    expect(root!.status).toBe('failed');
    expect(root!.error?.message).toContain('over the limit of 10 (setting engine.subworkflowDepth');
    const all = await api<{ runs: { workflowId: string }[] }>(s, 'runs.list', { workflow: 'dyn', limit: 100 });
    expect(all.runs.length).toBe(11);
  });

  it('deep nesting is a 400 naming the limit, never a 500; a 5,000-node chain and params 2,000 deep are answered', { timeout: 120_000 }, async () => {
    const s = server!;
    for (const [op, body] of [
      ['runs.start', `{"workflow":"heartbeat","input":${nestedJson(10_000)}}`],
      ['events.publish', `{"type":"deep.thing","data":${nestedJson(10_000)}}`],
      ['settings.set', `{"key":"email.fromName","value":${nestedJson(10_000)}}`],
    ] as const) {
      const res = await fetch(`${s.url}/api/v1/${op}`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body });
      const out = (await res.json()) as { error?: { message: string } };
      expect(res.status, op).toBe(400);
      expect(out.error?.message, op).toMatch(/nested at most 100 levels/);
    }
    const chain = Array.from({ length: 5_000 }, (_, i) => ({ id: `n${i}`, type: 'log', params: { message: `step ${i}` } }));
    const edges = chain.slice(1).map((n, i) => ({ from: `n${i}`, to: n.id }));
    const long = await raw(s, 'workflows.validate', { definition: { id: 'long', name: 'long', trigger: { type: 'manual' }, nodes: chain, edges } });
    expect(long.status).toBe(200);
    const deepParams = `{"definition":{"id":"deep","name":"deep","trigger":{"type":"manual"},"nodes":[{"id":"s","type":"set","params":{"values":${nestedJson(2_000)}}}]}}`;
    const deep = await fetch(`${s.url}/api/v1/workflows.import`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: deepParams });
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as { error: { message: string } }).error.message).toMatch(/nested at most 100 levels/);
  });

  it('the heartbeat kept finishing throughout', { timeout: 60_000 }, async () => {
    const s = server!;
    beating = false;
    await beatLoop;
    const beatingMs = Date.now() - beatSince;
    const runs = await Promise.all(beats.map((id) => api<Run>(s, 'runs.get', { id })));
    await until('the last heartbeats', async () => {
      for (let i = 0; i < runs.length; i++) if (!FINISHED.includes(runs[i]!.status)) runs[i] = await api<Run>(s, 'runs.get', { id: runs[i]!.id });
      return runs.every((r) => FINISHED.includes(r.status));
    }, 20_000);
    const lat = runs.map(took).sort((a, b) => a - b);
    const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] ?? NaN;
    console.log(`heartbeat: ${runs.length} runs, latency p50 ${p(0.5)} ms, p90 ${p(0.9)} ms, p99 ${p(0.99)} ms, max ${lat[lat.length - 1]} ms (bound ${HEARTBEAT_BOUND_MS} ms)`);
    // A start every 200 ms plus the API's answer: the server kept answering if at least half the
    // possible starts happened (the count follows how long the hostile tests took, not a constant).
    expect(runs.length).toBeGreaterThan(beatingMs / 200 / 2);
    expect(runs.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(lat[lat.length - 1]).toBeLessThan(HEARTBEAT_BOUND_MS);
    expect(p(0.5)).toBeLessThan(1_000);
  });

  it('SIGTERM with a worker stuck in an expression: the server exits within 3 s; the step is handed back', { timeout: 60_000 }, async () => {
    const s = server!;
    const { runId } = await api<{ runId: string }>(s, 'runs.start', { workflow: 'stuck', input: {} });
    await until('the stuck step to run', async () => (await api<Run>(s, 'runs.get', { id: runId })).steps?.[0]?.status === 'running');
    await new Promise((r) => setTimeout(r, 1_500));
    const exited = new Promise<{ code: number | null; at: number }>((r) => s.child.once('exit', (code) => r({ code, at: Date.now() })));
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    const { code, at } = await exited;
    console.log(`SIGTERM to exit: ${at - t0} ms`);
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(3_000);
    expect(existsSync(join(dataDir, 'baton.pid'))).toBe(false);
    const db = new Database(join(dataDir, 'baton.db'), { readonly: true });
    try {
      expect(db.prepare(`SELECT status, claimed_by FROM steps WHERE run_id = ?`).get(runId)).toEqual({ status: 'ready', claimed_by: null });
    } finally {
      db.close();
    }
  });

  it('logs: worker crashes at error level with their cause; no "engine worker error … exited with code 1" for retirement or stop', () => {
    const lines = logLines();
    expect(lines.filter((l) => /engine worker error|exited with code/.test(l.msg))).toEqual([]);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const e of errors) {
      expect(e.msg).toBe('engine worker crashed');
      expect(String(e.cause)).toMatch(new RegExp(`^out of memory \\(worker heap limit ${HEAP_MB} MB`));
    }
    expect(lines.filter((l) => l.msg === 'engine worker stopped: a step ran past its timeout').length).toBeGreaterThanOrEqual(1);
  });
});
