import { z } from 'zod';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { findContact, findSegment, lookupContact, segmentList } from '../automation';
import { inSegment as isInSegment } from '../segments';
import { contactKey, contactRef, guard, hasContact, isExpr, needsContact } from './support';

const TYPE = 'crm.lookup';

/**
 * Find a contact by id or e-mail (read only). Found: the contact (score, stage, tags, fields), the
 * segments it is in now, its open deals, and — with `segment` (an id or a name) — `inSegment`;
 * branch `found`. No such contact: `{ found: false }`, branch `not_found`.
 */
export default defineNode({
  type: TYPE,
  description: 'Find a contact by id or e-mail: score, stage, tags, segments, open deals (branches found / not_found).',
  params: z
    .object({ ...contactRef, segment: ex(z.union([z.number().int().positive(), z.string().min(1)])).optional() })
    .strict()
    .refine(hasContact, needsContact),
  branches: ['found', 'not_found'],
  refs(p, env, report) {
    if (p.segment === undefined || isExpr(p.segment)) return;
    if (!findSegment(env, p.segment)) {
      const known = segmentList(env).map((s) => `${s.id} "${s.name}"`);
      report('segment', `${TYPE}: there is no segment ${JSON.stringify(p.segment)} (${known.length ? `segments: ${known.join(', ')}` : 'no segment is saved yet'})`);
    }
  },
  run(ctx) {
    const p = ctx.params;
    const key = contactKey(TYPE, p);
    const row = findContact(ctx.env, key);
    if (!row) return { output: { found: false, contactId: key.id ?? null, email: key.email ?? null }, branch: 'not_found' };
    const l = guard(TYPE, () => lookupContact(ctx.env, row.id));
    let inSegment: boolean | undefined;
    if (p.segment !== undefined && p.segment !== null && p.segment !== '') {
      const seg = findSegment(ctx.env, p.segment as number | string);
      if (!seg) throw new NodeError(`${TYPE}: there is no segment ${JSON.stringify(p.segment)} (it was deleted or renamed)`, { retryable: false, code: 'segment_not_found' });
      inSegment = isInSegment(ctx.env, seg.id, row.id);
    }
    return { output: { found: true, ...l.contact, segments: l.segments, openDeals: l.openDeals, ...(inSegment === undefined ? {} : { inSegment }) }, branch: 'found' };
  },
});
