/**
 * Runaway steps on the real Bree pool (the built worker file): a step stuck in
 * a never-ending expression is ended with its worker (its batch-mates run
 * again), a worker that runs out of memory twice on a step fails that step with
 * the cause, a cancelled step is aborted (or its worker ended), a stuck worker
 * gets a spare beside it, engine.stop() ends stuck workers after its grace,
 * and worker exits are logged at the right level.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openBaton } from '../../electron/core';
import type { Core } from '../../electron/core/core';
import { defineNode, engineOf, publishEvent, type Engine, type NodeDef } from '../../electron/core/engine';
import { z } from 'zod';
import { EnvSecretStore } from '../../electron/core/secrets';
import type { WorkflowDefinitionInput } from '../../shared/contract/workflow';
import { tempDir } from '../helpers';
import { harness, wf } from './util';

const NEVER = '($f := function($x){ $f($x) }; $f(1))';
const MEMORY_BOMB = '$sort([1..1000000], function($a, $b){ $a < $b })';
const REGEX = '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)';

beforeAll(() => {
  if (!existsSync(resolve(__dirname, '../../out/main/jobs/dispatcher.js'))) throw new Error('Build first (npx electron-vite build): these tests run the built worker file');
});

const opened: { core: Core; cleanup: () => void }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.core.close();
    o.cleanup();
  }
});

async function pool(opts: { workers?: number; spares?: number; heapMb?: number; idleExitMs?: number; settings?: Record<string, unknown> } = {}): Promise<{ core: Core; engine: Engine; log: () => { level: string; msg: string; [k: string]: unknown }[] }> {
  const t = tempDir('baton-runaway-');
  const core = await openBaton({ dataDir: t.dir, host: 'server', secrets: new EnvSecretStore({}, 'tests'), logLevel: 'debug' });
  opened.push({ core, cleanup: t.cleanup });
  for (const [key, value] of Object.entries(opts.settings ?? {})) await core.call('settings.set', { key, value });
  const engine = engineOf(core);
  engine.poolOptions = { workers: opts.workers ?? 1, ...(opts.spares !== undefined ? { spares: opts.spares } : {}), ...(opts.heapMb ? { heapMb: opts.heapMb } : {}), ...(opts.idleExitMs !== undefined ? { idleExitMs: opts.idleExitMs } : {}) };
  await engine.start('pool');
  const log = () => {
    const f = join(t.dir, 'logs', 'baton.log');
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: string; msg: string }) : [];
  };
  return { core, engine, log };
}

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const run = (core: Core, id: string) => core.call('runs.get', { id });
const finished = async (core: Core, id: string) => ['succeeded', 'failed', 'cancelled'].includes((await run(core, id)).status);
const imp = (core: Core, def: WorkflowDefinitionInput) => core.call('workflows.import', { definition: def });
const stepRow = (core: Core, runId: string, nodeId: string) =>
  core.db.prepare('SELECT status, attempts, deaths, claimed_by FROM steps WHERE run_id = ? AND node_id = ?').get(runId, nodeId) as { status: string; attempts: number; deaths: number; claimed_by: string | null };

/** Start runs while the engine is paused, then resume: one worker claims them all in one batch. */
async function oneBatch(core: Core, engine: Engine, starts: { workflow: string; input?: unknown }[]): Promise<string[]> {
  engine.setPaused(true);
  const ids: string[] = [];
  for (const s of starts) ids.push((await core.call('runs.start', { workflow: s.workflow, input: s.input ?? {} })).runId);
  engine.setPaused(false);
  return ids;
}

