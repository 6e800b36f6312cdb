/**
 * Segment filters and fit conditions compiled to parameterised SQL over
 * `contacts c LEFT JOIN companies co`. User values only ever travel as bound
 * parameters; identifiers come from fixed tables below.
 */
import type { Condition, Filter } from '../../../shared/api';
import { daysAgoIso, likeEscape } from './util';

export interface Sql {
  sql: string;
  params: unknown[];
}

const FIELD_SQL: Record<string, string> = {
  email: 'c.email',
  firstName: 'c.first_name',
  lastName: 'c.last_name',
  phone: 'c.phone',
  title: 'c.title',
  stage: 'c.stage',
  source: 'c.source',
  utmSource: 'c.utm_source',
  utmMedium: 'c.utm_medium',
  utmCampaign: 'c.utm_campaign',
  utmTerm: 'c.utm_term',
  utmContent: 'c.utm_content',
  timeZone: 'c.time_zone',
  consent: 'c.consent',
  score: 'c.score',
  createdAt: 'c.created_at',
  lastActivityAt: 'c.last_activity_at',
  companyName: 'co.name',
  companyDomain: 'co.domain',
};

function fieldExpr(field: string, params: unknown[]): string {
  const col = FIELD_SQL[field];
  if (col) return col;
  const m = /^custom\.([A-Za-z0-9_]{1,64})$/.exec(field);
  if (!m) throw new Error(`unknown field ${field}`); // unreachable: the contract validates fields
  params.push(`$."${m[1]}"`);
  return 'json_extract(c.custom, ?)';
}

/** better-sqlite3 binds no booleans: true/false -> 1/0 (what json_extract returns for JSON booleans). */
function bind<T>(v: T): T | number | unknown[] {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (Array.isArray(v)) return v.map((x: unknown) => (typeof x === 'boolean' ? (x ? 1 : 0) : x));
  return v;
}

type EventWhere = { path: string; op: 'eq' | 'contains' | 'starts_with'; value: string | number | boolean };

/**
 * `json_extract(data, ?) <op> ?` for an event-data condition. `eq false` also matches an event
 * whose data does not have the key: a flag that is not there is false (an ingested email.opened
 * without `machine` is a person's open).
 */
export function eventWhereSql(w: EventWhere, params: unknown[], dataCol = 'data'): string {
  params.push('$.' + w.path.split('.').map((k) => `"${k}"`).join('.'));
  if (w.op === 'eq' && w.value === false) return `COALESCE(json_extract(${dataCol}, ?), 0) = 0`;
  if (w.op === 'eq') {
    params.push(typeof w.value === 'boolean' ? (w.value ? 1 : 0) : w.value);
    return `json_extract(${dataCol}, ?) = ?`;
  }
  params.push(w.op === 'contains' ? `%${likeEscape(String(w.value))}%` : `${likeEscape(String(w.value))}%`);
  return `json_extract(${dataCol}, ?) LIKE ? ESCAPE '\\'`;
}

/**
 * How a condition is compiled for a few contacts at a time (`correlated`): tag and event
 * conditions look up each contact's own rows (the contact_tags primary key, the events subject
 * index) instead of listing every contact that has the tag or did the event, which costs as
 * much as counting a whole segment. The default (set) form suits a query over many contacts.
 */
export interface CompileOptions {
  correlated?: boolean;
}

