/** Saved segments: filters over fields, tags, score, stage and event history, counted live. */
import { ApiError, Filter, parseOrThrow, type Filter as FilterT } from '../../../shared/api';
import type { Core } from '../core';
import type { ThreadEnv } from '../env';
import { filterSql, liveForCount } from './filter';
import { storeOf } from './store';
import { nowIso } from './util';

interface SegmentRow {
  id: number;
  name: string;
  description: string | null;
  filter: string;
  created_at: string;
  updated_at: string;
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
  const filter = parseOrThrow(Filter, JSON.parse(r.filter), `stored segment ${r.id}`);
  return { id: r.id, name: r.name, description: r.description, filter, count: countFilter(core, filter), createdAt: r.created_at, updatedAt: r.updated_at };
}

export function segmentFilter(env: ThreadEnv, id: number, field = 'segmentId'): FilterT {
  const r = storeOf(env).stmt(`SELECT filter FROM segments WHERE id = ?`).get(id) as { filter: string } | undefined;
  if (!r) throw new ApiError('not_found', `${field}: no segment with id ${id}.`, [{ path: field, message: 'no such segment' }]);
  return parseOrThrow(Filter, JSON.parse(r.filter), `stored segment ${id}`);
}

export function listSegments(core: Core) {
  return (storeOf(core).stmt(`SELECT * FROM segments ORDER BY name`).all() as SegmentRow[]).map((r) => toSegment(core, r));
}

export function saveSegment(core: Core, input: { id?: number | undefined; name: string; description?: string | null | undefined; filter: FilterT }) {
  const store = storeOf(core);
  const clash = store.stmt(`SELECT id FROM segments WHERE name = ? AND id != ?`).get(input.name, input.id ?? -1) as { id: number } | undefined;
  if (clash) throw new ApiError('conflict', `name: a segment called "${input.name}" already exists (id ${clash.id}); choose another name.`, [{ path: 'name', message: 'already used' }]);
  const at = nowIso();
  let id = input.id;
  if (id !== undefined) {
    const n = store.stmt(`UPDATE segments SET name = ?, description = ?, filter = ?, updated_at = ? WHERE id = ?`).run(input.name, input.description ?? null, JSON.stringify(input.filter), at, id).changes;
    if (n === 0) throw new ApiError('not_found', `id: no segment with id ${id}.`, [{ path: 'id', message: 'no such segment' }]);
  } else {
    id = Number(store.stmt(`INSERT INTO segments (name, description, filter, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`).run(input.name, input.description ?? null, JSON.stringify(input.filter), at, at).lastInsertRowid);
  }
  return toSegment(core, store.stmt(`SELECT * FROM segments WHERE id = ?`).get(id) as SegmentRow);
}

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
