/**
 * Pure helpers of the Approvals inbox (no DOM): what a payload looks like to its
 * recipient, which fields can be edited, the diff of edits, times, sorting and filters.
 */
import type { Approval, ApprovalPriority, ApprovalStatus } from '../../../../shared/api';

export type Preview =
  | { kind: 'email'; to: string | null; subject: string; html: string | null; text: string | null }
  | { kind: 'post'; title: string; body: string; format: 'markdown' | 'html'; status: string | null }
  | { kind: 'text'; text: string }
  | { kind: 'data'; value: unknown };

export interface AiInfo {
  reviewNotes: string[];
  confidence: number | null;
  costUsd: number | null;
  revisions: number | null;
  checklist: string[];
}

/** A field the reviewer may edit: a path into the payload. */
export interface EditField {
  path: (string | number)[];
  label: string;
  multiline: boolean;
}

export interface Described {
  preview: Preview;
  ai: AiInfo | null;
  /** Editable text fields, or null: edit the payload as JSON. */
  fields: EditField[] | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const BODY_KEYS = ['html', 'text', 'body'] as const;
const POST_KEYS = ['content', 'markdown', 'body'] as const;

function detect(v: unknown, base: (string | number)[]): { preview: Preview; fields: EditField[] | null } {
  if (typeof v === 'string') return { preview: { kind: 'text', text: v }, fields: [{ path: base, label: 'Text', multiline: true }] };
  if (!isObj(v)) return { preview: { kind: 'data', value: v }, fields: null };
  const subject = str(v.subject);
  const bodyKey = BODY_KEYS.find((k) => typeof v[k] === 'string');
  if (subject !== null && bodyKey) {
    const to = str(v.to) ?? str(v.email) ?? (Array.isArray(v.to) ? v.to.filter((x) => typeof x === 'string').join(', ') : null);
    return {
      preview: { kind: 'email', to, subject, html: bodyKey === 'html' ? (v.html as string) : null, text: bodyKey === 'html' ? str(v.text) : (v[bodyKey] as string) },
      fields: [
        { path: [...base, 'subject'], label: 'Subject', multiline: false },
        { path: [...base, bodyKey], label: bodyKey === 'html' ? 'Body (HTML)' : 'Body', multiline: true },
      ],
    };
  }
  const title = str(v.title);
  const postKey = POST_KEYS.find((k) => typeof v[k] === 'string');
  if (title !== null && postKey) {
    return {
      preview: { kind: 'post', title, body: v[postKey] as string, format: v.format === 'html' ? 'html' : 'markdown', status: str(v.status) },
      fields: [
        { path: [...base, 'title'], label: 'Title', multiline: false },
        { path: [...base, postKey], label: v.format === 'html' ? 'Content (HTML)' : 'Content (Markdown)', multiline: true },
      ],
    };
  }
  const textKey = ['text', 'message'].find((k) => typeof v[k] === 'string');
  if (textKey && Object.keys(v).length <= 3) return { preview: { kind: 'text', text: v[textKey] as string }, fields: [{ path: [...base, textKey], label: 'Text', multiline: true }] };
  return { preview: { kind: 'data', value: v }, fields: null };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) : []);

/** How to show a payload: an email, a post, text, or data; AI review details when present. */
export function describePayload(payload: unknown): Described {
  if (isObj(payload) && 'draft' in payload && ('reviewNotes' in payload || 'confidence' in payload)) {
    const d = payload.draft;
    const ai: AiInfo = { reviewNotes: strings(payload.reviewNotes), confidence: num(payload.confidence), costUsd: num(payload.costUsd), revisions: num(payload.revisions), checklist: strings(payload.checklist) };
    if (isObj(d) && typeof d.text === 'string') return { preview: { kind: 'text', text: d.text }, ai, fields: [{ path: ['draft', 'text'], label: 'Draft', multiline: true }] };
    if (isObj(d) && d.data !== undefined) return { ...detect(d.data, ['draft', 'data']), ai };
    return { ...detect(d, ['draft']), ai };
  }
  return { ...detect(payload, []), ai: null };
}

