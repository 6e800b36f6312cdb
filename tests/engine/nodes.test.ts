import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, wf, type EngineHarness } from './util';

let h: EngineHarness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

const statuses = (d: { steps: { nodeId: string; status: string }[] }) => Object.fromEntries(d.steps.map((s) => [s.nodeId, s.status]));

describe('parallel and join', () => {
  const fanout = (mode: 'all' | 'any' | 'first') =>
    wf(
      `join-${mode}`,
      [
        { id: 'p', type: 'parallel', params: {} },
        { id: 'fast', type: 'set', params: { values: { who: 'fast' } } },
        { id: 'slow', type: 'wait', params: { duration: '1h' } },
        { id: 'slowDone', type: 'set', params: { values: { who: 'slow' } } },
        { id: 'j', type: 'join', params: { mode } },
      ],
      [
        { from: 'p', to: 'fast' },
        { from: 'p', to: 'slow' },
        { from: 'slow', to: 'slowDone' },
        { from: 'fast', to: 'j' },
        { from: 'slowDone', to: 'j' },
      ],
    );

  it('all waits for every path and outputs each one', async () => {
    await h.importWf(fanout('all'));
    const id = await h.run('join-all');
    expect((await h.detail(id)).status).toBe('waiting');
    expect(statuses(await h.detail(id)).j).toBeUndefined();
    h.clock.advance(3_600_000);
    await h.drain();
    const d = await h.detail(id);
    expect(d.status).toBe('succeeded');
    expect(d.output).toEqual({ fast: { who: 'fast' }, slowDone: { who: 'slow' } });
  });

  it('any goes on with the first arrival while the others keep running', async () => {
    await h.importWf(fanout('any'));
    const id = await h.run('join-any');
    let d = await h.detail(id);
    expect(statuses(d).j).toBe('succeeded');
    expect(d.steps.find((s) => s.nodeId === 'j')?.output).toEqual({ who: 'fast' });
    expect(d.status).toBe('waiting');
    h.clock.advance(3_600_000);
    await h.drain();
    d = await h.detail(id);
    expect(d.status).toBe('succeeded');
    expect(statuses(d).slowDone).toBe('succeeded');
  });

  it('first goes on with the first arrival and stops the others', async () => {
    await h.importWf(fanout('first'));
    const id = await h.run('join-first');
    const d = await h.detail(id);
    expect(d.status).toBe('succeeded');
    expect(statuses(d)).toMatchObject({ j: 'succeeded', slow: 'skipped' });
    expect((await h.core.call('engine.status', {})).timers).toBe(0);
  });
});

