/**
 * The tools of `npm run bench:peer` (bench/peer.mjs), on real processes and a
 * real HTTP server: the keep-alive load generator counts what it is told to
 * count, process trees are measured and never left running (also on Ctrl+C),
 * the CPU-profile reader finds a hot function in a real V8 profile, the
 * workflow answer check is exact, and a failed n8n install stops the bench at
 * once naming the step and the fix.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const lib = (f: string) => pathToFileURL(join(ROOT, 'bench', 'lib', f)).href;

interface DriveResult {
  requests: number;
  ok: number;
  failed: number;
  errors: number;
  statuses: Record<string, number>;
  firstFailure: string | null;
  seconds: number;
  p50: number;
  p99: number;
}
interface LoadLib {
  drive(o: {
    url: string;
    concurrency: number;
    seconds: number;
    body: (i: number) => string;
    headers?: Record<string, string>;
    ok: (status: number, body: string, i: number) => boolean;
    timeoutMs?: number;
  }): Promise<DriveResult>;
}
interface ProcLib {
  treePids(root: number): number[];
  treeRssMb(root: number): number;
  startTracked(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; logFile: string }): import('node:child_process').ChildProcess;
  stopTree(child: import('node:child_process').ChildProcess, graceMs?: number): Promise<void>;
}
interface ProfileLib {
  summarize(files: string[]): { total: number; functions: [string, number][]; areas: [string, number][] };
}
interface WorkflowsLib {
  requestBody(i: number): string;
  isResult(body: string, i: number): boolean;
  answerIsRight(system: 'Baton' | 'n8n', kind: 'accept' | 'answer'): (status: number, body: string, i: number) => boolean;
  batonWorkflow(kind: 'accept' | 'answer'): { trigger: { responseMode: string } };
  n8nWorkflow(kind: 'accept' | 'answer'): { nodes: { type: string; parameters: Record<string, unknown> }[]; connections: Record<string, unknown> };
}

let load: LoadLib;
let proc: ProcLib;
let prof: ProfileLib;
let wf: WorkflowsLib;
let dir: string;

beforeAll(async () => {
  load = (await import(/* @vite-ignore */ lib('load.mjs'))) as LoadLib;
  proc = (await import(/* @vite-ignore */ lib('proc.mjs'))) as ProcLib;
  prof = (await import(/* @vite-ignore */ lib('cpuprofile-top.mjs'))) as ProfileLib;
  wf = (await import(/* @vite-ignore */ lib('peer-workflows.mjs'))) as WorkflowsLib;
  dir = mkdtempSync(join(tmpdir(), 'baton-peer-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('load generator (bench/lib/load.mjs)', () => {
  let server: Server;
  let url: string;
  const sockets = new Set<unknown>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { n } = JSON.parse(body) as { n: number };
        // every third request is refused, the others answered with their number
        if (n % 3 === 2) {
          res.writeHead(429, { 'content-type': 'application/json' }).end('{"error":"rate_limited"}');
        } else {
          res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ n }));
        }
      });
    });
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('counts only the answers it is told to count, tallies every status, and reuses at most `concurrency` connections', async () => {
    const r = await load.drive({
      url,
      concurrency: 4,
      seconds: 1,
      body: (i) => JSON.stringify({ n: i }),
      ok: (status, body, i) => status === 202 && (JSON.parse(body) as { n: number }).n === i,
    });
    expect(r.requests).toBeGreaterThan(10);
    expect(r.ok + r.failed).toBe(r.requests);
    expect(r.statuses['202']).toBe(r.ok);
    expect(r.statuses['429']).toBe(r.failed);
    // request i is refused when i % 3 == 2: a third of them, give or take the last round
    expect(Math.abs(r.failed - r.requests / 3)).toBeLessThanOrEqual(4);
    expect(r.firstFailure).toContain('429');
    expect(r.errors).toBe(0);
    expect(r.seconds).toBeGreaterThanOrEqual(1);
    expect(r.p50).toBeGreaterThan(0);
    expect(r.p99).toBeGreaterThanOrEqual(r.p50);
    expect(sockets.size).toBeLessThanOrEqual(4);
  });

  it('counts a server that does not answer as errors, not as done', async () => {
    const r = await load.drive({ url: 'http://127.0.0.1:1/nothing-here', concurrency: 2, seconds: 0.3, body: () => '{}', ok: () => true });
    expect(r.ok).toBe(0);
    expect(r.errors).toBe(r.requests);
    expect(r.statuses['0']).toBe(r.requests);
  });
});

