// Affiliate: tracked links /go/<slug> followed over real HTTP through the real server (behind a
// stand-in reverse proxy: each click from its own address), each answered with the 302 once its
// click row is written. Next to the same server's 404 floor and SQLite alone inserting the same
// rows, in the same run. Drives the built out/main/affiliate-bench.js (electron/server/affiliate-bench.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, target } from './lib/util.mjs';

export const title = 'Affiliate (the /go/<slug> redirect)';
export const order = 76;

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const file = join(root, 'out', 'main', 'affiliate-bench.js');
  if (!existsSync(file)) return [`  skipped: ${file} is missing (run electron-vite build)`];
  const { runAffiliateBench } = await import(pathToFileURL(file).href);
  const r = await runAffiliateBench({ quick: Boolean(ctx?.quick), concurrency: 8 });
  if (ctx?.results) ctx.results.affiliateRedirectsPerSec = r.perSec;
  return [
    `  ${fmt(r.clicks)} redirects over 50 links, ${r.concurrency} in flight (HTTP keep-alive): ${fmt(r.perSec)} redirects/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms`,
    `  an unknown slug (404, nothing recorded) on the same server: ${fmt(r.floorPerSec)} requests/s; redirects / that floor: ${fmt(r.perSec / r.floorPerSec, 2)}x`,
    `  SQLite alone, one click row per INSERT: ${fmt(r.rawInsertPerSec)} rows/s; redirects / raw inserts: ${fmt(r.perSec / r.rawInsertPerSec, 3)}x`,
    target('every click recorded', r.recorded === r.clicks, `${fmt(r.recorded)} of ${fmt(r.clicks)}`),
    target('redirect p99 < 20 ms', r.p99 < 20, `${fmt(r.p99, 1)} ms`),
  ];
}
