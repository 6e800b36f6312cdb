/**
 * Lead scoring: fit rules (field/tag conditions), behaviour rules (event
 * conditions, repeatable with a cap, negative points allowed) and decay for
 * inactivity. Scores are computed set-based in SQL for every contact at once;
 * `explainScore` recomputes one contact rule by rule with the same formulas.
 */
import { ApiError, ScoringConfig, parseOrThrow, stageRank, type Stage } from '../../../shared/api';
import type { Core } from '../core';
import type { ThreadEnv } from '../env';
import { LIVE_SCAN, conditionSql, eventWhereSql } from './filter';
import { afterCommit } from './publish';
import { conditionKey, syncScoreMatches } from './score-matches';
import { settle } from './segments';
import { newPending, storeOf, touch, type Pending } from './store';
import { daysAgoIso, nowIso, withBigCache } from './util';
import { parseStored } from '../db/integrity';
import type { Statement } from 'better-sqlite3';

type Config = ScoringConfig;
type BehaviorRule = Config['behavior'][number];

export const DEFAULT_SCORING: Config = parseOrThrow(ScoringConfig, {
  thresholds: { mql: 50, sql: 100 },
  fit: [
    { id: 'business-domain', label: 'Works at a known company', when: { kind: 'field', field: 'companyDomain', op: 'exists' }, points: 10 },
    { id: 'has-title', label: 'Job title known', when: { kind: 'field', field: 'title', op: 'exists' }, points: 5 },
    { id: 'consent', label: 'Marketing consent', when: { kind: 'field', field: 'consent', op: 'eq', value: 'granted' }, points: 5 },
  ],
  behavior: [
    // Machine opens and clicks (mail-privacy proxies, link scanners, opens seconds after the send: docs/tracking.md) are recorded, not scored.
    { id: 'opened', label: 'Opened an e-mail', event: 'email.opened', where: { path: 'machine', op: 'eq', value: false }, points: 2, repeatable: true, cap: 20, withinDays: 90 },
    { id: 'clicked', label: 'Clicked in an e-mail', event: 'email.clicked', where: { path: 'machine', op: 'eq', value: false }, points: 5, repeatable: true, cap: 30, withinDays: 90 },
    { id: 'replied', label: 'Replied to an e-mail', event: 'email.replied', points: 15, repeatable: true, cap: 30 },
    { id: 'pricing', label: 'Visited the pricing page', event: 'page.visited', where: { path: 'url', op: 'contains', value: '/pricing' }, points: 10, repeatable: true, cap: 30, withinDays: 30 },
    { id: 'form', label: 'Submitted a form', event: 'form.submitted', points: 20 },
    { id: 'meeting', label: 'Booked a meeting', event: 'meeting.booked', points: 40 },
    { id: 'unsubscribed', label: 'Unsubscribed', event: 'email.unsubscribed', points: -30 },
    { id: 'bounced', label: 'E-mail bounced', event: 'email.bounced', points: -20 },
    { id: 'complained', label: 'Marked as spam', event: 'email.complained', points: -50 },
  ],
  decay: { afterDays: 30, points: 10, everyDays: 30, max: 50 },
});

export function getScoring(env: ThreadEnv): Config {
  const row = storeOf(env).stmt(`SELECT value FROM crm_state WHERE key = 'scoring'`).get() as { value: string } | undefined;
  if (!row) return DEFAULT_SCORING;
  return parseOrThrow(ScoringConfig, parseStored(row.value, 'crm_state.value', 'scoring'), 'stored scoring rules');
}

function saveScoring(core: Core, config: Config): void {
  storeOf(core)
    .stmt(`INSERT INTO crm_state (key, value, updated_at) VALUES ('scoring', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`)
    .run(JSON.stringify(config), nowIso());
}

function behaviorCond(r: BehaviorRule, now: Date, params: unknown[]): string {
  const parts = ['type = ?'];
  params.push(r.event);
  if (r.withinDays !== undefined) {
    parts.push('at >= ?');
    params.push(daysAgoIso(now, r.withinDays));
  }
  if (r.where) parts.push(eventWhereSql(r.where, params));
  return parts.join(' AND ');
}

