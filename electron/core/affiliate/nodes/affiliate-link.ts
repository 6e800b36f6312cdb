import { z } from 'zod';
import { affiliateOps, ApiError, parseOrThrow } from '../../../../shared/api';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { createLink } from '../links';

/**
 * Create a tracked affiliate link (/go/<slug>) from a workflow, e.g. for each
 * new post a content workflow publishes. Idempotent: the same slug (or, without
 * one, the same program and destination) gives the existing link, so a retried
 * or replayed step makes no second link. Output: the link, with `trackedUrl` to
 * put in the content, and `created`. A new link records the run that made it
 * (its top-level run): that run's AI spend is charged to it in the ROI.
 */
export default defineNode({
  type: 'affiliate.link',
  description: 'Create a tracked affiliate link /go/<slug> to a destination for a program (the existing one when it is there), naming the content piece it appears in.',
  params: z
    .object({
      /** The program's id or name. */
      program: ex(z.union([z.number().int().positive(), z.string().trim().min(1).max(120)])),
      destination: ex(z.string().min(1).max(2000)),
      slug: ex(z.string().max(80)).optional(),
      /** The post URL or name of the content piece. */
      content: ex(z.string().max(500)).optional(),
      note: ex(z.string().max(500)).optional(),
    })
    .strict(),
  run(ctx) {
    const p = ctx.params;
    try {
      const input = parseOrThrow(
        affiliateOps['affiliate.links.create'].input,
        {
          program: typeof p.program === 'number' ? p.program : String(p.program),
          destination: String(p.destination),
          ...(p.slug ? { slug: String(p.slug) } : {}),
          ...(p.content ? { content: String(p.content) } : {}),
          ...(p.note ? { note: String(p.note) } : {}),
        },
        'params',
      );
      // The top-level run (this step may run in a forEach body or a sub-workflow): its AI spend is charged to the links it made.
      const root =
        (
          ctx.db
            .prepare(
              `WITH RECURSIVE up(id, parent) AS (SELECT id, parent_run_id FROM runs WHERE id = ? UNION ALL SELECT r.id, r.parent_run_id FROM runs r JOIN up ON r.id = up.parent)
               SELECT id FROM up WHERE parent IS NULL LIMIT 1`,
            )
            .get(ctx.run.id) as { id: string } | undefined
        )?.id ?? ctx.run.id;
      const r = createLink(ctx.env, input, root);
      if (r.created) ctx.env.emit('affiliate.changed', { source: 'links' });
      return { output: { ...r.link, created: r.created } };
    } catch (e) {
      if (e instanceof ApiError) throw new NodeError(`affiliate.link: ${e.message}`, { retryable: false, code: e.code === 'conflict' ? 'slug_taken' : 'bad_param' });
      throw e;
    }
  },
});
