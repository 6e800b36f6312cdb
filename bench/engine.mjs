// Engine: runs/s and steps/s of a 5-step no-I/O workflow with every worker (next
// to the raw SQLite write rate measured in the same run), timer lateness,
// draining overdue timers after a sleep, memory idle and under load.
// Drives the built out/main/engine-bench.js (electron/core/bench/engine.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, rssMb, target } from './lib/util.mjs';

export const title = 'Workflow engine (throughput, timers, memory)';
export const order = 20;

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const file = join(root, 'out', 'main', 'engine-bench.js');
  if (!existsSync(file)) return [`  skipped: ${file} is missing (run electron-vite build)`];
  const before = rssMb();
  const { runEngineBench } = await import(pathToFileURL(file).href);
  const modules = rssMb() - before;
  const r = await runEngineBench({ quick: Boolean(ctx?.quick) });
  const t = r.throughput;
  const sqlite = ctx?.results?.sqliteTxPerSec;
  const sqliteCpu = ctx?.results?.sqliteCpuUsPerTx;
  if (ctx?.results) Object.assign(ctx.results, { engineRunsPerSec: t.runsPerSec, engineStepsPerSec: t.stepsPerSec, engineCpuUsPerStep: t.cpuUsPerStep });
  return [
    `  5-step workflow, ${r.workers} workers: ${fmt(t.runs)} runs in ${fmt(t.seconds, 2)} s = ${fmt(t.runsPerSec)} runs/s, ${fmt(t.stepsPerSec)} steps/s (enqueued in bursts of 500 at ${fmt(t.startPerSec)} runs/s)`,
    sqlite
      ? `  ratio to raw SQLite one-row write transactions (${fmt(sqlite)} tx/s): ${fmt(t.stepsPerSec / sqlite, 3)} steps per raw tx, ${fmt(t.runsPerSec / sqlite, 3)} runs per raw tx`
      : '  (raw SQLite yardstick not measured in this run)',
    // CPU time moves far less than the rates on a shared machine: the same comparison in CPU per unit.
    `  CPU time of the process (main thread and workers) per durable step: ${fmt(t.cpuUsPerStep, 1)} µs${sqliteCpu ? ` (a raw one-row commit: ${fmt(sqliteCpu, 1)} µs; ${fmt(sqliteCpu / t.cpuUsPerStep, 3)} steps per raw commit by CPU)` : ''}`,
    ...(sqlite ? [target('>= 1 durable step per raw one-row SQLite transaction', t.stepsPerSec / sqlite >= 1, `${fmt(t.stepsPerSec / sqlite, 3)}`)] : []),
    target('>= 2,000 runs/s', t.runsPerSec >= 2000, `${fmt(t.runsPerSec)} runs/s`),
    target('>= 10,000 durable steps/s', t.stepsPerSec >= 10000, `${fmt(t.stepsPerSec)} steps/s`),
    `  timer lateness, ${fmt(r.timers.count)} timers: p50 ${fmt(r.timers.p50)} ms, p99 ${fmt(r.timers.p99)} ms, max ${fmt(r.timers.max)} ms`,
    target('timer lateness p99 < 100 ms', r.timers.p99 < 100, `${fmt(r.timers.p99)} ms`),
    `  ${fmt(r.drain.count)} timers overdue after a simulated sleep: all fired in ${fmt(r.drain.firedSeconds, 2)} s, all woken runs finished in ${fmt(r.drain.seconds, 2)} s`,
    target(`drain ${fmt(r.drain.count)} overdue timers < 2 s`, r.drain.firedSeconds < 2, `${fmt(r.drain.firedSeconds, 2)} s`),
    `  resident memory (process incl. worker threads): idle ${fmt(r.rss.idleMb, 1)} MB (after the load, idle workers retired), just started with ${r.workers} workers loaded ${fmt(r.rss.startedMb ?? NaN, 1)} MB, under the throughput load ${fmt(r.rss.loadMb, 1)} MB`,
    `  of which loading the built core and its libraries: +${fmt(modules, 1)} MB (before any data is opened)`,
    target('idle RSS < 150 MB', r.rss.idleMb < 150, `${fmt(r.rss.idleMb, 1)} MB`),
  ];
}
