import { z } from 'zod';
import { Money } from '../../../../shared/api';
import { createDealTx, dealRow, openDealOf, toDeal } from '../../crm/deals';
import { afterCommit } from '../../crm/publish';
import { newPending } from '../../crm/store';
import { contactFor, contactRef, guard, hasContact, needsContact } from '../../crm/nodes/support';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { enteredStage, getPipeline } from '../stages';
import { checkDealStageRef, checkTitle, dealStageOrFail, titleFor } from './support';

const TYPE = 'crm.deal.create';
const Currency = z.string().regex(/^[A-Z]{3}$/, 'use a 3-letter currency code such as USD');

/**
 * Open a deal for a contact in a stage of the pipeline (default: its first stage), with a title (Liquid
 * over contact.* and vars.*), a value and a currency (default: the pipeline's auto-create currency).
 * Entering the stage starts its clock and creates its task, as on the Pipeline board. When the contact
 * already has an open deal, that deal is the output (`created: false`, branch `existing`) unless
 * `whenOpen: "create"`. Recorded with ctx.once: a retry or a crash never opens a second deal.
 */
export default defineNode({
  type: TYPE,
  description: 'Open a deal for a contact in a pipeline stage (branches created / existing).',
  params: z
    .object({
      ...contactRef,
      title: z.string().min(1).max(500).default('{{ contact.name }}'),
      stage: z.string().min(1).optional(),
      value: ex(Money).optional(),
      currency: Currency.optional(),
      whenOpen: z.enum(['existing', 'create']).default('existing'),
      vars: z.record(z.string(), z.unknown()).optional(),
    })
    .strict()
    .refine(hasContact, needsContact),
  paramSpec: { opaque: ['title'] },
  branches: ['created', 'existing'],
  validate(p, report) {
    checkTitle(TYPE, p.title, 'title', report);
  },
  refs(p, env, report) {
    checkDealStageRef(TYPE, p.stage, env, report);
  },
  run(ctx) {
    const p = ctx.params;
    const value = p.value === undefined || p.value === null ? 0 : typeof p.value === 'string' && p.value.trim() !== '' ? Number(p.value) : p.value;
    const money = Money.safeParse(value);
    if (!money.success) throw new NodeError(`${TYPE}: value ${JSON.stringify(p.value)}: ${money.error.issues[0]?.message ?? 'not an amount'}. Nothing was written.`, { retryable: false, code: 'bad_param' });
    const pending = newPending();
    const r = guard(TYPE, () =>
      ctx.once(TYPE, () => {
        const env = ctx.env;
        const contact = contactFor(TYPE, ctx);
        if (p.whenOpen === 'existing') {
          const open = openDealOf(env, contact.id);
          if (open) return { ...open, created: false };
        }
        const cfg = getPipeline(env);
        const stage = dealStageOrFail(TYPE, env, p.stage ?? cfg.stages[0]!.id);
        const title = titleFor(TYPE, env, p.title, contact.id, p.vars);
        const id = createDealTx(env, pending, { contactId: contact.id, title, stage, value: money.data, currency: p.currency ?? cfg.autoCreate.currency });
        if (stage !== 'won' && stage !== 'lost') enteredStage(env, id, stage, contact.id, ctx.now(), cfg);
        return { ...toDeal(dealRow(env, id)), created: true };
      }),
    );
    if (!r.replayed) afterCommit(ctx.env, pending);
    return { output: r.value, branch: r.value.created ? 'created' : 'existing' };
  },
});
