/** The sequence editor's form state, to and from the contract's SequenceDef, and its checks. */
import { EXIT_EVENTS, SequenceDef, type SequenceDefInput } from '../../../../shared/api';
import type { Issue } from '../../api/issues';

export type { Issue };

export interface StepDraft {
  key: number;
  type: 'email' | 'wait' | 'task';
  subject: string;
  text: string;
  html: string;
  duration: string;
  title: string;
}

export interface Draft {
  id: string;
  name: string;
  steps: StepDraft[];
  start: string;
  end: string;
  weekdaysOnly: boolean;
  timeZone: string;
  dailyCap: string;
  exitOn: string[];
  goal: string;
  policy: 'never' | 'after_exit';
  afterDays: string;
  enabled: boolean;
}

let nextKey = 1;
export function newStep(type: StepDraft['type']): StepDraft {
  return { key: nextKey++, type, subject: '', text: '', html: '', duration: type === 'wait' ? '2d' : '', title: '' };
}

export function emptyDraft(): Draft {
  return {
    id: '',
    name: '',
    steps: [newStep('email')],
    start: '09:00',
    end: '17:00',
    weekdaysOnly: true,
    timeZone: '',
    dailyCap: '200',
    exitOn: [...EXIT_EVENTS],
    goal: '',
    policy: 'never',
    afterDays: '0',
    enabled: true,
  };
}

/** A number field: the number when it is one, else the text (so the schema names the field). */
function num(s: string): number | string {
  const t = s.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

export function toDef(d: Draft): SequenceDefInput {
  return {
    id: d.id.trim(),
    name: d.name.trim(),
    steps: d.steps.map((s) => {
      if (s.type === 'wait') return { type: 'wait', duration: /^\d+$/.test(s.duration.trim()) ? Number(s.duration.trim()) : s.duration.trim() };
      if (s.type === 'task') return { type: 'task', title: s.title };
      return { type: 'email', subject: s.subject, ...(s.text ? { text: s.text } : {}), ...(s.html ? { html: s.html } : {}) };
    }) as SequenceDefInput['steps'],
    window: { start: d.start, end: d.end, weekdaysOnly: d.weekdaysOnly, ...(d.timeZone.trim() ? { timeZone: d.timeZone.trim() } : {}) },
    dailyCap: num(d.dailyCap) as number,
    exitOn: d.exitOn,
    goal: d.goal.trim() ? { event: d.goal.trim() } : null,
    reenroll: { policy: d.policy, afterDays: num(d.afterDays) as number },
    enabled: d.enabled,
  };
}

export function fromDef(def: SequenceDef): Draft {
  return {
    id: def.id,
    name: def.name,
    steps: def.steps.map((s) => {
      const st = newStep(s.type);
      if (s.type === 'email') return { ...st, subject: s.subject, text: s.text ?? '', html: s.html ?? '' };
      if (s.type === 'wait') return { ...st, duration: String(s.duration) };
      return { ...st, title: s.title };
    }),
    start: def.window.start,
    end: def.window.end,
    weekdaysOnly: def.window.weekdaysOnly,
    timeZone: def.window.timeZone ?? '',
    dailyCap: String(def.dailyCap),
    exitOn: [...def.exitOn],
    goal: def.goal?.event ?? '',
    policy: def.reenroll.policy,
    afterDays: String(def.reenroll.afterDays),
    enabled: def.enabled,
  };
}


/** The contract's checks on a definition: ok with the parsed value, or the issues by field path (steps.1.subject). */
export function check(value: unknown): { ok: true; def: SequenceDef } | { ok: false; issues: Issue[] } {
  const r = SequenceDef.safeParse(value);
  if (r.success) return { ok: true, def: r.data };
  return { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })) };
}

/** JSON text -> the draft, or why not. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

export { issuesAt } from '../../api/issues';

/** "2d" -> "2 days" for the list and step summaries. */
export function describeStep(s: SequenceDef['steps'][number]): string {
  if (s.type === 'email') return `E-mail: ${s.subject}`;
  if (s.type === 'wait') return `Wait ${String(s.duration)}`;
  return `Task: ${s.title}`;
}