describe('runaway steps in the worker pool', () => {
  it('a never-ending expression: its worker is ended at the timeout, the step fails (not retried, error edge taken), its batch-mates run again and succeed', { timeout: 90_000 }, async () => {
    // The engine's step timeout (no node timeout on "loop-handled") reaches the workers.
    const { core, engine, log } = await pool({ workers: 1, spares: 0, settings: { 'engine.stepTimeout': '1s' } });
    await imp(core, wf('loop', [{ id: 'spin', type: 'transform', params: { expression: NEVER }, timeout: '1s', retry: { maxAttempts: 3, initialDelay: '10ms' } }]));
    await imp(
      core,
      wf(
        'loop-handled',
        [
          { id: 'spin', type: 'transform', params: { expression: NEVER } },
          { id: 'handled', type: 'set', params: { values: { error: '=prev.error.code' } } },
        ],
        [{ from: 'spin', to: 'handled', branch: 'error' }],
      ),
    );
    await imp(core, wf('fine', [{ id: 'ok', type: 'set', params: { values: { n: '=input.n' } } }]));
    const t0 = Date.now();
    const [stuck, handled, ...fine] = await oneBatch(core, engine, [
      { workflow: 'loop' },
      { workflow: 'loop-handled' },
      ...Array.from({ length: 5 }, (_, n) => ({ workflow: 'fine', input: { n } })),
    ]);
    await until('all runs to finish', async () => (await Promise.all([stuck!, handled!, ...fine].map((id) => finished(core, id)))).every(Boolean));
    const elapsed = Date.now() - t0;
    const r = await run(core, stuck!);
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'timeout', nodeId: 'spin' });
    expect(r.error?.message).toMatch(/^timed out after 1 s in node "spin" \(transform\): its worker was stuck in it and was stopped$/);
    expect(stepRow(core, stuck!, 'spin')).toMatchObject({ status: 'failed', attempts: 1 });
    const h = await run(core, handled!);
    expect(h.status).toBe('succeeded');
    expect(h.output).toEqual({ error: 'timeout' });
    expect(h.steps.find((x) => x.nodeId === 'spin')?.error?.message).toMatch(/^timed out after 1 s in node "spin"/);
    for (const id of fine) expect((await run(core, id!)).status).toBe('succeeded');
    // The timeout (1 s), the watchdog's grace (1 s) and its scans; not the engine's 60 s default.
    expect(elapsed).toBeLessThan(15_000);
    const lines = log();
    expect(lines.some((l) => l.level === 'warn' && l.msg === 'engine worker stopped: a step ran past its timeout')).toBe(true);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    // A fresh worker took over.
    await until('the worker to be back', () => engine.pool?.live === 1);
  });

  it('a worker out of memory twice on a step: the step fails with the cause; a batch-mate that was running too runs alone and succeeds; logs say why', { timeout: 120_000 }, async () => {
    // The bomb starves its worker's event loop from the start: the call's request is not even sent before
    // the worker dies, so the call is still running then (a suspect too); run alone, it gets its answer.
    const sink = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/slow`;
    try {
      const { core, engine, log } = await pool({ workers: 1, spares: 0, heapMb: 96 });
      await imp(core, wf('bomb', [{ id: 'sort', type: 'transform', params: { expression: MEMORY_BOMB }, timeout: '60s' }]));
      await imp(core, wf('call', [{ id: 'get', type: 'http.request', params: { url } }]));
      const [call, bomb] = await oneBatch(core, engine, [{ workflow: 'call' }, { workflow: 'bomb' }]);
      await until('both runs to finish', async () => (await finished(core, bomb!)) && (await finished(core, call!)), 100_000);
      const b = await run(core, bomb!);
      expect(b.status).toBe('failed');
      expect(b.error).toMatchObject({ code: 'out_of_memory', nodeId: 'sort' });
      expect(b.error?.message).toMatch(/^the worker running node "sort" \(transform\) died 2 times while running it: out of memory \(worker heap limit 96 MB/);
      expect(stepRow(core, bomb!, 'sort')).toMatchObject({ status: 'failed', deaths: 2 });
      expect((await run(core, call!)).status).toBe('succeeded');
      expect(stepRow(core, call!, 'get')).toMatchObject({ status: 'succeeded', deaths: 1 });
      const crashes = log().filter((l) => l.msg === 'engine worker crashed');
      expect(crashes.length).toBe(2);
      for (const c of crashes) {
        expect(c.level).toBe('error');
        expect(String(c.cause)).toMatch(/^out of memory \(worker heap limit 96 MB/);
      }
      expect(log().some((l) => l.level === 'error' && /exited with code/.test(l.msg + JSON.stringify(l)))).toBe(false);
    } finally {
      sink.closeAllConnections();
      await new Promise((r) => sink.close(r));
    }
  });

  it('cancel: a step stuck in an expression ends with its worker at once; a step waiting on the network is aborted in its worker, which goes on', { timeout: 90_000 }, async () => {
    let aborted = false;
    let arrived = false;
    const sink = createServer((req: IncomingMessage, res: ServerResponse) => {
      arrived = true;
      req.resume();
      res.on('close', () => {
        if (!res.writableEnded) aborted = true;
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/never`;
    try {
      const { core, log } = await pool({ workers: 1, spares: 1 });
      await imp(core, wf('stuck', [{ id: 'spin', type: 'transform', params: { expression: NEVER } }]));
      await imp(core, wf('waits', [{ id: 'get', type: 'http.request', params: { url, timeout: '5m' } }]));
      await imp(core, wf('fine', [{ id: 'ok', type: 'set', params: { values: { ok: true } } }]));

      // Stuck in an expression (the engine's 60 s default timeout applies): cancel ends it long before.
      const { runId: stuck } = await core.call('runs.start', { workflow: 'stuck', input: {} });
      await until('the step to run', () => stepRow(core, stuck, 'spin').status === 'running');
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      expect((await core.call('runs.cancel', { id: stuck })).status).toBe('cancelled');
      await until('the stuck worker to be ended', () => log().some((l) => l.msg === 'engine worker stopped: it was running a cancelled step'), 10_000);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(stepRow(core, stuck, 'spin').status).toBe('cancelled');
      const { runId: after } = await core.call('runs.start', { workflow: 'fine', input: {} });
      await until('a run after the cancel', () => finished(core, after), 20_000);

      // Waiting on the network: the worker's event loop runs, so the step is aborted and the worker stays.
      const ends = () => log().filter((l) => l.msg === 'engine worker stopped: it was running a cancelled step').length;
      const { runId: waits } = await core.call('runs.start', { workflow: 'waits', input: {} });
      await until('the request to arrive', () => arrived);
      await core.call('runs.cancel', { id: waits });
      await until('the request to be aborted', () => aborted, 10_000);
      await new Promise((r) => setTimeout(r, 2_500));
      expect(ends()).toBe(1);
      expect(log().filter((l) => l.level === 'error')).toEqual([]);
      const { runId: again } = await core.call('runs.start', { workflow: 'fine', input: {} });
      await until('a run after the second cancel', () => finished(core, again), 20_000);
      expect((await run(core, waits)).status).toBe('cancelled');
    } finally {
      sink.closeAllConnections();
      await new Promise((r) => sink.close(r));
    }
  });

  it('a stuck worker: the steps of its batch that ran are handed back and run on a spare, long before the stuck step times out', { timeout: 90_000 }, async () => {
    const { core, engine, log } = await pool({ workers: 1, spares: 1 });
    // A catastrophic regex blocks its thread outright (no microtask, no timer runs in it any more).
    await imp(core, wf('regex', [{ id: 'spin', type: 'transform', params: { expression: REGEX }, timeout: '8s' }]));
    await imp(core, wf('fine', [{ id: 'ok', type: 'log', params: { message: 'fine' } }]));
    const { runId: warm } = await core.call('runs.start', { workflow: 'fine', input: {} });
    await until('the worker to be up', () => finished(core, warm));
    const t0 = Date.now();
    const [stuck, ...fine] = await oneBatch(core, engine, [{ workflow: 'regex' }, ...Array.from({ length: 5 }, () => ({ workflow: 'fine' }))]);
    await until('the other runs', async () => (await Promise.all(fine.map((id) => finished(core, id!)))).every(Boolean), 30_000);
    const took = Date.now() - t0;
    for (const id of fine) expect((await run(core, id!)).status).toBe('succeeded');
    expect((await run(core, stuck!)).status).toBe('running');
    expect(took).toBeLessThan(7_000);
    expect(log().some((l) => l.msg === 'engine worker stuck: its other steps run elsewhere' && l.steps === 5)).toBe(true);
    expect(log().some((l) => l.msg === 'engine worker busy for more than a second: started a spare worker')).toBe(true);
    await until('the stuck run to fail', () => finished(core, stuck!), 30_000);
    expect((await run(core, stuck!)).error?.code).toBe('timeout');
  });

  it('engine.stop() ends a stuck worker after its grace; the step is handed back; retirement and stop log at debug level only', { timeout: 60_000 }, async () => {
    const { core, engine, log } = await pool({ workers: 1, spares: 0, idleExitMs: 300 });
    await imp(core, wf('stuck', [{ id: 'spin', type: 'transform', params: { expression: NEVER } }]));
    await until('the idle worker to retire', () => engine.pool?.live === 0);
    await until('its log line', () => log().some((l) => l.msg === 'engine worker stopped' && l.reason === 'retired'));
    const { runId } = await core.call('runs.start', { workflow: 'stuck', input: {} });
    await until('the step to run', () => stepRow(core, runId, 'spin').status === 'running');
    const t0 = Date.now();
    await engine.stop();
    const took = Date.now() - t0;
    expect(took).toBeLessThan(3_000);
    expect(stepRow(core, runId, 'spin')).toMatchObject({ status: 'ready', claimed_by: null, deaths: 0 });
    const lines = log();
    expect(lines.find((l) => l.msg === 'engine worker stopped: still busy after the stop grace')?.level).toBe('info');
    expect(lines.find((l) => l.msg === 'engine worker stopped' && l.reason === 'retired')?.level).toBe('debug');
    expect(lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
  });
});

