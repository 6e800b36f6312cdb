/** Contact operations: list/search, get, create, update, soft delete + restore, merge. */
import { ApiError, stageRank, type Filter, type Stage } from '../../../shared/api';
import type { Core } from '../core';
import { dealsOf } from './deals';
import { filterSql, liveForCount } from './filter';
import { afterCommit } from './publish';
import { explainScore, rescore } from './scoring';
import { dropMemberships, restoreMemberships, segmentFilter } from './segments';
import { COLUMN_FIELDS, CONTACT_SELECT, FIELD_COLUMN, SEARCH_INDEXED_SQL, newPending, storeOf, toContact, valuesOf, type ContactRow } from './store';
import { likeEscape, nowIso } from './util';
import { parseStored, parseStoredOrNull } from '../db/integrity';

const SORT_SQL: Record<string, string> = {
  id: 'c.id',
  email: 'c.email',
  firstName: 'c.first_name',
  lastName: 'c.last_name',
  score: 'c.score',
  stage: 'c.stage',
  createdAt: 'c.created_at',
  updatedAt: 'c.updated_at',
  lastActivityAt: 'c.last_activity_at',
};

export interface ListInput {
  search?: string | undefined;
  filter?: Filter | undefined;
  segmentId?: number | undefined;
  companyId?: number | undefined;
  sort?: { field: string; dir: 'asc' | 'desc' } | undefined;
  offset: number;
  /** Keyset: the page after this row (its id and its value of the sort field). */
  after?: { id: number; value: string | number | null } | undefined;
  limit: number;
  deleted: boolean;
  /** Count matches only up to this many: more answer `total` = this with `totalCapped` true. */
  totalUpTo?: number | undefined;
}

/**
 * `search`: the term (trimmed) is a substring of the e-mail, the first or the last name, or — when
 * it contains a space — of "first last"; LIKE semantics (ASCII letters case-insensitive, % and _
 * literal). A term of 3+ characters first narrows the candidates through the trigram index
 * `contacts_search` (migration 0011; it folds case like LIKE and more, so it finds a superset)
 * plus the contacts changed or created since its last sync, then the exact LIKE condition decides;
 * shorter terms are a LIKE scan.
 */
function searchParts(q: string): { exact: { sql: string; params: unknown[] }; match: string | null } {
  const like = `%${likeEscape(q)}%`;
  const exact = q.includes(' ')
    ? { sql: `(c.email LIKE ? ESCAPE '\\' OR (c.first_name || ' ' || c.last_name) LIKE ? ESCAPE '\\')`, params: [like, like] }
    : { sql: `(c.email LIKE ? ESCAPE '\\' OR c.first_name LIKE ? ESCAPE '\\' OR c.last_name LIKE ? ESCAPE '\\')`, params: [like, like, like] };
  return { exact, match: [...q].length < 3 ? null : `"${q.replace(/"/g, '""')}"` };
}

/** Candidates: the index, plus the contacts changed or created since it was last brought up to date. */
const CANDIDATES = `SELECT rowid FROM contacts_search WHERE contacts_search MATCH ? UNION ALL SELECT id FROM contacts_search_pending UNION ALL SELECT id FROM contacts WHERE id > ${SEARCH_INDEXED_SQL}`;

export function searchSql(q: string): { sql: string; params: unknown[] } {
  const { exact, match } = searchParts(q);
  if (match === null) return exact;
  return { sql: `c.id IN (${CANDIDATES}) AND ${exact.sql}`, params: [match, ...exact.params] };
}

/**
 * The same candidates as a stream `k` in id order (`dir`), from an id on when given: a merge of the
 * index's rowid order, the queue and the new contacts (SQLite's MERGE (UNION), which also drops an id
 * found twice), never all materialised. Joined first (CROSS JOIN keeps that order), a page reads
 * candidates' rows only until it is full, and a count up to a cap stops at the cap.
 */
function candidateStream(match: string, dir: 'ASC' | 'DESC', afterId?: number): { sql: string; params: unknown[] } {
  const b = afterId === undefined ? '' : dir === 'ASC' ? ' > ?' : ' < ?';
  const p = afterId === undefined ? [] : [afterId, afterId, afterId];
  return {
    sql: `(SELECT rowid AS id FROM contacts_search WHERE contacts_search MATCH ?${b && ` AND rowid${b}`}
      UNION SELECT id FROM contacts_search_pending${b && ` WHERE id${b}`}
      UNION SELECT id FROM contacts WHERE id > ${SEARCH_INDEXED_SQL}${b && ` AND id${b}`} ORDER BY 1 ${dir}) k`,
    params: [match, ...p],
  };
}

