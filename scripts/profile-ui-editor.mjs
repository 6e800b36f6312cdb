#!/usr/bin/env node
/* global document, getComputedStyle -- functions passed to page.evaluate run in the browser */
// Where the workflow editor's drag time goes: the bench's 200-node workflow (bench/ui-editor.mjs)
// opened in Chromium against `baton serve`, one node dragged while Chrome's CPU profiler samples
// the page (CDP Profiler), then the functions with the most self time and the most total time.
// Build first (`npx electron-vite build`; a build with `minify: false` gives readable names).
//   node scripts/profile-ui-editor.mjs [--moves 150] [--top 30] [--out profile.cpuprofile] [--trace trace.json]
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../bench/lib/util.mjs';
import { ARGS, CHROMIUM, serve } from '../bench/ui.mjs';
import { bigWorkflow, LAYERS, WIDTH } from '../bench/ui-editor.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const moves = Number(arg('moves', 150));
const top = Number(arg('top', 30));
const out = arg('out', null);
const traceOut = arg('trace', null);

const { chromium } = await import('@playwright/test');
const { dir, cleanup } = tempDir('baton-profile-editor-');
const s = await serve(root, dir);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
try {
  const api = async (op, input) => {
    const res = await fetch(`${s.url}api/v1/${op}`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input ?? {}) });
    const body = await res.json();
    if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
    return body.result;
  };
  const id = 'editor-profile';
  await api('settings.set', { key: 'setup.completed', value: true });
  await api('workflows.import', { definition: bigWorkflow(id), enable: false });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${s.url}#token=${s.token}`);
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  await page.goto(`${s.url}#/workflows?wf=${id}&edit=1`);
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n, LAYERS * WIDTH + 1);
  await page.waitForTimeout(500);

  // Elements of the canvas that get a paint chunk of their own (a transform, an opacity, a z-index stacking context).
  console.log(
    'own paint chunks by class:',
    await page.evaluate(() => {
      const out = {};
      for (const el of document.querySelectorAll('.react-flow *')) {
        const cs = getComputedStyle(el);
        const why = [cs.transform !== 'none' ? 'transform' : '', cs.opacity !== '1' ? 'opacity' : '', cs.zIndex !== 'auto' && cs.position !== 'static' ? 'z-index' : ''].filter(Boolean).join('+');
        if (!why) continue;
        const k = `${el.tagName.toLowerCase()}.${[...el.classList].slice(0, 2).join('.')} (${why})`;
        out[k] = (out[k] ?? 0) + 1;
      }
      return JSON.stringify(Object.entries(out).sort((a, b) => b[1] - a[1]).slice(0, 12));
    }),
  );
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  const node = page.locator('.react-flow__node[data-id="n_1_4"]');
  const box = await node.boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const transform = () => page.evaluate(() => document.querySelector('.react-flow__viewport')?.getAttribute('style') ?? '');
  const canvas = await page.locator('.react-flow').boundingBox();
  console.log(`canvas ${JSON.stringify(canvas)}, node ${JSON.stringify(box)}, viewport ${await transform()}`);
  await page.mouse.move(x, y);
  await page.mouse.down();
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const m0 = await metrics();
  // Chrome's timeline events of the main thread too: how long style, layout, paint and scripts took.
  const traceEvents = [];
  cdp.on('Tracing.dataCollected', (e) => traceEvents.push(...e.value));
  const traced = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  await cdp.send('Profiler.start');
  for (let i = 1; i <= moves; i++) {
    await page.mouse.move(x + i * 2, y + Math.round(Math.sin(i / 10) * 40));
    await page.waitForTimeout(16);
  }
  const { profile } = await cdp.send('Profiler.stop');
  const m1 = await metrics();
  await cdp.send('Tracing.end');
  await traced;
  const main = traceEvents.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const byName = new Map();
  for (const e of traceEvents) if (e.ph === 'X' && e.tid === main?.tid && e.pid === main?.pid) byName.set(e.name, (byName.get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
  console.log('Main-thread timeline events (ms per move, nested events overlap):');
  for (const [k, v] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 18)) console.log(`  ${(v / moves).toFixed(2).padStart(7)}  ${k}`);
  console.log(
    ['ThreadTime', 'TaskDuration', 'ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration']
      .map((k) => `${k} ${(((m1[k] ?? 0) - (m0[k] ?? 0)) * 1000 / moves).toFixed(2)} ms/move`)
      .join(', '),
  );
  console.log(`viewport after the drag ${await transform()}`);
  await page.mouse.up();
  if (out) writeFileSync(out, JSON.stringify(profile));
  // The timeline events as a trace file (chrome://tracing, Perfetto, or DevTools' Performance panel).
  if (traceOut) writeFileSync(traceOut, JSON.stringify({ traceEvents }));

  // Self time per sample, and total time by walking each sampled node's parents.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const total = new Map();
  const name = (n) => {
    const f = n.callFrame;
    const file = f.url ? f.url.split('/').pop() : '';
    return `${f.functionName || '(anonymous)'} ${file}${f.url ? `:${f.lineNumber + 1}:${f.columnNumber + 1}` : ''}`;
  };
  const dt = profile.timeDeltas;
  let sum = 0;
  profile.samples.forEach((sid, i) => {
    const ms = (dt[i + 1] ?? dt[i] ?? 0) / 1000;
    sum += ms;
    const n = byId.get(sid);
    self.set(name(n), (self.get(name(n)) ?? 0) + ms);
    const seen = new Set();
    for (let cur = sid; cur !== undefined; cur = parent.get(cur)) {
      const k = name(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + ms);
    }
  });
  const idle = (self.get('(idle) ') ?? 0) + (self.get('(program) ') ?? 0);
  const busy = sum - idle;
  const show = (m, title) => {
    console.log(`\n${title}`);
    for (const [k, v] of [...m].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(root)') && !k.startsWith('(program)')).sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`  ${v.toFixed(1).padStart(8)} ms  ${((v / busy) * 100).toFixed(1).padStart(5)}%  ${(v / moves).toFixed(2).padStart(6)} ms/move  ${k}`);
  };
  console.log(`${moves} moves, profiled ${sum.toFixed(0)} ms, busy (not idle/program) ${busy.toFixed(0)} ms = ${(busy / moves).toFixed(2)} ms per move`);
  show(self, 'Self time');
  show(total, 'Total time (with callees)');
} finally {
  await browser.close();
  s.child.kill('SIGTERM');
  await new Promise((r) => s.child.once('exit', r));
  cleanup();
}