describe('step timeouts and suspects, without the pool', () => {
  it('a node waiting longer than its timeout fails "timed out after …" (retried per policy) on the main thread too', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const h = await harness();
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      await h.importWf(wf('slow', [{ id: 'get', type: 'http.request', params: { url, timeout: '1m' }, timeout: '300ms', retry: { maxAttempts: 1 } }]));
      const id = await h.run('slow');
      const d = await h.detail(id);
      expect(d.status).toBe('failed');
      expect(d.error).toMatchObject({ code: 'timeout', message: 'timed out after 300 ms in node "get" (http.request)' });
    } finally {
      await h.cleanup();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('the settings: engine.stepTimeout (a duration) and engine.workerHeapMb (MB) are checked, and read by the engine', async () => {
    const h = await harness();
    try {
      await expect(h.core.call('settings.set', { key: 'engine.workerHeapMb', value: 10 })).rejects.toThrow(/engine\.workerHeapMb \(Memory limit per engine worker \(MB\)\): at least 64 MB/);
      await expect(h.core.call('settings.set', { key: 'engine.stepTimeout', value: 'soon' })).rejects.toThrow(/engine\.stepTimeout/);
      expect(h.engine.stepTimeoutMs()).toBe(60_000);
      await h.core.call('settings.set', { key: 'engine.stepTimeout', value: '300ms' });
      expect(h.engine.stepTimeoutMs()).toBe(300);
      // It applies to a node without a timeout of its own (a node type without a default of its own).
      // A test node type on this core's registry (the inline engine runs on the main thread).
      h.core.nodes.add('test', [defineNode({ type: 'test.hang', description: 'never answers', params: z.object({}).strict(), run: () => new Promise(() => undefined) }) as NodeDef]);
      await h.importWf(wf('hangs', [{ id: 'wait', type: 'test.hang', params: {}, retry: { maxAttempts: 1 } }]));
      // The engine reads it when it starts.
      await h.engine.start('inline');
      await h.engine.stop();
      expect(h.engine.executor.stepTimeoutMs).toBe(300);
      const d = await h.detail(await h.run('hangs'));
      expect(d.status).toBe('failed');
      expect(d.error?.message).toBe('timed out after 300 ms in node "wait" (test.hang)');
    } finally {
      await h.cleanup();
    }
  });

  it('an event filter that never ends (it runs on the main thread) is stopped by its limits: the event goes on, the workflow is not started', { timeout: 60_000 }, async () => {
    const h = await harness();
    try {
      await h.importWf(wf('never-filter', [{ id: 'x', type: 'log', params: { message: 'never' } }], [], { trigger: { type: 'event', event: 'thing.happened', filter: `(${NEVER}) = 1` } }));
      await h.importWf(wf('deep-filter', [{ id: 'x', type: 'log', params: { message: 'deep' } }], [], { trigger: { type: 'event', event: 'thing.happened', filter: `($f := function($n){ 1 + $f($n + 1) }; $f(0)) > 0` } }));
      await h.importWf(wf('fine-filter', [{ id: 'x', type: 'log', params: { message: 'fine' } }], [], { trigger: { type: 'event', event: 'thing.happened', filter: 'event.data.n = 1' } }));
      const t0 = Date.now();
      const r = await publishEvent(h.core, { type: 'thing.happened', data: { n: 1 } });
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(r.startedRuns).toHaveLength(1);
      const started = await h.detail(r.startedRuns[0]!);
      expect(started.workflowId).toBe('fine-filter');
    } finally {
      await h.cleanup();
    }
  });

  it('steps whose worker died are claimed alone, one at a time in the whole pool', async () => {
    const h = await harness();
    try {
      await h.importWf(wf('one', [{ id: 's', type: 'set', params: { values: { ok: true } } }]));
      h.engine.setPaused(true);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await h.core.call('runs.start', { workflow: 'one', input: {} })).runId);
      h.core.db.prepare(`UPDATE steps SET deaths = 1 WHERE run_id IN (?, ?)`).run(ids[0], ids[1]);
      const store = h.engine.store;
      const a = store.claim('x:w0', 256);
      expect(a.map((s) => s.runId)).toEqual([ids[0]]);
      // Another worker: no second suspect while one runs, the others in a batch.
      const b = store.claim('x:w1', 256);
      expect(b.map((s) => s.runId).sort()).toEqual([ids[2], ids[3]].sort());
      expect(store.claim('x:w1', 256)).toEqual([]);
      store.releaseClaims('x:w0');
      expect(store.claim('x:w1', 256).map((s) => s.runId)).toEqual([ids[0]]);
    } finally {
      await h.cleanup();
    }
  });
});
