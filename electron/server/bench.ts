/**
 * The webhook benchmark driver, built as out/main/webhook-bench.js and called by
 * bench/webhooks.mjs (`npm run bench`). It opens a real core on a temp data
 * folder with the Bree worker pool (host "server") and the real HTTP server, and
 * drives POST /hooks/<slug> over HTTP (keep-alive, `concurrency` requests in
 * flight) against two webhooks running the same 3-step workflow:
 * - accepted: responseMode onReceived (202 with the run id once the run is stored);
 * - answered: responseMode lastNode (200 with the run's output once the workers finished it).
 * Each figure: requests/s over the whole batch, and p50/p99 latency of one request.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBaton } from '../core/index';
import { engineOf } from '../core/engine';
import { EnvSecretStore } from '../core/secrets';
import { startServer } from './index';

export interface WebhookBenchOptions {
  quick?: boolean;
  concurrency?: number;
  workers?: number;
  /** bench/lib/httpload.mjs: the load generator runs in its own process (else fetch in this one). */
  loadScript?: string;
}
export interface WebhookFigure {
  requests: number;
  seconds: number;
  perSec: number;
  p50: number;
  p99: number;
}
export interface WebhookBenchResult {
  workers: number;
  concurrency: number;
  /** Where the HTTP client ran: its own process (node:http) or this one (fetch). */
  client: 'process' | 'in-process';
  accepted: WebhookFigure;
  /** The accepted runs: from the first request until the last of them succeeded; CPU time of this process (all threads) per run. */
  completed: { runs: number; seconds: number; perSec: number; cpuUsPerRun: number; mainCpuUsPerRun: number | null };
  answered: WebhookFigure;
}

const SECRET = 'bench-webhook-secret-0123456789abcdef';
/** The bench's setting hooks.perMinute: 100,000 a second (the default, 1,000 a second, would be the ceiling). */
export const HOOKS_PER_MINUTE = 6_000_000;

function flow(slug: string, responseMode: 'onReceived' | 'lastNode') {
  return {
    id: `bench-${slug}`,
    name: `bench: webhook ${responseMode}`,
    trigger: { type: 'webhook', slug, responseMode, responseTimeout: '2m' },
    nodes: [
      { id: 'prep', type: 'set', params: { values: { email: '=$lowercase(input.body.email)', visits: '=input.body.visits' } } },
      { id: 'check', type: 'condition', params: { if: 'prev.visits >= 0' } },
      { id: 'score', type: 'set', params: { values: { email: '=prev.email', score: '=prev.visits * 10' } } },
    ],
    edges: [
      { from: 'prep', to: 'check' },
      { from: 'check', to: 'score', branch: 'true' },
    ],
    settings: { escalateOnFailure: 'none' },
  };
}

