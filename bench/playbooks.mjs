// Agent-team playbooks on the built app: `node bin/baton.js serve` on a temp data folder,
// with a local Messages API server standing in for Anthropic (reached through the real
// @anthropic-ai/sdk). Figures:
// - the built-in go-to-market playbook in full mode against a server that answers at once:
//   wall time, model calls, and the orchestration overhead per step (run wall time minus the
//   time the model server spent, divided by the steps; each step is one durable step (inputs,
//   the Claude call, the commit), plus its share of the phase merges and gate reviews), and the
//   server's CPU time per step (all its threads) with the load average; best of 3 runs after a cold
//   one (printed apart); a run's end awaited on the server's push events, not by polling;
// - a playbook of one phase of 4 steps, each answer delayed 400 ms, run as a parallel phase
//   and as a sequential one (alternated; two warm-up rounds, then best of 3 each): the parallel wall time should be close to the longest
//   branch, the sequential one close to the sum.
// Run it alone: node bench/run.mjs playbooks [--quick]
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import WebSocket from 'ws';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { treeCpuSeconds } from './lib/proc.mjs';
import { call, cleanEnv, serve } from './lib/serve.mjs';
import { fmt, sleep, target, tempDir } from './lib/util.mjs';

export const title = 'Playbooks (agent team on the engine: orchestration overhead, parallel vs sequential phases)';
export const order = 85;

const TARGET_OVERHEAD_MS = 50;
const DELAY_MS = 400;

/** A Messages API that answers every tool call at once (or after `delay` ms): files for each output, passing reviews. */
export async function startMessages(key) {
  const state = { calls: 0, busyMs: 0, delay: 0 };
  const server = createServer((req, res) => {
    const t0 = performance.now();
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      if ((req.headers['x-api-key'] ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]) !== key) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'bad key' } }));
      }
      const b = JSON.parse(body);
      const tool = b.tool_choice?.name;
      let input = {};
      if (tool === 'answer') {
        const names = Object.keys(b.tools[0].input_schema.properties.files.properties);
        input = { files: Object.fromEntries(names.map((n) => [n, `# ${n}\n\nWritten for the bench.\n`])), status: { task: 'bench', status: 'complete', blockers: [], next: 'none' } };
      } else if (tool === 'submit_review') input = { pass: true, issues: [], evidence: '"Written for the bench."', confidence: 0.99 };
      else if (tool === 'decide') input = { choice: 'first', rationale: 'bench', keep: 'first' };
      if (state.delay) await sleep(state.delay);
      state.calls++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `msg_${state.calls}`, type: 'message', role: 'assistant', model: b.model, content: [{ type: 'tool_use', id: `toolu_${state.calls}`, name: tool, input }], stop_reason: 'tool_use', usage: { input_tokens: 100, output_tokens: 100 } }));
      state.busyMs += performance.now() - t0;
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, state, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * The server's push events (/api/v1/events), as the window gets them: a run's end is awaited on its
 * playbooks.run.updated event, not by asking for the run's detail every few ms (each of those requests
 * costs the server CPU and would be counted as orchestration overhead).
 */
export async function eventsOf(server) {
  const ws = new WebSocket(new URL('api/v1/events', server.url.replace(/^http/, 'ws')), [`baton.${server.token}`]);
  const seen = new Map();
  let wake = () => undefined;
  ws.on('message', (m) => {
    const { event, payload } = JSON.parse(String(m));
    if (event !== 'playbooks.run.updated') return;
    seen.set(payload.runId, payload.status);
    wake();
  });
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  return {
    /** Resolves at the run's next status event, or after `ms` (a status without an event is then read through the API). */
    next: (ms) => new Promise((r) => ((wake = r), setTimeout(r, ms))),
    status: (runId) => seen.get(runId),
    close: () => ws.close(),
  };
}

export async function runToEnd(server, events, input) {
  const t0 = performance.now();
  const { run } = await call(server, 'playbooks.start', input);
  for (;;) {
    const st = events.status(run.id);
    if (st === 'succeeded' || st === 'failed' || st === 'cancelled' || st === 'waiting' || st === undefined) {
      const d = await call(server, 'playbooks.run', { id: run.id });
      if (d.status === 'succeeded') return { ms: performance.now() - t0, detail: d };
      if (d.status === 'failed' || d.status === 'cancelled' || (d.status === 'waiting' && d.waitingFor)) throw new Error(`playbook run ${d.status}: ${d.error ?? d.waitingFor}`);
    }
    await events.next(1000);
  }
}

export const fanPlaybook = (execution) => ({
  id: `bench-${execution}`,
  name: `Bench ${execution}`,
  coordinator: 'lead',
  roles: [{ id: 'lead', name: 'Lead', systemPrompt: 'You write.', writes: ['bench/'] }],
  phases: [
    {
      id: 'fan',
      name: 'Fan',
      execution,
      steps: [1, 2, 3, 4].map((i) => ({ id: `w${i}`, role: 'lead', title: `Write part ${i}`, activities: ['Write it'], outputs: [{ name: 'part', path: `bench/${execution}/part-${i}.md` }], estimatedMinutes: 1 })),
    },
  ],
  modes: [{ id: 'all', name: 'All', phases: ['fan'] }],
});

