/**
 * Saved segments: filters over fields, tags, score, stage and event history, counted live;
 * and who is in each one (`segment_members`), kept up to date incrementally so workflows can
 * start on `segment.entered` / `segment.left`.
 *
 * Membership is evaluated on the changes that can affect it, never by rescanning every contact:
 * - a CRM write notes in its Pending which contacts it touched and what changed
 *   (`field:score`, `tag:vip`, `event:email.clicked`, '*' for a new contact);
 * - `settle` (inside the write's transaction, after scoring) compares only those contacts, and
 *   only against the segments whose filter reads something that changed (`filterDeps`);
 * - a re-score of everyone compares the score-reading segments whole, once;
 * - conditions that change with time alone ("no activity for 30 days", "clicked within 7 days")
 *   are handled by `segmentClock`, run by the maintenance service every few minutes: the contacts
 *   whose activity time (or whose events) went past a window's boundary since the last pass are
 *   found through an index range, and only they are compared.
 * Saving or editing a segment's filter fills its membership once, silently (no segment.entered
 * for the contacts it has at that moment); only later changes record events. A deleted contact
 * leaves its segments silently.
 */
import { ApiError, Filter, parseOrThrow, type Filter as FilterT } from '../../../shared/api';
import type { Core } from '../core';
import { threadService, type ThreadEnv } from '../env';
import { filterDeps, filterSql, liveForCount, type FilterDeps } from './filter';
import { EVENT_CONTACT_SQL, newPending, storeOf, type Pending } from './store';
import { daysAgoIso, nowIso } from './util';
import { parseStored } from '../db/integrity';

interface SegmentRow {
  id: number;
  name: string;
  description: string | null;
  filter: string;
  created_at: string;
  updated_at: string;
  members_at: string | null;
}

export function countFilter(core: Core, filter: FilterT, now = new Date()): number {
  const f = filterSql(filter, now);
  const needsCompany = /\bco\./.test(f.sql);
  const row = core.db
    .prepare(`SELECT COUNT(*) AS n FROM contacts c ${needsCompany ? 'LEFT JOIN companies co ON co.id = c.company_id' : ''} WHERE ${liveForCount(f.sql !== '1')} AND ${f.sql}`)
    .get(...f.params) as { n: number };
  return row.n;
}

function toSegment(core: Core, r: SegmentRow) {
  const filter = parseOrThrow(Filter, parseStored(r.filter, 'segments.filter', r.id), `stored segment ${r.id}`);
  return { id: r.id, name: r.name, description: r.description, filter, count: countFilter(core, filter), createdAt: r.created_at, updatedAt: r.updated_at };
}

export function segmentFilter(env: ThreadEnv, id: number, field = 'segmentId'): FilterT {
  const r = storeOf(env).stmt(`SELECT filter FROM segments WHERE id = ?`).get(id) as { filter: string } | undefined;
  if (!r) throw new ApiError('not_found', `${field}: no segment with id ${id}.`, [{ path: field, message: 'no such segment' }]);
  return parseOrThrow(Filter, parseStored(r.filter, 'segments.filter', id), `stored segment ${id}`);
}

export function listSegments(core: Core) {
  return (storeOf(core).stmt(`SELECT * FROM segments ORDER BY name`).all() as SegmentRow[]).map((r) => toSegment(core, r));
}

