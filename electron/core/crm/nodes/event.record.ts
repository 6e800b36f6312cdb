import { z } from 'zod';
import { INGEST_EVENT_TYPES, IngestEventType } from '../../../../shared/api';
import { defineNode, NodeError } from '../../engine/registry';
import { recordContactEvent } from '../automation';
import { afterCommit } from '../publish';
import { newPending } from '../store';
import { contactFor, contactRef, guard, hasContact, isExpr, needsContact } from './support';

const TYPE = 'crm.event.record';
const NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const MAX_DATA_BYTES = 64 * 1024;

/**
 * Record an event on the contact's timeline. `type` is one of the activity types anyone may record
 * (the same as events.ingest: page.visited, meeting.booked, purchase … and `custom`, the default); a
 * `custom` event needs a `name` (webinar.attended), stored as data.name, which is how scoring rules,
 * segments, sequence exits/goals, pipeline stages and event triggers tell custom events apart
 * (`event: "custom", where: { path: "name", value: "webinar.attended" }`). Types Baton records itself
 * (contact.created, lifecycle.changed, score.crossed, deal.*, score.adjusted) are refused at import.
 */
export default defineNode({
  type: TYPE,
  description: 'Record an event on a contact\'s timeline (custom events by name; scoring rules and triggers see it).',
  params: z
    .object({
      ...contactRef,
      type: IngestEventType.default('custom'),
      name: z.string().optional(),
      data: z.record(z.string(), z.unknown()).optional(),
    })
    .strict()
    .refine(hasContact, needsContact)
    .refine((p) => p.type !== 'custom' || p.name !== undefined, { error: `a custom event needs a name such as "webinar.attended" (or give type: one of ${INGEST_EVENT_TYPES.join(', ')})`, path: ['name'] })
    .refine((p) => p.type === 'custom' || p.name === undefined, { error: 'name is only for type "custom" (the event type names the others)', path: ['name'] }),
  validate(p, report) {
    if (p.name !== undefined && !isExpr(p.name) && !NAME_RE.test(p.name)) report('name', `${TYPE}: "${p.name}" is not an event name (lower-case letters, digits, . _ -, e.g. webinar.attended)`);
    if (p.data && 'name' in p.data && p.type === 'custom') report('data.name', `${TYPE}: data.name is the custom event's name; give it in "name"`);
  },
  run(ctx) {
    const p = ctx.params;
    let data: Record<string, unknown> | null = p.data ?? null;
    if (p.type === 'custom') {
      const name = typeof p.name === 'string' ? p.name.trim() : p.name;
      if (typeof name !== 'string' || !NAME_RE.test(name))
        throw new NodeError(`${TYPE}: ${JSON.stringify(p.name)} is not an event name (lower-case letters, digits, . _ -, e.g. webinar.attended). Nothing was written.`, { retryable: false, code: 'bad_param' });
      data = { ...(data ?? {}), name };
    }
    const size = data === null ? 0 : JSON.stringify(data).length;
    if (size > MAX_DATA_BYTES) throw new NodeError(`${TYPE}: the event data is ${size} characters of JSON, over the limit of ${MAX_DATA_BYTES}. Nothing was written.`, { retryable: false, code: 'bad_param' });
    const pending = newPending();
    const r = guard(TYPE, () =>
      ctx.once(TYPE, () => {
        const contact = contactFor(TYPE, ctx);
        const e = recordContactEvent(ctx.env, pending, contact.id, p.type, data);
        return { eventId: e.id, type: p.type, ...(p.type === 'custom' ? { name: (data as { name: string }).name } : {}), contactId: contact.id, at: e.at, data };
      }),
    );
    if (!r.replayed) afterCommit(ctx.env, pending);
    return { output: r.value };
  },
});