/** `CASE WHEN type = ? THEN <rest of the condition> END`: cheaper per event than `type = ? AND …` in a SUM. */
function behaviorCaseSql(r: BehaviorRule, now: Date, params: unknown[]): string {
  params.push(r.event);
  const rest: string[] = [];
  if (r.withinDays !== undefined) {
    rest.push('at >= ?');
    params.push(daysAgoIso(now, r.withinDays));
  }
  if (r.where) rest.push(eventWhereSql(r.where, params));
  return `CASE WHEN type = ? THEN ${rest.length ? `(${rest.join(' AND ')})` : '1'} END`;
}

/** Points of a behaviour rule for n matching events (the SQL below uses the same formula). */
export function behaviorPoints(r: BehaviorRule, n: number): number {
  if (n <= 0) return 0;
  if (!r.repeatable) return r.points;
  const raw = n * r.points;
  if (r.cap === undefined) return raw;
  return r.points >= 0 ? Math.min(raw, r.cap) : Math.max(raw, -r.cap);
}
function behaviorPointsSql(r: BehaviorRule, n: string): string {
  if (!r.repeatable) return `(CASE WHEN ${n} > 0 THEN ${r.points} ELSE 0 END)`;
  if (r.cap === undefined) return `(${n} * ${r.points})`;
  return r.points >= 0 ? `MIN(${n} * ${r.points}, ${r.cap})` : `MAX(${n} * ${r.points}, ${-r.cap})`;
}

export function decayPoints(d: Config['decay'], inactiveDays: number): number {
  if (!d || inactiveDays < d.afterDays) return 0;
  const p = d.points * (1 + Math.trunc((inactiveDays - d.afterDays) / d.everyDays));
  return d.max === undefined ? p : Math.min(p, d.max);
}
function decaySql(d: Config['decay'], params: unknown[], now: Date): string {
  if (!d) return '0';
  params.push(now.toISOString(), now.toISOString());
  const days = `(julianday(?) - julianday(COALESCE(c.last_activity_at, c.created_at)))`;
  const p = `(${d.points} * (1 + CAST((${days} - ${d.afterDays}) / ${d.everyDays} AS INTEGER)))`;
  // `days` appears twice: the first ? is for the CASE test, the second for the amount.
  return `(CASE WHEN ${days} >= ${d.afterDays} THEN ${d.max === undefined ? p : `MIN(${p}, ${d.max})`} ELSE 0 END)`;
}

/** `type = ? [AND at >= ?]`: the index range of a behaviour rule's events. */
function ruleRangeSql(r: BehaviorRule, now: Date, params: unknown[]): string {
  params.push(r.event);
  if (r.withinDays === undefined) return `type = ?`;
  params.push(daysAgoIso(now, r.withinDays));
  return `type = ? AND at >= ?`;
}

/** The page cache of a re-score of everyone (KiB). */
const RESCORE_CACHE_KIB = 128 * 1024;

/**
 * Everyone's behaviour points by contact id (index = id). Each rule lists its events' contacts from one
 * index range, without reading an event row: a rule without a data condition from the events'
 * (type, at, subject) index, a rule with one from the kept matches of its condition (score-matches.ts).
 * The counts are taken in typed arrays: no sort (the per-rule GROUP BYs, their UNION and its GROUP BY
 * were most of a re-score, docs/bench.md).
 */
function everyoneBehaviorPoints(db: ThreadEnv['db'], rules: BehaviorRule[], now: Date, conds: Map<string, number>, size: number): Float64Array {
  const pts = new Float64Array(size);
  const n = new Int32Array(size);
  for (const r of rules) {
    const params: unknown[] = [];
    let sql: string;
    if (r.where) {
      params.push(conds.get(conditionKey(r)));
      sql = `SELECT contact_id FROM crm_score_matches WHERE cond = ?`;
      if (r.withinDays !== undefined) {
        sql += ' AND at >= ?';
        params.push(daysAgoIso(now, r.withinDays));
      }
    } else sql = `SELECT CAST(subject_id AS INTEGER) FROM events WHERE ${ruleRangeSql(r, now, params)} AND +subject_type = 'contact'`;
    const ids = cachedStatement(db, sql).pluck().all(...params) as (number | null)[];
    for (const id of ids) if (id !== null && id > 0 && id < size) n[id]!++;
    for (const id of ids) {
      if (id === null || !(id > 0 && id < size) || n[id] === 0) continue;
      pts[id]! += behaviorPoints(r, n[id]!);
      n[id] = 0;
    }
  }
  return pts;
}

