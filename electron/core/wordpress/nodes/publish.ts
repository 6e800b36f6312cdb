import { z } from 'zod';
import { markdownToHtml, WordPressClient, wordpressConfig, WpError } from '../client';
import { defineNode, NodeError } from '../../engine/registry';
import { NETWORK_STEP_TIMEOUT_MS } from '../../engine/pool-limits';

const SLUG = /^[a-z0-9-]{1,190}$/;

/** Did an ai.review step of this run approve the content (a person, or a passing review)? */
function reviewedInRun(steps: Record<string, unknown>): boolean {
  return Object.values(steps).some((o) => {
    const out = o as { decision?: unknown; review?: unknown } | null;
    return !!out && typeof out === 'object' && out.review !== undefined && (out.decision === 'auto' || out.decision === 'approved');
  });
}

/**
 * Create a WordPress post (draft by default) through the outbox: the outbox key
 * (run + node) is turned into a marker stored in the post, and the post is
 * looked up by that marker before any create, so a retry after a crash never
 * creates a second post. Content is Markdown (converted to HTML) or HTML.
 *
 * Approval policy (`approval`): publishing is irreversible, so with "auto"
 * (default) a post with status "publish" needs an approval unless an ai.review
 * step of the run approved the content; "always" asks every time, "never"
 * never asks. A refused approval takes the "rejected" branch and publishes
 * nothing; a person may edit title and content before approving.
 */
export default defineNode({
  type: 'wordpress.publish',
  timeoutMs: NETWORK_STEP_TIMEOUT_MS,
  description: 'Create a WordPress post as draft or published, exactly once per run; with updateSlug, rewrite the post that has that slug (created when there is none).',
  params: z
    .object({
      title: z.string().min(1, 'give the post title (e.g. "=steps.write.data.title")'),
      content: z.string().min(1, 'give the post content (e.g. "=steps.review.text")'),
      format: z.enum(['markdown', 'html']).default('markdown'),
      status: z.enum(['draft', 'publish', 'pending', 'private']).default('draft'),
      slug: z.string().regex(/^[a-z0-9-]{1,190}$/, 'use lower-case letters, digits and -').optional(),
      excerpt: z.string().optional(),
      updateSlug: z
        .string()
        .refine((v) => /^=(?!=)/.test(v) || SLUG.test(v), 'use the slug of the post to rewrite (lower-case letters, digits and -) or an expression')
        .optional(),
      approval: z.enum(['auto', 'always', 'never']).default('auto'),
    })
    .strict(),
  branches: ['published', 'rejected'],
  async run(ctx) {
    const p = { ...ctx.params };
    const res = ctx.resume;
    if (res?.kind === 'approval') {
      if (res.status !== 'approved') return { output: { published: false, decision: res.status, reason: res.reason }, branch: 'rejected' };
      const edited = (res.payload ?? {}) as { title?: unknown; content?: unknown };
      if (typeof edited.title === 'string' && edited.title.trim()) p.title = edited.title;
      if (typeof edited.content === 'string' && edited.content.trim()) p.content = edited.content;
    } else if (p.approval === 'always' || (p.approval === 'auto' && p.status === 'publish' && !reviewedInRun(ctx.steps()))) {
      return ctx.suspend({
        approval: {
          title: `Publish "${String(p.title).slice(0, 120)}" on WordPress (${p.status})?`,
          payload: { title: p.title, content: p.content, status: p.status },
          reason: p.approval === 'always' ? 'This step always asks before publishing.' : 'Publishing is irreversible and no review approved this content.',
        },
        waitingFor: 'approval',
      });
    }
    if (typeof p.title !== 'string' || !p.title.trim()) throw new NodeError('wordpress.publish: "title" is empty after evaluation', { retryable: false, code: 'bad_param' });
    if (typeof p.content !== 'string' || !p.content.trim()) throw new NodeError('wordpress.publish: "content" is empty after evaluation', { retryable: false, code: 'bad_param' });
    let client: WordPressClient;
    try {
      client = new WordPressClient(await wordpressConfig({ setting: (k, f) => ctx.env.setting(k, f), secrets: ctx.secrets }));
    } catch (e) {
      if (e instanceof WpError) throw new NodeError(e.message, { retryable: false, code: `wp_${e.code ?? 'config'}` });
      throw e;
    }
    const post = {
      title: p.title,
      content: p.format === 'markdown' ? markdownToHtml(p.content) : p.content,
      status: p.status,
      ...(p.slug ? { slug: p.slug } : {}),
      ...(p.excerpt ? { excerpt: p.excerpt } : {}),
    };
    let failure: NodeError | undefined;
    const updateSlug = p.updateSlug === undefined || p.updateSlug === null || p.updateSlug === '' ? undefined : String(p.updateSlug);
    if (updateSlug !== undefined && !SLUG.test(updateSlug)) {
      throw new NodeError(`wordpress.publish: "updateSlug" is not a post slug after evaluation (${JSON.stringify(updateSlug.slice(0, 80))}); use lower-case letters, digits and -`, { retryable: false, code: 'bad_param' });
    }
    const r = await ctx.outbox('wordpress.publish', { title: post.title, status: post.status, slug: p.slug ?? null, updateSlug: updateSlug ?? null }, async (key) => {
      try {
        const value = updateSlug ? await client.updateOrCreate(key, updateSlug, post, ctx.signal) : { ...(await client.publishOnce(key, post, ctx.signal)), updated: false };
        return { ok: true, value };
      } catch (e) {
        if (e instanceof WpError && !e.retryable) {
          failure = new NodeError(e.message, { retryable: false, code: `wp_${e.status ?? e.code}` });
          return { ok: false, value: null as unknown as { id: number; link: string; slug: string; status: string; reused: boolean; updated: boolean } };
        }
        if (e instanceof WpError) throw new NodeError(e.message, { retryable: true, code: `wp_${e.status ?? e.code}`, ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) });
        throw e;
      }
    });
    if (!r.ok) throw failure ?? new NodeError('wordpress.publish failed', { retryable: false });
    return { output: { published: true, postId: r.value.id, link: r.value.link, slug: r.value.slug, status: r.value.status, reused: r.value.reused || r.replayed, updated: r.value.updated }, branch: 'published' };
  },
});
