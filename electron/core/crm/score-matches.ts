/**
 * The events that meet a scoring rule's data condition (`where` on the event's JSON data), kept as
 * events are written, so a re-score of everyone counts them from one index range instead of reading
 * and parsing the JSON of every candidate event (most of a re-score's time before: docs/bench.md).
 *
 * crm_score_conditions lists the conditions kept (those of the rules last used to re-score everyone);
 * crm_score_matches holds one row per (condition, matching contact event). Events are appended with
 * growing ids: a re-score of everyone first adds the matches of the events past each condition's `upto`
 * (all of them for a condition new to the rules), so writing an event costs nothing more (an AFTER INSERT
 * trigger on events cost ~11 µs per insert, of any type: its statement journal). A merge re-pointing a
 * contact's events and a delete move and remove their matches by triggers generated from the conditions
 * (their values written in as SQL literals), in the same transaction. An event's data is not watched: it
 * is written with the event, and `settle` fills a new event's snapshot in the event's own transaction,
 * past `upto` (a trigger on `data` made each of those updates open a statement journal file: +135 µs).
 */
import type { ThreadEnv } from '../env';
import { eventWhereSql } from './filter';
import type { ScoringConfig } from '../../../shared/api';

type BehaviorRule = ScoringConfig['behavior'][number];
type Db = ThreadEnv['db'];

const TRIGGERS = ['crm_score_matches_update', 'crm_score_matches_delete'];
const MATCH_COLUMNS = 'crm_score_matches (cond, at, contact_id, event_id)';

/** A rule's data condition as stored (and compared): its event type and `where`, in a fixed order. */
export const conditionKey = (r: BehaviorRule): string => JSON.stringify([r.event, r.where!.path, r.where!.op, r.where!.value ?? null]);

/** `sql` (with `?` placeholders, as filter.ts compiles) with each parameter written as an SQL literal by SQLite's quote(). */
function inline(db: Db, sql: string, params: unknown[]): string {
  const parts = sql.split('?');
  if (parts.length !== params.length + 1) throw new Error(`score matches: ${parts.length - 1} placeholders for ${params.length} values`);
  const quote = db.prepare('SELECT quote(?)').pluck();
  return parts.reduce((out, p, i) => out + (i === 0 ? '' : (quote.get(params[i - 1]) as string)) + p, '');
}

/** The condition of rule `r` on the row `row` (`new.` or the events table itself) as SQL with literals (`plus`: '+', not through an events index). */
function matchSql(db: Db, r: BehaviorRule, row: string, plus = ''): string {
  const params: unknown[] = [r.event];
  const where = eventWhereSql(r.where!, params, `${row}data`);
  return inline(db, `${plus}${row}type = ? AND ${plus}${row}subject_type = 'contact' AND ${plus}${row}subject_id IS NOT NULL AND ${where}`, params);
}

/**
 * Make crm_score_matches hold exactly the conditions of `rules` (those with a data condition), up to the
 * newest event: drop the conditions no longer used, add the new ones, add the matches of the events past
 * each condition's `upto`, and rewrite the triggers when the set changed. Returns each condition's id by
 * key. Call inside the re-score's transaction.
 */
export function syncScoreMatches(db: Db, rules: BehaviorRule[]): Map<string, number> {
  const wanted = new Map<string, BehaviorRule>();
  for (const r of rules) if (r.where) wanted.set(conditionKey(r), r);
  const kept = new Map((db.prepare(`SELECT key, id, upto FROM crm_score_conditions`).raw().all() as [string, number, number][]).map(([k, id, upto]) => [k, { id, upto }]));
  let changed = false;
  for (const [key, { id }] of kept) {
    if (wanted.has(key)) continue;
    db.prepare(`DELETE FROM crm_score_matches WHERE cond = ?`).run(id);
    db.prepare(`DELETE FROM crm_score_conditions WHERE id = ?`).run(id);
    kept.delete(key);
    changed = true;
  }
  for (const key of wanted.keys()) {
    if (kept.has(key)) continue;
    kept.set(key, { id: Number(db.prepare(`INSERT INTO crm_score_conditions (key) VALUES (?)`).run(key).lastInsertRowid), upto: 0 });
    changed = true;
  }
  const top = (db.prepare(`SELECT MAX(id) FROM events`).pluck().get() as number | null) ?? 0;
  for (const [key, { id, upto }] of kept) {
    if (upto >= top) continue;
    // The events past `upto` by rowid (`+`: not through an index of events, which would list every event of the type or contact).
    // OR IGNORE: an event updated since it was written already has its match, from the update trigger.
    db.prepare(`INSERT OR IGNORE INTO ${MATCH_COLUMNS} SELECT ?, at, CAST(subject_id AS INTEGER), id FROM events WHERE id > ? AND id <= ? AND ${matchSql(db, wanted.get(key)!, '', '+')}`).run(id, upto, top);
    db.prepare(`UPDATE crm_score_conditions SET upto = ? WHERE id = ?`).run(top, id);
  }
  if (changed) writeTriggers(db, [...kept].map(([key, { id }]) => ({ id, rule: wanted.get(key)! })));
  return new Map([...kept].map(([key, { id }]) => [key, id]));
}

function writeTriggers(db: Db, conds: { id: number; rule: BehaviorRule }[]): void {
  for (const t of TRIGGERS) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
  if (conds.length === 0) return;
  const eventTypes = [...new Set(conds.map((c) => c.rule.event))];
  const types = inline(db, eventTypes.map(() => '?').join(', '), eventTypes);
  const ids = conds.map((c) => c.id).join(', ');
  const insert = conds.map((c) => `INSERT INTO ${MATCH_COLUMNS} SELECT ${c.id}, new.at, CAST(new.subject_id AS INTEGER), new.id WHERE ${matchSql(db, c.rule, 'new.')};`).join('\n  ');
  // The row of a match is found by its whole key: the event's old values.
  const remove = `DELETE FROM crm_score_matches WHERE cond IN (${ids}) AND at = old.at AND contact_id = CAST(old.subject_id AS INTEGER) AND event_id = old.id;`;
  const ours = (row: string) => `(${row}.subject_type = 'contact' AND ${row}.subject_id IS NOT NULL AND ${row}.type IN (${types}))`;
  db.exec(`CREATE TRIGGER crm_score_matches_update AFTER UPDATE OF type, at, subject_type, subject_id ON events WHEN ${ours('old')} OR ${ours('new')} BEGIN\n  ${remove}\n  ${insert}\nEND`);
  db.exec(`CREATE TRIGGER crm_score_matches_delete AFTER DELETE ON events WHEN ${ours('old')} BEGIN\n  ${remove}\nEND`);
}