export function saveSegment(core: Core, input: { id?: number | undefined; name: string; description?: string | null | undefined; filter: FilterT }) {
  const store = storeOf(core);
  const text = JSON.stringify(input.filter);
  const id = core.db.transaction(() => {
    const clash = store.stmt(`SELECT id FROM segments WHERE name = ? AND id != ?`).get(input.name, input.id ?? -1) as { id: number } | undefined;
    if (clash) throw new ApiError('conflict', `name: a segment called "${input.name}" already exists (id ${clash.id}); choose another name.`, [{ path: 'name', message: 'already used' }]);
    const at = nowIso();
    let id = input.id;
    if (id !== undefined) {
      const old = store.stmt(`SELECT filter FROM segments WHERE id = ?`).get(id) as { filter: string } | undefined;
      if (!old) throw new ApiError('not_found', `id: no segment with id ${id}.`, [{ path: 'id', message: 'no such segment' }]);
      store.stmt(`UPDATE segments SET name = ?, description = ?, filter = ?, updated_at = ? WHERE id = ?`).run(input.name, input.description ?? null, text, at, id);
      // A new filter: its members are recomputed once, silently (editing a segment is not a change of its contacts).
      if (old.filter !== text) fillSegment(core, { id, filter: input.filter }, new Date(core.now()));
    } else {
      id = Number(store.stmt(`INSERT INTO segments (name, description, filter, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`).run(input.name, input.description ?? null, text, at, at).lastInsertRowid);
      fillSegment(core, { id, filter: input.filter }, new Date(core.now()));
    }
    return id;
  })();
  return toSegment(core, store.stmt(`SELECT * FROM segments WHERE id = ?`).get(id) as SegmentRow);
}

/** Delete a segment (its membership rows go with it). */
export function deleteSegment(core: Core, id: number): boolean {
  return storeOf(core).stmt(`DELETE FROM segments WHERE id = ?`).run(id).changes > 0;
}

/** For workflow conditions: is this (live) contact in the segment right now? */
export function inSegment(env: ThreadEnv, segmentId: number, contactId: number, now = new Date()): boolean {
  const f = filterSql(segmentFilter(env, segmentId), now);
  const row = env.db
    .prepare(`SELECT 1 FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE c.id = ? AND c.deleted_at IS NULL AND ${f.sql}`)
    .get(contactId, ...f.params);
  return row !== undefined;
}

/** The ids of the live contacts the segment's filter matches now (what its count counts), lowest first. */
export function segmentContactIds(env: ThreadEnv, segmentId: number, now = new Date()): { name: string; ids: number[] } {
  const r = storeOf(env).stmt(`SELECT name FROM segments WHERE id = ?`).get(segmentId) as { name: string } | undefined;
  if (!r) throw new ApiError('not_found', `segmentId: no segment with id ${segmentId}.`, [{ path: 'segmentId', message: 'no such segment' }]);
  const f = filterSql(segmentFilter(env, segmentId), now);
  const ids = env.db.prepare(`SELECT c.id FROM ${FROM} WHERE ${liveForCount(f.sql !== '1')} AND ${f.sql} ORDER BY c.id`).pluck().all(...f.params) as number[];
  return { name: r.name, ids };
}

/* ---------- membership ---------- */

interface LiveSegment {
  id: number;
  name: string;
  membersAt: string | null;
  filter: FilterT;
  deps: FilterDeps;
}

/** Parsed filters by segment id and filter text (a thread's cache; a changed filter is parsed again). */
const PARSED = threadService('crm.segments.parsed', () => new Map<number, { text: string; filter: FilterT; deps: FilterDeps }>());

function liveSegments(env: ThreadEnv): LiveSegment[] {
  const rows = storeOf(env).stmt(`SELECT id, name, filter, members_at FROM segments ORDER BY id`).all() as Pick<SegmentRow, 'id' | 'name' | 'filter' | 'members_at'>[];
  const cache = env.get(PARSED);
  return rows.map((r) => {
    let c = cache.get(r.id);
    if (!c || c.text !== r.filter) {
      const filter = parseOrThrow(Filter, parseStored(r.filter, 'segments.filter', String(r.id)), `stored segment ${r.id}`);
      c = { text: r.filter, filter, deps: filterDeps(filter) };
      cache.set(r.id, c);
    }
    return { id: r.id, name: r.name, membersAt: r.members_at, filter: c.filter, deps: c.deps };
  });
}

const FROM = 'contacts c LEFT JOIN companies co ON co.id = c.company_id';
const IDS = 'SELECT value FROM json_each(?)';
/** Up to this many contacts, a filter is compiled per contact (correlated lookups); above, as a set. */
const CORRELATED_MAX = 2000;