describe('process trees (bench/lib/proc.mjs)', () => {
  it('measures the resident memory of a whole tree and ends the whole tree', async () => {
    const child = proc.startTracked('sh', ['-c', 'sleep 300 & sleep 300 & wait'], { logFile: join(dir, 'tree.log') });
    await until(() => proc.treePids(child.pid!).length >= 3);
    const pids = proc.treePids(child.pid!);
    expect(pids[0]).toBe(child.pid);
    expect(proc.treeRssMb(child.pid!)).toBeGreaterThan(0);
    await proc.stopTree(child, 3000);
    await until(() => pids.every((p) => !alive(p)));
  });

  it('leaves nothing running when the bench is interrupted with Ctrl+C (SIGINT)', async () => {
    const script = `
      const { startTracked, treePids } = await import(${JSON.stringify(lib('proc.mjs'))});
      const c = startTracked('sh', ['-c', 'sleep 300 & sleep 300 & wait'], { logFile: ${JSON.stringify(join(dir, 'int.log'))} });
      const t = setInterval(() => { const p = treePids(c.pid); if (p.length >= 3) { clearInterval(t); console.log(JSON.stringify(p)); } }, 50);
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const pids = await new Promise<number[]>((res, rej) => {
      let out = '';
      parent.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) res(JSON.parse(out.split('\n')[0]!) as number[]);
      });
      parent.once('exit', (code) => rej(new Error(`the parent exited early (${code})`)));
    });
    expect(pids.length).toBeGreaterThanOrEqual(3);
    const exited = new Promise<number | null>((r) => parent.once('exit', (code) => r(code)));
    parent.kill('SIGINT');
    expect(await exited).toBe(130);
    await until(() => pids.every((p) => !alive(p)));
  });
});

describe('CPU profile reader (bench/lib/cpuprofile-top.mjs)', () => {
  it('puts the function that burned the CPU at the top of a real V8 profile', () => {
    const profDir = join(dir, 'prof');
    const res = spawnSync(
      process.execPath,
      ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '-e', 'function burnTheCpu(){let x=0;for(let i=0;i<4e8;i++)x+=i%7;return x}burnTheCpu()'],
      { encoding: 'utf8' },
    );
    expect(res.status).toBe(0);
    const files = readdirSync(profDir).map((f) => join(profDir, f));
    const s = prof.summarize(files);
    expect(s.total).toBeGreaterThan(50);
    expect(s.functions[0]![0]).toMatch(/^burnTheCpu /);
    expect(s.functions[0]![1] / s.total).toBeGreaterThan(0.5);
  });
});

describe('the peer workflow (bench/lib/peer-workflows.mjs)', () => {
  it('accepts only the exact output for the request it answers', () => {
    expect(wf.requestBody(7)).toBe('{"email":"Lead7@Example.com","visits":7}');
    expect(wf.isResult('{"email":"lead7@example.com","score":70,"tier":"hot"}', 7)).toBe(true);
    expect(wf.isResult('{"email":"lead3@example.com","score":30,"tier":"warm"}', 3)).toBe(true);
    expect(wf.isResult('{"email":"lead7@example.com","score":70,"tier":"hot"}', 8)).toBe(false);
    expect(wf.isResult('{"email":"Lead7@Example.com","score":70,"tier":"hot"}', 7)).toBe(false);
    expect(wf.isResult('{"message":"Workflow was started"}', 7)).toBe(false);
    expect(wf.isResult('not json', 7)).toBe(false);
  });

  it('counts an answer at once only when it is the server\'s own (not the "starting up" page of n8n)', () => {
    const n8n = wf.answerIsRight('n8n', 'accept');
    expect(n8n(200, '{"message":"Workflow was started"}', 0)).toBe(true);
    expect(n8n(200, 'n8n is starting up. Please wait', 0)).toBe(false);
    expect(n8n(404, 'Cannot POST /webhook/peer-accept', 0)).toBe(false);
    const baton = wf.answerIsRight('Baton', 'accept');
    expect(baton(202, '{"runId":"r_1"}', 0)).toBe(true);
    expect(baton(429, '{"error":{"code":"rate_limited"}}', 0)).toBe(false);
    for (const system of ['Baton', 'n8n'] as const) {
      expect(wf.answerIsRight(system, 'answer')(200, '{"email":"lead0@example.com","score":0,"tier":"warm"}', 0)).toBe(true);
      expect(wf.answerIsRight(system, 'answer')(202, '{"runId":"r_1","status":"running"}', 0)).toBe(false);
    }
  });

  it('has the same shape on both systems: webhook -> IF -> Set x3, answered at once or with the result', () => {
    for (const kind of ['accept', 'answer'] as const) {
      const n = wf.n8nWorkflow(kind);
      expect(n.nodes.map((x) => x.type)).toEqual(['n8n-nodes-base.webhook', 'n8n-nodes-base.if', 'n8n-nodes-base.set', 'n8n-nodes-base.set', 'n8n-nodes-base.set']);
      expect(Object.keys(n.connections)).toEqual(['Webhook', 'If', 'Set 1', 'Set 2']);
      expect(n.nodes[0]!.parameters.responseMode).toBe(kind === 'answer' ? 'lastNode' : 'onReceived');
      expect(wf.batonWorkflow(kind).trigger.responseMode).toBe(kind === 'answer' ? 'lastNode' : 'onReceived');
    }
  });
});

describe('bench:peer when n8n cannot be installed', () => {
  it('stops at once naming the step and the fix, and leaves no process running', () => {
    const home = join(dir, 'n8n-home');
    const res = spawnSync(process.execPath, [join(ROOT, 'bench', 'peer.mjs'), '--quick'], {
      encoding: 'utf8',
      env: { ...process.env, BATON_PEER_N8N_DIR: home, BATON_PEER_N8N_VERSION: '0.0.0-does-not-exist' },
      timeout: 120_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('bench:peer failed at step "install n8n"');
    expect(res.stderr).toContain('npm install of n8n 0.0.0-does-not-exist');
    expect(res.stderr).toMatch(/fix: .*registry/);
    // it failed before starting Baton: no data folder of a run was made, no server ran
    expect(res.stdout).not.toContain('## Baton');
  }, 150_000);
});
