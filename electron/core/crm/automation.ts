/**
 * CRM writes and reads for workflow nodes (crm/nodes, sales/nodes). They take the thread's
 * environment (a node runs in a Bree worker, where there is no Core) and the caller's `Pending`, and
 * run inside the caller's transaction: a node wraps them in `ctx.once`, so the write and the record
 * that it was done commit together, and calls `afterCommit(env, p)` once that has committed.
 */
import { ApiError, type Contact, type ScoringConfig } from '../../../shared/api';
import type { ThreadEnv } from '../env';
import { openDealsOf } from './deals';
import { filterDeps } from './filter';
import { getScoring, rescore } from './scoring';
import { inSegment, settle } from './segments';
import { COLUMN_FIELDS, FIELD_COLUMN, storeOf, type ContactRow, type ContactValues, type Pending, type WriteResult } from './store';
import { nowIso } from './util';

/** Who wrote: recorded with score adjustments and as the `via` of contacts a workflow creates. */
export interface Via {
  workflowId: string;
  runId: string;
  nodeId: string;
}

/**
 * A live contact by id or by e-mail, else undefined. An id that was merged into another contact is
 * followed to that contact (a run that started before the merge still reaches the person).
 */
export function findContact(env: ThreadEnv, ref: { id?: number | undefined; email?: string | undefined }): ContactRow | undefined {
  const store = storeOf(env);
  if (ref.id !== undefined) {
    let r = store.row(ref.id);
    for (let hops = 0; r?.merged_into && hops < 20; hops++) r = store.row(r.merged_into);
    return r && !r.deleted_at ? r : undefined;
  }
  return ref.email === undefined ? undefined : store.byEmail(ref.email);
}

export function contactOf(env: ThreadEnv, id: number): Contact {
  return storeOf(env).contact(id);
}

