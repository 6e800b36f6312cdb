import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, wf, type EngineHarness } from './util';

let h: EngineHarness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

// check -> (true) ok, (false) nope; ok fails when input.boom; an approval waits on the other path.
const def = wf(
  'stats',
  [
    { id: 'check', type: 'condition', params: { if: 'input.go' } },
    { id: 'ok', type: 'transform', params: { expression: 'input.boom ? $error("boom") : "fine"' } },
    { id: 'nope', type: 'approval', params: { title: 'Go anyway?', timeout: '1d' } },
  ],
  [
    { from: 'check', to: 'ok', branch: 'true' },
    { from: 'check', to: 'nope', branch: 'false' },
  ],
);

describe('workflows.nodeStats', () => {
  it('counts each node’s steps by outcome over the runs of the window, equal to the run details', async () => {
    await h.importWf(def);
    const ids = [await h.run('stats', { go: true }), await h.run('stats', { go: true }), await h.run('stats', { go: true, boom: true }), await h.run('stats', { go: false })];
    const s = await h.core.call('workflows.nodeStats', { id: 'stats' });
    expect(s.runs).toBe(4);
    expect(s.days).toBe(7);
    expect(s.nodes).toEqual({
      check: { succeeded: 4, failed: 0, waiting: 0, skipped: 0, cancelled: 0, active: 0 },
      ok: { succeeded: 2, failed: 1, waiting: 0, skipped: 1, cancelled: 0, active: 0 },
      nope: { succeeded: 0, failed: 0, waiting: 1, skipped: 3, cancelled: 0, active: 0 },
    });
    // The same numbers from the step timelines.
    const tally: Record<string, Record<string, number>> = {};
    for (const id of ids) for (const st of (await h.detail(id)).steps) (tally[st.nodeId] ??= {})[st.status] = (tally[st.nodeId]?.[st.status] ?? 0) + 1;
    for (const [node, byStatus] of Object.entries(tally)) for (const [status, n] of Object.entries(byStatus)) expect(s.nodes[node]?.[status as 'succeeded']).toBe(n);
  });

  it('leaves out runs older than the window and other workflows', async () => {
    await h.importWf(def);
    await h.importWf({ ...def, id: 'other', name: 'other' });
    await h.run('stats', { go: true });
    h.clock.advance(3 * 86_400_000);
    await h.run('stats', { go: true });
    await h.run('other', { go: true });
    expect((await h.core.call('workflows.nodeStats', { id: 'stats', days: 7 })).nodes.check?.succeeded).toBe(2);
    const recent = await h.core.call('workflows.nodeStats', { id: 'stats', days: 2 });
    expect(recent.runs).toBe(1);
    expect(recent.nodes.check?.succeeded).toBe(1);
    expect(recent.since).toBe(new Date(h.clock.now - 2 * 86_400_000).toISOString());
  });

  it('explains an unknown workflow and a bad window', async () => {
    await expect(h.core.call('workflows.nodeStats', { id: 'nope-nope' })).rejects.toThrow(/No workflow "nope-nope"/);
    await expect(h.core.call('workflows.nodeStats', { id: 'stats', days: 0 })).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'days', message: 'days must be at least 1' })] });
  });

  it('uses the indexes (no scan of the steps table)', () => {
    const plan = (h.core.db.prepare(
      `EXPLAIN QUERY PLAN SELECT s.node_id, s.status, COUNT(*) FROM runs r JOIN steps s ON s.run_id = r.id WHERE r.workflow_id = ? AND r.scope = '' AND r.seq >= ? GROUP BY s.node_id, s.status`,
    ).all('stats', 0) as { detail: string }[]).map((r) => r.detail).join('\n');
    expect(plan).toMatch(/SEARCH r USING INDEX \w+ \(workflow_id=\?/);
    expect(plan).not.toMatch(/SCAN/);
    expect(plan).toMatch(/SEARCH s USING INDEX steps_run_node/);
  });
});
