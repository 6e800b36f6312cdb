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

  it('a merge reached by two dead paths decided in one commit, and by a path that ended in an earlier commit, goes on', async () => {
    // g and s run in the first commit; c runs alone in the next one. Its false branch (f1, f2) is skipped there: the
    // skip of f1 reaches m first (f2 still open), then the skip of f2 decides m, which must see f1 skipped in the same
    // commit before anything of it is written, and goes on with g's output.
    await h.importWf(
      wf(
        'late-merge',
        [
          { id: 'g', type: 'set', params: { values: { from: 'g' } } },
          { id: 's', type: 'set', params: { values: { x: 1 } } },
          { id: 'c', type: 'condition', params: { if: 'prev.x = 1' } },
          { id: 't', type: 'set', params: { values: { t: true } } },
          { id: 'f1', type: 'set', params: { values: { f: 1 } } },
          { id: 'f2', type: 'set', params: { values: { f: 2 } } },
          { id: 'm', type: 'transform', params: { expression: 'prev.from & "!"' } },
        ],
        [
          { from: 's', to: 'c' },
          { from: 'c', to: 't', branch: 'true' },
          { from: 'c', to: 'f1', branch: 'false' },
          { from: 'c', to: 'f2', branch: 'false' },
          { from: 'f1', to: 'm' },
          { from: 'f2', to: 'm' },
          { from: 'g', to: 'm' },
        ],
      ),
    );
    const d = await h.detail(await h.run('late-merge'));
    expect(d.status).toBe('succeeded');
    expect(Object.fromEntries(d.steps.map((s) => [s.nodeId, s.status]))).toEqual({ g: 'succeeded', s: 'succeeded', c: 'succeeded', t: 'succeeded', f1: 'skipped', f2: 'skipped', m: 'succeeded' });
    expect(d.steps.find((s) => s.nodeId === 'm')?.output).toBe('g!');
    expect(d.output).toEqual({ t: { t: true }, m: 'g!' });
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
