/** The Runs page's view-model: filters -> runs.list input, paging merges that survive live updates, usage text. */
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../shared/api';
import { appendPage, filtersOf, listInput, mergeFirstPage, newestFirst, PAGE, usageText } from '../renderer/src/pages/runs/model';

const run = (id: string, createdAt: string): RunSummary => ({ id, createdAt }) as RunSummary;

describe('filters -> runs.list input', () => {
  it('no filter: the first page only', () => {
    expect(listInput({})).toEqual({ input: { limit: PAGE }, problem: null });
  });
  it('workflow, a known status, and days as local day bounds', () => {
    const { input, problem } = listInput({ workflow: 'wf', status: 'failed', from: '2026-03-01', to: '2026-03-02' });
    expect(problem).toBeNull();
    expect(input.workflow).toBe('wf');
    expect(input.status).toBe('failed');
    expect(input.from).toBe(new Date('2026-03-01T00:00:00').toISOString());
    expect(input.to).toBe(new Date('2026-03-02T23:59:59.999').toISOString());
  });
  it('an unknown status is ignored; a bad date and From after To are named', () => {
    expect(listInput({ status: 'bogus' }).input.status).toBeUndefined();
    expect(listInput({ from: 'soon' }).problem).toBe('The "From" date is not a date.');
    expect(listInput({ to: 'later' }).problem).toBe('The "To" date is not a date.');
    expect(listInput({ from: '2026-03-05', to: '2026-03-01' }).problem).toMatch(/after the "To" date/);
  });
  it('the filters kept when a run opens', () => {
    expect(filtersOf({ workflow: 'a', run: 'r1', status: 'failed' })).toEqual({ workflow: 'a', status: 'failed', from: undefined, to: undefined });
  });
});

describe('paging', () => {
  const a = run('a', '2026-01-05'), b = run('b', '2026-01-04'), c = run('c', '2026-01-03'), d = run('d', '2026-01-02');
  it('newest first, then by id', () => {
    expect([c, a, b].sort(newestFirst).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect([run('x', '2026-01-01'), run('y', '2026-01-01')].sort(newestFirst).map((r) => r.id)).toEqual(['y', 'x']);
  });
  it('a new filter replaces what is loaded', () => {
    expect(mergeFirstPage({ key: 'old', runs: [a], cursor: 'k' }, 'new', { runs: [b], nextCursor: null })).toEqual({ key: 'new', runs: [b], cursor: null });
  });
  it('a refresh keeps the pages loaded after the first and drops runs that stopped matching', () => {
    const loaded = { key: 'k', runs: [a, b, c, d], cursor: 'next' };
    const e = run('e', '2026-01-06');
    // b no longer matches (within the fresh page's span), d is on a later page: kept.
    const merged = mergeFirstPage(loaded, 'k', { runs: [e, a, c], nextCursor: 'p2' });
    expect(merged.runs.map((r) => r.id)).toEqual(['e', 'a', 'c', 'd']);
    expect(merged.cursor).toBe('next');
  });
  it('everything on one page: the fresh page is the list', () => {
    expect(mergeFirstPage({ key: 'k', runs: [a, b], cursor: null }, 'k', { runs: [b], nextCursor: null }).runs).toEqual([b]);
  });
  it('a next page appends without repeats', () => {
    expect(appendPage({ key: 'k', runs: [a, b], cursor: 'x' }, { runs: [b, c], nextCursor: null })).toEqual({ key: 'k', runs: [a, b, c], cursor: null });
  });
});

describe('usage text', () => {
  it('calls, tokens and cost (4 decimals under a cent)', () => {
    expect(usageText({ calls: 1, inputTokens: 1200, outputTokens: 30, costUsd: 0.004 })).toBe(`1 Claude call · ${(1200).toLocaleString()} in / 30 out tokens · $0.0040`);
    expect(usageText({ calls: 3, inputTokens: 10, outputTokens: 20, costUsd: 1.5 })).toBe('3 Claude calls · 10 in / 20 out tokens · $1.50');
  });
});