describe('forEach', () => {
  it('runs the body per item with at most `concurrency` at once, outputs in order', async () => {
    await h.importWf(
      wf('each', [
        {
          id: 'loop',
          type: 'forEach',
          params: {
            items: '=input.list',
            concurrency: 2,
            body: {
              nodes: [
                { id: 'pause', type: 'wait', params: { duration: '=input.item.ms' } },
                { id: 'double', type: 'transform', params: { expression: 'input.item.v * 2' } },
              ],
              edges: [{ from: 'pause', to: 'double' }],
            },
          },
        },
      ]),
    );
    const list = [{ v: 1, ms: 1000 }, { v: 2, ms: 3000 }, { v: 3, ms: 1000 }, { v: 4, ms: 1000 }];
    const id = await h.run('each', { list });
    const active = () => h.core.db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE parent_run_id = ? AND status IN ('running','waiting')`).get(id) as { n: number };
    let maxActive = active().n;
    for (let i = 0; i < 6; i++) {
      h.clock.advance(1000);
      await h.drain();
      maxActive = Math.max(maxActive, active().n);
    }
    const d = await h.detail(id);
    expect(d.status).toBe('succeeded');
    expect(d.output).toEqual([2, 4, 6, 8]);
    expect(maxActive).toBe(2);
    // body runs are not listed as workflow runs
    expect((await h.core.call('runs.list', { workflow: 'each' })).runs).toHaveLength(1);
  });

  it('an empty list outputs []', async () => {
    await h.importWf(wf('each0', [{ id: 'loop', type: 'forEach', params: { items: '=input.list', body: { nodes: [{ id: 'x', type: 'log', params: { message: 'hi' } }] } } }]));
    expect((await h.detail(await h.run('each0', { list: [] }))).output).toEqual([]);
  });
});

describe('waits', () => {
  it('waits for a duration and until a time, by the engine clock', async () => {
    await h.importWf(
      wf(
        'waits',
        [
          { id: 'w1', type: 'wait', params: { duration: '48h' } },
          { id: 'w2', type: 'wait', params: { until: '2025-03-05T00:00:00Z' } },
          { id: 'done', type: 'set', params: { values: { ok: true } } },
        ],
        [
          { from: 'w1', to: 'w2' },
          { from: 'w2', to: 'done' },
        ],
      ),
    );
    const id = await h.run('waits');
    const step = async (n: string) => (await h.detail(id)).steps.find((s) => s.nodeId === n);
    expect((await step('w1'))?.waitingFor).toBe('until 2025-03-03T09:00:00.000Z');
    h.clock.advance(48 * 3_600_000 - 1);
    await h.drain();
    expect((await step('w1'))?.status).toBe('waiting');
    h.clock.advance(1);
    await h.drain();
    expect((await step('w2'))?.status).toBe('waiting');
    h.clock.now = Date.parse('2025-03-05T00:00:00Z');
    await h.drain();
    expect((await h.detail(id)).status).toBe('succeeded');
  });

  it('waits for a matching event, or takes the timeout branch', async () => {
    await h.importWf(
      wf(
        'reply',
        [
          { id: 'w', type: 'wait', params: { event: { type: 'email.replied', match: { 'data.contactId': '=input.contactId' }, timeout: '2d' } } },
          { id: 'thanks', type: 'set', params: { values: { got: '=prev.data.text' } } },
          { id: 'nudge', type: 'set', params: { values: { nudge: true } } },
        ],
        [
          { from: 'w', to: 'thanks', branch: 'event' },
          { from: 'w', to: 'nudge', branch: 'timeout' },
        ],
      ),
    );
    const a = await h.run('reply', { contactId: 'c1' });
    const b = await h.run('reply', { contactId: 'c2' });
    // an event for another contact does not resume c1
    const other = await h.core.call('events.publish', { type: 'email.replied', data: { contactId: 'zzz', text: 'no' } });
    expect(other.resumedSteps).toBe(0);
    const ev = await h.core.call('events.publish', { type: 'email.replied', data: { contactId: 'c1', text: 'yes please' } });
    expect(ev.resumedSteps).toBe(1);
    await h.drain();
    expect((await h.detail(a)).output).toEqual({ got: 'yes please' });
    expect((await h.detail(b)).status).toBe('waiting');
    h.clock.advance(2 * 86_400_000);
    await h.drain();
    expect((await h.detail(b)).output).toEqual({ nudge: true });
    // the timer of the resumed run was removed: nothing fires for it later
    expect(statuses(await h.detail(a)).nudge).toBe('skipped');
  });
});

describe('event triggers', () => {
  it('starts enabled workflows whose filter matches, once per event', async () => {
    await h.importWf({
      id: 'on-signup',
      name: 'On signup',
      trigger: { type: 'event', event: 'contact.created', filter: 'event.data.source = "form"' },
      nodes: [{ id: 'hello', type: 'set', params: { values: { email: '=input.email' } } }],
    });
    const r1 = await h.core.call('events.publish', { type: 'contact.created', data: { email: 'a@x.test', source: 'form' }, subject: { type: 'contact', id: 'c1' } });
    const r2 = await h.core.call('events.publish', { type: 'contact.created', data: { email: 'b@x.test', source: 'import' } });
    expect(r1.startedRuns).toHaveLength(1);
    expect(r2.startedRuns).toHaveLength(0);
    await h.drain();
    const d = await h.detail(r1.startedRuns[0] as string);
    expect(d.output).toEqual({ email: 'a@x.test' });
    expect(d.subject).toBe('c1');
    await h.core.call('workflows.disable', { id: 'on-signup' });
    expect((await h.core.call('events.publish', { type: 'contact.created', data: { source: 'form' } })).startedRuns).toHaveLength(0);
  });
});
