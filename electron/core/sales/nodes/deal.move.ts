import { z } from 'zod';
import { Money } from '../../../../shared/api';
import { dealRow, openDealOf, toDeal, updateDealTx } from '../../crm/deals';
import { afterCommit } from '../../crm/publish';
import { newPending, storeOf } from '../../crm/store';
import { contactFor, contactRef, guard } from '../../crm/nodes/support';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { enteredStage, getPipeline } from '../stages';
import { checkDealStageRef, dealStageOrFail } from './support';

const TYPE = 'crm.deal.move';

/**
 * Move a deal (by `dealId`, or the contact's open deal) to a stage of the pipeline, or to won / lost
 * (which close it: deal.won / deal.lost, and a won deal makes its contact a customer); optionally set
 * its value. Entering a stage starts its clock and creates its task; a deal.stage_changed event goes on
 * the contact's timeline. Already there: nothing changes (`moved: false`). A closed deal does not
 * move (the step fails with the reason). Recorded with ctx.once.
 */
export default defineNode({
  type: TYPE,
  description: "Move a deal (by id, or the contact's open deal) to a pipeline stage, won or lost.",
  params: z
    .object({
      dealId: ex(z.number().int().positive()).optional(),
      ...contactRef,
      stage: z.string().min(1, 'give the stage to move to'),
      value: ex(Money).optional(),
    })
    .strict()
    .refine((p) => p.dealId !== undefined || p.contactId !== undefined || p.email !== undefined, { error: "give dealId, or contactId / email (the contact's open deal)", path: ['dealId'] }),
  refs(p, env, report) {
    checkDealStageRef(TYPE, p.stage, env, report);
  },
  run(ctx) {
    const p = ctx.params;
    let value: number | undefined;
    if (p.value !== undefined && p.value !== null) {
      const m = Money.safeParse(typeof p.value === 'string' ? Number(p.value) : p.value);
      if (!m.success) throw new NodeError(`${TYPE}: value ${JSON.stringify(p.value)}: ${m.error.issues[0]?.message ?? 'not an amount'}. Nothing was written.`, { retryable: false, code: 'bad_param' });
      value = m.data;
    }
    const pending = newPending();
    const r = guard(TYPE, () =>
      ctx.once(TYPE, () => {
        const env = ctx.env;
        const stage = dealStageOrFail(TYPE, env, p.stage);
        let dealId: number;
        if (p.dealId !== undefined && p.dealId !== null && p.dealId !== '') {
          const id = Number(p.dealId);
          if (!Number.isInteger(id) || id <= 0) throw new NodeError(`${TYPE}: dealId is not a deal id (${JSON.stringify(p.dealId)})`, { retryable: false, code: 'bad_param' });
          dealId = dealRow(env, id, 'dealId').id;
        } else {
          const contact = contactFor(TYPE, ctx);
          const open = openDealOf(env, contact.id);
          if (!open) throw new NodeError(`${TYPE}: contact ${contact.id} (${contact.email}) has no open deal to move. Nothing was written.`, { retryable: false, code: 'no_open_deal' });
          dealId = open.id;
        }
        const before = toDeal(dealRow(env, dealId));
        if (before.stage === stage && (value === undefined || value === before.value)) return { ...before, from: before.stage, moved: false };
        const { from } = updateDealTx(env, pending, { id: dealId, stage, value });
        if (from !== stage) {
          enteredStage(env, dealId, stage, before.contactId, ctx.now(), getPipeline(env));
          if (before.contactId !== null) storeOf(env).recordEvent(pending, 'deal.stage_changed', before.contactId, new Date().toISOString(), { dealId, from, to: stage, via: `workflow:${ctx.run.workflowId}` });
        }
        return { ...toDeal(dealRow(env, dealId)), from, moved: from !== stage };
      }),
    );
    if (!r.replayed) afterCommit(ctx.env, pending);
    return { output: r.value };
  },
});