/** Fill a segment's membership from its filter, recording no event (saving or editing it, an upgrade, the demo seed). */
function fillSegment(env: ThreadEnv, seg: { id: number; filter: FilterT }, now: Date): number {
  const store = storeOf(env);
  const f = filterSql(seg.filter, now);
  store.stmt(`DELETE FROM segment_members WHERE segment_id = ?`).run(seg.id);
  const n = env.db
    .prepare(`INSERT INTO segment_members (segment_id, contact_id, entered_at) SELECT ?, c.id, ? FROM ${FROM} WHERE ${liveForCount(f.sql !== '1')} AND ${f.sql}`)
    .run(seg.id, now.toISOString(), ...f.params).changes;
  store.stmt(`UPDATE segments SET members_at = ? WHERE id = ?`).run(now.toISOString(), seg.id);
  return n;
}

/** Fill every segment that has never been filled (after an upgrade), silently. Returns how many. */
export function fillNewSegments(env: ThreadEnv, now = new Date(env.now())): number {
  return env.db.transaction(() => {
    let n = 0;
    for (const s of liveSegments(env)) {
      if (s.membersAt) continue;
      fillSegment(env, s, now);
      n++;
    }
    return n;
  })();
}

/** Who of `ids` (live) matches the segment, and who of them is a member now. */
function diffAmong(env: ThreadEnv, seg: LiveSegment, ids: number[], now: Date): { entered: number[]; left: number[] } {
  const f = filterSql(seg.filter, now, { correlated: ids.length <= CORRELATED_MAX });
  const list = JSON.stringify(ids);
  const matching = env.db.prepare(`SELECT c.id FROM ${FROM} WHERE c.id IN (${IDS}) AND c.deleted_at IS NULL AND ${f.sql}`).pluck().all(list, ...f.params) as number[];
  const members = storeOf(env).stmt(`SELECT contact_id FROM segment_members WHERE segment_id = ? AND contact_id IN (${IDS})`).pluck().all(seg.id, list) as number[];
  const m = new Set(members);
  const now_ = new Set(matching);
  return { entered: matching.filter((id) => !m.has(id)), left: members.filter((id) => !now_.has(id)) };
}

/** The whole segment against its stored members (one pass of its filter, like a count). */
function diffWhole(env: ThreadEnv, seg: LiveSegment, now: Date): { entered: number[]; left: number[] } {
  const f = filterSql(seg.filter, now);
  const live = `SELECT c.id FROM ${FROM} WHERE ${liveForCount(f.sql !== '1')} AND ${f.sql}`;
  const entered = env.db
    .prepare(`${live} AND NOT EXISTS (SELECT 1 FROM segment_members m WHERE m.segment_id = ? AND m.contact_id = c.id)`)
    .pluck()
    .all(...f.params, seg.id) as number[];
  const left = env.db.prepare(`SELECT m.contact_id FROM segment_members m WHERE m.segment_id = ? AND m.contact_id NOT IN (${live})`).pluck().all(seg.id, ...f.params) as number[];
  return { entered, left };
}

/** Store who entered and left, and record segment.entered / segment.left with the contact (as of now) in their data. */
function apply(env: ThreadEnv, p: Pending, seg: LiveSegment, d: { entered: number[]; left: number[] }, at: string): void {
  const store = storeOf(env);
  for (const [type, ids] of [['segment.entered', d.entered], ['segment.left', d.left]] as const) {
    if (ids.length === 0) continue;
    const list = JSON.stringify(ids);
    if (type === 'segment.entered') store.stmt(`INSERT OR IGNORE INTO segment_members (segment_id, contact_id, entered_at) SELECT ?, value, ? FROM json_each(?)`).run(seg.id, at, list);
    else store.stmt(`DELETE FROM segment_members WHERE segment_id = ? AND contact_id IN (${IDS})`).run(seg.id, list);
    const importId = p.importId ? `, '$.importId', ?` : '';
    const rows = store
      .stmt(
        `INSERT INTO events (at, type, subject_type, subject_id, data)
         SELECT ?, ?, 'contact', CAST(c.id AS TEXT), json_set(json_object('segmentId', ?, 'segmentName', ?), '$.contact', ${EVENT_CONTACT_SQL}${importId})
         FROM ${FROM} WHERE c.id IN (${IDS}) ORDER BY c.id
         RETURNING id, subject_id`,
      )
      .all(at, type, seg.id, seg.name, ...(p.importId ? [p.importId] : []), list) as { id: number; subject_id: string }[];
    for (const r of rows) p.events.push({ id: r.id, type, contactId: Number(r.subject_id), at, data: null });
  }
}

