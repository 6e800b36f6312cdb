// Tracking: tracked e-mail links followed over real HTTP through the real server
// (behind a stand-in reverse proxy: each click from its own address), the engine
// started and idle. Each click is answered with the 302 to its stored target once
// its email.clicked event is committed and the contact re-scored (group commit:
// electron/core/tracking/recorder.ts). Printed next to the webhook-accept figure of
// the same run. Drives the built out/main/tracking-bench.js (electron/server/tracking-bench.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, target } from './lib/util.mjs';

export const title = 'Tracking (recorded clicks through the redirect)';
export const order = 35;

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const file = join(root, 'out', 'main', 'tracking-bench.js');
  if (!existsSync(file)) return [`  skipped: ${file} is missing (run electron-vite build)`];
  const { runTrackingBench } = await import(pathToFileURL(file).href);
  const r = await runTrackingBench({ quick: Boolean(ctx?.quick), concurrency: 10 });
  if (ctx?.results) ctx.results.trackedClicksPerSec = r.perSec;
  const accepted = ctx?.results?.webhookAcceptedPerSec;
  return [
    `  ${fmt(r.clicks)} clicks on the links of ${fmt(r.contacts)} contacts' e-mails, ${r.concurrency} in flight (HTTP keep-alive):`,
    `  ${fmt(r.recorded)} recorded in ${fmt(r.seconds, 2)} s = ${fmt(r.perSec)} clicks/s, redirect latency p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms`,
    `  a changed link (404 by its signature, nothing recorded) on the same server: ${fmt(r.floor.perSec)} requests/s, p50 ${fmt(r.floor.p50, 1)} ms, p99 ${fmt(r.floor.p99, 1)} ms; recorded clicks / that floor: ${fmt(r.perSec / r.floor.perSec, 2)}x`,
    accepted ? `  tracked clicks / webhooks accepted (same run): ${fmt(r.perSec / accepted, 2)}x (${fmt(accepted)} webhooks/s)` : '  (run with the webhooks section for the webhook-accept figure next to it)',
    target('every click recorded', r.recorded === r.clicks, `${fmt(r.recorded)} of ${fmt(r.clicks)}`),
    target('>= 2,000 recorded clicks/s', r.perSec >= 2000, `${fmt(r.perSec)}/s`),
    target('redirect p99 < 20 ms', r.p99 < 20, `${fmt(r.p99, 1)} ms`),
  ];
}