export interface RescoreResult {
  rescored: number;
  changed: number;
  crossed: number;
  durationMs: number;
}

/** Connections that have the temp table and the crm_behavior_points function of rescore. */
const scoreTables = new WeakSet<object>();
/** Per connection, everyone's behaviour points during a re-score of everyone (read by crm_behavior_points(id)). */
const behaviorPointsOf = new WeakMap<object, Float64Array>();
/** Per connection, rescore's statements by SQL text (the text depends on the rules and the number of ids, not on the values: the same few recur). */
const statements = new WeakMap<object, Map<string, Statement>>();
const STATEMENTS_KEPT = 64;

function cachedStatement(db: ThreadEnv['db'], sql: string): Statement {
  let m = statements.get(db);
  if (!m) statements.set(db, (m = new Map()));
  let st = m.get(sql);
  if (st) {
    // Most recently used last: the oldest is dropped first.
    m.delete(sql);
    m.set(sql, st);
    return st;
  }
  st = db.prepare(sql);
  m.set(sql, st);
  if (m.size > STATEMENTS_KEPT) m.delete(m.keys().next().value as string);
  return st;
}

/**
 * Re-score every live contact (or only `ids`) in one transaction: compute all
 * scores into a temp table with one statement, write the ones that changed,
 * promote contacts whose score crossed the MQL/SQL threshold. Called inside
 * the caller's transaction (with its `pending`), the new scores commit with the
 * change that caused them, and the caller's afterCommit announces crossings.
 */