/** Fields that record where a contact came from: filled when empty, never overwritten (first touch). */
const ATTRIBUTION = ['source', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent'] as const;

/** What the scoring rules read, as `touch` keys (`field:title`, `tag:vip`, `event:form.submitted` …), per rules object. */
const reads = new WeakMap<ScoringConfig, Set<string>>();
function scoringReads(config: ScoringConfig): Set<string> {
  let keys = reads.get(config);
  if (!keys) {
    keys = filterDeps({ match: 'all', conditions: config.fit.map((r) => r.when) }).keys;
    for (const r of config.behavior) keys.add(`event:${r.event}`);
    keys.add('event:score.adjusted');
    if (config.decay) keys.add('field:lastActivityAt').add('field:createdAt');
    reads.set(config, keys);
  }
  return keys;
}

/**
 * Re-score the contact when the write changed something the scoring rules read (a new contact
 * always); else only settle the write (its events' data, segments): a tag or a field no rule reads
 * leaves the score as it is, and scores that move with time alone (decay, "within N days") are
 * brought up to date by the scheduled re-score, as for contacts nobody writes.
 */
function rescoreIfRead(env: ThreadEnv, p: Pending, id: number): void {
  const t = p.touched.get(id);
  const config = getScoring(env);
  const keys = scoringReads(config);
  if (t === '*' || (t && [...t].some((k) => keys.has(k)))) rescore(env, { ids: [id], pending: p, config });
  else settle(env, p);
}

/** Create the contact with this e-mail or update it with the given (non-empty) values, then re-score it (rescoreIfRead). */
export function upsertContact(env: ThreadEnv, p: Pending, v: ContactValues, via: Via): WriteResult {
  const store = storeOf(env);
  const existing = store.byEmail(v.fields.email!);
  const values: ContactValues = { ...v, fields: { ...v.fields } };
  if (existing) {
    for (const f of ATTRIBUTION) if ((existing as unknown as Record<string, unknown>)[FIELD_COLUMN[f]] !== null) delete values.fields[f];
  } else values.fields.source ??= `workflow:${via.workflowId}`;
  const w = store.write(p, values, { mode: 'upsert', reason: `workflow:${via.workflowId}`, existing: existing ?? null });
  rescoreIfRead(env, p, w.id);
  return w;
}

/** Change a live contact (null clears a field), then re-score it (rescoreIfRead). */
export function patchContact(env: ThreadEnv, p: Pending, id: number, v: ContactValues, reason: string): WriteResult {
  const w = storeOf(env).write(p, v, { mode: 'patch', id, reason });
  rescoreIfRead(env, p, id);
  return w;
}

/** Tags the contact has now (sorted). */
export function tagsOf(env: ThreadEnv, id: number): string[] {
  return storeOf(env).contact(id).tags;
}

export interface Crossing {
  threshold: string;
  from: string;
  to: string;
  score: number;
}

/**
 * Add (or remove) points with a reason: a `score.adjusted` event on the contact's timeline, which the
 * scoring model counts like a rule (so a re-score keeps it) and the score explanation shows with its
 * reason; then re-score. Returns the score before and after, and the thresholds crossed.
 */
export function adjustScore(env: ThreadEnv, p: Pending, id: number, points: number, reason: string, via: Via): { before: number; after: number; crossed: Crossing[] } {
  const store = storeOf(env);
  const before = store.liveRow(id, 'contactId').score;
  const from = p.events.length;
  store.recordEvent(p, 'score.adjusted', id, nowIso(), { points, reason, ...via });
  rescore(env, { ids: [id], pending: p });
  const crossed = p.events
    .slice(from)
    .filter((e) => e.type === 'score.crossed')
    .map((e) => {
      const d = e.data as { threshold: string; from: string; to: string; score: number };
      return { threshold: d.threshold, from: d.from, to: d.to, score: d.score };
    });
  return { before, after: store.liveRow(id, 'contactId').score, crossed };
}

/** An event on the contact's timeline (scoring rules and segments count it; workflows start on it), then re-score (rescoreIfRead). */
export function recordContactEvent(env: ThreadEnv, p: Pending, id: number, type: string, data: Record<string, unknown> | null): { id: number; at: string } {
  const store = storeOf(env);
  store.liveRow(id, 'contactId');
  const at = nowIso();
  const eventId = store.recordEvent(p, type, id, at, data);
  rescoreIfRead(env, p, id);
  return { id: eventId, at };
}

interface SegmentRow {
  id: number;
  name: string;
}

/** Every segment (id and name), for import checks and lookups. */
export function segmentList(env: ThreadEnv): SegmentRow[] {
  return storeOf(env).stmt(`SELECT id, name FROM segments ORDER BY name`).all() as SegmentRow[];
}

/** A segment by id or by name, or undefined. */
export function findSegment(env: ThreadEnv, ref: number | string): SegmentRow | undefined {
  return segmentList(env).find((s) => (typeof ref === 'number' ? s.id === ref : s.name === ref || String(s.id) === ref));
}

/** The segments the (live) contact is in right now. */
export function segmentsOf(env: ThreadEnv, contactId: number, now = new Date()): SegmentRow[] {
  return segmentList(env).filter((s) => inSegment(env, s.id, contactId, now));
}

/** A contact with what a workflow decides on: segments it is in and open deals. */
export function lookupContact(env: ThreadEnv, id: number) {
  return { contact: contactOf(env, id), segments: segmentsOf(env, id), openDeals: openDealsOf(env, id) };
}

/** Contact fields a node may set by name (the rest — email, tags, custom — have their own params). */
export const SETTABLE_FIELDS: readonly string[] = [...COLUMN_FIELDS.filter((f) => f !== 'email'), 'companyName', 'companyDomain'];

/** An ApiError from domain code, as a workflow step error (not retried: the same input fails the same way). */
export function isInputError(e: unknown): e is ApiError {
  return e instanceof ApiError && (e.code === 'invalid_input' || e.code === 'not_found' || e.code === 'conflict');
}
