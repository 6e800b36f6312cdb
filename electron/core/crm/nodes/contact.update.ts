import { z } from 'zod';
import { ContactPatch } from '../../../../shared/api';
import { defineNode } from '../../engine/registry';
import { contactOf, patchContact } from '../automation';
import { afterCommit } from '../publish';
import { newPending, valuesOf } from '../store';
import { checkFields, checkTags, contactFor, contactInput, contactRef, CustomFields, fieldMap, guard, hasContact, mapOrExpr, needsContact, tagList } from './support';

const TYPE = 'crm.contact.update';

/**
 * Change fields of an existing contact (by `contactId` or `email`): `set` (contact fields by name, the
 * e-mail too,
 * values or expressions; null clears a field), `custom` (null removes a
 * field), `addTags` / `removeTags`. Re-scored and recorded with the step's once-record (ctx.once).
 * No such contact, or a value that is not valid, fails the step with the reason and writes nothing.
 */
export default defineNode({
  type: TYPE,
  description: 'Change fields, custom fields and tags of a contact (by id or e-mail).',
  params: z
    .object({
      ...contactRef,
      set: mapOrExpr('set').optional(),
      custom: CustomFields.optional(),
      addTags: z.array(z.string()).optional(),
      removeTags: z.array(z.string()).optional(),
    })
    .strict()
    .refine(hasContact, needsContact),
  validate(p, report) {
    if (typeof p.set === 'object') checkFields(TYPE, p.set, 'set', report, ['email']);
    checkTags(TYPE, p.addTags, 'addTags', report);
    checkTags(TYPE, p.removeTags, 'removeTags', report);
  },
  run(ctx) {
    const p = ctx.params;
    const input = contactInput(TYPE, { ...fieldMap(TYPE, p.set, 'set', ['email']), ...(p.custom ? { custom: p.custom } : {}) }, { keepNull: true, schema: ContactPatch });
    const v = valuesOf(input);
    v.tags = tagList(TYPE, p.addTags);
    v.removeTags = tagList(TYPE, p.removeTags);
    const pending = newPending();
    const r = guard(TYPE, () =>
      ctx.once(TYPE, () => {
        // Inside the once-record: a replay returns the recorded result even if the contact changed since.
        const contact = contactFor(TYPE, ctx);
        const w = patchContact(ctx.env, pending, contact.id, v, `workflow:${ctx.run.workflowId}`);
        return { ...contactOf(ctx.env, contact.id), changed: w.changed };
      }),
    );
    if (!r.replayed) afterCommit(ctx.env, pending);
    return { output: r.value };
  },
});