export function rescore(
  env: ThreadEnv,
  opts: {
    ids?: number[];
    now?: Date;
    config?: Config;
    pending?: Pending;
    promote?: boolean;
    /**
     * Called once the new scores are written and before any promotion, with the contacts about to be
     * promoted (a bulk import records its contact.created events here: after the scores, before the
     * promotions' lifecycle.changed).
     */
    beforePromote?: (promoting: ReadonlySet<number>) => void;
  } = {},
): RescoreResult {
  const t0 = performance.now();
  const config = opts.config ?? getScoring(env);
  const now = opts.now ?? new Date();
  const at = now.toISOString();
  const store = storeOf(env);
  const db = env.db;
  const ids = opts.ids ? [...new Set(opts.ids)] : undefined;
  if (ids && ids.length === 0) {
    // Nothing to score, but the caller's write may still have segment membership to settle.
    opts.beforePromote?.(new Set());
    if (opts.pending) settle(env, opts.pending);
    return { rescored: 0, changed: 0, crossed: 0, durationMs: 0 };
  }
  // Many ids (an import batch) travel as one JSON parameter; a few as one parameter each.
  const many = ids !== undefined && ids.length > 500;
  const idIn = (cast: string) => (many ? `SELECT ${cast} FROM json_each(?)` : ids!.map(() => '?').join(', '));
  const idParams = (asText: boolean): unknown[] => (many ? [JSON.stringify(ids)] : ids!.map((i) => (asText ? String(i) : i)));

  const params: unknown[] = [];
  let cte = '';
  const beh = config.behavior;
  const behTerms: string[] = [];
  if (beh.length > 0 && ids) {
    // A few contacts: one pass over their events (the subject index), a count per rule.
    const cols = beh.map((r, i) => `SUM(${behaviorCaseSql(r, now, params)}) AS r${i}`);
    const types = [...new Set(beh.map((r) => r.event))];
    params.push(...types, ...idParams(true));
    const where = `subject_type = 'contact' AND type IN (${types.map(() => '?').join(', ')}) AND subject_id IN (${idIn('CAST(value AS TEXT)')})`;
    cte = `WITH b AS MATERIALIZED (SELECT CAST(subject_id AS INTEGER) AS cid, ${cols.join(', ')} FROM events WHERE ${where} GROUP BY subject_id) `;
    beh.forEach((r, i) => behTerms.push(behaviorPointsSql(r, `COALESCE(b.r${i}, 0)`)));
  } else if (beh.length > 0) {
    // Everyone: the points are counted in JS (everyoneBehaviorPoints) and read per contact by the SELECT.
    behTerms.push('crm_behavior_points(c.id)');
  }
  const terms: string[] = [];
  for (const r of config.fit) terms.push(`(CASE WHEN ${conditionSql(r.when, now, params)} THEN ${r.points} ELSE 0 END)`);
  terms.push(...behTerms);
  // Adjustments by workflows (crm.score): score.adjusted events, counted like a rule so a re-score keeps them.
  // A few contacts: their events through the subject index; everyone: the type's range of the type index only.
  terms.push('COALESCE(adj.pts, 0)');
  const decay = decaySql(config.decay, params, now);
  const total = `(${terms.length ? terms.join(' + ') : '0'}) - ${decay}`;
  const adjJoin = `LEFT JOIN (SELECT CAST(subject_id AS INTEGER) AS cid, SUM(CAST(json_extract(data, '$.points') AS INTEGER)) AS pts FROM events
    WHERE type = 'score.adjusted' AND ${ids ? `subject_type = 'contact' AND subject_id IN (${idIn('CAST(value AS TEXT)')})` : `+subject_type = 'contact'`} GROUP BY subject_id) adj ON adj.cid = c.id`;
  if (ids) params.push(...idParams(true));
  // Everyone: read the contacts table once (LIVE_SCAN), not row by row through a partial index.
  let where = ids ? 'c.deleted_at IS NULL' : LIVE_SCAN;
  if (ids) {
    where += ` AND c.id IN (${idIn('value')})`;
    params.push(...idParams(false));
  }
  const select = `${cte}SELECT c.id, c.score, CAST(${total} AS INTEGER), c.stage FROM contacts c LEFT JOIN companies co ON co.id = c.company_id ${cte ? 'LEFT JOIN b ON b.cid = c.id' : ''} ${adjJoin} WHERE ${where}`;

  const T = config.thresholds;
  const pending = opts.pending ?? newPending();
  const crossings: { id: number; old: number; score: number; stage: Stage }[] = [];
  // Everyone: a bigger page cache while the scores of all contacts are read and written (the UPDATE
  // dirties every page of the contacts table and of its score index; a small cache spills them mid-way).
  const inCache = <R>(fn: () => R): R => (ids ? fn() : withBigCache(db, fn, RESCORE_CACHE_KIB));
  const result = inCache(() => db.transaction(() => {
    if (!scoreTables.has(db)) {
      db.exec(`CREATE TEMP TABLE IF NOT EXISTS crm_scores (id INTEGER PRIMARY KEY, old INTEGER, score INTEGER, stage TEXT)`);
      db.function('crm_behavior_points', { deterministic: true }, (id) => {
        const pts = behaviorPointsOf.get(db);
        return pts && typeof id === 'number' && id > 0 && id < pts.length ? pts[id]! : 0;
      });
      scoreTables.add(db);
    }
    if (!ids && beh.length > 0) {
      const conds = syncScoreMatches(db, beh);
      const size = ((cachedStatement(db, `SELECT MAX(id) FROM contacts`).pluck().get() as number | null) ?? 0) + 1;
      behaviorPointsOf.set(db, everyoneBehaviorPoints(db, beh, now, conds, size));
    }
    const prepare = (sql: string) => cachedStatement(db, sql);
    prepare(`DELETE FROM temp.crm_scores`).run();
    let rescored: number;
    try {
      rescored = prepare(`INSERT INTO temp.crm_scores (id, old, score, stage) ${select}`).run(...params).changes;
    } finally {
      behaviorPointsOf.delete(db);
    }
    const crossRows = prepare(
        `SELECT id, old, score, stage FROM temp.crm_scores
         WHERE (score >= ? AND old < ? AND stage IN ('subscriber', 'lead', 'mql'))
            OR (score >= ? AND old < ? AND stage IN ('subscriber', 'lead'))`,
    ).all(T.sql, T.sql, T.mql, T.mql) as { id: number; old: number; score: number; stage: Stage }[];
    if (opts.promote !== false) crossings.push(...crossRows);
    // Segments reading the score: the contacts whose score changed are compared (all of a segment at once when many changed).
    const moved = (prepare(`SELECT id FROM temp.crm_scores WHERE old != score LIMIT 5001`).all() as { id: number }[]).map((r) => r.id);
    if (moved.length > 5000) pending.reconcile.add('field:score');
    else for (const id of moved) touch(pending, id, 'field:score');
    // Driven by the temp table's changed rows (UPDATE … FROM let the planner scan all of contacts for one score).
    const changed = prepare(`UPDATE contacts SET score = (SELECT s.score FROM temp.crm_scores s WHERE s.id = contacts.id), scored_at = ? WHERE id IN (SELECT id FROM temp.crm_scores WHERE old != score)`).run(at).changes;
    const promoting = crossings.filter((c) => stageRank(c.score >= T.sql && c.old < T.sql ? 'sql' : 'mql') > stageRank(c.stage));
    opts.beforePromote?.(new Set(promoting.map((c) => c.id)));
    for (const c of promoting) {
      const to: Stage = c.score >= T.sql && c.old < T.sql ? 'sql' : 'mql';
      store.promote(pending, c.id, c.stage, to, 'score', at, { score: c.score, threshold: to === 'sql' ? T.sql : T.mql });
    }
    prepare(`DELETE FROM temp.crm_scores`).run();
    // Last in the write's transaction: contact events get the contact as of commit, segments move.
    settle(env, pending);
    return { rescored, changed };
  })());
  const crossed = crossings.filter((c) => stageRank(c.score >= T.sql && c.old < T.sql ? 'sql' : 'mql') > stageRank(c.stage));
  const announce = () => {
    for (const c of crossed) {
      const to: Stage = c.score >= T.sql && c.old < T.sql ? 'sql' : 'mql';
      env.emit('crm.score.crossed', { contactId: c.id, threshold: to as 'mql' | 'sql', score: c.score, from: c.stage, to });
    }
  };
  // With the caller's pending, the caller's afterCommit pushes (its transaction may still be open).
  if (opts.pending) pending.after.push(announce);
  else {
    afterCommit(env, pending);
    announce();
  }
  return { ...result, crossed: crossed.length, durationMs: Math.round(performance.now() - t0) };
}

