#!/usr/bin/env node
// `npm run bench`: builds the app, then runs every bench section against the
// built code in one process and prints figures, ratios and target lines.
//
// A section is a file bench/<name>.mjs exporting
//   export async function run(ctx): Promise<string[]>   (the lines to print)
// and optionally `title` (heading) and `order` (lower runs first; default 100).
// ctx.results is shared by all sections of the run, so a later section can put
// its figure next to an earlier one (e.g. engine runs/s vs raw SQLite writes/s).
// ctx.quick is true with --quick / BENCH_QUICK=1 (smaller loads, for smoke tests).
// The bench prints PASS/FAIL lines for targets but always exits 0, unless a
// section cannot run at all and --strict is given.
import { readdirSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
const strict = args.includes('--strict');

const files = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));

const sections = [];
for (const f of files) {
  const mod = await import(pathToFileURL(join(here, f)).href);
  if (typeof mod.run !== 'function') continue;
  sections.push({ file: f, title: mod.title ?? f.replace(/\.mjs$/, ''), order: mod.order ?? 100, run: mod.run });
}
sections.sort((a, b) => a.order - b.order || a.file.localeCompare(b.file));

const ctx = { results: {}, quick, root: join(here, '..') };
const started = Date.now();
console.log(`Baton bench — ${new Date().toISOString()}`);
console.log(
  `node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model?.trim() ?? 'unknown cpu'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM${quick ? ', QUICK mode' : ''}${global.gc ? '' : ' (run with --expose-gc for exact memory figures)'}`,
);
let failures = 0;
for (const s of sections) {
  console.log(`\n## ${s.title}`);
  const t0 = Date.now();
  try {
    const lines = await s.run(ctx);
    for (const l of lines ?? []) console.log(l);
  } catch (e) {
    failures++;
    console.log(`  section could not run: ${e?.stack ?? e}`);
  }
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
console.log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(strict && failures ? 1 : 0);
