import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, wf, type EngineHarness } from './util';

let h: EngineHarness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

const sleeper = wf(
  'sleeper',
  [
    { id: 'sleep', type: 'wait', params: { duration: '1h' } },
    { id: 'woke', type: 'set', params: { values: { n: '=input.n' } } },
  ],
  [{ from: 'sleep', to: 'woke' }],
);

function startMany(n: number): string[] {
  const ids: string[] = [];
  h.engine.store.tx(() => {
    for (let i = 0; i < n; i++) ids.push(h.engine.store.startRunTx({ workflow: 'sleeper', input: { n: i }, trigger: { type: 'api' } }).runId);
  });
  return ids;
}

const count = (sql: string, ...args: unknown[]) => (h.core.db.prepare(sql).get(...args) as { n: number }).n;

describe('overdue timers after a sleep', () => {
  it('are fired in batches, each exactly once, and every run resumes and finishes', async () => {
    await h.importWf(sleeper);
    const ids = startMany(2500);
    await h.drain();
    expect(count(`SELECT COUNT(*) AS n FROM timers WHERE kind = 'resume'`)).toBe(2500);
    expect(count(`SELECT COUNT(*) AS n FROM runs WHERE status = 'waiting'`)).toBe(2500);

    const woken: string[] = [];
    h.core.bus.on('run.updated', (e) => {
      if ((e as { status: string }).status === 'running') woken.push((e as { id: string }).id);
    });
    h.clock.advance(3 * 3_600_000); // slept through the due time
    // Batches of 1,000: three transactions in one call (the budget is not the limit here).
    expect(h.engine.store.fireTimers(1000, 60_000)).toBe(2500);
    expect(h.engine.store.fireTimers(1000, 60_000)).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM timers')).toBe(0);
    expect(count(`SELECT COUNT(*) AS n FROM steps WHERE node_id = 'sleep' AND status = 'ready' AND resume = '{"kind":"timer"}'`)).toBe(2500);
    expect(count(`SELECT COUNT(*) AS n FROM runs WHERE status = 'running'`)).toBe(2500);
    expect(woken.sort()).toEqual([...ids].sort());

    await h.drain();
    expect(count(`SELECT COUNT(*) AS n FROM runs WHERE status = 'succeeded'`)).toBe(2500);
    const out = h.core.db.prepare(`SELECT output FROM runs WHERE id = ?`).get(ids[1234]) as { output: string };
    expect(JSON.parse(out.output)).toEqual({ n: 1234 });
    expect(count(`SELECT COUNT(*) AS n FROM steps WHERE status = 'succeeded'`)).toBe(5000);
  });

  it('stop at the time budget after a whole batch, and leave timers not yet due alone', async () => {
    await h.importWf(sleeper);
    startMany(300);
    await h.drain();
    h.clock.advance(30 * 60_000);
    startMany(50); // due an hour after now: not due yet when the first 300 are
    await h.drain();
    h.clock.advance(45 * 60_000);
    expect(h.engine.store.fireTimers(100, 0)).toBe(100); // budget spent after the first transaction
    expect(count('SELECT COUNT(*) AS n FROM timers')).toBe(250);
    expect(h.engine.store.fireTimers(100, 60_000)).toBe(200);
    expect(count('SELECT COUNT(*) AS n FROM timers')).toBe(50);
    await h.drain();
    expect(count(`SELECT COUNT(*) AS n FROM runs WHERE status = 'succeeded'`)).toBe(300);
    expect(count(`SELECT COUNT(*) AS n FROM runs WHERE status = 'waiting'`)).toBe(50);
  });

  it('a run whose timeout falls in the same batch as its wake-up fails and is not resumed', async () => {
    await h.importWf({ ...sleeper, id: 'bounded', settings: { timeout: '30m' } });
    const { runId } = h.engine.startRun({ workflow: 'bounded', input: { n: 1 } });
    await h.drain();
    h.clock.advance(2 * 3_600_000);
    expect(h.engine.store.fireTimers()).toBe(2);
    await h.drain();
    const run = h.core.db.prepare('SELECT status, error FROM runs WHERE id = ?').get(runId) as { status: string; error: string };
    expect(run.status).toBe('failed');
    expect(JSON.parse(run.error)).toMatchObject({ code: 'run_timeout' });
    expect(count(`SELECT COUNT(*) AS n FROM steps WHERE run_id = ? AND node_id = 'woke'`, runId)).toBe(0);
    expect(count(`SELECT COUNT(*) AS n FROM steps WHERE run_id = ? AND node_id = 'sleep' AND status = 'cancelled'`, runId)).toBe(1);
  });
});