/** CPU time of the calling thread alone (µs; Linux /proc, else null): the main thread's share of the process's. */
function threadCpuUs(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
  } catch {
    return null;
  }
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const BODY = '{"email":"Lead{i}@Example.com","visits":{m}}';
const HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` };

async function driveInProcess(url: string, total: number, concurrency: number, expect: number): Promise<WebhookFigure & { firstAt: number }> {
  const lat: number[] = [];
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t = performance.now();
      const res = await fetch(url, { method: 'POST', headers: HEADERS, body: BODY.replaceAll('{i}', String(i)).replaceAll('{m}', String(i % 10)) });
      const body = await res.text();
      lat.push(performance.now() - t);
      if (res.status !== expect) throw new Error(`POST ${url} answered ${res.status} (expected ${expect}): ${body.slice(0, 200)}`);
    }
  };
  const firstAt = Date.now();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, one));
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { requests: total, seconds, perSec: total / seconds, p50: pct(lat, 50), p99: pct(lat, 99), firstAt };
}

async function driveProcess(script: string, url: string, total: number, concurrency: number, expect: number): Promise<WebhookFigure & { firstAt: number }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [script, JSON.stringify({ url, total, concurrency, headers: HEADERS, expect, body: BODY })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`the load generator exited with ${code}: ${err.slice(-2000)}`);
  const r = JSON.parse(out) as { seconds: number; requests: number; p50: number; p99: number; firstAt: number; failure: string | null };
  if (r.failure) throw new Error(`POST ${url} answered ${r.failure} (expected ${expect})`);
  return { requests: r.requests, seconds: r.seconds, perSec: r.requests / r.seconds, p50: r.p50, p99: r.p99, firstAt: r.firstAt };
}

export async function runWebhookBench(opts: WebhookBenchOptions = {}): Promise<WebhookBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-hooks-'));
  const workers = opts.workers ?? availableParallelism();
  const concurrency = opts.concurrency ?? 10;
  const env = { BATON_SECRET_HOOK_ACCEPT: SECRET, BATON_SECRET_HOOK_ANSWER: SECRET };
  // The route-wide rate of /hooks (60,000 a minute by default) would cap the load: raised through its
  // setting, which the route reads when the core starts (so set first, on a core opened for that).
  const setup = await openBaton({ dataDir: dir, host: 'cli', secrets: new EnvSecretStore(env, 'bench'), logLevel: 'warn' });
  setup.setSetting('hooks.perMinute', HOOKS_PER_MINUTE);
  await setup.close();
  const core = await openBaton({ dataDir: dir, host: 'server', secrets: new EnvSecretStore(env, 'bench'), logLevel: 'warn' });
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  const drive = (url: string, total: number, expect: number) =>
    opts.loadScript ? driveProcess(opts.loadScript, url, total, concurrency, expect) : driveInProcess(url, total, concurrency, expect);
  try {
    core.setSetting('engine.workers', workers);
    await core.call('workflows.import', { definition: flow('accept', 'onReceived') });
    await core.call('workflows.import', { definition: flow('answer', 'lastNode') });
    await core.start();
    server = await startServer(core, { port: 0, closeCore: false });
    const n = opts.quick ? 1000 : 5000;
    const count = (sql: string) => (core.db.prepare(sql).get() as { n: number }).n;
    const settle = async (workflow: string, expected: number) => {
      const t = Date.now();
      while (count(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = '${workflow}' AND status = 'succeeded'`) < expected) {
        if (Date.now() - t > 300_000) throw new Error(`the ${workflow} runs did not finish`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // Warm up both paths (worker modules loaded, statements prepared, connections open).
    await drive(`${server.url}hooks/answer`, 200, 200);
    await drive(`${server.url}hooks/accept`, 200, 202);
    await settle('bench-accept', 200);
    const cpu0 = process.cpuUsage();
    const main0 = threadCpuUs();
    const accepted = await drive(`${server.url}hooks/accept`, n, 202);
    // The accepted runs finish before the answered figure is taken (they would compete for the workers).
    await settle('bench-accept', 200 + n);
    const cpu = process.cpuUsage(cpu0);
    const main1 = threadCpuUs();
    const last = (core.db.prepare(`SELECT MAX(finished_at) AS t FROM runs WHERE workflow_id = 'bench-accept'`).get() as { t: string }).t;
    const completedSeconds = (Date.parse(last) - accepted.firstAt) / 1000;
    const answered = await drive(`${server.url}hooks/answer`, n, 200);
    if (engineOf(core).mode !== 'pool') throw new Error('the engine did not run on the worker pool');
    const { firstAt: _a, ...acc } = accepted;
    const { firstAt: _b, ...ans } = answered;
    return {
      workers,
      concurrency,
      client: opts.loadScript ? 'process' : 'in-process',
      accepted: acc,
      completed: { runs: n, seconds: completedSeconds, perSec: n / completedSeconds, cpuUsPerRun: (cpu.user + cpu.system) / n, mainCpuUsPerRun: main0 === null || main1 === null ? null : (main1 - main0) / n },
      answered: ans,
    };
  } finally {
    await server?.close();
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
