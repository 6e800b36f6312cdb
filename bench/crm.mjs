// CRM: demo seed, CSV import/export, re-scoring and dashboard queries on
// 100k contacts / ~1M events (10k / ~100k with --quick). Runs the built
// out/main/crm-bench.js (electron/core/crm/bench.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, target } from './lib/util.mjs';

export const title = 'CRM (contacts, import, scoring, KPIs)';
export const order = 60;

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const file = join(root, 'out', 'main', 'crm-bench.js');
  if (!existsSync(file)) return [`  skipped: ${file} is missing (run electron-vite build)`];
  const { runCrmBench } = await import(pathToFileURL(file).href);
  const figures = await runCrmBench({ quick: Boolean(ctx?.quick) });
  const lines = [];
  for (const f of figures) {
    const cpu = f.cpuMs !== undefined ? `, cpu ${fmt(f.cpuMs)} ms` : '';
    lines.push(`  ${f.name}: ${fmt(f.ms, f.ms < 100 ? 1 : 0)} ms${cpu}${f.detail ? ` — ${f.detail}` : ''}`);
    if (f.target !== undefined) lines.push(target(`${f.name.replace(/ \(.*$/, '')} < ${fmt(f.target)} ms`, f.ms < f.target, `${fmt(f.ms, 1)} ms`));
    if (ctx?.results) ctx.results[`crm:${f.name}`] = f.ms;
  }
  return lines;
}
