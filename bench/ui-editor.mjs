/* global window, requestAnimationFrame -- functions passed to page.evaluate run in the browser */
// The workflow editor with a 200-node workflow, in Debian's Chromium against `baton serve`:
// time to interactive (a cold load of the editor's address, and opening it from the
// workflow's page), then a node dragged across the canvas: the main thread's work per
// frame (Chrome's own TaskDuration over the frames drawn during the drag) and the
// intervals between animation frames (performance.now() per requestAnimationFrame).
// Skipped, with the reason, where no Chromium is.
import { existsSync } from 'node:fs';
import { fmt, percentile, target, tempDir } from './lib/util.mjs';
import { ARGS, CHROMIUM, serve } from './ui.mjs';

export const title = 'UI: workflow editor, 200 nodes (Chromium against baton serve)';
export const order = 61;

export const LAYERS = 20;
export const WIDTH = 10;

/** 200 nodes in 20 layers of 10: each node leads to the one below it, every fifth also across. */
export function bigWorkflow(id) {
  const nodes = [];
  const edges = [];
  for (let l = 0; l < LAYERS; l++) {
    for (let i = 0; i < WIDTH; i++) {
      const nid = `n_${l}_${i}`;
      const kind = (l + i) % 3;
      nodes.push({
        id: nid,
        type: kind === 0 ? 'set' : kind === 1 ? 'log' : 'condition',
        params: kind === 0 ? { values: { step: l, lane: i } } : kind === 1 ? { message: `=prev` } : { if: 'prev.step > 3' },
        position: { x: i * 260, y: l * 170 },
      });
      if (l > 0) {
        const above = `n_${l - 1}_${i}`;
        const aboveKind = (l - 1 + i) % 3;
        edges.push({ from: above, to: nid, ...(aboveKind === 2 ? { branch: 'true' } : {}) });
        if (i % 5 === 0 && i + 1 < WIDTH) edges.push({ from: above, to: `n_${l}_${i + 1}`, ...(aboveKind === 2 ? { branch: 'false' } : {}) });
      }
    }
  }
  return { id, name: 'Editor bench (200 nodes)', trigger: { type: 'manual' }, nodes, edges };
}

/** Resolves with performance.now() once all nodes are drawn and measured and two more frames have passed. */
const READY = (count) => `new Promise((resolve) => {
  const check = () => {
    const nodes = document.querySelectorAll('.react-flow__node');
    const shown = nodes.length === ${count} && [...nodes].every((n) => n.style.visibility !== 'hidden');
    if (shown) requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
    else requestAnimationFrame(check);
  };
  check();
})`;

