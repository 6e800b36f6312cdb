// Scale of data: the KPI dashboard over 10M events and the contacts list/search over
// 1M contacts (100k / 1M with --quick). The store is generated once and cached in
// os.tmpdir()/baton-bench-cache/<schema key>/ (delete that folder to rebuild it).
// Runs the built out/main/crm-bench.js (electron/core/crm/bench-scale.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, target } from './lib/util.mjs';

export const title = 'Scale of data (1M contacts, 10M events)';
export const order = 61;

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const file = join(root, 'out', 'main', 'crm-bench.js');
  if (!existsSync(file)) return [`  skipped: ${file} is missing (run electron-vite build)`];
  const { runScaleBench } = await import(pathToFileURL(file).href);
  if (typeof runScaleBench !== 'function') return ['  skipped: this build has no scale bench'];
  const figures = await runScaleBench({ quick: Boolean(ctx?.quick), root, log: (s) => console.log(s) });
  const lines = [];
  for (const f of figures) {
    if (f.ms === 0) {
      lines.push(`  ${f.name}`);
      continue;
    }
    const cpu = f.cpuMs !== undefined ? `, cpu ${fmt(f.cpuMs, f.cpuMs < 100 ? 1 : 0)} ms` : '';
    lines.push(`  ${f.name}: ${fmt(f.ms, f.ms < 100 ? 1 : 0)} ms${cpu}${f.detail ? ` — ${f.detail}` : ''}`);
    if (f.target !== undefined) lines.push(target(`${f.name.replace(/ \(.*$/, '')} < ${fmt(f.target)} ms`, f.ms < f.target, `${fmt(f.ms, 1)} ms`));
    if (ctx?.results) ctx.results[`scale:${f.name}`] = f.ms;
  }
  return lines;
}