export function getAt(v: unknown, path: (string | number)[]): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** A copy of `v` with `path` set to `value`. */
export function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (!path.length) return value;
  const [k, ...rest] = path as [string | number, ...(string | number)[]];
  const base: Record<string | number, unknown> = Array.isArray(v) ? [...(v as unknown[])] as unknown as Record<number, unknown> : isObj(v) ? { ...v } : {};
  base[k] = setAt(base[k], rest, value);
  return base;
}

/** Leaves of a value as text, keyed by their path ("draft.text", "items[2].name"). */
export function leaves(v: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(v)) {
    if (!v.length) out.set(prefix || '(value)', '[]');
    v.forEach((x, i) => leaves(x, `${prefix}[${i}]`, out));
  } else if (isObj(v)) {
    const keys = Object.keys(v);
    if (!keys.length) out.set(prefix || '(value)', '{}');
    for (const k of keys) leaves(v[k], prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix || '(value)', typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));
  }
  return out;
}

export interface FieldChange {
  path: string;
  before: string | null;
  after: string | null;
}

/** Which leaves an edit changed, added or removed. */
export function changes(before: unknown, after: unknown): FieldChange[] {
  const a = leaves(before);
  const b = leaves(after);
  const out: FieldChange[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push({ path: k, before: v, after: b.get(k) ?? null });
  for (const [k, v] of b) if (!a.has(k)) out.push({ path: k, before: null, after: v });
  return out;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** "now", "12 min", "3 h", "5 d". */
export function span(ms: number): string {
  const m = Math.abs(ms);
  if (m < MIN) return m < 10_000 ? 'now' : `${Math.round(m / 1000)} s`;
  if (m < HOUR) return `${Math.floor(m / MIN)} min`;
  if (m < 2 * DAY) return `${Math.floor(m / HOUR)} h`;
  return `${Math.floor(m / DAY)} d`;
}

export function age(createdAt: string, now: number): string {
  const s = span(now - Date.parse(createdAt));
  return s === 'now' ? 'just now' : `${s} ago`;
}

/** Time before the approval expires, or null when it does not. */
export function timeLeft(expiresAt: string | null, now: number): { label: string; urgent: boolean } | null {
  if (!expiresAt) return null;
  const left = Date.parse(expiresAt) - now;
  if (left <= 0) return { label: 'expiring', urgent: true };
  return { label: `${span(left)} left`, urgent: left < DAY };
}

export type SortKey = 'newest' | 'oldest' | 'expiry' | 'priority';
export interface ViewFilter {
  priority: ApprovalPriority | 'any';
  q: string;
  sort: SortKey;
}

const PRI: Record<ApprovalPriority, number> = { high: 0, normal: 1, low: 2 };

/** The rows to show: the text and priority filters applied, then sorted. */
export function viewOf(items: Approval[], f: ViewFilter): Approval[] {
  const q = f.q.trim().toLowerCase();
  const out = items.filter((a) => (f.priority === 'any' || a.priority === f.priority) && (!q || a.title.toLowerCase().includes(q) || a.workflowName.toLowerCase().includes(q)));
  const t = (s: string | null) => (s ? Date.parse(s) : Infinity);
  const byNew = (a: Approval, b: Approval) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1);
  if (f.sort === 'newest') out.sort(byNew);
  else if (f.sort === 'oldest') out.sort((a, b) => byNew(b, a));
  else if (f.sort === 'expiry') out.sort((a, b) => t(a.expiresAt) - t(b.expiresAt) || byNew(a, b));
  else out.sort((a, b) => PRI[a.priority] - PRI[b.priority] || t(a.expiresAt) - t(b.expiresAt) || byNew(a, b));
  return out;
}

/** The next pending row after `index` (wrapping to the first pending one before it), or -1. */
export function nextPending(rows: Approval[], index: number, skip: (a: Approval) => boolean = () => false): number {
  for (let i = index + 1; i < rows.length; i++) if (rows[i]!.status === 'pending' && !skip(rows[i]!)) return i;
  for (let i = index - 1; i >= 0; i--) if (rows[i]!.status === 'pending' && !skip(rows[i]!)) return i;
  return -1;
}

export function formatConfidence(c: number | null): string {
  return c === null ? '—' : `${Math.round(c * 100)}%`;
}

export function formatUsd(n: number | null): string {
  if (n === null) return '—';
  return n < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
}

/** The line shown for what became of a decided approval's run. */
export function deliveryLabel(a: Pick<Approval, 'status' | 'delivery'>): { text: string; tone: 'ok' | 'warn' | 'danger' | 'neutral' } | null {
  switch (a.delivery) {
    case 'queued':
      return { text: 'queued — sends when online', tone: 'warn' };
    case 'delivered':
      return { text: a.status === 'approved' ? 'delivered' : 'done', tone: 'ok' };
    case 'failed':
      return { text: 'run failed', tone: 'danger' };
    case 'running':
      return { text: 'in progress', tone: 'neutral' };
    default:
      return null;
  }
}

export const PRIORITY_LABEL: Record<ApprovalPriority, string> = { high: 'High', normal: 'Normal', low: 'Low' };
export const STATUS_LABEL: Record<ApprovalStatus, string> = { pending: 'Pending', approved: 'Approved', rejected: 'Rejected', expired: 'Expired', cancelled: 'Cancelled' };

/** What the detail pane shows: the approval, the reject form, or the editor. */
export type Mode = { kind: 'view' } | { kind: 'reject' } | { kind: 'edit' };
/** A notice above the detail (a queued decision, a failure). */
export type Note = { id: string; tone: 'warn' | 'ok' | 'danger'; text: string };

// ---- the inbox page's own logic (filters, selection, shortcuts, live updates) ----

/** The status filter: one status, or every one. */
export type StatusFilter = ApprovalStatus | 'all';
/** The options of the toolbar's selects, in the order shown. */
export const STATUS_FILTERS: { value: StatusFilter; label: string }[] = [
  ...(['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const).map((s) => ({ value: s, label: STATUS_LABEL[s] })),
  { value: 'all', label: 'All' },
];
export const PRIORITY_FILTERS: { value: ApprovalPriority | 'any'; label: string }[] = [
  { value: 'any', label: 'Any' },
  ...(['high', 'normal', 'low'] as const).map((p) => ({ value: p, label: PRIORITY_LABEL[p] })),
];
export const SORTS: { value: SortKey; label: string }[] = [
  { value: 'newest', label: 'Newest first' },
  { value: 'oldest', label: 'Oldest first' },
  { value: 'expiry', label: 'Expires soonest' },
  { value: 'priority', label: 'Priority' },
];

/** A copy of the set with `id` added, or removed when it was there. */
export function toggled(s: ReadonlySet<string>, id: string): Set<string> {
  const n = new Set(s);
  if (n.has(id)) n.delete(id);
  else n.add(id);
  return n;
}

/** A copy of the record without these keys. */
export function without<T>(r: Record<string, T>, ids: Iterable<string>): Record<string, T> {
  const copy = { ...r };
  for (const id of ids) delete copy[id];
  return copy;
}

/** The list's selection as shown: the pending rows one can tick, whether all are ticked, how many are. */
export function selectionOf(rows: Approval[], selected: ReadonlySet<string>, queued: ReadonlySet<string>) {
  const pendingShown = rows.filter((a) => a.status === 'pending' && !queued.has(a.id));
  return {
    pendingShown,
    allSelected: pendingShown.length > 0 && pendingShown.every((a) => selected.has(a.id)),
    selectedCount: rows.filter((a) => selected.has(a.id) && a.status === 'pending').length,
  };
}

/** The ids a bulk approve sends: ticked, shown, pending and not already saved on this device. */
export function bulkIds(rows: Approval[], selected: ReadonlySet<string>, queued: ReadonlySet<string>): string[] {
  return rows.filter((a) => selected.has(a.id) && a.status === 'pending' && !queued.has(a.id)).map((a) => a.id);
}

/** The notice after a bulk approve: how many were approved, and those that kept an earlier decision. */
export function bulkNote(done: number, total: number, already: string[]): Note {
  return { id: 'bulk', tone: already.length ? 'warn' : 'ok', text: `Approved ${done} of ${total}.${already.length ? ` ${already.length} kept an earlier decision: ${already.slice(0, 3).join(' ')}` : ''}` };
}

/** The list's heading: "3 to decide", "12 approved shown". */
export function listTitle(status: StatusFilter, shown: number, pendingShown: number): string {
  return status === 'pending' ? `${pendingShown} to decide` : status === 'all' ? `${shown} shown` : `${shown} ${STATUS_LABEL[status].toLowerCase()} shown`;
}

/** What the empty list says: nothing matches the filters, nothing waits, or nothing here. */
export function emptyTitle(status: StatusFilter, loaded: number): string {
  return loaded ? 'Nothing matches these filters.' : status === 'pending' ? 'Nothing waits for you.' : 'No approvals here.';
}

/** What a screen reader hears when a row becomes active. */
export function announce(a: Approval | null, index: number, count: number): string {
  if (!a) return '';
  return `${a.title}, ${index + 1} of ${count}, ${a.status === 'pending' ? `${PRIORITY_LABEL[a.priority]} priority` : STATUS_LABEL[a.status]}`;
}

/** Decided approvals whose delivery may still change (of one run, or of any run): fetch them again. */
export function deliveriesToWatch(items: Approval[], runId?: string): Approval[] {
  if (runId !== undefined) return items.filter((a) => a.runId === runId && a.status !== 'pending' && a.delivery !== 'delivered' && a.delivery !== 'failed');
  return items.filter((a) => a.status !== 'pending' && (a.delivery === 'running' || a.delivery === 'queued')).slice(0, 50);
}

/** The element a key press came from, as much of it as the shortcuts look at. */
export interface KeyTarget {
  tagName?: string;
  isContentEditable?: boolean;
  type?: string;
}

/** A key pressed in a field that takes text is typing, not a shortcut. */
export function isTyping(el: KeyTarget | null): boolean {
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName === 'INPUT') return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(el.type ?? '');
  return false;
}

export type Shortcut = 'next' | 'previous' | 'approve' | 'reject' | 'edit' | 'toggle' | 'cancel';

/**
 * The shortcut a key press means, or null: none with a modifier, while typing, or (but Escape) while
 * rejecting or editing; approve, reject and edit only on an approval one can decide, select on any.
 */
export function shortcutOf(
  e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; defaultPrevented: boolean; target: KeyTarget | null },
  s: { mode: Mode; hasActive: boolean; canAct: boolean },
): Shortcut | null {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || isTyping(e.target)) return null;
  if (s.mode.kind !== 'view' && e.key !== 'Escape') return null;
  switch (e.key) {
    case 'j':
      return 'next';
    case 'k':
      return 'previous';
    case 'a':
      return s.canAct ? 'approve' : null;
    case 'r':
      return s.canAct ? 'reject' : null;
    case 'e':
      return s.canAct ? 'edit' : null;
    case 'x':
      return s.hasActive ? 'toggle' : null;
    case 'Escape':
      return 'cancel';
    default:
      return null;
  }
}

/** The row `delta` rows from the active one (the first when none is), kept inside the list; -1 on an empty list. */
export function moveIndex(active: number, delta: number, count: number): number {
  if (!count) return -1;
  return Math.min(count - 1, Math.max(0, (active < 0 ? 0 : active) + delta));
}