/**
 * A search matching more contacts than this is wide: a page sorted by a column with a live-row index
 * walks that index and keeps the entries that are candidates (a few thousand entries for 100 rows)
 * instead of reading and sorting every match.
 */
export const WIDE_SEARCH = 1000;
/** Sort fields with a live-row index (contacts_live_*, contacts_email_live). */
const LIVE_SORT_INDEX = new Set(['email', 'score', 'stage', 'createdAt', 'updatedAt', 'lastActivityAt']);

/** A filter that is one comparison on a column of a live-row index (contacts_live_*), as filterSql writes it. */
const INDEXED_COMPARISON = /^\(\(c\.(stage|score|created_at|updated_at|last_activity_at) (=|IN|>=|<=|>|<) (\?|\((\?, )*\?\))\)\)$/;

export function listContacts(core: Core, input: ListInput, now = new Date()) {
  const base = [input.deleted ? 'c.deleted_at IS NOT NULL AND c.merged_into IS NULL' : 'c.deleted_at IS NULL'];
  const baseParams: unknown[] = [];
  for (const f of [input.filter, input.segmentId !== undefined ? segmentFilter(core, input.segmentId) : undefined]) {
    if (!f) continue;
    const s = filterSql(f, now);
    if (s.sql === '1') continue; // an empty filter matches everyone
    base.push(s.sql);
    baseParams.push(...s.params);
  }
  if (input.companyId !== undefined) {
    base.push('c.company_id = ?');
    baseParams.push(input.companyId);
  }
  const q = input.search?.trim();
  const search = q ? searchParts(q) : null;
  const where = [...base];
  const params = [...baseParams];
  if (search) {
    where.push(search.match === null ? search.exact.sql : `c.id IN (${CANDIDATES}) AND ${search.exact.sql}`);
    params.push(...(search.match === null ? [] : [search.match]), ...search.exact.params);
  }
  const w = where.join(' AND ');
  // Join companies only when a condition needs them; page through ids first (an index-only walk
  // over the live-row sort indexes), then load the page's rows.
  const from = /\bco\./.test(w) ? 'contacts c LEFT JOIN companies co ON co.id = c.company_id' : 'contacts c';
  // A search through the index as a stream in id order: the conditions other than the candidates.
  const match = search?.match ?? null;
  const streamWhere = match === null ? '' : [...base, search!.exact.sql].join(' AND ');
  const streamParams = match === null ? [] : [...baseParams, ...search!.exact.params];
  const streamed = (k: { sql: string; params: unknown[] }, tail: string, tailParams: unknown[]) =>
    core.db.prepare(`SELECT c.id FROM ${k.sql} CROSS JOIN ${from} WHERE c.id = k.id AND ${streamWhere} ${tail}`).pluck().all(...k.params, ...streamParams, ...tailParams) as number[];

  let total: number;
  let totalCapped = false;
  // No condition but live/trash: the count the triggers keep (migration 0022), not a walk over every row.
  const kept =
    where.length === 1 ? (storeOf(core).stmt(`SELECT n FROM crm_counts WHERE key = ?`).get(input.deleted ? 'contacts.deleted' : 'contacts.live') as { n: number } | undefined)?.n : undefined;
  if (kept !== undefined) total = kept;
  else if (input.totalUpTo !== undefined) {
    // Counted up to the cap (+1 to know there are more): a wide search stops at the cap instead of reading every match.
    const n =
      match !== null
        ? streamed(candidateStream(match, 'ASC'), 'LIMIT ?', [input.totalUpTo + 1]).length
        : (core.db.prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${from} WHERE ${w} LIMIT ?)`).get(...params, input.totalUpTo + 1) as { n: number }).n;
    totalCapped = n > input.totalUpTo;
    total = Math.min(n, input.totalUpTo);
  } else {
    // One comparison on a column with a live-row index (stage = 'mql', score >= 20): that index counts it
    // (a range of entries); anything else reads the table once (LIVE_SCAN), never row by row through an index.
    const indexed = where.length === 2 && INDEXED_COMPARISON.test(where[1]!);
    const countWhere = input.deleted ? w : [liveForCount(where.length > 1 && !indexed), ...where.slice(1)].join(' AND ');
    total = (core.db.prepare(`SELECT COUNT(*) AS n FROM ${from} WHERE ${countWhere}`).get(...params) as { n: number }).n;
  }
  const dir = input.sort?.dir === 'desc' ? 'DESC' : 'ASC';
  const sort = input.sort ? `${SORT_SQL[input.sort.field]} ${dir}, c.id ${dir}` : 'c.id ASC';
  if (input.after && input.offset > 0)
    throw new ApiError('invalid_input', 'offset: give either offset or after (the keyset of the previous page), not both.', [{ path: 'offset', message: 'must be 0 with after' }]);
  const load = (ids: number[]) => storeOf(core).stmt(`${CONTACT_SELECT} WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY ${sort}`).all(JSON.stringify(ids)) as ContactRow[];
  let ids: number[];
  if (match !== null && (!input.sort || input.sort.field === 'id')) {
    // In id order: the candidates' stream, from the keyset's id on; the page stops reading once full.
    ids = streamed(candidateStream(match, input.sort ? dir : 'ASC', input.after?.id), `ORDER BY k.id ${input.sort ? dir : 'ASC'} LIMIT ? OFFSET ?`, [input.limit, input.offset]);
  } else if (match !== null && !input.deleted && LIVE_SORT_INDEX.has(input.sort!.field) && (totalCapped || total > WIDE_SEARCH)) {
    // A wide search sorted by an indexed column: walk that index (the unary + keeps the planner off the id lookup).
    const walk = [...base, `+c.id IN (${CANDIDATES}) AND ${search!.exact.sql}`].join(' AND ');
    ids = page(core, from, walk, params, input, sort, dir);
  } else ids = page(core, from, w, params, input, sort, dir);
  return { total, totalCapped, rows: load(ids).map(toContact) };
}

/** The page's ids: by keyset (`after`) through keysetIds, else by offset. */
function page(core: Core, from: string, w: string, params: unknown[], input: ListInput, sort: string, dir: 'ASC' | 'DESC'): number[] {
  if (input.after) return keysetIds(core, from, w, params, input.sort ? { col: SORT_SQL[input.sort.field]!, dir } : { col: 'c.id', dir: 'ASC' }, input.after, input.limit);
  return core.db.prepare(`SELECT c.id FROM ${from} WHERE ${w} ORDER BY ${sort} LIMIT ? OFFSET ?`).pluck().all(...params, input.limit, input.offset) as number[];
}

/**
 * The ids of the page after `after` in the order `col dir, c.id dir`, through the sort column's index
 * from the cursor on (never walking the rows before it). SQLite puts NULLs first in ascending order
 * and last in descending order; a row-value range `(col, id) > (?, ?)` leaves NULLs out, so the rows on
 * the other side of that boundary are a second range, read only when the first one ends within the page.
 */
function keysetIds(
  core: Core,
  from: string,
  w: string,
  params: unknown[],
  s: { col: string; dir: 'ASC' | 'DESC' },
  after: { id: number; value: string | number | null },
  limit: number,
): number[] {
  const page = (cond: string, order: string, p: unknown[], n: number) =>
    core.db.prepare(`SELECT c.id FROM ${from} WHERE ${w} AND ${cond} ORDER BY ${order} LIMIT ?`).pluck().all(...params, ...p, n) as number[];
  const order = `${s.col} ${s.dir}, c.id ${s.dir}`;
  if (s.col === 'c.id') return page(s.dir === 'ASC' ? 'c.id > ?' : 'c.id < ?', order, [after.id], limit);
  const asc = s.dir === 'ASC';
  // The cursor's side of the NULL boundary first: NULLs (by id), or the non-null range after the cursor.
  const first =
    after.value === null
      ? page(`${s.col} IS NULL AND c.id ${asc ? '>' : '<'} ?`, `c.id ${s.dir}`, [after.id], limit)
      : page(`(${s.col}, c.id) ${asc ? '>' : '<'} (?, ?)`, order, [after.value, after.id], limit);
  if (first.length === limit) return first;
  // Then the other side: ascending, after the NULLs come the non-null values; descending, after the non-null values the NULLs.
  const rest = limit - first.length;
  if (asc && after.value === null) return [...first, ...page(`${s.col} IS NOT NULL`, order, [], rest)];
  if (!asc && after.value !== null) return [...first, ...page(`${s.col} IS NULL`, `c.id DESC`, [], rest)];
  return first;
}

export function getContact(core: Core, id: number, timelineLimit = 100) {
  const store = storeOf(core);
  const contact = store.contact(id);
  const timeline = (
    store.stmt(`SELECT id, at, type, subject_id, data FROM events WHERE subject_type = 'contact' AND subject_id = ? ORDER BY at DESC, id DESC LIMIT ?`).all(String(id), timelineLimit) as {
      id: number;
      at: string;
      type: string;
      subject_id: string;
      data: string | null;
    }[]
  ).map((e) => ({ id: e.id, at: e.at, type: e.type, contactId: Number(e.subject_id), data: parseStoredOrNull(e.data, 'events.data', e.id) }));
  return { contact, score: explainScore(core, id), timeline, deals: dealsOf(core, id) };
}

export function createContact(core: Core, input: Record<string, unknown>) {
  const store = storeOf(core);
  const p = newPending();
  const id = core.db.transaction(() => {
    const id = store.write(p, valuesOf(input), { mode: 'create', reason: 'manual' }).id;
    rescore(core, { ids: [id], pending: p });
    return id;
  })();
  afterCommit(core, p);
  return store.contact(id);
}

export function updateContact(core: Core, input: { id: number; set: Record<string, unknown>; addTags?: string[] | undefined; removeTags?: string[] | undefined }) {
  const store = storeOf(core);
  const p = newPending();
  const v = valuesOf(input.set);
  v.tags = [...(v.tags ?? []), ...(input.addTags ?? [])];
  v.removeTags = input.removeTags;
  core.db.transaction(() => {
    if (input.set.tags !== undefined) {
      // `set.tags` replaces the tag list.
      const keep = new Set(input.set.tags as string[]);
      const cur = (store.stmt(`SELECT tag FROM contact_tags WHERE contact_id = ?`).all(input.id) as { tag: string }[]).map((r) => r.tag);
      v.removeTags = [...(v.removeTags ?? []), ...cur.filter((t) => !keep.has(t))];
    }
    store.write(p, v, { mode: 'patch', id: input.id, reason: 'manual' });
    rescore(core, { ids: [input.id], pending: p });
  })();
  afterCommit(core, p);
  return store.contact(input.id);
}

const undoDays = (core: Core) => Number(core.setting('crm.undoWindowDays', 30));

export function deleteContact(core: Core, id: number) {
  const store = storeOf(core);
  store.liveRow(id);
  const at = nowIso();
  core.db.transaction(() => {
    const n = store.stmt(`UPDATE contacts SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL`).run(at, at, id).changes;
    store.countContacts(-n, n);
    dropMemberships(core, id);
  })();
  core.bus.emit('crm.contact.changed', { contactId: id, change: 'deleted' });
  return { id, deletedAt: at, restorableUntil: new Date(Date.parse(at) + undoDays(core) * 86_400_000).toISOString() };
}

export function restoreContact(core: Core, id: number, now = new Date()) {
  const store = storeOf(core);
  const r = store.row(id);
  if (!r) throw new ApiError('not_found', `id: no contact with id ${id}.`, [{ path: 'id', message: 'no such contact' }]);
  if (!r.deleted_at) return toContact(r);
  if (r.merged_into) throw new ApiError('conflict', `id: contact ${id} was merged into contact ${r.merged_into}; a merge cannot be undone by restoring.`, [{ path: 'id', message: 'merged' }]);
  const until = Date.parse(r.deleted_at) + undoDays(core) * 86_400_000;
  if (now.getTime() > until)
    throw new ApiError('conflict', `id: contact ${id} was deleted on ${r.deleted_at}; the undo window of ${undoDays(core)} days ended on ${new Date(until).toISOString()}.`, [{ path: 'id', message: 'undo window over' }]);
  const other = store.byEmail(r.email);
  if (other) throw new ApiError('conflict', `email: ${r.email} now belongs to contact ${other.id}; merge or change that contact before restoring.`, [{ path: 'email', message: 'already used by a live contact' }]);
  core.db.transaction(() => {
    store.stmt(`UPDATE contacts SET deleted_at = NULL, updated_at = ? WHERE id = ?`).run(now.toISOString(), id);
    store.countContacts(1, -1);
  })();
  restoreMemberships(core, id);
  rescore(core, { ids: [id] });
  core.bus.emit('crm.contact.changed', { contactId: id, change: 'restored' });
  return store.contact(id);
}

/** Delete for good the contacts whose undo window is over (merged contacts stay as history). */
export function purgeDeleted(core: Core, now = new Date()): number {
  const cutoff = new Date(now.getTime() - undoDays(core) * 86_400_000).toISOString();
  const store = storeOf(core);
  return core.db.transaction(() => {
    const n = store.stmt(`DELETE FROM contacts WHERE deleted_at IS NOT NULL AND deleted_at < ? AND merged_into IS NULL`).run(cutoff).changes;
    store.countContacts(0, -n);
    return n;
  })();
}

/** Merge `sourceId` into `targetId`: events, deals and tags move; empty fields are filled; the source is kept as merged. */
export function mergeContacts(core: Core, targetId: number, sourceId: number) {
  if (targetId === sourceId) throw new ApiError('invalid_input', 'sourceId: a contact cannot be merged into itself.', [{ path: 'sourceId', message: 'same as targetId' }]);
  const store = storeOf(core);
  const p = newPending();
  const at = nowIso();
  core.db.transaction(() => {
    const t = store.liveRow(targetId, 'targetId');
    const s = store.liveRow(sourceId, 'sourceId');
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const f of COLUMN_FIELDS) {
      if (f === 'email' || f === 'stage' || f === 'consent') continue;
      const col = FIELD_COLUMN[f];
      const tv = (t as unknown as Record<string, unknown>)[col];
      const sv = (s as unknown as Record<string, unknown>)[col];
      if ((tv === null || tv === '') && sv !== null && sv !== '') {
        sets.push(`${col} = ?`);
        params.push(sv);
      }
    }
    if (t.company_id === null && s.company_id !== null) {
      sets.push('company_id = ?');
      params.push(s.company_id);
    }
    if (t.consent === 'unknown' && s.consent !== 'unknown') {
      sets.push('consent = ?', 'consent_at = ?');
      params.push(s.consent, s.consent_at);
    }
    const custom = { ...parseStored<object>(s.custom || '{}', 'contacts.custom', s.id), ...parseStored<object>(t.custom || '{}', 'contacts.custom', t.id) };
    sets.push('custom = ?');
    params.push(JSON.stringify(custom));
    if ((s.last_activity_at ?? '') > (t.last_activity_at ?? '')) {
      sets.push('last_activity_at = ?');
      params.push(s.last_activity_at);
    }
    if (s.created_at < t.created_at) {
      sets.push('created_at = ?');
      params.push(s.created_at);
    }
    sets.push('updated_at = ?');
    params.push(at);
    core.db.prepare(`UPDATE contacts SET ${sets.join(', ')} WHERE id = ?`).run(...params, targetId);
    store.stmt(`INSERT OR IGNORE INTO contact_tags (contact_id, tag) SELECT ?, tag FROM contact_tags WHERE contact_id = ?`).run(targetId, sourceId);
    const moved = store.stmt(`UPDATE events SET subject_id = ? WHERE subject_type = 'contact' AND subject_id = ?`).run(String(targetId), String(sourceId)).changes;
    const deals = store.stmt(`UPDATE deals SET contact_id = ? WHERE contact_id = ?`).run(targetId, sourceId).changes;
    store.stmt(`UPDATE contacts SET deleted_at = ?, merged_into = ?, updated_at = ? WHERE id = ?`).run(at, targetId, at, sourceId);
    store.countContacts(-1);
    store.recordEvent(p, 'contact.merged', targetId, at, { sourceId, sourceEmail: s.email, movedEvents: moved, movedDeals: deals });
    const sStage = s.stage as Stage;
    const tStage = t.stage as Stage;
    if (sStage !== 'churned' && tStage !== 'churned' && stageRank(sStage) > stageRank(tStage)) {
      store.stmt(`UPDATE contacts SET stage = ? WHERE id = ?`).run(sStage, targetId);
      store.recordEvent(p, 'lifecycle.changed', targetId, at, { from: tStage, to: sStage, reason: 'merge' });
    }
    rescore(core, { ids: [targetId], pending: p });
  })();
  p.changed.push({ contactId: targetId, change: 'merged' }, { contactId: sourceId, change: 'deleted' });
  afterCommit(core, p);
  return store.contact(targetId);
}