/** Replace the rules (validated) and re-score everyone. */
export function setScoring(core: Core, input: unknown): RescoreResult & { config: Config } {
  const config = parseOrThrow(ScoringConfig, input, 'scoring rules');
  saveScoring(core, config);
  const r = rescore(core, { config });
  core.bus.emit('crm.scoring.changed', { rescored: r.rescored });
  return { ...r, config };
}

/** One contact's score, rule by rule: what gave (or took) how many points, and when. */
export function explainScore(env: ThreadEnv, id: number, now = new Date(), config = getScoring(env)) {
  const store = storeOf(env);
  const row = store.row(id);
  if (!row) throw new ApiError('not_found', `id: no contact with id ${id}.`);
  const lines: { rule: string; label?: string; kind: 'fit' | 'behavior' | 'adjustment' | 'decay'; points: number; at: string | null; detail: string }[] = [];
  const label = (l: string | undefined) => (l === undefined ? {} : { label: l });
  for (const r of config.fit) {
    const params: unknown[] = [];
    const sql = conditionSql(r.when, now, params);
    const m = env.db.prepare(`SELECT (${sql}) AS m FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE c.id = ?`).get(...params, id) as { m: number | null };
    if (m.m) {
      const what = r.when.kind === 'tag' ? `tag ${r.when.op === 'has' ? 'is' : 'is not'} "${r.when.tag}"` : `${r.when.field} ${r.when.op}${r.when.value !== undefined ? ' ' + JSON.stringify(r.when.value) : ''}`;
      lines.push({ rule: r.id, ...label(r.label), kind: 'fit', points: r.points, at: row.updated_at, detail: `fit: ${what}` });
    }
  }
  for (const r of config.behavior) {
    const params: unknown[] = [];
    const cond = behaviorCond(r, now, params);
    const agg = env.db
      .prepare(`SELECT COUNT(*) AS n, MIN(at) AS first, MAX(at) AS last FROM events WHERE subject_type = 'contact' AND subject_id = ? AND ${cond}`)
      .get(String(id), ...params) as { n: number; first: string | null; last: string | null };
    const pts = behaviorPoints(r, agg.n);
    if (agg.n === 0) continue;
    const capped = r.repeatable && r.cap !== undefined && Math.abs(agg.n * r.points) > r.cap;
    const detail = r.repeatable
      ? `${agg.n} × ${r.event} at ${r.points} each${capped ? `, capped at ${r.cap}` : ''}${r.withinDays ? ` (last ${r.withinDays} days)` : ''}`
      : `${r.event}${agg.n > 1 ? ` (${agg.n} times, counted once)` : ''}${r.withinDays ? ` (last ${r.withinDays} days)` : ''}`;
    lines.push({ rule: r.id, ...label(r.label), kind: 'behavior', points: pts, at: r.repeatable ? agg.last : agg.first, detail });
  }
  for (const a of storeOf(env)
    .stmt(
      `SELECT json_extract(data, '$.reason') AS reason, SUM(CAST(json_extract(data, '$.points') AS INTEGER)) AS points, COUNT(*) AS n, MAX(at) AS last,
              group_concat(DISTINCT json_extract(data, '$.workflowId')) AS workflows
       FROM events WHERE subject_type = 'contact' AND subject_id = ? AND type = 'score.adjusted' GROUP BY reason ORDER BY MIN(id)`,
    )
    .all(String(id)) as { reason: string | null; points: number; n: number; last: string; workflows: string | null }[]) {
    const by = a.workflows ? ` by workflow ${a.workflows.split(',').join(', ')}` : '';
    lines.push({ rule: 'adjustment', label: a.reason ?? 'Adjustment', kind: 'adjustment', points: a.points, at: a.last, detail: `${a.n > 1 ? `${a.n} adjustments` : 'adjusted'}${by}` });
  }
  if (config.decay) {
    const since = row.last_activity_at ?? row.created_at;
    const days = (now.getTime() - new Date(since).getTime()) / 86_400_000;
    const pts = decayPoints(config.decay, days);
    if (pts > 0) lines.push({ rule: 'decay', kind: 'decay', points: -pts, at: now.toISOString(), detail: `no activity for ${Math.floor(days)} days (since ${since})` });
  }
  return { total: lines.reduce((s, l) => s + l.points, 0), scoredAt: now.toISOString(), lines };
}

