import { z } from 'zod';
import { contactFor, contactRef, guard, hasContact, needsContact } from '../../crm/nodes/support';
import { defineNode } from '../../engine/registry';
import { emitEnrollment, exitEnrollmentsTx } from '../enrollments';
import { checkSequenceRef } from './support';

const TYPE = 'sequence.unenroll';

/**
 * End a contact's active enrollment in one sequence (`sequence`) or in all of them, with a reason
 * (shown as the exit reason). Nothing active: `exited: 0`. Recorded with ctx.once.
 */
export default defineNode({
  type: TYPE,
  description: "End a contact's active enrollment in a sequence (or in all), with a reason.",
  params: z
    .object({ sequence: z.string().min(1).optional(), ...contactRef, reason: z.string().trim().min(1).max(200).default('workflow') })
    .strict()
    .refine(hasContact, needsContact),
  refs(p, env, report) {
    checkSequenceRef(TYPE, p.sequence, env, report);
  },
  run(ctx) {
    const p = ctx.params;
    const sequenceId = p.sequence === undefined || p.sequence === null || p.sequence === '' ? null : String(p.sequence);
    const reason = String(p.reason ?? 'workflow').slice(0, 200) || 'workflow';
    const r = guard(TYPE, () =>
      ctx.once(TYPE, () => {
        const contact = contactFor(TYPE, ctx);
        const ids = exitEnrollmentsTx(ctx.env, contact.id, reason, ctx.now(), (id) => sequenceId === null || id === sequenceId);
        return { exited: ids.length, enrollmentIds: ids, sequenceId, contactId: contact.id, reason };
      }),
    );
    if (!r.replayed) for (const id of r.value.enrollmentIds) emitEnrollment(ctx.env, id);
    return { output: r.value };
  },
});