export async function run(ctx) {
  const root = ctx?.root ?? join(import.meta.dirname, '..');
  const bin = join(root, 'bin', 'baton.js');
  if (!existsSync(join(root, 'out', 'main', 'cli.js'))) return ['  skipped: out/main/cli.js is missing (run electron-vite build)'];
  const lines = [];
  const key = ['bench', 'anthropic', String(process.pid)].join('-');
  const messages = await startMessages(key);
  const t = tempDir('baton-bench-playbooks-');
  let server = null;
  let events = null;
  try {
    server = await serve(bin, t.dir, cleanEnv({ BATON_SECRET_ANTHROPIC_API_KEY: key }));
    for (const [k, v] of Object.entries({ 'ai.baseUrl': messages.url, 'ai.maxRetries': 0, 'ai.dailyCapUsd': 1000 })) await call(server, 'settings.set', { key: k, value: v });
    events = await eventsOf(server);
    const config = { businessContext: 'Bench', targetCustomer: 'Bench', goals: 'Bench', budget: '1000 EUR' };

    // 1. The full go-to-market playbook, answers at once: a cold run first (each worker thread loads its
    // modules, the SDK and the git code on its first steps), printed apart, then best of 3 warm runs.
    const runs = ctx?.quick ? 1 : 3;
    let best = null;
    let cold = null;
    const all = [];
    for (let i = -1; i < runs; i++) {
      const calls0 = messages.state.calls;
      const busy0 = messages.state.busyMs;
      const cpu0 = treeCpuSeconds(server.child.pid);
      const r = await runToEnd(server, events, { playbookId: 'go-to-market', mode: 'full', config });
      const cpu = treeCpuSeconds(server.child.pid) - cpu0;
      const steps = r.detail.phases.flatMap((p) => p.steps).filter((s) => s.status === 'done').length;
      const m = { ms: r.ms, steps, calls: messages.state.calls - calls0, busy: messages.state.busyMs - busy0, cpuMs: cpu * 1000 };
      if (i < 0) {
        cold = m;
        continue;
      }
      all.push(m);
      if (!best || m.ms < best.ms) best = m;
    }
    const overhead = (best.ms - best.busy) / best.steps;
    lines.push(`  go-to-market, full mode: ${best.steps} steps, ${best.calls} model calls (steps, gate reviews), ${fmt(best.ms)} ms wall (best of ${runs})`);
    lines.push(`  orchestration overhead per step (wall minus model server time, / steps): ${fmt(overhead, 1)} ms (each run: ${all.map((m) => fmt((m.ms - m.busy) / m.steps, 0)).join(', ')} ms)`);
    lines.push(`  CPU per step (the server process, all its threads, / steps): ${all.map((m) => fmt(m.cpuMs / m.steps, 1)).join(', ')} ms; load average ${loadavg()[0].toFixed(1)}`);
    lines.push(`  the cold run before them (not counted): ${fmt(cold.ms)} ms wall, ${fmt((cold.ms - cold.busy) / cold.steps, 0)} ms overhead and ${fmt(cold.cpuMs / cold.steps, 1)} ms CPU per step`);
    lines.push(target(`overhead per step < ${TARGET_OVERHEAD_MS} ms beyond the model call`, overhead < TARGET_OVERHEAD_MS, `${fmt(overhead, 1)} ms`));

    // 2. Parallel vs sequential phase, each answer taking DELAY_MS.
    for (const ex of ['parallel', 'sequential']) await call(server, 'playbooks.import', { text: JSON.stringify(fanPlaybook(ex)) });
    messages.state.delay = DELAY_MS;
    // Alternated, best of 3 each: a worker's first Claude call loads the SDK (a cold worker costs seconds).
    let par = null;
    let seq = null;
    // Two warm-up rounds first: every worker thread loads the SDK and the git library on its first step.
    for (let i = 0; i < 5; i++) {
      const p = await runToEnd(server, events, { playbookId: 'bench-parallel', mode: 'all', config: {} });
      const q = await runToEnd(server, events, { playbookId: 'bench-sequential', mode: 'all', config: {} });
      if (i < 2) continue;
      if (!par || p.ms < par.ms) par = p;
      if (!seq || q.ms < seq.ms) seq = q;
    }
    messages.state.delay = 0;
    lines.push(`  one phase of 4 steps, answers after ${DELAY_MS} ms: parallel ${fmt(par.ms)} ms, sequential ${fmt(seq.ms)} ms (longest branch ${DELAY_MS} ms, sum ${4 * DELAY_MS} ms)`);
    lines.push(`  parallel / sequential wall time: ${fmt(par.ms / seq.ms, 2)}; parallel / longest branch: ${fmt(par.ms / DELAY_MS, 2)}; load average ${loadavg()[0].toFixed(1)}`);
    lines.push(target('parallel phase close to the longest branch (< 2x of it, under half the sequential time)', par.ms < 2 * DELAY_MS + 400 && par.ms < seq.ms / 2, `${fmt(par.ms)} ms`));
  } finally {
    events?.close();
    await server?.stop();
    await messages.close();
    t.cleanup();
  }
  return lines;
}
