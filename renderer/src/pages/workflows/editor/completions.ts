/**
 * Expression help, DOM-free: what an expression of a node can read (`input`,
 * `prev`, `steps.<id>`, `run`) built from a run's data (the last run, a test
 * run, or the pinned test input), and the completions for the path being
 * typed at the cursor (`prev.fi|` -> `prev.fields`, `steps.` -> the upstream
 * node ids).
 */
import type { RunDetail } from '../../../../../shared/api';

export interface Scope {
  input: unknown;
  prev: unknown;
  steps: Record<string, unknown>;
  run: Record<string, unknown>;
}

export interface Completion {
  /** The key offered. */
  label: string;
  /** What replaces the typed part. */
  insert: string;
  /** A preview of the value ("80", "{ 3 fields }", "no data yet"). */
  detail: string;
}

/**
 * The scope of `nodeId`'s expressions: from a run when there is one (its input, the node's step input, every
 * finished step's output), else the pinned input and the upstream node ids without values.
 */
export function scopeFor(nodeId: string | null, upstream: readonly string[], run: RunDetail | null | undefined, pinnedInput?: unknown): Scope {
  if (run) {
    const steps: Record<string, unknown> = {};
    for (const id of upstream) steps[id] = undefined;
    for (const s of run.steps) if (s.status === 'succeeded' || s.output !== null) steps[s.nodeId] = s.output;
    const own = nodeId ? run.steps.find((s) => s.nodeId === nodeId) : undefined;
    return {
      input: run.input,
      prev: own ? own.input : run.input,
      steps,
      run: { id: run.id, workflowId: run.workflowId, version: run.version, subject: run.subject, createdAt: run.createdAt },
    };
  }
  const steps: Record<string, unknown> = {};
  for (const id of upstream) steps[id] = undefined;
  return { input: pinnedInput ?? {}, prev: upstream.length ? undefined : (pinnedInput ?? {}), steps, run: { id: '', workflowId: '', version: 0, subject: null, createdAt: '' } };
}

/** A short preview of a value. */
export function preview(v: unknown): string {
  if (v === undefined) return 'no data yet';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[ ${v.length} item${v.length === 1 ? '' : 's'} ]`;
  if (typeof v === 'object') {
    const n = Object.keys(v).length;
    return `{ ${n} field${n === 1 ? '' : 's'} }`;
  }
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const quote = (k: string) => (IDENT.test(k) ? k : `\`${k.replace(/`/g, '')}\``);

/** The path being typed before `cursor`: its start and its dotted segments (the last one partial). */
function pathAt(text: string, cursor: number): { from: number; segments: string[] } | null {
  let i = cursor;
  while (i > 0 && /[A-Za-z0-9_.`$]/.test(text[i - 1] as string)) i--;
  const token = text.slice(i, cursor);
  if (token.startsWith('$')) return null;
  // Only a path that starts a term (not a number such as 1.5).
  if (/^\d/.test(token)) return null;
  const segments = token.split('.').map((s) => s.replace(/`/g, ''));
  return { from: i + token.lastIndexOf('.') + 1, segments };
}

/** Completions for the path at the cursor; `from` is where the replaced part starts (the partial key). */
export function completionsAt(text: string, cursor: number, scope: Scope, limit = 50): { from: number; to: number; items: Completion[] } {
  const at = pathAt(text, cursor);
  if (!at) return { from: cursor, to: cursor, items: [] };
  const partial = at.segments[at.segments.length - 1] ?? '';
  const parents = at.segments.slice(0, -1);
  let parent: unknown = scope;
  for (const k of parents) {
    if (parent === null || typeof parent !== 'object') return { from: at.from, to: cursor, items: [] };
    // A list: JSONata maps a path over its items; complete with the first item's keys.
    const cur: unknown = Array.isArray(parent) ? parent[0] : parent;
    parent = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
    if (parent === undefined && !(cur && typeof cur === 'object' && k in (cur as object))) return { from: at.from, to: cursor, items: [] };
  }
  const obj = Array.isArray(parent) ? parent[0] : parent;
  if (!obj || typeof obj !== 'object') return { from: at.from, to: cursor, items: [] };
  const lower = partial.toLowerCase();
  const items = Object.entries(obj as Record<string, unknown>)
    .filter(([k]) => k.toLowerCase().startsWith(lower))
    .slice(0, limit)
    .map(([k, v]) => ({ label: k, insert: quote(k), detail: preview(v) }));
  return { from: at.from, to: cursor, items };
}

/** Apply a completion: the new text and where the cursor goes. */
export function applyCompletion(text: string, range: { from: number; to: number }, c: Completion): { text: string; cursor: number } {
  const next = text.slice(0, range.from) + c.insert + text.slice(range.to);
  return { text: next, cursor: range.from + c.insert.length };
}
