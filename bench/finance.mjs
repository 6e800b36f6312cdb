// Finance and client reports: the reconcile of 50,000 Stripe objects (the Billing section's
// figure when it ran in this bench, else measured here), a bank CSV of 100,000 transactions
// over 3 years imported, the monthly P&L of those 36 months, and a 6-page client report with
// 4 charts rendered to PDF; each next to its yardstick. Runs the built
// out/main/finance-bench.js (electron/core/finance/bench.ts) and out/main/billing-bench.js.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, target } from './lib/util.mjs';

export const title = 'Finance (reconcile, P&L, client report)';
// After the Billing section (70): its reconcile figure is reused rather than measured twice.
export const order = 75;

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const file = join(root, 'out', 'main', 'finance-bench.js');
  if (!existsSync(file)) return [`  skipped: ${file} is missing (run electron-vite build)`];
  const lines = [];

  // Reconcile: 50,000 Stripe objects from the local Stripe-compatible server through the real client.
  let perSec = ctx?.results?.billingReconcilePerSec;
  let objects = ctx?.quick ? 5_000 : 50_000;
  let from = 'measured by the Billing section of this run';
  if (!perSec) {
    const billing = join(root, 'out', 'main', 'billing-bench.js');
    if (existsSync(billing)) {
      const { runBillingBench } = await import(pathToFileURL(billing).href);
      const r = await runBillingBench({ quick: Boolean(ctx?.quick) });
      perSec = r.perSec;
      objects = r.objects;
      from = `${fmt(r.objects)} objects in ${fmt(r.seconds, 1)} s`;
    }
  }
  if (perSec) lines.push(target(`reconcile of ${fmt(objects)} Stripe objects at the pace of 50,000 in under 2 minutes (> 417 objects/s)`, perSec > 417, `${fmt(perSec)} objects/s, ${from}`));
  else lines.push('  reconcile: skipped (out/main/billing-bench.js is missing)');

  const { runFinanceBench } = await import(pathToFileURL(file).href);
  const r = await runFinanceBench({ quick: Boolean(ctx?.quick) });
  if (ctx?.results) {
    ctx.results.financePnlMs = r.pnlMedianMs;
    ctx.results.reportRenderMs = r.reportMedianMs;
  }
  const raw = ctx?.results?.sqliteBatchRowsPerSec;
  lines.push(
    `  bank CSV import: ${fmt(r.transactions)} transactions (3 years, 4 category rules) in ${fmt(r.importMs / 1000, 2)} s = ${fmt(r.importPerSec)} rows/s${raw ? ` (raw SQLite 1,000-row transactions: ${fmt(raw)} rows/s, ratio ${fmt(r.importPerSec / raw, 3)}x)` : ''}`,
    `  P&L of ${r.months} months over ${fmt(r.transactions)} transactions: median ${fmt(r.pnlMedianMs, 1)} ms, worst of ${r.pnlRuns} (first, cold) ${fmt(r.pnlMaxMs, 1)} ms`,
    `  vs SQLite alone summing the same rows per month (one GROUP BY, ${fmt(r.rawMonthSumMs, 1)} ms): ${fmt(r.pnlMedianMs / r.rawMonthSumMs, 2)}x`,
    target(`P&L of 3 years (${fmt(r.transactions)} transactions) under 150 ms`, r.pnlMedianMs < 150, `median ${fmt(r.pnlMedianMs, 1)} ms = ${fmt(r.pnlMedianMs / 150, 2)} of the budget`),
    `  client report: ${r.reportPages} pages, ${r.reportCharts} charts: median ${fmt(r.reportMedianMs)} ms, worst of ${r.reportRuns} ${fmt(r.reportMaxMs)} ms; peak RSS of the process ${fmt(r.peakRssMb)} MB`,
    target(`a ${r.reportPages}-page client report with ${r.reportCharts} charts rendered in under 2 s`, r.reportMedianMs < 2000 && r.reportPages >= 6, `median ${fmt(r.reportMedianMs)} ms = ${fmt(r.reportMedianMs / 2000, 2)} of the budget${r.reportPages < 6 ? `; only ${r.reportPages} pages` : ''}`),
  );
  return lines;
}
