/** Pure pieces of the Contacts page's Segments and Companies views: the segment form <-> filter, its checks and summaries. */
import { describe, expect, it } from 'vitest';
import { Filter, type FilterInput } from '../shared/api';
import { pageRange } from '../renderer/src/pages/crm/format';
import {
  PRESETS,
  checkSegment,
  describeFilter,
  emptyDraft,
  fromFilter,
  issuesAt,
  newCondition,
  jsonErrorAt,
  parseJson,
  toFilter,
  validFilter,
  type CondDraft,
  type SegmentDraft,
} from '../renderer/src/pages/crm/segmentModel';

const draft = (conditions: CondDraft[], match: 'all' | 'any' = 'all'): SegmentDraft => ({ ...emptyDraft(), name: 'Test', match, conditions });
const preset = (id: string) => PRESETS.find((p) => p.id === id)!.make();

describe('segment form -> filter', () => {
  it('the common cases become the contract filter', () => {
    const d = draft([preset('clicked30'), preset('inactive30'), preset('score'), preset('stage'), { ...newCondition('tag'), tag: ' vip ' }], 'any');
    expect(toFilter(d)).toEqual({
      match: 'any',
      conditions: [
        { kind: 'event', type: 'email.clicked', op: 'did', withinDays: 30, minCount: 1 },
        { kind: 'inactive', days: 30 },
        { kind: 'field', field: 'score', op: 'gte', value: 50 },
        { kind: 'field', field: 'stage', op: 'eq', value: 'mql' },
        { kind: 'tag', op: 'has', tag: 'vip' },
      ],
    });
    const r = checkSegment({ name: '  Engaged ', description: '', filter: toFilter(d) });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.name).toBe('Engaged');
      expect(r.description).toBeNull();
      expect(describeFilter(r.filter)).toBe('email.clicked in the last 30 days or no activity for 30 days or score ≥ 50 or stage is mql or tagged vip');
    }
  });

  it('lists, no-value operators, empty "within" and custom values are converted by field', () => {
    const f = toFilter(
      draft([
        { key: 1, kind: 'field', field: 'stage', op: 'in', value: 'mql, sql,, ' },
        { key: 2, kind: 'field', field: 'phone', op: 'exists', value: 'ignored' },
        { key: 3, kind: 'event', op: 'did_not', type: 'email.opened', withinDays: ' ', minCount: '' },
        { key: 4, kind: 'field', field: 'custom.seats', op: 'gt', value: '10' },
        { key: 5, kind: 'field', field: 'custom.trial', op: 'eq', value: 'true' },
        { key: 6, kind: 'field', field: 'createdAt', op: 'gte', value: '2025-01-01' },
      ]),
    );
    expect(f).toEqual({
      match: 'all',
      conditions: [
        { kind: 'field', field: 'stage', op: 'in', value: ['mql', 'sql'] },
        { kind: 'field', field: 'phone', op: 'exists' },
        { kind: 'event', type: 'email.opened', op: 'did_not', minCount: 1 },
        { kind: 'field', field: 'custom.seats', op: 'gt', value: 10 },
        { kind: 'field', field: 'custom.trial', op: 'eq', value: true },
        { kind: 'field', field: 'createdAt', op: 'gte', value: '2025-01-01' },
      ],
    });
    expect(validFilter(f)).not.toBeNull();
    expect(describeFilter(validFilter(f)!)).toBe(
      'stage is one of mql, sql and phone is set and no email.opened ever and custom.seats > 10 and custom.trial is true and createdAt ≥ 2025-01-01',
    );
    expect(describeFilter({ match: 'all', conditions: [] })).toBe('every contact');
  });
});

