import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { aliasOf, hashOf, hashShowsPage, hashWith, pageFromHash, queryFromHash } from '../renderer/src/api/nav';
import { copyOfTemplate, definitionOf } from '../renderer/src/pages/workflows/editor/model';
import { layeredLayout } from '../renderer/src/api/graphLayout';

describe('a page’s own state in the address', () => {
  it('reads and writes the query after the page without changing which page it is', () => {
    expect(hashWith('runs', { run: 'r_1' })).toBe('#/runs?run=r_1');
    expect(pageFromHash(hashWith('runs', { run: 'r_1' }))).toBe('runs');
    expect(queryFromHash('#/runs?run=r_1&status=failed')).toEqual({ run: 'r_1', status: 'failed' });
    expect(queryFromHash('#/runs')).toEqual({});
    expect(queryFromHash('#/runs?run=')).toEqual({});
    expect(hashWith('workflows', { wf: 'a b&c', empty: '', none: null, gone: undefined })).toBe('#/workflows?wf=a+b%26c');
    expect(queryFromHash(hashWith('workflows', { wf: 'a b&c' }))).toEqual({ wf: 'a b&c' });
    expect(hashWith('runs', {})).toBe(hashOf('runs'));
  });

  it('knows when the address already shows a page (so main.tsx keeps the query)', () => {
    expect(hashShowsPage('#/runs?run=r_1', 'runs')).toBe(true);
    expect(hashShowsPage('#/runs', 'runs')).toBe(true);
    expect(hashShowsPage('#/runsx', 'runs')).toBe(false);
    expect(hashShowsPage('#/workflows?wf=x', 'runs')).toBe(false);
    expect(hashShowsPage('', 'dashboard')).toBe(false);
  });
});

describe('the template gallery’s address and its copies', () => {
  it('reads #/workflows/templates as the gallery view of Workflows, keeping a query, and leaves other addresses alone', () => {
    expect(aliasOf('#/workflows/templates')).toBe('#/workflows?view=templates');
    expect(aliasOf('#/workflows/templates/')).toBe('#/workflows?view=templates');
    expect(aliasOf('#/workflows/templates?x=1')).toBe('#/workflows?view=templates&x=1');
    expect(queryFromHash(aliasOf('#/workflows/templates')!)).toEqual({ view: 'templates' });
    expect(pageFromHash(aliasOf('#/workflows/templates')!)).toBe('workflows');
    expect(aliasOf('#/workflows')).toBeNull();
    expect(aliasOf('#/workflows?view=templates')).toBeNull();
    expect(aliasOf('#/workflows/templatesx')).toBeNull();
    expect(aliasOf('')).toBeNull();
  });

  it('makes a template’s workflow a new workflow: a free "-copy" id, "(copy)" in the name, the same steps and trigger', () => {
    const raw = JSON.parse(readFileSync('resources/templates/crm-onboarding.json', 'utf8')) as Record<string, unknown>;
    const { template: _meta, ...workflow } = raw;
    const copy = copyOfTemplate(workflow, ['crm-onboarding']);
    expect(copy.id).toBe('crm-onboarding-copy');
    expect(copy.name).toBe('Onboarding after a won deal (copy)');
    expect(copy.nodes.map((n) => n.id)).toEqual((workflow.nodes as { id: string }[]).map((n) => n.id));
    expect(definitionOf(copy).trigger).toEqual(workflow.trigger);
    expect(copyOfTemplate(workflow, ['crm-onboarding', 'crm-onboarding-copy', 'crm-onboarding-copy-2']).id).toBe('crm-onboarding-copy-3');
  });
});

describe('the workflow graph layout', () => {
  const size = { width: 100, height: 50, gapX: 20, gapY: 30 };
  it('ranks each node by its longest path from an entry and centres each rank', () => {
    // a -> b -> d, a -> c -> d, a -> d
    const p = layeredLayout(['a', 'b', 'c', 'd'], [
      { from: 'a', to: 'b' },
      { from: 'a', to: 'c' },
      { from: 'b', to: 'd' },
      { from: 'c', to: 'd' },
      { from: 'a', to: 'd' },
    ], size);
    expect([...p.values()].map((n) => [n.id, n.rank])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 1],
      ['d', 2],
    ]);
    expect(p.get('d')!.y).toBe(2 * (50 + 30));
    // Two nodes of rank 1 sit either side of the centre line, a and d on it.
    expect(p.get('a')!.x + 50).toBe(0);
    expect(p.get('b')!.x + 50).toBe(-60);
    expect(p.get('c')!.x + 50).toBe(60);
  });

  it('orders a rank by its predecessors (fewer crossings), and survives unknown ids and a cycle', () => {
    // x1 -> y2, x2 -> y1: y1 goes under x2 (right), y2 under x1 (left)
    const p = layeredLayout(['x1', 'x2', 'y1', 'y2'], [
      { from: 'x2', to: 'y1' },
      { from: 'x1', to: 'y2' },
      { from: 'nope', to: 'y1' },
    ], size);
    expect(p.get('y2')!.order).toBe(0);
    expect(p.get('y1')!.order).toBe(1);
    const c = layeredLayout(['a', 'b'], [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'a' },
    ], size);
    expect(c.size).toBe(2);
  });

  it('lays out a chain of 20,000 nodes listed last node first without a stack overflow (the engine runs chains of thousands)', () => {
    const n = 20_000;
    // Listed from the end of the chain, so ranking the first id walks all its predecessors.
    const ids = Array.from({ length: n }, (_, i) => `n${n - 1 - i}`);
    const edges = Array.from({ length: n - 1 }, (_, i) => ({ from: `n${i}`, to: `n${i + 1}` }));
    const p = layeredLayout(ids, edges, size);
    expect(p.get('n19999')!.rank).toBe(19_999);
    expect(p.get('n0')!.rank).toBe(0);
  });
});
