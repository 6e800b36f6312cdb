/**
 * The segment editor's form state, to and from the contract's Filter, its checks
 * (the contract's, with paths relative to the filter: conditions.1.withinDays) and
 * plain-language summaries for the list. Pure: unit-tested in tests/renderer-segments.test.ts.
 */
import { EventType, FIELD_OPS, FILTER_FIELDS, Filter, STAGES, CONSENTS, crmOps, type ApiIssue, type Condition } from '../../../../shared/api';

export type FieldOp = (typeof FIELD_OPS)[number];
export const EVENT_TYPES: readonly string[] = EventType.options;

/** One condition as the form edits it: text in the inputs, converted by toFilter. */
export type CondDraft =
  | { key: number; kind: 'field'; field: string; op: FieldOp; value: string }
  | { key: number; kind: 'tag'; op: 'has' | 'has_not'; tag: string }
  | { key: number; kind: 'event'; op: 'did' | 'did_not'; type: string; withinDays: string; minCount: string }
  | { key: number; kind: 'inactive'; days: string }
  /** A condition the form cannot show faithfully (an event `where`, a typed custom value …): kept as it is, edited as JSON. */
  | { key: number; kind: 'raw'; condition: Condition };

export interface SegmentDraft {
  name: string;
  description: string;
  match: 'all' | 'any';
  conditions: CondDraft[];
}

let nextKey = 1;
const key = () => nextKey++;

export function newCondition<K extends 'field' | 'tag' | 'event' | 'inactive'>(kind: K): Extract<CondDraft, { kind: K }> {
  const blank: { [k in 'field' | 'tag' | 'event' | 'inactive']: Extract<CondDraft, { kind: k }> } = {
    field: { key: 0, kind: 'field', field: 'score', op: 'gte', value: '' },
    tag: { key: 0, kind: 'tag', op: 'has', tag: '' },
    event: { key: 0, kind: 'event', op: 'did', type: 'email.clicked', withinDays: '30', minCount: '1' },
    inactive: { key: 0, kind: 'inactive', days: '30' },
  };
  return { ...blank[kind], key: key() };
}

/** The common cases, one click each (then adjusted in the form). */
export const PRESETS: { id: string; label: string; make: () => CondDraft }[] = [
  { id: 'clicked30', label: 'Clicked in the last 30 days', make: () => ({ ...newCondition('event'), type: 'email.clicked', withinDays: '30' }) },
  { id: 'inactive30', label: 'No activity for 30 days', make: () => newCondition('inactive') },
  { id: 'score', label: 'Score at least …', make: () => ({ key: key(), kind: 'field', field: 'score', op: 'gte', value: '50' }) },
  { id: 'stage', label: 'Stage is …', make: () => ({ key: key(), kind: 'field', field: 'stage', op: 'eq', value: 'mql' }) },
  { id: 'tag', label: 'Has tag …', make: () => newCondition('tag') },
];

export function emptyDraft(): SegmentDraft {
  return { name: '', description: '', match: 'all', conditions: [] };
}

/** Fields whose values come from a fixed list (the form offers a select). */
export const FIELD_CHOICES: Record<string, readonly string[]> = { stage: STAGES, consent: CONSENTS };
export const NUMERIC_OPS: readonly FieldOp[] = ['gt', 'gte', 'lt', 'lte'];
export const LIST_OPS: readonly FieldOp[] = ['in', 'not_in'];
export const NO_VALUE_OPS: readonly FieldOp[] = ['exists', 'not_exists'];
export const FIELDS: readonly string[] = FILTER_FIELDS;

/** A whole number typed in a box: the number, else the text as typed (so the schema names the field). */
function int(s: string): number | string {
  const t = s.trim();
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

/** A field value from its text: numbers for score and custom numbers, true/false for custom flags. */
function scalar(field: string, op: FieldOp, s: string): string | number | boolean {
  const t = s.trim();
  const numeric = t !== '' && Number.isFinite(Number(t));
  if (field === 'score') return numeric ? Number(t) : t;
  if (field.startsWith('custom.')) {
    if (numeric) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    return t;
  }
  return NUMERIC_OPS.includes(op) && numeric && field !== 'createdAt' && field !== 'lastActivityAt' ? Number(t) : t;
}

export function toCondition(c: CondDraft): unknown {
  switch (c.kind) {
    case 'field': {
      if (NO_VALUE_OPS.includes(c.op)) return { kind: 'field', field: c.field, op: c.op };
      const value = LIST_OPS.includes(c.op)
        ? c.value
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean)
            .map((v) => scalar(c.field, c.op, v))
        : scalar(c.field, c.op, c.value);
      return { kind: 'field', field: c.field, op: c.op, value };
    }
    case 'tag':
      return { kind: 'tag', op: c.op, tag: c.tag.trim() };
    case 'event':
      return {
        kind: 'event',
        type: c.type,
        op: c.op,
        ...(c.withinDays.trim() ? { withinDays: int(c.withinDays) } : {}),
        minCount: c.minCount.trim() ? int(c.minCount) : 1,
      };
    case 'inactive':
      return { kind: 'inactive', days: int(c.days) };
    case 'raw':
      return c.condition;
  }
}

export function toFilter(d: SegmentDraft): unknown {
  return { match: d.match, conditions: d.conditions.map(toCondition) };
}

/** Key-order-free equality of JSON values. */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