/**
 * The contact.created / contact.updated events listed by id (JSON) get the contact as of now in their
 * data; contact.updated keeps its `changes` as they are (a merge patch would drop their null values).
 * One statement driven by the listed ids (rowid lookups, a correlated subquery per event: `+type`
 * keeps the planner from walking the type index, every event of that type, instead; UPDATE … FROM
 * let it scan tables).
 */
const SNAPSHOT_SQL = `UPDATE events SET data = (
    SELECT CASE events.type
      WHEN 'contact.created' THEN json_patch(${EVENT_CONTACT_SQL}, COALESCE(events.data, '{}'))
      ELSE json_set(json_patch(${EVENT_CONTACT_SQL}, json_remove(COALESCE(events.data, '{}'), '$.changes')), '$.changes', json_extract(events.data, '$.changes'))
    END
    FROM ${FROM} WHERE c.id = CAST(events.subject_id AS INTEGER))
  WHERE id IN (${IDS}) AND +type IN ('contact.created', 'contact.updated')`;

/**
 * Finish a CRM write inside its transaction (rescore calls it last; afterCommit, in a
 * transaction of its own, for a write that did not): the contact.created / contact.updated
 * events it recorded get the contact as of now in their data (score included), and the
 * contacts it touched are compared against the segments the change can affect.
 */
export function settle(env: ThreadEnv, p: Pending): void {
  const store = storeOf(env);
  if (p.snapshots.length) {
    const list = JSON.stringify(p.snapshots);
    p.snapshots = [];
    store.stmt(SNAPSHOT_SQL).run(list);
  }
  if (p.touched.size === 0 && p.reconcile.size === 0) return;
  const segs = liveSegments(env);
  if (segs.length === 0) {
    p.touched.clear();
    p.reconcile.clear();
    return;
  }
  const now = new Date(env.now());
  const at = now.toISOString();
  const ids = [...p.touched.keys()];
  // A deleted (or merged-away) contact leaves its segments silently.
  if (ids.length) store.stmt(`DELETE FROM segment_members WHERE contact_id IN (SELECT c.id FROM contacts c WHERE c.id IN (${IDS}) AND c.deleted_at IS NOT NULL)`).run(JSON.stringify(ids));
  for (const seg of segs) {
    // Never filled (an upgrade): fill it silently now; the change is part of its first state.
    if (!seg.membersAt) {
      fillSegment(env, seg, now);
      continue;
    }
    const keys = seg.deps.keys;
    if ([...p.reconcile].some((k) => keys.has(k))) {
      apply(env, p, seg, diffWhole(env, seg, now), at);
      continue;
    }
    const affected = ids.filter((id) => {
      const t = p.touched.get(id)!;
      if (t === '*') return true;
      for (const k of t) if (keys.has(k)) return true;
      return false;
    });
    if (affected.length) apply(env, p, seg, diffAmong(env, seg, affected, now), at);
  }
  p.touched.clear();
  p.reconcile.clear();
}

const CLOCK_KEY = 'segments.clock';

/**
 * Time-based conditions change without any write: a contact becomes "inactive for 30 days",
 * or an event leaves a "within 7 days" window. For each segment with such a condition, the
 * contacts whose activity time (or whose events of that type) went past the window's boundary
 * since the last pass are read from an index range — [last pass − N days, now − N days) — and
 * only they are compared. Run by the maintenance service every few minutes, so such an entry
 * or exit is at most that late. Returns what moved.
 */
