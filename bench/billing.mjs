// Billing: the first reconcile of a Stripe account of 50,000 objects (5,000 with
// --quick) from the local Stripe-compatible server (a child process), through
// the real `stripe` client, into a real core: objects/s, next to raw SQLite
// inserts measured in the same run. Runs the built out/main/billing-bench.js
// (electron/core/billing/bench.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, target } from './lib/util.mjs';

export const title = 'Billing (Stripe reconcile)';
export const order = 70;

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const file = join(root, 'out', 'main', 'billing-bench.js');
  if (!existsSync(file)) return [`  skipped: ${file} is missing (run electron-vite build)`];
  const { runBillingBench } = await import(pathToFileURL(file).href);
  const r = await runBillingBench({ quick: Boolean(ctx?.quick) });
  if (ctx?.results) ctx.results.billingReconcilePerSec = r.perSec;
  const raw = ctx?.results?.sqliteBatchRowsPerSec;
  const lines = [
    `  first reconcile: ${fmt(r.objects)} Stripe objects in ${fmt(r.seconds, 1)} s = ${fmt(r.perSec)} objects/s (pages of 100 over HTTP, one transaction each; ${fmt(r.contacts)} contacts created and linked)`,
    `  second reconcile (nothing new): ${fmt(r.againMs)} ms`,
    `  rss after: ${fmt(r.rssMb)} MB`,
  ];
  if (raw) lines.push(`  vs raw SQLite 1,000-row transactions (${fmt(raw)} rows/s): ${fmt(r.perSec / raw, 3)}x`);
  lines.push(target('50,000 objects reconciled in under 2 minutes (> 417 objects/s)', r.perSec > 417, `${fmt(r.perSec)} objects/s`));
  return lines;
}
