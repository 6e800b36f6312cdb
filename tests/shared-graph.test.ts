/**
 * shared/graph.ts: the canvas refuses what import refuses, with the same words (canConnect vs
 * validateWorkflow on the graph with the edge added), and shared/cron.ts says schedules in words.
 */
import { describe, expect, it } from 'vitest';
import { validateWorkflow } from '../electron/core/engine';
import { threadNodes } from '../electron/core/nodes';
import { canConnect, type GraphEdgeLike } from '../shared/graph';
import { describeCron } from '../shared/cron';

const nodes = threadNodes();
const graph = {
  nodes: [
    { id: 'start', type: 'set', params: { values: { score: 80 } } },
    { id: 'hot', type: 'condition', params: { if: 'prev.score > 50' } },
    { id: 'alarm', type: 'escalate', params: { title: 'Hot lead' } },
    { id: 'note', type: 'log', params: { message: 'cold' } },
    { id: 'route', type: 'switch', params: { value: 'prev.plan', cases: [{ name: 'pro', equals: 'pro' }] } },
  ],
  edges: [
    { from: 'start', to: 'hot' },
    { from: 'hot', to: 'alarm', branch: 'true' },
    { from: 'hot', to: 'note', branch: 'false' },
  ] as GraphEdgeLike[],
};
const branchesOf = (id: string): readonly string[] | null => {
  const n = graph.nodes.find((x) => x.id === id);
  const def = n && nodes.get(n.type);
  if (!n || !def) return null;
  return def.branches === undefined ? [] : typeof def.branches === 'function' ? def.branches(def.params.parse(n.params)) : def.branches;
};
/** What import says about the graph with `e` added (the edge issues only). */
const importSays = (e: GraphEdgeLike) =>
  validateWorkflow({ id: 'graph-test', name: 'g', nodes: graph.nodes, edges: [...graph.edges, e] }, { nodes })
    .issues.filter((i) => i.path.startsWith('edges'))
    .map((i) => i.message);

describe('canConnect', () => {
  it('allows what import allows', () => {
    for (const e of [{ from: 'note', to: 'route' }, { from: 'alarm', to: 'note' }, { from: 'hot', to: 'route', branch: 'error' }, { from: 'route', to: 'alarm', branch: 'pro' }, { from: 'route', to: 'note', branch: 'default' }]) {
      expect(canConnect(graph, e, branchesOf)).toEqual({ ok: true });
      expect(importSays(e)).toEqual([]);
    }
  });

  it('refuses an edge that closes a cycle, with the validator’s message', () => {
    const e = { from: 'alarm', to: 'start' };
    const r = canConnect(graph, e, branchesOf);
    expect(r).toMatchObject({ ok: false, rule: 'cycle' });
    expect(importSays(e)).toEqual([(r as { message: string }).message]);
    expect((r as { message: string }).message).toBe('edges form a cycle: start -> hot -> alarm -> start (cycles are not allowed; use a forEach node to repeat steps)');
  });

  it('refuses a branch the source node does not have (static and from params), with the validator’s message', () => {
    for (const e of [{ from: 'hot', to: 'route', branch: 'maybe' }, { from: 'route', to: 'note', branch: 'enterprise' }, { from: 'start', to: 'route', branch: 'yes' }]) {
      const r = canConnect(graph, e, branchesOf);
      expect(r).toMatchObject({ ok: false, rule: 'no-branch' });
      expect(importSays(e)).toEqual([(r as { message: string }).message]);
    }
    expect((canConnect(graph, { from: 'hot', to: 'route', branch: 'maybe' }, branchesOf) as { message: string }).message).toBe(
      'node "hot" (condition) has no branch "maybe" (its branches: true, false, error)',
    );
  });

  it('refuses a self edge and a duplicate like import; leaves unknown branches to the validator', () => {
    for (const [e, rule] of [
      [{ from: 'note', to: 'note' }, 'self'],
      [{ from: 'hot', to: 'alarm', branch: 'true' }, 'duplicate'],
    ] as const) {
      const r = canConnect(graph, e, branchesOf);
      expect(r).toMatchObject({ ok: false, rule });
      expect(importSays(e)).toContain((r as { message: string }).message);
    }
    expect(canConnect(graph, { from: 'hot', to: 'ghost' }, branchesOf)).toMatchObject({ ok: false, rule: 'unknown-node', message: 'edge hot -> ghost: no node "ghost" (dangling edge)' });
    // Branches not known yet (null): accepted here, decided by the validator at save.
    expect(canConnect(graph, { from: 'route', to: 'note', branch: 'x' }, () => null)).toEqual({ ok: true });
  });
});

describe('describeCron', () => {
  it.each([
    ['* * * * *', 'every minute'],
    ['*/15 * * * *', 'every 15 minutes'],
    ['0 * * * *', 'every hour, on the hour'],
    ['30 * * * *', 'every hour at 30 minutes past'],
    ['5 */2 * * *', 'every 2 hours at minute 5'],
    ['30 2 * * *', 'every day at 02:30'],
    ['0 9,17 * * *', 'every day at 09:00 and 17:00'],
    ['0 9 * * 1-5', 'every weekday (Monday to Friday) at 09:00'],
    ['0 9 * * MON-FRI', 'every weekday (Monday to Friday) at 09:00'],
    ['0 10 * * 0,6', 'every weekend day at 10:00'],
    ['0 8 * * 1,3,5', 'every Monday, Wednesday and Friday at 08:00'],
    ['0 8 * * 7', 'every Sunday at 08:00'],
    ['0 6 1 * *', 'on the 1st of every month at 06:00'],
    ['0 6 22 * *', 'on the 22nd of every month at 06:00'],
    ['0 6 13 * *', 'on the 13th of every month at 06:00'],
    ['0 0 25 12 *', 'on 25 December at 00:00'],
    ['0 0 L * *', 'on the last day of every month at 00:00'],
    ['@daily', 'every day at 00:00'],
    ['@hourly', 'every hour, on the hour'],
    ['*/10 * * * * *', 'every 10 seconds'],
    ['15 30 2 * * *', 'every day at 02:30:15'],
    ['0 9 1-7 * 1', 'at minute 0, hour 9, day of month 1-7, day of week 1'],
  ])('%s -> %s', (cron, text) => {
    expect(describeCron(cron)).toBe(text);
  });

  it('gives null for a pattern without 5 or 6 fields', () => {
    expect(describeCron('0 9 * *')).toBeNull();
    expect(describeCron('')).toBeNull();
  });
});
