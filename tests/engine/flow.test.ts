import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, wf, type EngineHarness } from './util';

let h: EngineHarness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

describe('engine flow', () => {
  it('branches on a condition and skips the other path', async () => {
    await h.importWf(
      wf(
        'score',
        [
          { id: 'check', type: 'condition', params: { if: 'input.score > 8' } },
          { id: 'vip', type: 'set', params: { values: { route: 'personal', who: '=input.name' } } },
          { id: 'drip', type: 'set', params: { values: { route: 'drip' } } },
        ],
        [
          { from: 'check', to: 'vip', branch: 'true' },
          { from: 'check', to: 'drip', branch: 'false' },
        ],
      ),
    );
    const hi = await h.detail(await h.run('score', { score: 9, name: 'Ada' }));
    expect(hi.status).toBe('succeeded');
    expect(hi.output).toEqual({ route: 'personal', who: 'Ada' });
    expect(Object.fromEntries(hi.steps.map((s) => [s.nodeId, s.status]))).toEqual({ check: 'succeeded', vip: 'succeeded', drip: 'skipped' });
    expect(hi.steps.find((s) => s.nodeId === 'check')?.branch).toBe('true');
    const lo = await h.detail(await h.run('score', { score: 2 }));
    expect(lo.output).toEqual({ route: 'drip' });
  });

  it('merges after if/else with the taken path as input', async () => {
    await h.importWf(
      wf(
        'merge',
        [
          { id: 'c', type: 'condition', params: { if: 'input.x = 1' } },
          { id: 'a', type: 'set', params: { values: { v: 'a' } } },
          { id: 'b', type: 'set', params: { values: { v: 'b' } } },
          { id: 'end', type: 'transform', params: { expression: 'prev.v & "!"' } },
        ],
        [
          { from: 'c', to: 'a', branch: 'true' },
          { from: 'c', to: 'b', branch: 'false' },
          { from: 'a', to: 'end' },
          { from: 'b', to: 'end' },
        ],
      ),
    );
    expect((await h.detail(await h.run('merge', { x: 1 }))).output).toBe('a!');
    expect((await h.detail(await h.run('merge', { x: 2 }))).output).toBe('b!');
  });

  it('switch picks the first matching case or default', async () => {
    await h.importWf(
      wf(
        'sw',
        [
          { id: 's', type: 'switch', params: { value: 'input.kind', cases: [{ name: 'lead', equals: 'lead' }, { name: 'big', if: 'input.amount > 100' }] } },
          { id: 'l', type: 'set', params: { values: { r: 'lead' } } },
          { id: 'g', type: 'set', params: { values: { r: 'big' } } },
          { id: 'd', type: 'set', params: { values: { r: 'default' } } },
        ],
        [
          { from: 's', to: 'l', branch: 'lead' },
          { from: 's', to: 'g', branch: 'big' },
          { from: 's', to: 'd', branch: 'default' },
        ],
      ),
    );
    expect((await h.detail(await h.run('sw', { kind: 'lead' }))).output).toEqual({ r: 'lead' });
    expect((await h.detail(await h.run('sw', { kind: 'x', amount: 500 }))).output).toEqual({ r: 'big' });
    expect((await h.detail(await h.run('sw', { kind: 'x', amount: 5 }))).output).toEqual({ r: 'default' });
  });
});
