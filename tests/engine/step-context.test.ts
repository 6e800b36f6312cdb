/**
 * A node's ctx is one object per step whose functions are handed out bound to the step: a node may take
 * them off it (`const { publish } = ctx`, pass `ctx.log` on) and call them later, and each step's
 * once/outbox keys count on their own.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode, type NodeDef } from '../../electron/core/engine/registry';
import { harness, wf, type EngineHarness } from './util';

let h: EngineHarness;
beforeEach(async () => {
  h = await harness();
  const detached = defineNode({
    type: 'test.detached',
    description: 'Uses ctx functions taken off ctx (tests).',
    params: z.object({ tag: z.string() }).strict(),
    async run(ctx) {
      const { publish, escalate, once, setPhase, now, log, steps } = ctx;
      const { info } = log;
      await Promise.resolve();
      publish({ type: 'test.detached', data: { tag: ctx.params.tag } });
      escalate({ severity: 'info', title: `detached ${ctx.params.tag}`, detail: 'from a function taken off ctx' });
      setPhase('EXECUTING');
      info('detached log line');
      const a = once('probe', (key) => key);
      const b = once('probe', (key) => key);
      return { output: { keys: [a.value, b.value], at: now(), before: Object.keys(steps()) } };
    },
  });
  h.core.nodes.add('tests', [detached as unknown as NodeDef]);
});
afterEach(async () => h.cleanup());

describe('a node ctx', () => {
  it('functions taken off ctx act for their own step, keys counted per step', async () => {
    await h.importWf(
      wf(
        'detached',
        [
          { id: 'one', type: 'test.detached', params: { tag: 'a' } },
          { id: 'two', type: 'test.detached', params: { tag: 'b' } },
        ],
        [{ from: 'one', to: 'two' }],
      ),
    );
    const id = await h.run('detached');
    expect((h.core.db.prepare('SELECT phase FROM runs WHERE id = ?').get(id) as { phase: string }).phase).toBe('EXECUTING');
    const d = await h.detail(id);
    expect(d.status).toBe('succeeded');
    const out = (node: string) => d.steps.find((s) => s.nodeId === node)?.output;
    expect(out('one')).toEqual({ keys: [`${id}:one`, `${id}:one:1`], at: h.clock.now, before: [] });
    expect(out('two')).toEqual({ keys: [`${id}:two`, `${id}:two:1`], at: h.clock.now, before: ['one'] });
    const events = h.core.db.prepare(`SELECT data FROM events WHERE type = 'test.detached' ORDER BY id`).all() as { data: string }[];
    expect(events.map((e) => JSON.parse(e.data))).toEqual([{ tag: 'a' }, { tag: 'b' }]);
    const titles = h.core.db.prepare(`SELECT title FROM escalations WHERE run_id = ? ORDER BY title`).all(id) as { title: string }[];
    expect(titles.map((t) => t.title)).toEqual(['detached a', 'detached b']);
  });
});
