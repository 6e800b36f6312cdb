/**
 * The Bree worker pool, from the built files (npm test builds first), copied to
 * an install path with spaces and parentheses.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineOf, type Engine } from '../../electron/core/engine';
import type { Core } from '../../electron/core/core';
import { openTestCore } from '../helpers';
import { startSink } from './sink';
import { wf } from './util';

const built = resolve(__dirname, '../../out/main/jobs/dispatcher.js');
let install = '';
let jobsDir = '';

beforeAll(() => {
  if (!existsSync(built)) throw new Error('Build first (npx electron-vite build): the pool test runs the built worker files');
  install = join(mkdtempSync(join(tmpdir(), 'baton-pool-')), 'Baton App (x86) test');
  cpSync(resolve(__dirname, '../../out'), join(install, 'out'), { recursive: true });
  symlinkSync(resolve(__dirname, '../../node_modules'), join(install, 'node_modules'), 'dir');
  jobsDir = join(install, 'out', 'main', 'jobs');
});
afterAll(() => {
  if (install) rmSync(resolve(install, '..'), { recursive: true, force: true });
});

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 40_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function poolCore(workers = 2, idleExitMs?: number, lateStartMs?: number): Promise<{ core: Core; engine: Engine; cleanup: () => Promise<void> }> {
  const t = await openTestCore({ host: 'server' });
  const engine = engineOf(t.core);
  engine.poolOptions = { jobsDir, workers, ...(idleExitMs !== undefined ? { idleExitMs } : {}), ...(lateStartMs !== undefined ? { lateStartMs } : {}) };
  await engine.start('pool');
  return { core: t.core, engine, cleanup: t.cleanup };
}

const count = (core: Core, status: string) => (core.db.prepare('SELECT COUNT(*) AS n FROM runs WHERE status = ?').get(status) as { n: number }).n;

describe('worker pool (Bree, built files, install path with spaces and parentheses)', () => {
  it('started with nothing to do, the workers come a moment later, or at once for the first work', { timeout: 90_000 }, async () => {
    const first = await poolCore(2);
    try {
      // No thread loads the engine while the host is still starting.
      expect(first.engine.pool?.live).toBe(0);
      await until('both workers, a moment after the start', () => first.engine.pool?.live === 2);
    } finally {
      await first.cleanup();
    }
    // The late start far away: only the work itself can start a worker.
    const second = await poolCore(2, undefined, 10 * 60_000);
    try {
      expect(second.engine.pool?.live).toBe(0);
      await second.core.call('workflows.import', { definition: wf('first-work', [{ id: 's', type: 'set', params: { values: { ok: true } } }]) });
      await second.core.call('runs.start', { workflow: 'first-work', input: {} });
      await until('the first run to succeed', () => count(second.core, 'succeeded') === 1);
      expect(second.engine.pool?.live).toBeGreaterThan(0);
    } finally {
      await second.cleanup();
    }
  });

  it('runs many runs on the workers, events reach core.bus, approvals resume', { timeout: 60_000 }, async () => {
    expect(jobsDir).toMatch(/ \(x86\) /);
    const { core, engine, cleanup } = await poolCore(2);
    try {
      expect(engine.pool?.jobsDir).toBe(jobsDir);
      await core.call('workflows.import', {
        definition: wf(
          'five',
          [
            { id: 'c', type: 'condition', params: { if: 'input.n % 2 = 0' } },
            { id: 's', type: 'set', params: { values: { n: '=input.n' } } },
            { id: 'p', type: 'parallel', params: {} },
            { id: 'a', type: 'set', params: { values: { a: 1 } } },
            { id: 'b', type: 'set', params: { values: { b: 2 } } },
            { id: 'j', type: 'join', params: { mode: 'all' } },
          ],
          [
            { from: 'c', to: 's' },
            { from: 's', to: 'p' },
            { from: 'p', to: 'a' },
            { from: 'p', to: 'b' },
            { from: 'a', to: 'j' },
            { from: 'b', to: 'j' },
          ],
        ),
      });
      const updates: string[] = [];
      core.bus.on('run.updated', (u) => updates.push(u.status));
      for (let i = 0; i < 300; i++) await core.call('runs.start', { workflow: 'five', input: { n: i } });
      await until('300 runs to succeed', () => count(core, 'succeeded') === 300);
      // Push events travel from the workers in their own messages: they may land just after the commit is visible.
      await until('300 succeeded run.updated events on core.bus', () => updates.filter((s) => s === 'succeeded').length >= 300);
      expect(updates.filter((s) => s === 'succeeded')).toHaveLength(300);
      const claimedBy = core.db.prepare(`SELECT COUNT(DISTINCT claimed_by) AS n FROM steps`).get() as { n: number };
      expect(claimedBy.n).toBeLessThanOrEqual(1); // released after commit (NULL)

      await core.call('workflows.import', {
        definition: wf('ask', [{ id: 'q', type: 'approval', params: { title: 'ok?' } }, { id: 'r', type: 'set', params: { values: { d: '=prev.decision' } } }], [{ from: 'q', to: 'r', branch: 'approved' }]),
      });
      const created: string[] = [];
      core.bus.on('approval.created', (a) => created.push(a.id));
      const { runId } = await core.call('runs.start', { workflow: 'ask', input: {} });
      await until('approval.created from a worker', () => created.length === 1);
      await core.call('approvals.decide', { id: created[0]!, decision: 'approve' });
      await until('the approved run to finish', async () => (await core.call('runs.get', { id: runId })).status === 'succeeded');
      expect((await core.call('runs.get', { id: runId })).output).toEqual({ d: 'approved' });
    } finally {
      await cleanup();
    }
  });

  it('a worker killed between send and record: the step re-runs, the same Idempotency-Key is re-sent, applied once', { timeout: 60_000 }, async () => {
    let engineRef: Engine | null = null;
    let killed = false;
    const sink = await startSink((r) => {
      if (!killed && r.url === '/effect') {
        killed = true;
        // The receiver applied it; the worker dies before recording the answer.
        void engineRef?.pool?.kill(0);
        void engineRef?.pool?.kill(1);
        return { status: 200, body: { applied: true } };
      }
      return { status: 200, body: { applied: true } };
    });
    const { core, engine, cleanup } = await poolCore(2);
    engineRef = engine;
    try {
      await core.call('workflows.import', {
        definition: wf('effect', [{ id: 'send', type: 'http.request', params: { method: 'POST', url: `${sink.url}/effect`, body: { x: 1 } } }]),
      });
      const { runId } = await core.call('runs.start', { workflow: 'effect', input: {} });
      await until('the run to succeed after the worker restart', async () => (await core.call('runs.get', { id: runId })).status === 'succeeded');
      const keys = sink.received.map((r) => r.key);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      expect(new Set(keys)).toEqual(new Set([`${runId}:send`]));
      expect(sink.applied.size).toBe(1);
      const row = core.db.prepare('SELECT sends, status FROM outbox').get() as { sends: number; status: string };
      expect(row.status).toBe('sent');
      expect(row.sends).toBeGreaterThanOrEqual(2);
    } finally {
      await cleanup();
      await sink.close();
    }
  });

  it('idle workers retire and come back for new runs, for a near timer, and not while paused', { timeout: 60_000 }, async () => {
    const { core, engine, cleanup } = await poolCore(2, 300);
    try {
      await core.call('workflows.import', { definition: wf('one', [{ id: 's', type: 'set', params: { values: { n: '=input.n' } } }]) });
      await core.call('workflows.import', {
        definition: wf(
          'nap',
          [
            { id: 'w', type: 'wait', params: { duration: '1500ms' } },
            { id: 's', type: 'set', params: { values: { woke: true } } },
          ],
          [{ from: 'w', to: 's' }],
        ),
      });
      await until('the idle workers to retire', () => engine.pool?.live === 0);
      // New work starts them again.
      for (let i = 0; i < 20; i++) await core.call('runs.start', { workflow: 'one', input: { n: i } });
      await until('20 runs to succeed', () => count(core, 'succeeded') === 20);
      await until('the idle workers to retire again', () => engine.pool?.live === 0);
      // A run that waits: its timer is near, so a worker stays (or is started again) and fires it.
      const { runId } = await core.call('runs.start', { workflow: 'nap', input: {} });
      await until('the nap run to succeed', () => (core.db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string }).status === 'succeeded', 20_000);
      await until('the idle workers to retire once more', () => engine.pool?.live === 0);
      // Paused: ready steps do not start a worker; resuming does.
      await core.call('engine.pauseAll', {});
      await core.call('runs.start', { workflow: 'one', input: { n: 99 } });
      await new Promise((r) => setTimeout(r, 2500)); // longer than a heartbeat
      expect(engine.pool?.live).toBe(0);
      expect(count(core, 'succeeded')).toBe(21);
      await core.call('engine.resumeAll', {});
      await until('the run started while paused to succeed', () => count(core, 'succeeded') === 22);
    } finally {
      await cleanup();
    }
  });
});