class PreviewDone extends Error {}

/**
 * What new rules would do, stored nothing: every contact re-scored in a transaction rolled back (how many
 * scores change and how many cross a threshold), and a few contacts (the given ones, else the highest
 * scored and the most recently active) with their score under the rules in use and under the new ones.
 */
export function previewScoring(core: Core, input: unknown, contactIds: number[] | undefined, now = new Date()) {
  const config = parseOrThrow(ScoringConfig, input, 'scoring rules');
  const current = getScoring(core);
  const ids =
    contactIds && contactIds.length
      ? [...new Set(contactIds)]
      : [
          ...new Set([
            ...(core.db.prepare(`SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY score DESC, id LIMIT 3`).pluck().all() as number[]),
            ...(core.db.prepare(`SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY last_activity_at IS NULL, last_activity_at DESC, id DESC LIMIT 3`).pluck().all() as number[]),
          ]),
        ];
  const sample = ids.map((id) => {
    const row = storeOf(core).row(id);
    if (!row || row.deleted_at) throw new ApiError('not_found', `contactIds: no contact with id ${id}.`, [{ path: 'contactIds', message: 'no such contact' }]);
    const before = explainScore(core, id, now, current).total;
    const after = explainScore(core, id, now, config);
    const name = [row.first_name, row.last_name].filter(Boolean).join(' ');
    return { id, name: name || null, email: row.email, stage: row.stage as Stage, before, after: after.total, lines: after.lines };
  });
  let everyone = { rescored: 0, changed: 0, crossed: 0 };
  try {
    core.db.transaction(() => {
      const r = rescore(core, { config, now, pending: newPending() });
      everyone = { rescored: r.rescored, changed: r.changed, crossed: r.crossed };
      throw new PreviewDone();
    })();
  } catch (e) {
    if (!(e instanceof PreviewDone)) throw e;
  }
  return { thresholds: config.thresholds, sample, everyone };
}
