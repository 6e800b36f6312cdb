// Growth engines (docs/growth.md): keyword import, quick-win analysis over a year of rank
// snapshots, trend lifecycles, portfolio allocation — each with its target and the ratio to
// raw SQLite doing the nearest plain job in the same run. Runs the built
// out/main/growth-bench.js (electron/core/growth/bench.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, target } from './lib/util.mjs';

export const title = 'Growth engines (import, quick wins, trends, portfolio)';
export const order = 65;

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const file = join(root, 'out', 'main', 'growth-bench.js');
  if (!existsSync(file)) return [`  skipped: ${file} is missing (run electron-vite build)`];
  const { runGrowthBench } = await import(pathToFileURL(file).href);
  const figures = await runGrowthBench({ quick: Boolean(ctx?.quick) });
  const lines = [];
  for (const f of figures) {
    const ratio = f.rawMs > 0 ? f.ms / f.rawMs : NaN;
    lines.push(`  ${f.name}: ${fmt(f.ms, f.ms < 100 ? 1 : 0)} ms — ${fmt(ratio, 1)}× ${f.rawWhat} (${fmt(f.rawMs, 1)} ms)${f.detail ? `; ${f.detail}` : ''}`);
    lines.push(target(`${f.name.replace(/:.*$/, '')} < ${fmt(f.target)} ms`, f.ms < f.target, `${fmt(f.ms, 1)} ms`));
    if (ctx?.results) ctx.results[`growth:${f.name.replace(/:.*$/, '')}`] = f.ms;
  }
  return lines;
}