export async function run(ctx) {
  if (!existsSync(CHROMIUM)) return [`  skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set BATON_CHROMIUM)`];
  const { chromium } = await import('@playwright/test');
  const { dir, cleanup } = tempDir('baton-bench-editor-');
  const s = await serve(ctx.root, dir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const api = async (op, input) => {
      const res = await fetch(`${s.url}api/v1/${op}`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input ?? {}) });
      const body = await res.json();
      if (!res.ok) throw new Error(`${op}: ${body.error?.message}`);
      return body.result;
    };
    const id = 'editor-bench';
    await api('settings.set', { key: 'setup.completed', value: true });
    await api('workflows.import', { definition: bigWorkflow(id), enable: false });
    const total = LAYERS * WIDTH + 1; // and the trigger

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${s.url}#token=${s.token}`);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

    // Cold: the editor's address loaded in a fresh document (app, editor chunk, catalogs, workflow).
    const cold = [];
    for (let i = 0; i < (ctx.quick ? 2 : 4); i++) {
      await page.goto('about:blank');
      await page.goto(`${s.url}#/workflows?wf=${id}&edit=1`);
      cold.push(await page.evaluate(READY(total)));
    }
    // Warm: from the workflow's page, Edit.
    const warm = [];
    for (let i = 0; i < (ctx.quick ? 2 : 4); i++) {
      await page.goto(`${s.url}#/workflows?wf=${id}`);
      await page.getByRole('link', { name: 'Edit', exact: true }).waitFor();
      const t0 = await page.evaluate(() => performance.now());
      await page.getByRole('link', { name: 'Edit', exact: true }).click();
      warm.push((await page.evaluate(READY(total))) - t0);
    }

    // Drag one node across the canvas, a mouse move every ~16 ms.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const node = page.locator('.react-flow__node[data-id="n_1_4"]');
    const box = await node.boundingBox();
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await page.evaluate(() => {
      window.__frames = [];
      window.__recording = true;
      const loop = (t) => {
        if (!window.__recording) return;
        window.__frames.push(t);
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });
    const metric = async (name) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? NaN;
    await page.mouse.move(x, y);
    await page.mouse.down();
    const task0 = await metric('TaskDuration');
    const cpu0 = await metric('ThreadTime');
    const f0 = await page.evaluate(() => window.__frames.length);
    const moves = ctx.quick ? 60 : 150;
    for (let i = 1; i <= moves; i++) {
      await page.mouse.move(x + i * 2, y + Math.round(Math.sin(i / 10) * 40));
      await page.waitForTimeout(16);
    }
    const task1 = await metric('TaskDuration');
    const cpu1 = await metric('ThreadTime');
    const frames = await page.evaluate(() => window.__frames);
    await page.mouse.up();
    await page.evaluate(() => (window.__recording = false));
    const during = frames.slice(f0);
    const intervals = during.slice(1).map((t, i) => t - during[i]);
    // Wall time of the main thread's tasks (TaskDuration) grows when other processes take the cores;
    // its CPU time (ThreadTime) is the work the editor itself does.
    const busyMs = (task1 - task0) * 1000;
    const cpuMs = (cpu1 - cpu0) * 1000;
    const busyPerMove = busyMs / moves;
    const cpuPerMove = cpuMs / moves;
    const cpuPerFrame = cpuMs / Math.max(1, during.length);
    const after = await node.boundingBox();
    const state = await page
      .getByTestId('editor-state')
      .filter({ hasText: 'Unsaved changes' })
      .waitFor({ timeout: 5000 })
      .then(() => true, () => false);

    const p95 = percentile(intervals, 95);
    return [
      `  a workflow of ${LAYERS * WIDTH} nodes and ${bigWorkflow(id).edges.length} connections, viewport 1440×900`,
      `  time to interactive, cold load of the editor's address: median ${fmt(percentile(cold, 50))} ms (${cold.map((c) => fmt(c)).join(', ')})`,
      `  time to interactive, Edit on the workflow's page: median ${fmt(percentile(warm, 50))} ms (${warm.map((c) => fmt(c)).join(', ')})`,
      `  drag: ${moves} mouse moves (one every ~16 ms), ${during.length} frames drawn`,
      `  renderer main thread while dragging: CPU ${fmt(cpuPerMove, 1)} ms per move, ${fmt(cpuPerFrame, 1)} ms per frame (ThreadTime); busy (wall, includes waiting for a core) ${fmt(busyPerMove, 1)} ms per move (TaskDuration)`,
      `  frame intervals (rAF to rAF): median ${fmt(percentile(intervals, 50), 1)} ms, p95 ${fmt(p95, 1)} ms, max ${fmt(Math.max(...intervals), 1)} ms; ${intervals.filter((d) => d > 25).length} dropped (> 25 ms)`,
      target('main-thread CPU per drag step (a move and the frame it draws) under 16 ms (2 cores, headless Chromium, software rendering)', cpuPerMove < 16, `${fmt(cpuPerMove, 1)} ms`),
      target('frames while dragging: p95 interval within one 60 Hz frame (≤ 17 ms)', p95 <= 17, `${fmt(p95, 1)} ms`),
      target('the drag moved the node and is an unsaved change', state && after.x - box.x > moves, `moved ${fmt(after.x - box.x)} px`),
    ];
  } finally {
    await browser.close();
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
    cleanup();
  }
}
