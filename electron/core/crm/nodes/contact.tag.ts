import { z } from 'zod';
import { defineNode } from '../../engine/registry';
import { contactOf, patchContact, tagsOf } from '../automation';
import { afterCommit } from '../publish';
import { newPending } from '../store';
import { checkTags, contactFor, contactRef, guard, hasContact, needsContact, tagList } from './support';

const TYPE = 'crm.contact.tag';

/** Add tags to a contact (by id or e-mail); tags it already has are left. Recorded with ctx.once. */
export default defineNode({
  type: TYPE,
  description: 'Add tags to a contact (by id or e-mail).',
  params: z
    .object({ ...contactRef, tags: z.union([z.array(z.string()).min(1, 'give at least one tag'), z.string().regex(/^=(?!=)/, 'tags: give a list, or an expression starting with "="')]) })
    .strict()
    .refine(hasContact, needsContact),
  validate(p, report) {
    checkTags(TYPE, p.tags, 'tags', report);
  },
  run(ctx) {
    const tags = tagList(TYPE, ctx.params.tags);
    const pending = newPending();
    const r = guard(TYPE, () =>
      ctx.once(TYPE, () => {
        // Inside the once-record: a replay returns the recorded result even if the contact changed since.
        const contact = contactFor(TYPE, ctx);
        const before = new Set(tagsOf(ctx.env, contact.id));
        patchContact(ctx.env, pending, contact.id, { fields: {}, tags }, `workflow:${ctx.run.workflowId}`);
        return { ...contactOf(ctx.env, contact.id), added: tags.filter((t) => !before.has(t)) };
      }),
    );
    if (!r.replayed) afterCommit(ctx.env, pending);
    return { output: r.value };
  },
});
