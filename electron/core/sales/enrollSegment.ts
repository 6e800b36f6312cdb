/**
 * Enrolling a whole segment in a sequence from the window (sequences.enrollSegment): who the segment
 * matches now, who is skipped and why, and who will wait for the per-contact cap, previewed with the
 * very checks of enrolling (a transaction rolled back). Apart from enrollments.ts so the engine's
 * worker threads do not load the segment code.
 */
import type { ThreadEnv } from '../env';
import { segmentContactIds } from '../crm/segments';
import { emitEnrollment, enrollTx, getSequence, sequenceState } from './enrollments';
import { frequencyCapOf, recentSends } from './mail';

export interface SegmentEnrollment {
  sequence: { id: string; name: string; enabled: boolean; firstStep: 'email' | 'wait' | 'task'; dailyCap: number };
  segment: { id: number; name: string };
  dryRun: boolean;
  matched: number;
  enrolled: number;
  /** Of the enrolled: contacts that already got the per-contact cap of e-mails in its period (their first e-mail waits for a free slot). */
  capped: number;
  perContactCap: number;
  perContactCapDays: number;
  /** The skipped contacts grouped by reason, largest group first (a few contact ids of each). */
  skipped: { reason: string; count: number; contactIds: number[] }[];
}

class DryRun extends Error {}

/**
 * Enroll every contact a segment matches now (`dryRun`: the same checks in a transaction rolled back,
 * so the preview says exactly what enrolling would do). Nothing is sent here: the sequence's runner
 * takes the new enrollments at its next tick, inside the send window and the daily cap.
 */
export function enrollSegment(env: ThreadEnv, sequenceId: string, segmentId: number, dryRun: boolean, now: number): SegmentEnrollment {
  const state = sequenceState(env, sequenceId);
  if (!state) getSequence(env, sequenceId); // throws the not-found error naming sequenceId
  const def = state!.def;
  const seg = segmentContactIds(env, segmentId, new Date(now));
  const { max: cap, days } = frequencyCapOf(env.db);
  let r: { enrolled: number[]; skipped: { contactId: number; reason: string }[] } = { enrolled: [], skipped: [] };
  let capped = 0;
  const firstStep = def.steps[0]!.type;
  try {
    env.db.transaction(() => {
      r = enrollTx(env, def, seg.ids, now);
      if (firstStep === 'email') {
        const cids = env.db.prepare(`SELECT contact_id FROM enrollments WHERE id IN (SELECT value FROM json_each(?))`).pluck().all(JSON.stringify(r.enrolled)) as number[];
        capped = cids.filter((cid) => recentSends(env.db, cid, now, days).length >= cap).length;
      }
      if (dryRun) throw new DryRun();
    })();
  } catch (e) {
    if (!(e instanceof DryRun)) throw e;
  }
  if (!dryRun) for (const id of r.enrolled) emitEnrollment(env, id);
  const groups = new Map<string, number[]>();
  for (const s of r.skipped) groups.set(s.reason, [...(groups.get(s.reason) ?? []), s.contactId]);
  return {
    sequence: { id: def.id, name: def.name, enabled: state!.enabled, firstStep, dailyCap: def.dailyCap },
    segment: { id: segmentId, name: seg.name },
    dryRun,
    matched: seg.ids.length,
    enrolled: r.enrolled.length,
    capped,
    perContactCap: cap,
    perContactCapDays: days,
    skipped: [...groups].map(([reason, ids]) => ({ reason, count: ids.length, contactIds: ids.slice(0, 20) })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
