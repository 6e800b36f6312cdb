/** kpi.automation: finished runs of a date range and the previous one, the success rate, failures in the last 24 h. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, wf, type EngineHarness } from './util';

let h: EngineHarness;
beforeEach(async () => {
  h = await harness();
  await h.importWf(wf('ok', [{ id: 'a', type: 'set', params: { values: { done: true } } }]));
  // input.a + "x" fails at run time (a number plus a string).
  await h.importWf(wf('bad', [{ id: 'boom', type: 'transform', params: { expression: 'input.a + "x"' } }], [], { settings: { escalateOnFailure: 'none' } }));
});
afterEach(async () => {
  await h.cleanup();
});

const DAY = 86_400_000;
const at = (iso: string) => {
  h.clock.now = Date.parse(iso);
};

describe('kpi.automation', () => {
  it('counts runs by finish day in the range and the previous period, with the success rate', async () => {
    // Previous period (2025-02-22 .. 2025-02-28): 1 ok, 1 failed.
    at('2025-02-25T10:00:00Z');
    expect((await h.detail(await h.run('ok'))).status).toBe('succeeded');
    expect((await h.detail(await h.run('bad', { a: 1 }))).status).toBe('failed');
    // Current period (2025-03-01 .. 2025-03-07): 3 ok, 1 failed.
    at('2025-03-01T00:00:00Z');
    await h.run('ok');
    at('2025-03-04T12:00:00Z');
    await h.run('ok');
    await h.run('bad', { a: 1 });
    at('2025-03-07T23:59:59Z');
    await h.run('ok');
    // After the range: not counted.
    at('2025-03-08T00:00:00Z');
    await h.run('bad', { a: 1 });

    const k = await h.core.call('kpi.automation', { from: '2025-03-01', to: '2025-03-07' });
    expect(k.current).toEqual({ from: '2025-03-01', to: '2025-03-07', finished: 4, succeeded: 3, failed: 1, cancelled: 0, successRate: 75 });
    expect(k.previous).toEqual({ from: '2025-02-22', to: '2025-02-28', finished: 2, succeeded: 1, failed: 1, cancelled: 0, successRate: 50 });
    // Now is 2025-03-08T00:00Z: the failures of 03-04 12:00 and 03-08 00:00 lie within 24 h? Only the latter does.
    expect(k.failedLast24h).toBe(1);
    h.clock.advance(DAY + 1);
    expect((await h.core.call('kpi.automation', { from: '2025-03-01', to: '2025-03-07' })).failedLast24h).toBe(0);
  });

  it('an empty range has no rate, and a reversed range is refused naming the field', async () => {
    const k = await h.core.call('kpi.automation', { from: '2024-01-01', to: '2024-01-01' });
    expect(k.current).toMatchObject({ finished: 0, successRate: null, from: '2024-01-01', to: '2024-01-01' });
    expect(k.previous).toMatchObject({ from: '2023-12-31', to: '2023-12-31' });
    await expect(h.core.call('kpi.automation', { from: '2025-03-07', to: '2025-03-01' })).rejects.toMatchObject({ code: 'invalid_input', issues: [{ path: 'to' }] });
    await expect(h.core.call('kpi.automation', { from: 'yesterday', to: '2025-03-01' })).rejects.toMatchObject({
      code: 'invalid_input',
      issues: expect.arrayContaining([{ path: 'from', message: 'use a date such as 2025-03-01' }]) as unknown,
    });
  });

  it('uses the runs_status_finished index', () => {
    const plan = h.core.db
      .prepare(`EXPLAIN QUERY PLAN SELECT status, COUNT(*) AS n FROM runs WHERE status IN ('succeeded','failed','cancelled') AND finished_at >= ? AND finished_at < ? AND scope = '' GROUP BY status`)
      .all('2025-03-01', '2025-03-08') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/runs_status_finished/);
  });
});