function draftOf(c: Condition): CondDraft {
  switch (c.kind) {
    case 'field':
      return { key: key(), kind: 'field', field: c.field, op: c.op, value: c.value === undefined ? '' : Array.isArray(c.value) ? c.value.map(String).join(', ') : String(c.value) };
    case 'tag':
      return { key: key(), kind: 'tag', op: c.op, tag: c.tag };
    case 'event':
      return { key: key(), kind: 'event', op: c.op, type: c.type, withinDays: c.withinDays === undefined ? '' : String(c.withinDays), minCount: String(c.minCount) };
    case 'inactive':
      return { key: key(), kind: 'inactive', days: String(c.days) };
  }
}

/** A checked filter as form rows; a condition the form would change on the way back stays raw. */
export function fromFilter(f: Filter, name = '', description = ''): SegmentDraft {
  return {
    name,
    description,
    match: f.match,
    conditions: f.conditions.map((c) => {
      const d = draftOf(c);
      return same(toCondition(d), c) ? d : { key: d.key, kind: 'raw', condition: c };
    }),
  };
}

const saveInput = crmOps['segments.save'].input;

/**
 * The contract's checks on a segment: name and filter, with filter problems named relative
 * to the filter (`conditions.0.value`) and name problems as `name`. Adds one the contract
 * leaves to SQL: a score compared with something that is not a number.
 */
export function checkSegment(input: { name: string; description: string; filter: unknown }): { ok: true; filter: Filter; name: string; description: string | null } | { ok: false; issues: ApiIssue[] } {
  const r = saveInput.safeParse({ name: input.name, description: input.description.trim() || null, filter: input.filter });
  const issues: ApiIssue[] = r.success
    ? []
    : r.error.issues.map((i) => {
        const path = i.path.map(String);
        return { path: (path[0] === 'filter' ? path.slice(1) : path).join('.') || '(root)', message: i.message };
      });
  const conds = (input.filter as { conditions?: unknown } | null)?.conditions;
  if (Array.isArray(conds))
    conds.forEach((c: unknown, i) => {
      const fc = c as { kind?: unknown; field?: unknown; op?: unknown; value?: unknown };
      if (fc?.kind !== 'field' || fc.field !== 'score' || fc.op === 'exists' || fc.op === 'not_exists' || fc.value === undefined) return;
      const vals = Array.isArray(fc.value) ? fc.value : [fc.value];
      if (vals.some((v) => typeof v !== 'number')) issues.push({ path: `conditions.${i}.value`, message: 'the score is a number: compare it with a number such as 50' });
    });
  if (r.success && issues.length === 0) return { ok: true, filter: r.data.filter, name: r.data.name, description: r.data.description ?? null };
  return { ok: false, issues };
}

/** The filter as JSON text for the JSON view. */
export function filterJson(filter: unknown): string {
  return JSON.stringify(filter, null, 2);
}

/**
 * Where JSON text stops being JSON (an index), found by a small validating scan: engines word
 * and place their JSON.parse errors differently (V8 often gives no position at all).
 */
export function jsonErrorAt(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (w: string) => {
    if (text.startsWith(w, i)) i += w.length;
    else fail();
  };
  const str = () => {
    i++; // the opening quote
    while (i < text.length && text[i] !== '"') {
      const ch = text[i]!;
      if (ch < ' ') fail();
      if (ch === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (ch === '"') return str();
    if (ch === 't') return lit('true');
    if (ch === 'f') return lit('false');
    if (ch === 'n') return lit('null');
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return typeof at === 'number' ? at : 0;
  }
}

/** JSON text -> a value, or where it is broken (line and column) and why. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const at = jsonErrorAt(text);
    const before = text.slice(0, Math.max(0, at));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return { ok: false, message: text.trim() === '' ? 'the filter is empty' : `line ${line}, column ${column}: ${msg}` };
  }
}

export { issuesAt } from '../../api/issues';

const OP_WORDS: Record<FieldOp, string> = {
  eq: 'is',
  neq: 'is not',
  contains: 'contains',
  starts_with: 'starts with',
  ends_with: 'ends with',
  in: 'is one of',
  not_in: 'is none of',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  exists: 'is set',
  not_exists: 'is empty',
};
export const opLabel = (op: FieldOp): string => OP_WORDS[op];

/** One condition in words: "score ≥ 50", "email.clicked in the last 30 days", "no activity for 30 days". */
export function describeCondition(c: Condition): string {
  switch (c.kind) {
    case 'field': {
      const v = c.value === undefined ? '' : Array.isArray(c.value) ? ` ${c.value.map(String).join(', ')}` : ` ${String(c.value)}`;
      return `${c.field} ${OP_WORDS[c.op]}${v}`;
    }
    case 'tag':
      return c.op === 'has' ? `tagged ${c.tag}` : `not tagged ${c.tag}`;
    case 'event': {
      const times = c.minCount > 1 ? ` at least ${c.minCount} times` : '';
      const when = c.withinDays !== undefined ? ` in the last ${c.withinDays} days` : ' ever';
      const where = c.where ? ` where ${c.where.path} ${c.where.op.replace('_', ' ')} ${String(c.where.value)}` : '';
      return `${c.op === 'did' ? '' : 'no '}${c.type}${where}${times}${when}`;
    }
    case 'inactive':
      return `no activity for ${c.days} days`;
  }
}

export function describeFilter(f: Filter): string {
  if (f.conditions.length === 0) return 'every contact';
  return f.conditions.map(describeCondition).join(f.match === 'any' ? ' or ' : ' and ');
}

/** The filter as a Filter when it checks out (the count preview asks the API only then). */
export function validFilter(value: unknown): Filter | null {
  const r = Filter.safeParse(value);
  return r.success ? r.data : null;
}