export function conditionSql(c: Condition, now: Date, params: unknown[], opts: CompileOptions = {}): string {
  switch (c.kind) {
    case 'field': {
      const e = fieldExpr(c.field, params);
      const v = bind(c.value);
      switch (c.op) {
        case 'eq':
          params.push(v);
          return `${e} = ?`;
        case 'neq':
          params.push(v);
          return `COALESCE(${e} != ?, 1)`;
        case 'contains':
          params.push(`%${likeEscape(String(v))}%`);
          return `${e} LIKE ? ESCAPE '\\'`;
        case 'starts_with':
          params.push(`${likeEscape(String(v))}%`);
          return `${e} LIKE ? ESCAPE '\\'`;
        case 'ends_with':
          params.push(`%${likeEscape(String(v))}`);
          return `${e} LIKE ? ESCAPE '\\'`;
        case 'in':
        case 'not_in': {
          const list = v as unknown[];
          if (list.length === 0) return c.op === 'in' ? '0' : '1';
          params.push(...list);
          const inSql = `${e} IN (${list.map(() => '?').join(', ')})`;
          return c.op === 'in' ? inSql : `COALESCE(NOT (${inSql}), 1)`;
        }
        case 'gt':
          params.push(v);
          return `${e} > ?`;
        case 'gte':
          params.push(v);
          return `${e} >= ?`;
        case 'lt':
          params.push(v);
          return `${e} < ?`;
        case 'lte':
          params.push(v);
          return `${e} <= ?`;
        case 'exists':
          return `COALESCE(${e}, '') != ''`;
        case 'not_exists':
          return `COALESCE(${e}, '') = ''`;
      }
      break;
    }
    case 'tag':
      params.push(c.tag);
      if (opts.correlated) return `${c.op === 'has' ? '' : 'NOT '}EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?)`;
      return `c.id ${c.op === 'has' ? 'IN' : 'NOT IN'} (SELECT contact_id FROM contact_tags WHERE tag = ?)`;
    case 'event': {
      if (opts.correlated) {
        // `+type`: the contact's own events through the subject index (subject_type, subject_id, at); on the
        // (type, at …) index the planner would walk every event of the type in the window for each contact.
        const parts = [`subject_type = 'contact'`, 'subject_id = CAST(c.id AS TEXT)', '+type = ?'];
        params.push(c.type);
        if (c.withinDays !== undefined) {
          parts.push('at >= ?');
          params.push(daysAgoIso(now, c.withinDays));
        }
        if (c.where) parts.push(eventWhereSql(c.where, params));
        params.push(c.minCount);
        return `(SELECT COUNT(*) FROM events WHERE ${parts.join(' AND ')}) ${c.op === 'did' ? '>=' : '<'} ?`;
      }
      const parts = [`subject_type = 'contact'`, 'type = ?'];
      params.push(c.type);
      if (c.withinDays !== undefined) {
        parts.push('at >= ?');
        params.push(daysAgoIso(now, c.withinDays));
      }
      if (c.where) parts.push(eventWhereSql(c.where, params));
      params.push(c.minCount);
      const sub = `SELECT CAST(subject_id AS INTEGER) FROM events WHERE ${parts.join(' AND ')} GROUP BY subject_id HAVING COUNT(*) >= ?`;
      return `c.id ${c.op === 'did' ? 'IN' : 'NOT IN'} (${sub})`;
    }
    case 'inactive':
      params.push(daysAgoIso(now, c.days));
      return `COALESCE(c.last_activity_at, c.created_at) < ?`;
  }
  return '1';
}

/**
 * The live-contacts condition of a COUNT over contacts. The sort indexes are partial (live rows
 * only), so given `c.deleted_at IS NULL` the planner likes to walk one of them and fetch every row
 * by id in index order: several times slower than reading the table once whenever the other
 * conditions keep many rows (a score range, a LIKE). With other conditions the count reads the table
 * (`+` keeps the term away from the partial-index matcher; rowid lookups for `c.id IN (…)` stay);
 * alone, a partial index counts the live rows without touching them.
 */
export const LIVE_SCAN = '+c.deleted_at IS NULL';
export const liveForCount = (otherConditions: boolean): string => (otherConditions ? LIVE_SCAN : 'c.deleted_at IS NULL');

/** A whole filter: `(cond AND cond …)` or `(cond OR cond …)`; an empty filter matches everyone. */
export function filterSql(f: Filter, now: Date, opts: CompileOptions = {}): Sql {
  const params: unknown[] = [];
  if (f.conditions.length === 0) return { sql: '1', params };
  const parts = f.conditions.map((c) => `(${conditionSql(c, now, params, opts)})`);
  return { sql: `(${parts.join(f.match === 'any' ? ' OR ' : ' AND ')})`, params };
}

/**
 * What a filter reads, so a change is evaluated only against the segments it can affect:
 * - `field:<name>` (custom fields as `field:custom.<key>`, the company as `field:companyName` /
 *   `field:companyDomain`), `tag:<tag>`, `event:<type>`;
 * - `windows`: the conditions that change with time alone ("no activity for 30 days", "clicked
 *   within 7 days"): how far back each looks. A contact crosses such a boundary without any write;
 *   the maintenance pass finds who did from the range of times that went past it (indexed).
 */
export interface FilterDeps {
  keys: Set<string>;
  windows: ({ kind: 'inactive'; days: number } | { kind: 'event'; type: string; days: number })[];
}

/** The change keys and time windows a filter depends on (see FilterDeps). */
export function filterDeps(f: Filter): FilterDeps {
  const keys = new Set<string>();
  const windows: FilterDeps['windows'] = [];
  for (const c of f.conditions) {
    switch (c.kind) {
      case 'field':
        keys.add(`field:${c.field}`);
        break;
      case 'tag':
        keys.add(`tag:${c.tag}`);
        break;
      case 'event':
        keys.add(`event:${c.type}`);
        if (c.withinDays !== undefined) windows.push({ kind: 'event', type: c.type, days: c.withinDays });
        break;
      case 'inactive':
        keys.add('field:lastActivityAt');
        keys.add('field:createdAt');
        windows.push({ kind: 'inactive', days: c.days });
        break;
    }
  }
  return { keys, windows };
}
