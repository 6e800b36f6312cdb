import { z } from 'zod';
import { Stage, STAGES } from '../../../../shared/api';
import { defineNode, NodeError } from '../../engine/registry';
import { contactOf, patchContact } from '../automation';
import { afterCommit } from '../publish';
import { newPending } from '../store';
import { contactFor, contactRef, guard, hasContact, isExpr, needsContact } from './support';

const TYPE = 'crm.stage.set';

/**
 * Put a contact in a lifecycle stage (subscriber … customer, churned), forward or back, with a reason
 * recorded on its lifecycle.changed event. Already in that stage: nothing changes (`changed: false`).
 */
export default defineNode({
  type: TYPE,
  description: 'Set the lifecycle stage of a contact, with a reason (lifecycle.changed).',
  params: z
    .object({
      ...contactRef,
      stage: z.string().min(1, `give a stage: one of ${STAGES.join(', ')}`),
      reason: z.string().trim().min(1).max(200).optional(),
    })
    .strict()
    .refine(hasContact, needsContact),
  validate(p, report) {
    if (!isExpr(p.stage) && !Stage.safeParse(p.stage).success) report('stage', `${TYPE}: "${p.stage}" is not a lifecycle stage (use one of ${STAGES.join(', ')})`);
  },
  run(ctx) {
    const p = ctx.params;
    const st = Stage.safeParse(p.stage);
    if (!st.success) throw new NodeError(`${TYPE}: ${JSON.stringify(p.stage)} is not a lifecycle stage (use one of ${STAGES.join(', ')}). Nothing was written.`, { retryable: false, code: 'bad_param' });
    const reason = p.reason ? String(p.reason).slice(0, 200) : `workflow:${ctx.run.workflowId}`;
    const pending = newPending();
    const r = guard(TYPE, () =>
      ctx.once(TYPE, () => {
        const contact = contactFor(TYPE, ctx);
        const w = patchContact(ctx.env, pending, contact.id, { fields: { stage: st.data } }, reason);
        return { ...contactOf(ctx.env, contact.id), previousStage: contact.stage, changed: w.changed };
      }),
    );
    if (!r.replayed) afterCommit(ctx.env, pending);
    return { output: r.value };
  },
});
