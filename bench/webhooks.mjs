// Webhooks: POST /hooks/<slug> over real HTTP at concurrency 10, through the
// real server and the Bree worker pool: requests/s and p50/p99 latency when the
// caller is answered at once (202, responseMode onReceived; and the time until
// those runs completed) and when it waits for the run's result (200 with the
// output, responseMode lastNode). The HTTP client runs in its own process
// (bench/lib/httpload.mjs, node:http keep-alive).
// Drives the built out/main/webhook-bench.js (electron/server/bench.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, target } from './lib/util.mjs';

export const title = 'Webhooks (accepted vs answered with the run result)';
export const order = 30;

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const file = join(root, 'out', 'main', 'webhook-bench.js');
  if (!existsSync(file)) return [`  skipped: ${file} is missing (run electron-vite build)`];
  const { runWebhookBench } = await import(pathToFileURL(file).href);
  const r = await runWebhookBench({ quick: Boolean(ctx?.quick), concurrency: 10, loadScript: join(import.meta.dirname, 'lib', 'httpload.mjs') });
  const line = (what, f) => `  ${what}: ${fmt(f.requests)} requests in ${fmt(f.seconds, 2)} s = ${fmt(f.perSec)} requests/s, latency p50 ${fmt(f.p50, 1)} ms, p99 ${fmt(f.p99, 1)} ms`;
  if (ctx?.results) Object.assign(ctx.results, { webhookAcceptedPerSec: r.accepted.perSec, webhookCompletedPerSec: r.completed.perSec, webhookAnsweredPerSec: r.answered.perSec });
  return [
    `  3-step workflow, ${r.workers} workers, ${r.concurrency} requests in flight (HTTP keep-alive, the client in ${r.client === 'process' ? 'its own process' : 'this process'}):`,
    line('accepted (onReceived, 202 with the run id once the run is stored)', r.accepted),
    `  completed: the ${fmt(r.completed.runs)} accepted runs all succeeded ${fmt(r.completed.seconds, 2)} s after the first request = ${fmt(r.completed.perSec)} completed runs/s`,
    `  CPU time of the server process (HTTP, main thread and workers) per accepted and completed run: ${fmt(r.completed.cpuUsPerRun)} µs (${fmt(2e6 / r.completed.cpuUsPerRun)} runs/s if it had both cores to itself; the client's own CPU not counted)${r.completed.mainCpuUsPerRun === null ? '' : `, of which the main thread (HTTP, auth, group commit) ${fmt(r.completed.mainCpuUsPerRun)} µs`}`,
    line('answered (lastNode, 200 with the run output)', r.answered),
    `  answered / accepted: ${fmt(r.answered.perSec / r.accepted.perSec, 2)}x the requests/s, p50 latency ${fmt(r.answered.p50 / r.accepted.p50, 1)}x`,
    target('>= 3,000 completed runs/s at concurrency 10', r.completed.perSec >= 3000, `${fmt(r.completed.perSec)} runs/s`),
    target('accepted p99 < 20 ms at concurrency 10', r.accepted.p99 < 20, `${fmt(r.accepted.p99, 1)} ms`),
    target('answered p99 < 250 ms at concurrency 10', r.answered.p99 < 250, `${fmt(r.answered.p99, 1)} ms`),
  ];
}
