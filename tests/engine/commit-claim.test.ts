import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, wf, type EngineHarness } from './util';

let h: EngineHarness;
beforeEach(async () => {
  h = await harness();
  await h.importWf(
    wf(
      'two',
      [
        { id: 'a', type: 'set', params: { values: { n: '=input.n' } } },
        { id: 'b', type: 'set', params: { values: { done: true } } },
      ],
      [{ from: 'a', to: 'b' }],
    ),
  );
});
afterEach(async () => {
  await h.cleanup();
});

const rows = () => h.core.db.prepare('SELECT run_id, node_id, status, claimed_by FROM steps ORDER BY id').all() as { run_id: string; node_id: string; status: string; claimed_by: string | null }[];

describe('commit claims the next batch in the same transaction', () => {
  it('returns the successors first, then other ready steps up to `fill`, all claimed for the worker', async () => {
    const runs = [0, 1, 2].map((n) => h.engine.startRun({ workflow: 'two', input: { n } }).runId);
    // A run that starts at once is inserted running, with its start time, in one write.
    const run0 = h.core.db.prepare('SELECT status, started_at, created_at FROM runs WHERE id = ?').get(runs[0]) as { status: string; started_at: string; created_at: string };
    expect(run0).toMatchObject({ status: 'running', started_at: run0.created_at });
    const ex = h.engine.executor;
    const store = ex.store;
    const first = store.claim('w-test', 1);
    expect(first.map((s) => s.runId)).toEqual([runs[0]]);
    const results = await Promise.all(first.map((s) => ex.execute(s)));
    const next = store.commit(results, 'w-test', 10);
    expect(next.map((s) => [s.runId, s.nodeId])).toEqual([
      [runs[0], 'b'],
      [runs[1], 'a'],
      [runs[2], 'a'],
    ]);
    expect(rows().filter((r) => r.status === 'ready')).toEqual([]);
    expect(rows().filter((r) => r.status === 'running').every((r) => r.claimed_by === 'w-test')).toBe(true);
    // Handed back (pause, crash of the worker): ready again, and the engine finishes every run.
    store.releaseClaims('w-test');
    expect(rows().filter((r) => r.status === 'ready')).toHaveLength(3);
    await h.drain();
    for (const id of runs) expect((await h.detail(id)).status).toBe('succeeded');
  });

  it('reads the facts of a batch of runs in one query, the same as one by one', () => {
    const runs = [0, 1, 2].map((n) => h.engine.startRun({ workflow: 'two', input: { n } }).runId);
    const store = h.engine.executor.store;
    const many = store.runInfos([runs[2] as string, runs[0] as string, 'r_missing']);
    expect(many.map((r) => r.id).sort()).toEqual([runs[0], runs[2]].sort());
    for (const r of many) expect(r).toEqual(store.runInfo(r.id));
    expect(many.find((r) => r.id === runs[2])).toMatchObject({ workflowId: 'two', input: { n: 2 }, parentRunId: null, parentStepId: null });
  });

  it('claims nothing more with fill 0 (a pass over its time budget)', async () => {
    const runs = [0, 1].map((n) => h.engine.startRun({ workflow: 'two', input: { n } }).runId);
    const ex = h.engine.executor;
    const first = ex.store.claim('w-test', 1);
    const next = ex.store.commit(await Promise.all(first.map((s) => ex.execute(s))), 'w-test', 0);
    expect(next.map((s) => [s.runId, s.nodeId])).toEqual([[runs[0], 'b']]);
    expect(rows().filter((r) => r.status === 'ready').map((r) => r.run_id)).toEqual([runs[1]]);
  });
});

describe('a pass with nothing to do takes no write lock', () => {
  it('nothing ready and no timer due: the pass reads that and ends, while another connection holds the write lock', async () => {
    // A timer that is not due yet (a wait until an hour from now).
    await h.importWf(wf('later', [{ id: 'w', type: 'wait', params: { duration: '1h' } }]));
    const waiting = await h.run('later');
    expect((await h.detail(waiting)).status).toBe('waiting');
    const other = new Database(h.core.dbFile);
    const busy = h.core.db.pragma('busy_timeout', { simple: true }) as number;
    // No waiting for the lock: a pass that tried to take it would fail at once with SQLITE_BUSY.
    h.core.db.pragma('busy_timeout = 0');
    try {
      other.exec('BEGIN IMMEDIATE');
      expect(await h.engine.executor.pass()).toBe(0);
      other.exec('COMMIT');
      // With work to do the pass does take it (and runs the steps).
      const runId = h.engine.startRun({ workflow: 'two', input: { n: 1 } }).runId;
      other.exec('BEGIN IMMEDIATE');
      await expect(h.engine.executor.pass()).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      other.exec('COMMIT');
      expect(await h.engine.executor.pass()).toBe(2);
      expect((await h.detail(runId)).status).toBe('succeeded');
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      h.core.db.pragma(`busy_timeout = ${busy}`);
    }
  });
});
