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
import { mkdtempSync, rmSync } from 'node:fs';
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
  accepted: WebhookFigure;
  answered: WebhookFigure;
}

const SECRET = 'bench-webhook-secret-0123456789abcdef';

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

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

async function drive(url: string, total: number, concurrency: number, expect: number): Promise<WebhookFigure> {
  const lat: number[] = [];
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
        body: JSON.stringify({ email: `Lead${i}@Example.com`, visits: i % 10 }),
      });
      const body = await res.text();
      lat.push(performance.now() - t);
      if (res.status !== expect) throw new Error(`POST ${url} answered ${res.status} (expected ${expect}): ${body.slice(0, 200)}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, one));
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { requests: total, seconds, perSec: total / seconds, p50: pct(lat, 50), p99: pct(lat, 99) };
}

export async function runWebhookBench(opts: WebhookBenchOptions = {}): Promise<WebhookBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-hooks-'));
  const workers = opts.workers ?? availableParallelism();
  const concurrency = opts.concurrency ?? 10;
  const env = { BATON_SECRET_HOOK_ACCEPT: SECRET, BATON_SECRET_HOOK_ANSWER: SECRET };
  const core = await openBaton({ dataDir: dir, host: 'server', secrets: new EnvSecretStore(env, 'bench'), logLevel: 'warn' });
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    core.setSetting('engine.workers', workers);
    await core.call('workflows.import', { definition: flow('accept', 'onReceived') });
    await core.call('workflows.import', { definition: flow('answer', 'lastNode') });
    await core.start();
    server = await startServer(core, { port: 0, closeCore: false });
    const n = opts.quick ? 300 : 2000;
    const count = (sql: string) => (core.db.prepare(sql).get() as { n: number }).n;
    const settle = async (workflow: string, expected: number) => {
      const t = Date.now();
      while (count(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = '${workflow}' AND status = 'succeeded'`) < expected) {
        if (Date.now() - t > 120_000) throw new Error(`the ${workflow} runs did not finish`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // Warm up both paths (worker modules loaded, statements prepared, connections open).
    await drive(`${server.url}hooks/answer`, 50, concurrency, 200);
    await drive(`${server.url}hooks/accept`, 50, concurrency, 202);
    await settle('bench-accept', 50);
    const accepted = await drive(`${server.url}hooks/accept`, n, concurrency, 202);
    // The accepted runs finish before the answered figure is taken (they would compete for the workers).
    await settle('bench-accept', 50 + n);
    const answered = await drive(`${server.url}hooks/answer`, n, concurrency, 200);
    if (engineOf(core).mode !== 'pool') throw new Error('the engine did not run on the worker pool');
    return { workers, concurrency, accepted, answered };
  } finally {
    await server?.close();
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