export function segmentClock(env: ThreadEnv, now = new Date(env.now())): { segments: number; candidates: number; entered: number; left: number } {
  const store = storeOf(env);
  const p = newPending();
  const out = env.db.transaction(() => {
    const res = { segments: 0, candidates: 0, entered: 0, left: 0 };
    const stored = (store.stmt(`SELECT value FROM crm_state WHERE key = ?`).get(CLOCK_KEY) as { value: string } | undefined)?.value;
    const last = stored === undefined ? null : parseStored<string>(stored, 'crm_state.value', CLOCK_KEY);
    const nowIso_ = now.toISOString();
    for (const seg of liveSegments(env)) {
      if (seg.deps.windows.length === 0) continue;
      if (!seg.membersAt) {
        fillSegment(env, seg, now);
        continue;
      }
      // Members are exact as of the last pass, or as of the fill when it came later.
      const from = last && last > seg.membersAt ? last : seg.membersAt;
      if (from >= nowIso_) continue;
      res.segments++;
      const ids = new Set<number>();
      for (const w of seg.deps.windows) {
        const lo = daysAgoIso(new Date(from), w.days);
        const hi = daysAgoIso(now, w.days);
        const found =
          w.kind === 'inactive'
            ? (store
                .stmt(
                  `SELECT id FROM contacts WHERE deleted_at IS NULL AND last_activity_at >= ? AND last_activity_at < ?
                   UNION SELECT id FROM contacts WHERE deleted_at IS NULL AND last_activity_at IS NULL AND created_at >= ? AND created_at < ?`,
                )
                .pluck()
                .all(lo, hi, lo, hi) as number[])
            : (store.stmt(`SELECT DISTINCT CAST(subject_id AS INTEGER) FROM events WHERE type = ? AND at >= ? AND at < ? AND subject_type = 'contact'`).pluck().all(w.type, lo, hi) as number[]);
        for (const id of found) ids.add(id);
      }
      res.candidates += ids.size;
      if (ids.size === 0) continue;
      const d = diffAmong(env, seg, [...ids], now);
      res.entered += d.entered.length;
      res.left += d.left.length;
      apply(env, p, seg, d, nowIso_);
    }
    store
      .stmt(`INSERT INTO crm_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`)
      .run(CLOCK_KEY, JSON.stringify(nowIso_), nowIso_);
    return res;
  })();
  publish(env, p);
  return out;
}

/**
 * Compare every segment whole with its members (recording what moved): a safety net run with
 * the 6-hourly maintenance, for changes made outside the CRM's write path (a company renamed,
 * the store edited by hand). Normally it finds nothing.
 */
export function reconcileSegments(env: ThreadEnv, now = new Date(env.now())): { entered: number; left: number } {
  const p = newPending();
  const res = env.db.transaction(() => {
    const r = { entered: 0, left: 0 };
    env.db.prepare(`DELETE FROM segment_members WHERE contact_id IN (SELECT id FROM contacts WHERE deleted_at IS NOT NULL)`).run();
    for (const seg of liveSegments(env)) {
      if (!seg.membersAt) {
        fillSegment(env, seg, now);
        continue;
      }
      const d = diffWhole(env, seg, now);
      r.entered += d.entered.length;
      r.left += d.left.length;
      apply(env, p, seg, d, now.toISOString());
    }
    return r;
  })();
  publish(env, p);
  return res;
}

/** A contact was deleted: it leaves its segments without events (workflows do not start for a deleted contact). */
export function dropMemberships(env: ThreadEnv, contactId: number): void {
  storeOf(env).stmt(`DELETE FROM segment_members WHERE contact_id = ?`).run(contactId);
}

/** A contact was restored: it is back in the segments it matches, without events (as it left them). */
export function restoreMemberships(env: ThreadEnv, contactId: number, now = new Date(env.now())): void {
  env.db.transaction(() => {
    for (const seg of liveSegments(env)) {
      if (!seg.membersAt) continue;
      const d = diffAmong(env, seg, [contactId], now);
      if (d.entered.length) storeOf(env).stmt(`INSERT OR IGNORE INTO segment_members (segment_id, contact_id, entered_at) VALUES (?, ?, ?)`).run(seg.id, contactId, now.toISOString());
    }
  })();
}

/** Push what a membership pass recorded, once committed (the engine dispatches the new events). */
function publish(env: ThreadEnv, p: Pending): void {
  for (const e of p.events) env.emit('crm.event.recorded', { id: e.id, type: e.type, contactId: e.contactId, at: e.at });
  if (p.events.length > 0) env.eventsAppended();
  p.events.length = 0;
}
