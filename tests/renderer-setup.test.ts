/** The first-run setup's view-model: which templates are offered, picks, and the import and demo texts. */
import { describe, expect, it } from 'vitest';
import type { OpOutput } from '../shared/api';
import { importable, previewText, reportText, seededText, splitTemplates, STEPS, togglePick } from '../renderer/src/pages/setup/model';

type Template = OpOutput<'templates.list'>['templates'][number];
const t = (id: string, ready: boolean, installed: boolean) => ({ id, ready, installed }) as Template;

describe('setup view-model', () => {
  it('seven steps, the templates last', () => {
    expect(STEPS).toHaveLength(7);
    expect(STEPS[6]).toBe('Example workflows');
  });
  it('ready or installed templates are offered; the others wait', () => {
    const { ready, waiting } = splitTemplates([t('a', true, false), t('b', false, true), t('c', false, false)]);
    expect(ready.map((x) => x.id)).toEqual(['a', 'b']);
    expect(waiting.map((x) => x.id)).toEqual(['c']);
  });
  it('a pick ticks and unticks without changing the old set', () => {
    const before = new Set(['a']);
    const after = togglePick(before, 'b', true);
    expect([...after]).toEqual(['a', 'b']);
    expect([...togglePick(after, 'a', false)]).toEqual(['b']);
    expect([...before]).toEqual(['a']);
  });
  it('import texts', () => {
    expect(previewText('c.csv', { create: 3, update: 1, invalidCount: 0 })).toBe('c.csv: 3 new, 1 existing.');
    expect(previewText('c.csv', { create: 0, update: 0, invalidCount: 2 })).toBe('c.csv: 0 new, 0 existing, 2 rows with problems.');
    expect(importable({ create: 0, update: 0 })).toBe(0);
    expect(reportText({ created: 2, updated: 1, unchanged: 4, invalidCount: 1 })).toBe('2 created, 1 updated, 4 unchanged, 1 rows skipped.');
    expect(seededText({ contacts: 1000, companies: 120, events: 5000, deals: 40 })).toBe(
      `Loaded ${(1000).toLocaleString()} contacts, 120 companies, ${(5000).toLocaleString()} events and 40 deals.`,
    );
  });
});