describe('segment checks name the field', () => {
  it('bad numbers, an empty name, a score compared with text, an unknown field', () => {
    const d = draft([
      { ...newCondition('event'), withinDays: 'thirty' },
      { key: 9, kind: 'inactive', days: '0' },
      { key: 10, kind: 'field', field: 'score', op: 'gt', value: 'high' },
      { key: 11, kind: 'field', field: 'custom.', op: 'eq', value: 'x' },
      { key: 12, kind: 'tag', op: 'has', tag: '' },
    ]);
    const r = checkSegment({ name: '   ', description: '', filter: toFilter(d) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'conditions.0.withinDays', 'conditions.1.days', 'conditions.2.value', 'conditions.3.field', 'conditions.4.tag']));
    expect(r.issues.find((i) => i.path === 'name')!.message).toBe('give the segment a name');
    expect(r.issues.find((i) => i.path === 'conditions.2.value')!.message).toMatch(/number/);
    expect(issuesAt(r.issues, 'conditions.0').map((i) => i.path)).toEqual(['conditions.0.withinDays']);
  });

  it('JSON: an unknown kind, a missing value and broken text (with line and column)', () => {
    const r = checkSegment({ name: 'x', description: '', filter: { match: 'all', conditions: [{ kind: 'weather' }, { kind: 'field', field: 'email', op: 'contains' }] } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues.map((i) => i.path)).toEqual(['conditions.0.kind', 'conditions.1.value']);
      expect(r.issues[0]!.message).toMatch(/kind: field, tag, event or inactive/);
      expect(r.issues[1]!.message).toBe('operator contains needs a value');
    }
    const bad = parseJson('{\n  "match": "all",,\n}');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toMatch(/^line 2, column \d+/);
    expect(parseJson('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    // Where the text stops being JSON, whatever the engine's message says.
    const broken = '{\n  "match": "all",\n  "conditions": [,]\n}';
    expect(jsonErrorAt(broken)).toBe(broken.indexOf(','+']'));
    const p = parseJson(broken);
    expect(!p.ok && p.message).toMatch(/^line 3, column 18: /);
    expect(jsonErrorAt('{"a": tru}')).toBe(6);
    expect(jsonErrorAt('{"a": "x\\q"}')).toBe(9);
    expect(jsonErrorAt('[1, 2] x')).toBe(7);
    expect(jsonErrorAt('{"a": [1, {"b": null}], "c": -1.5e3, "d": "\\u00e9"}')).toBe(-1);
    expect(jsonErrorAt('{"a": 1')).toBe(7);
    expect(parseJson('  ')).toEqual({ ok: false, message: 'the filter is empty' });
  });
});

describe('filter -> form', () => {
  it('round-trips what the form can show; keeps the rest as it is (raw)', () => {
    const input: FilterInput = {
      match: 'any',
      conditions: [
        { kind: 'event', type: 'email.clicked', withinDays: 30 },
        { kind: 'field', field: 'stage', op: 'in', value: ['mql', 'sql'] },
        { kind: 'tag', op: 'has_not', tag: 'churn-risk' },
        { kind: 'inactive', days: 45 },
        { kind: 'event', type: 'page.visited', where: { path: 'url', op: 'starts_with', value: '/pricing' } },
        { kind: 'field', field: 'custom.code', op: 'eq', value: '5' }, // a string "5" the form would turn into 5
      ],
    };
    const f = Filter.parse(input);
    const d = fromFilter(f, 'Name', 'Desc');
    expect(d.name).toBe('Name');
    expect(d.conditions.map((c) => c.kind)).toEqual(['event', 'field', 'tag', 'inactive', 'raw', 'raw']);
    expect(d.conditions[1]).toMatchObject({ kind: 'field', value: 'mql, sql' });
    expect(toFilter(d)).toEqual(f);
    expect(describeFilter(f)).toContain('page.visited where url starts with /pricing ever');
  });
});

describe('company pages', () => {
  it('says which rows are shown', () => {
    expect(pageRange(0, 100, 523)).toBe('1–100 of 523');
    expect(pageRange(500, 23, 523)).toBe('501–523 of 523');
    expect(pageRange(0, 0, 0)).toBe('0 of 0');
  });
});
