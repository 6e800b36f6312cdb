import { z } from 'zod';
import { ContactCreate, Email } from '../../../../shared/api';
import { defineNode, NodeError } from '../../engine/registry';
import { contactOf, upsertContact } from '../automation';
import { afterCommit } from '../publish';
import { newPending, valuesOf } from '../store';
import { checkFields, checkTags, contactInput, CustomFields, fieldMap, guard, isExpr, mapOrExpr, tagList, viaOf } from './support';

const TYPE = 'crm.contact.upsert';
const Text = z.string().optional();

/**
 * Create the contact with this e-mail, or update it: `fields` (contact fields by name, values or
 * expressions), `source` and `utm` (first touch: set when the contact is created or has none, never
 * overwritten), `custom` fields (free-form names) and `tags` (added). Empty values leave what is
 * stored. The contact is re-scored in the same transaction when the write changed what the scoring
 * rules read (rescoreIfRead in automation.ts), and the write is recorded with it
 * (ctx.once): a retry or a crash never applies it twice, and the output (`created`) is the same on
 * replay. A value that is not valid (no e-mail, a bad e-mail, an unknown stage …) fails the step with
 * the reason and writes nothing.
 */
export default defineNode({
  type: TYPE,
  description: 'Create or update a contact by e-mail (fields, source, UTM, custom fields, tags); outputs it with its score.',
  params: z
    .object({
      email: z.string().min(1, 'give the e-mail, e.g. "=input.email"'),
      fields: mapOrExpr('fields').optional(),
      source: Text,
      utm: z.object({ source: Text, medium: Text, campaign: Text, term: Text, content: Text }).strict().optional(),
      custom: CustomFields.optional(),
      tags: z.union([z.array(z.string()), z.string().regex(/^=(?!=)/, 'tags: give a list, or an expression starting with "="')]).optional(),
    })
    .strict(),
  validate(p, report) {
    if (!isExpr(p.email) && !Email.safeParse(p.email).success) report('email', `${TYPE}: "${p.email}" is not an e-mail address (use one such as ada@example.com, or an expression such as "=input.email")`);
    if (typeof p.fields === 'object') checkFields(TYPE, p.fields, 'fields', report);
    checkTags(TYPE, p.tags, 'tags', report);
  },
  run(ctx) {
    const p = ctx.params;
    if (p.email === undefined || p.email === null || (p.email as unknown) === '')
      throw new NodeError(`${TYPE}: email: the value is empty, and a contact needs an e-mail address. Nothing was written.`, { retryable: false, code: 'invalid_contact' });
    const input = contactInput(
      TYPE,
      {
        ...fieldMap(TYPE, p.fields, 'fields'),
        email: p.email,
        ...(p.source !== undefined ? { source: p.source } : {}),
        ...(p.utm ? { utmSource: p.utm.source, utmMedium: p.utm.medium, utmCampaign: p.utm.campaign, utmTerm: p.utm.term, utmContent: p.utm.content } : {}),
        ...(p.custom ? { custom: p.custom } : {}),
        ...(p.tags !== undefined ? { tags: tagList(TYPE, p.tags) } : {}),
      },
      { schema: ContactCreate },
    );
    const pending = newPending();
    const via = viaOf(ctx);
    const r = guard(TYPE, () =>
      ctx.once(TYPE, () => {
        const w = upsertContact(ctx.env, pending, valuesOf(input), via);
        return { ...contactOf(ctx.env, w.id), created: w.created, changed: w.changed };
      }),
    );
    if (!r.replayed) afterCommit(ctx.env, pending);
    return { output: r.value };
  },
});
