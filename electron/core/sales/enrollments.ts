/**
 * Enrollments of contacts in sequences: enroll (the re-enrollment policy, suppressions and an active
 * enrollment skip a contact, with the reason), exit, and the sequence a workflow node names. Kept apart
 * from the sequence runner (sequences.ts) so the engine's worker threads load only this for the
 * sequence.enroll / sequence.unenroll nodes. Functions ending in Tx run inside the caller's
 * transaction and leave the push events (emitEnrollment) to the caller, after the commit.
 */
import { prep } from './prep';
import { ApiError, SequenceDef } from '../../../shared/api';
import type { ThreadEnv } from '../env';
import { parseStored } from '../db/integrity';
import { loadContact, suppressionOf } from './mail';

type Def = SequenceDef;

export interface EnrollmentRow {
  id: number;
  sequence_id: string;
  contact_id: number;
  status: string;
  step_index: number;
  next_at: number;
  attempts: number;
  last_error: string | null;
  exit_reason: string | null;
  enrolled_at: string;
  finished_at: string | null;
}

export const toEnrollment = (r: EnrollmentRow) => ({
  id: r.id,
  sequenceId: r.sequence_id,
  contactId: r.contact_id,
  status: r.status as 'active' | 'completed' | 'exited',
  stepIndex: r.step_index,
  nextAt: new Date(r.next_at).toISOString(),
  attempts: r.attempts,
  lastError: r.last_error,
  exitReason: r.exit_reason,
  enrolledAt: r.enrolled_at,
  finishedAt: r.finished_at,
});

const parsed = new Map<string, Def>();

/**
 * A stored definition, parsed and checked once per thread while it is unchanged (the enroll node and
 * the tick read the same one for every lead); the key is the stored text, so an edit is seen at once.
 * Callers only read it.
 */
export function parseDef(definition: string, id: string): Def {
  let def = parsed.get(definition);
  if (!def) {
    def = SequenceDef.parse(parseStored(definition, 'sequences.definition', id));
    if (parsed.size >= 32) parsed.clear();
    parsed.set(definition, def);
  }
  return def;
}

export function getSequence(env: ThreadEnv, id: string): Def {
  const r = prep(env.db, 'SELECT definition FROM sequences WHERE id = ?').get(id) as { definition: string } | undefined;
  if (!r) throw new ApiError('not_found', `sequenceId: there is no sequence "${id}" (list them with: baton sequences list).`, [{ path: 'sequenceId', message: 'no such sequence' }]);
  return structuredClone(parseDef(r.definition, id));
}

export function emitEnrollment(env: ThreadEnv, id: number): void {
  const r = prep(env.db, 'SELECT * FROM enrollments WHERE id = ?').get(id) as EnrollmentRow | undefined;
  if (r) env.emit('sales.enrollment.changed', { id: r.id, sequenceId: r.sequence_id, contactId: r.contact_id, status: r.status, reason: r.exit_reason });
}

export function enroll(env: ThreadEnv, sequenceId: string, contactIds: number[], now: number) {
  const def = getSequence(env, sequenceId);
  const r = env.db.transaction(() => enrollTx(env, def, contactIds, now))();
  for (const id of r.enrolled) emitEnrollment(env, id);
  return r;
}

/**
 * Enroll contacts inside the caller's transaction (the re-enrollment policy, suppressions and an
 * active enrollment skip a contact, with the reason); the caller emits emitEnrollment() after commit.
 */
export function enrollTx(env: ThreadEnv, def: Def, contactIds: number[], now: number): { enrolled: number[]; skipped: { contactId: number; reason: string }[] } {
  const sequenceId = def.id;
  const db = env.db;
  const enrolled: number[] = [];
  const skipped: { contactId: number; reason: string }[] = [];
  const iso = new Date(now).toISOString();
  db.transaction(() => {
    for (const cid of contactIds) {
      const c = loadContact(db, cid);
      if (!c || c.deleted_at) {
        skipped.push({ contactId: cid, reason: 'no such contact' });
        continue;
      }
      const sup = suppressionOf(db, c.email);
      if (sup) {
        skipped.push({ contactId: cid, reason: `suppressed (${sup})` });
        continue;
      }
      const prev = prep(db, `SELECT status, finished_at FROM enrollments WHERE sequence_id = ? AND contact_id = ? ORDER BY id DESC LIMIT 1`).get(sequenceId, cid) as
        | { status: string; finished_at: string | null }
        | undefined;
      if (prev?.status === 'active') {
        skipped.push({ contactId: cid, reason: 'already active in this sequence' });
        continue;
      }
      if (prev && def.reenroll.policy === 'never') {
        skipped.push({ contactId: cid, reason: 'was enrolled before (re-enrollment policy: never)' });
        continue;
      }
      if (prev && prev.finished_at && Date.parse(prev.finished_at) + def.reenroll.afterDays * 86_400_000 > now) {
        skipped.push({ contactId: cid, reason: `re-enrollment allowed ${def.reenroll.afterDays} days after the last one ended` });
        continue;
      }
      const r = prep(db, `INSERT OR IGNORE INTO enrollments (sequence_id, contact_id, status, step_index, next_at, enrolled_at) VALUES (?, ?, 'active', 0, ?, ?)`).run(sequenceId, cid, now, iso);
      if (r.changes) enrolled.push(Number(r.lastInsertRowid));
      else skipped.push({ contactId: cid, reason: 'already active in this sequence' });
    }
  })();
  return { enrolled, skipped };
}

/** End active enrollments of a contact (one sequence, or all). */
export function exitEnrollments(env: ThreadEnv, contactId: number, reason: string, now: number, filter: (sequenceId: string, def: Def) => boolean = () => true): number {
  const ids = exitEnrollmentsTx(env, contactId, reason, now, filter);
  for (const id of ids) emitEnrollment(env, id);
  return ids.length;
}

/** exitEnrollments without the push events (the caller emits emitEnrollment() for each id after commit). */
export function exitEnrollmentsTx(env: ThreadEnv, contactId: number, reason: string, now: number, filter: (sequenceId: string, def: Def) => boolean = () => true): number[] {
  const rows = prep(env.db, `SELECT e.id, e.sequence_id, s.definition FROM enrollments e JOIN sequences s ON s.id = e.sequence_id WHERE e.contact_id = ? AND e.status = 'active'`)
    .all(contactId) as { id: number; sequence_id: string; definition: string }[];
  const exited: number[] = [];
  for (const r of rows) {
    if (!filter(r.sequence_id, parseStored<Def>(r.definition, 'sequences.definition', r.sequence_id))) continue;
    const status = reason === 'goal' ? 'completed' : 'exited';
    if (prep(env.db, `UPDATE enrollments SET status = ?, exit_reason = ?, finished_at = ? WHERE id = ? AND status = 'active'`).run(status, reason, new Date(now).toISOString(), r.id).changes) exited.push(r.id);
  }
  return exited;
}

/** A sequence's definition and whether it runs (enabled), or undefined when there is none. */
export function sequenceState(env: ThreadEnv, id: string): { def: Def; enabled: boolean } | undefined {
  const r = prep(env.db, 'SELECT definition, enabled FROM sequences WHERE id = ?').get(id) as { definition: string; enabled: number } | undefined;
  return r ? { def: parseDef(r.definition, id), enabled: r.enabled === 1 } : undefined;
}

/** The ids of every sequence (import checks of workflow nodes). */
export function sequenceIds(env: ThreadEnv): string[] {
  return (prep(env.db, 'SELECT id FROM sequences ORDER BY id').all() as { id: string }[]).map((r) => r.id);
}
