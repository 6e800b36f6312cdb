/**
 * The scoring-rules form's state (text as typed in each box), to and from the contract's
 * ScoringConfig, checked with the contract's own schema so every problem names its field
 * (`fit.1.points`, `behavior.0.event`, `thresholds.sql`, `decay.everyDays`). Pure: unit-tested in
 * tests/renderer-scoring.test.ts.
 */
import { ScoringConfig, issuesOf, type ApiIssue, type OpOutput } from '../../../../shared/api';
import { toCondition, type CondDraft, type FieldOp } from './segmentModel';

export type Config = OpOutput<'scoring.rules.get'>;

export type FitDraft = { key: number; id: string; label: string; points: string; when: Extract<CondDraft, { kind: 'field' | 'tag' }> };
export interface BehaviorDraft {
  key: number;
  id: string;
  label: string;
  event: string;
  points: string;
  repeatable: boolean;
  cap: string;
  withinDays: string;
  /** The event-data condition (empty path: none). */
  wherePath: string;
  whereOp: 'eq' | 'contains' | 'starts_with';
  whereValue: string;
}
export interface ScoringDraft {
  mql: string;
  sql: string;
  fit: FitDraft[];
  behavior: BehaviorDraft[];
  decayOn: boolean;
  decay: { afterDays: string; points: string; everyDays: string; max: string };
}

let nextKey = 1;
const key = () => nextKey++;
const text = (v: unknown): string => (v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v));

/** A whole number typed in a box: the number, else the text as typed (so the schema names the field). */
function int(s: string): number | string {
  const t = s.trim();
  return /^[-+]?\d+$/.test(t) ? Number(t) : t;
}
const optInt = (s: string) => (s.trim() === '' ? undefined : int(s));

export function fromConfig(c: Config): ScoringDraft {
  return {
    mql: String(c.thresholds.mql),
    sql: String(c.thresholds.sql),
    fit: c.fit.map((r) => ({
      key: key(),
      id: r.id,
      label: r.label ?? '',
      points: String(r.points),
      when: r.when.kind === 'tag' ? { key: key(), kind: 'tag', op: r.when.op, tag: r.when.tag } : { key: key(), kind: 'field', field: r.when.field, op: r.when.op as FieldOp, value: text(r.when.value) },
    })),
    behavior: c.behavior.map((r) => ({
      key: key(),
      id: r.id,
      label: r.label ?? '',
      event: r.event,
      points: String(r.points),
      repeatable: r.repeatable,
      cap: text(r.cap),
      withinDays: text(r.withinDays),
      wherePath: r.where?.path ?? '',
      whereOp: r.where?.op ?? 'eq',
      whereValue: text(r.where?.value),
    })),
    decayOn: c.decay !== null,
    decay: { afterDays: text(c.decay?.afterDays ?? 30), points: text(c.decay?.points ?? 5), everyDays: text(c.decay?.everyDays ?? 30), max: text(c.decay?.max) },
  };
}

/** A new rule's id: the first free `<base>-N`. */
function freeId(d: ScoringDraft, base: string): string {
  const used = new Set([...d.fit, ...d.behavior].map((r) => r.id));
  for (let n = 1; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

export function newFitRule(d: ScoringDraft): FitDraft {
  return { key: key(), id: freeId(d, 'fit'), label: '', points: '10', when: { key: key(), kind: 'field', field: 'title', op: 'contains', value: '' } };
}

export function newBehaviorRule(d: ScoringDraft): BehaviorDraft {
  return { key: key(), id: freeId(d, 'behavior'), label: '', event: 'email.clicked', points: '5', repeatable: false, cap: '', withinDays: '', wherePath: '', whereOp: 'eq', whereValue: '' };
}

/** The value of an event-data condition: a number or true/false when it reads as one. */
function whereScalar(s: string): string | number | boolean {
  const t = s.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : s;
}

/** The draft as the contract's input (typed numbers where the boxes hold numbers; the rest as typed). */
export function toInput(d: ScoringDraft): unknown {
  return {
    thresholds: { mql: int(d.mql), sql: int(d.sql) },
    fit: d.fit.map((r) => ({ id: r.id.trim(), ...(r.label.trim() ? { label: r.label.trim() } : {}), when: toCondition(r.when), points: int(r.points) })),
    behavior: d.behavior.map((r) => ({
      id: r.id.trim(),
      ...(r.label.trim() ? { label: r.label.trim() } : {}),
      event: r.event.trim(),
      ...(r.wherePath.trim() ? { where: { path: r.wherePath.trim(), op: r.whereOp, value: whereScalar(r.whereValue) } } : {}),
      points: int(r.points),
      repeatable: r.repeatable,
      ...(r.repeatable && r.cap.trim() ? { cap: int(r.cap) } : {}),
      ...(optInt(r.withinDays) !== undefined ? { withinDays: optInt(r.withinDays) } : {}),
    })),
    decay: d.decayOn
      ? { afterDays: int(d.decay.afterDays), points: int(d.decay.points), everyDays: int(d.decay.everyDays), ...(optInt(d.decay.max) !== undefined ? { max: optInt(d.decay.max) } : {}) }
      : null,
  };
}

/** Checked with the contract: the config, or the problems by field path. */
export function checkDraft(d: ScoringDraft): { config: Config; issues: [] } | { config: null; issues: ApiIssue[] } {
  const r = ScoringConfig.safeParse(toInput(d));
  if (r.success) return { config: r.data, issues: [] };
  const issues = issuesOf(r.error).map(plainer);
  // The schema checks the thresholds against each other only once every rule is valid: say it now too.
  const [mql, sql] = [int(d.mql), int(d.sql)];
  if (typeof mql === 'number' && typeof sql === 'number' && sql <= mql && !issues.some((i) => i.path === 'thresholds.sql'))
    issues.push({ path: 'thresholds.sql', message: `the SQL threshold (${sql}) must be above the MQL threshold (${mql})` });
  return { config: null, issues };
}

/** zod's words for a number box that holds text, said as the fix. */
function plainer(i: ApiIssue): ApiIssue {
  if (/expected number, received string/i.test(i.message)) return { ...i, message: 'use a whole number' };
  if (/expected int/i.test(i.message)) return { ...i, message: 'use a whole number' };
  return i;
}
