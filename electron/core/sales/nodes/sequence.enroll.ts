import { z } from 'zod';
import { contactFor, contactRef, guard, hasContact, needsContact } from '../../crm/nodes/support';
import { defineNode, NodeError } from '../../engine/registry';
import { emitEnrollment, enrollTx, sequenceState } from '../enrollments';
import { checkSequenceRef } from './support';

const TYPE = 'sequence.enroll';

/**
 * Enroll a contact in a sequence (docs/sequences.md): its own send windows, daily caps, exit events,
 * goal and re-enrollment policy apply as for any enrollment; its first step runs at the sales
 * service's next tick. Already active, enrolled before (policy), or suppressed: nothing changes and
 * the output says why (`enrolled: false`, branch `skipped`). A paused or deleted sequence fails the
 * step with the reason (not retried). Recorded with ctx.once.
 */
export default defineNode({
  type: TYPE,
  description: 'Enroll a contact in a sequence (its windows, caps and exit rules apply); branches enrolled / skipped.',
  params: z
    .object({ sequence: z.string().min(1, 'give the sequence id (Sequences page)'), ...contactRef })
    .strict()
    .refine(hasContact, needsContact),
  branches: ['enrolled', 'skipped'],
  refs(p, env, report) {
    checkSequenceRef(TYPE, p.sequence, env, report);
  },
  run(ctx) {
    const sequenceId = String(ctx.params.sequence ?? '');
    const r = guard(TYPE, () =>
      ctx.once(TYPE, () => {
        const env = ctx.env;
        const st = sequenceState(env, sequenceId);
        if (!st) throw new NodeError(`${TYPE}: the sequence "${sequenceId}" does not exist (it was deleted?); nobody was enrolled.`, { retryable: false, code: 'sequence_missing' });
        if (!st.enabled) throw new NodeError(`${TYPE}: the sequence "${sequenceId}" is paused (enable it on the Sequences page); nobody was enrolled.`, { retryable: false, code: 'sequence_paused' });
        const contact = contactFor(TYPE, ctx);
        const e = enrollTx(env, st.def, [contact.id], ctx.now());
        const enrollmentId = e.enrolled[0];
        return enrollmentId !== undefined
          ? { enrolled: true, enrollmentId, sequenceId, contactId: contact.id }
          : { enrolled: false, reason: e.skipped[0]?.reason ?? 'not enrolled', sequenceId, contactId: contact.id };
      }),
    );
    const v = r.value as { enrolled: boolean; enrollmentId?: number };
    if (!r.replayed && v.enrollmentId !== undefined) emitEnrollment(ctx.env, v.enrollmentId);
    return { output: r.value, branch: v.enrolled ? 'enrolled' : 'skipped' };
  },
});
