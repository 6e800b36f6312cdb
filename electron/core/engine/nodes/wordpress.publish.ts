import { z } from 'zod';
import { readSetting } from '../../ai/node-support';
import { markdownToHtml, WordPressClient, wordpressConfig, WpError } from '../../wordpress/client';
import { defineNode, NodeError } from '../registry';

/**
 * Create a WordPress post (draft by default) through the outbox: the outbox key
 * (run + node) is turned into a marker stored in the post, and the post is
 * looked up by that marker before any create, so a retry after a crash never
 * creates a second post. Content is Markdown (converted to HTML) or HTML.
 */
export default defineNode({
  type: 'wordpress.publish',
  description: 'Create a WordPress post as draft or published, exactly once per run.',
  params: z
    .object({
      title: z.string().min(1, 'give the post title (e.g. "=steps.write.data.title")'),
      content: z.string().min(1, 'give the post content (e.g. "=steps.review.text")'),
      format: z.enum(['markdown', 'html']).default('markdown'),
      status: z.enum(['draft', 'publish', 'pending', 'private']).default('draft'),
      slug: z.string().regex(/^[a-z0-9-]{1,190}$/, 'use lower-case letters, digits and -').optional(),
      excerpt: z.string().optional(),
    })
    .strict(),
  async run(ctx) {
    const p = ctx.params;
    if (typeof p.title !== 'string' || !p.title.trim()) throw new NodeError('wordpress.publish: "title" is empty after evaluation', { retryable: false, code: 'bad_param' });
    if (typeof p.content !== 'string' || !p.content.trim()) throw new NodeError('wordpress.publish: "content" is empty after evaluation', { retryable: false, code: 'bad_param' });
    let client: WordPressClient;
    try {
      client = new WordPressClient(await wordpressConfig({ setting: (k, f) => readSetting(ctx.orm, k, f), secrets: ctx.secrets }));
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
    const r = await ctx.outbox('wordpress.publish', { title: post.title, status: post.status, slug: p.slug ?? null }, async (key) => {
      try {
        return { ok: true, value: await client.publishOnce(key, post, ctx.signal) };
      } catch (e) {
        if (e instanceof WpError && !e.retryable) {
          failure = new NodeError(e.message, { retryable: false, code: `wp_${e.status ?? e.code}` });
          return { ok: false, value: null as unknown as { id: number; link: string; slug: string; status: string; reused: boolean } };
        }
        if (e instanceof WpError) throw new NodeError(e.message, { retryable: true, code: `wp_${e.status ?? e.code}`, ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) });
        throw e;
      }
    });
    if (!r.ok) throw failure ?? new NodeError('wordpress.publish failed', { retryable: false });
    return { output: { postId: r.value.id, link: r.value.link, slug: r.value.slug, status: r.value.status, reused: r.value.reused || r.replayed } };
  },
});
