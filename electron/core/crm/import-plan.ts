/**
 * Which enabled workflows a CSV import starts, said before anything is written
 * (contacts.import.preview, the import dialog, `baton contacts import --dry-run`) and in the
 * import's answer. An import records one contacts.imported event, and for its rows
 * contact.created / contact.updated (and, through them, lifecycle.changed, score.crossed,
 * segment.entered / segment.left) carrying its importId: those start a workflow only when its
 * event trigger says `includeImported: true` (engine/triggers/imported.ts).
 */
import type { ImportPlan } from '../../../shared/api';
import { loadDefinition } from '../engine/compile';
import { triggerTakesImported } from '../engine/triggers/imported';
import type { ThreadEnv } from '../env';

/** Event types an import records for its rows: how many of them (from the counts), or null when only some rows may. */
const ROW_EVENTS: Record<string, ((c: { created: number; updated: number }) => number) | null> = {
  'contact.created': (c) => c.created,
  'contact.updated': (c) => c.updated,
  'lifecycle.changed': null,
  'score.crossed': null,
  'segment.entered': null,
  'segment.left': null,
};
const SUMMARY_EVENT = 'contacts.imported';

const contacts = (n: number) => `${n.toLocaleString('en-US')} contact${n === 1 ? '' : 's'}`;

/** The plan for an import that creates `created` contacts and updates (at most) `updated`. */
export function importPlan(env: Pick<ThreadEnv, 'db'>, counts: { created: number; updated: number }): ImportPlan {
  const types = [SUMMARY_EVENT, ...Object.keys(ROW_EVENTS)];
  const rows = env.db
    .prepare(
      `SELECT id, name, current_version AS version, trigger_key AS event FROM workflows
       WHERE enabled = 1 AND trigger_type = 'event' AND trigger_key IN (${types.map(() => '?').join(', ')}) ORDER BY name, id`,
    )
    .all(...types) as { id: string; name: string; version: number; event: string }[];
  const plan: ImportPlan = { summary: '', start: [], notStarted: [] };
  const anyRow = counts.created + counts.updated > 0;
  for (const w of rows) {
    const def = loadDefinition(env.db, w.id, w.version);
    if (def.trigger.type !== 'event') continue;
    const filter = def.trigger.filter ?? null;
    if (w.event === SUMMARY_EVENT) {
      plan.start.push({ workflowId: w.id, name: w.name, event: w.event, runs: 1, filter });
      continue;
    }
    const count = ROW_EVENTS[w.event];
    const runs = count ? count(counts) : null;
    if (runs === 0 || !anyRow) continue; // the import records no such event
    if (triggerTakesImported(def.trigger, { importId: 'preview' })) plan.start.push({ workflowId: w.id, name: w.name, event: w.event, runs, filter });
    else plan.notStarted.push({ workflowId: w.id, name: w.name, event: w.event, why: `imported rows do not start it (its trigger has no "includeImported": true)` });
  }
  const parts = plan.start.map((s) => {
    const quoted = `"${s.name}" (${s.event})`;
    const maybe = s.filter ? ' if its filter accepts' : '';
    if (s.event === SUMMARY_EVENT) return `${quoted} once${maybe}`;
    if (s.runs === null) return `${quoted} for the imported contacts that record it`;
    return `${quoted} for ${s.filter ? 'up to ' : ''}${contacts(s.runs)}${s.filter ? ' (its filter decides)' : ''}`;
  });
  plan.summary = parts.length ? `This import will start: ${parts.join('; ')}.` : 'No workflow will start.';
  if (plan.notStarted.length)
    plan.summary += ` Not started for imported rows: ${plan.notStarted.map((n) => `"${n.name}" (${n.event})`).join(', ')} — add "includeImported": true to a workflow's trigger to run it on imports.`;
  return plan;
}
