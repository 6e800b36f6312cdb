import { z } from 'zod';
import { Duration, durationMs } from '../../../../shared/contract/workflow';
import { dealRow } from '../../crm/deals';
import { contactFor, guard } from '../../crm/nodes/support';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { createTask } from '../tasks';
import { checkTitle, titleFor } from './support';

const TYPE = 'crm.task.create';

/**
 * A task for the operator (Pipeline > Tasks, the contact's page, `npx baton pipeline tasks`), with a
 * title (Liquid over contact.* and vars.*), optionally for a contact (`contactId` / `email`) and a deal
 * (`dealId`; its contact when no contact is given), due after `due` (a duration from now). Recorded
 * with ctx.once: one task per run and node, however often the step runs.
 */
export default defineNode({
  type: TYPE,
  description: 'Create a task for the operator (title, due in, contact, deal), shown in Pipeline > Tasks and on the contact.',
  params: z
    .object({
      title: z.string().min(1, 'give the task title, e.g. "Call {{ contact.name }}"').max(500),
      due: ex(Duration).optional(),
      contactId: ex(z.number().int().positive()).optional(),
      email: z.string().min(1).optional(),
      dealId: ex(z.number().int().positive()).optional(),
      vars: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  paramSpec: { opaque: ['title'] },
  validate(p, report) {
    checkTitle(TYPE, p.title, 'title', report);
  },
  run(ctx) {
    const p = ctx.params;
    let dueAt: string | null = null;
    if (p.due !== undefined && p.due !== null && p.due !== '') {
      const d = Duration.safeParse(p.due);
      if (!d.success) throw new NodeError(`${TYPE}: due ${JSON.stringify(p.due)} is not a duration (use e.g. "2d", "4h" or milliseconds). Nothing was written.`, { retryable: false, code: 'bad_param' });
      dueAt = new Date(ctx.now() + durationMs(d.data)).toISOString();
    }
    const r = guard(TYPE, () =>
      ctx.once(TYPE, (key) => {
        const env = ctx.env;
        let dealId: number | null = null;
        let contactId: number | null = null;
        if (p.dealId !== undefined && p.dealId !== null && p.dealId !== '') {
          const deal = dealRow(env, Number(p.dealId), 'dealId');
          dealId = deal.id;
          contactId = deal.contact_id;
        }
        const given = (v: unknown) => v !== undefined && v !== null && v !== '';
        if (given(p.contactId) || given(p.email)) contactId = contactFor(TYPE, ctx).id;
        const title = titleFor(TYPE, env, p.title, contactId, p.vars);
        return createTask(env, { title, contactId, dealId, source: `workflow:${ctx.run.workflowId}`, key: `run:${key}`, dueAt }).task;
      }),
    );
    if (!r.replayed) ctx.env.emit('sales.task.changed', { id: r.value.id, status: r.value.status, contactId: r.value.contactId });
    return { output: r.value };
  },
});
