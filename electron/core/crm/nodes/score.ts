import { z } from 'zod';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { adjustScore, contactOf } from '../automation';
import { afterCommit } from '../publish';
import { newPending } from '../store';
import { contactFor, contactRef, guard, hasContact, needsContact, viaOf } from './support';

const TYPE = 'crm.score';
const Points = z.number().int('points: use a whole number').min(-1000, 'points: at least -1000').max(1000, 'points: at most 1000');

/**
 * Add (or, negative, remove) points with a reason. Stored as a `score.adjusted` event on the contact's
 * timeline that the scoring model counts like a rule: the score explanation shows the reason, and a
 * re-score (new rules, decay) keeps the adjustment. Crossing the MQL/SQL threshold promotes the
 * contact (score.crossed) as any score change does. Recorded with ctx.once: +10 stays +10 on a retry.
 */
export default defineNode({
  type: TYPE,
  description: 'Add or remove score points with a reason (shown in the score explanation, kept by re-scoring).',
  params: z
    .object({
      ...contactRef,
      points: ex(Points.refine((n) => n !== 0, 'points: give a number other than 0')),
      reason: z.string().trim().min(1, 'give the reason shown in the score explanation, e.g. "Asked for a demo"').max(200, 'reason: at most 200 characters'),
    })
    .strict()
    .refine(hasContact, needsContact),
  run(ctx) {
    const p = ctx.params;
    const pts = typeof p.points === 'string' && /^-?\d+$/.test(p.points) ? Number(p.points) : p.points;
    const parsed = Points.safeParse(pts);
    if (!parsed.success || parsed.data === 0)
      throw new NodeError(`${TYPE}: points must be a whole number from -1000 to 1000 other than 0 (got ${JSON.stringify(p.points)}). Nothing was written.`, { retryable: false, code: 'bad_param' });
    const reason = String(p.reason ?? '').trim().slice(0, 200);
    if (!reason) throw new NodeError(`${TYPE}: the reason is empty. Nothing was written.`, { retryable: false, code: 'bad_param' });
    const pending = newPending();
    const via = viaOf(ctx);
    const r = guard(TYPE, () =>
      ctx.once(TYPE, () => {
        const contact = contactFor(TYPE, ctx);
        const a = adjustScore(ctx.env, pending, contact.id, parsed.data, reason, via);
        return { ...contactOf(ctx.env, contact.id), points: parsed.data, reason, previousScore: a.before, crossed: a.crossed };
      }),
    );
    if (!r.replayed) afterCommit(ctx.env, pending);
    return { output: r.value };
  },
});
