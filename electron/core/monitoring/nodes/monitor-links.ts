import { z } from 'zod';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';

const HttpUrl = z.url({ protocol: /^https?$/, error: 'use an http(s) address such as https://example.com' });

interface Broken {
  url: string;
  status: number | null;
  /** The page the link is on. */
  page: string | null;
  reason: string;
}

/**
 * Website QA (docs/monitoring.md): crawl a site (default: the setting
 * monitoring.siteUrl) with linkinator, following its own pages and checking
 * every link, image, script and stylesheet on them (links to other sites are
 * checked, not crawled). Output: passed, checked (links), pages, broken
 * ([{ url, status, page, reason }]: each broken URL with the page it is on),
 * report (a text list) and `key` ("links:<url>", for monitor.alert).
 */
export default defineNode({
  type: 'monitor.links',
  description: 'Find broken links on a website (linkinator): each broken URL with the page it is on.',
  params: z
    .object({
      url: ex(HttpUrl).optional(),
      recurse: z.boolean().default(true),
      /** Links whose URL matches one of these regular expressions are not checked. */
      skip: z
        .array(
          z
            .string()
            .min(1)
            .max(500)
            .refine((s) => {
              try {
                new RegExp(s);
                return true;
              } catch {
                return false;
              }
            }, 'use a regular expression such as ^https://twitter\\.com'),
        )
        .max(50, 'at most 50 patterns')
        .optional(),
      timeoutMs: ex(z.number().int('use a whole number of ms').min(500, 'at least 500 ms').max(60_000, 'at most 60000 ms')).default(10_000),
      concurrency: ex(z.number().int('use a whole number').min(1, 'at least 1').max(50, 'at most 50')).default(10),
      /** Stop checking new links after this many (a site much larger is checked in part, said in the output). */
      maxLinks: ex(z.number().int('use a whole number').min(1, 'at least 1').max(50_000, 'at most 50000')).default(5_000),
    })
    .strict(),
  branches: ['passed', 'broken'],
  timeoutMs: 30 * 60_000,
  async run(ctx) {
    const p = ctx.params;
    const url = p.url === undefined ? ctx.env.setting<string | null>('monitoring.siteUrl', null) : String(p.url);
    if (!url) throw new NodeError('monitor.links: give url, or set monitoring.siteUrl (npx baton settings set monitoring.siteUrl https://example.com)', { retryable: false, code: 'bad_param' });
    if (!HttpUrl.safeParse(url).success) throw new NodeError(`monitor.links: url is not an http(s) address (got ${JSON.stringify(url).slice(0, 200)})`, { retryable: false, code: 'bad_param' });
    const int = (v: unknown, name: string, min: number, max: number): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) throw new NodeError(`monitor.links: ${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`, { retryable: false, code: 'bad_param' });
      return n;
    };
    const maxLinks = int(p.maxLinks, 'maxLinks', 1, 50_000);
    const skip = (p.skip ?? []).map((s) => new RegExp(s));
    const seen = new Set<string>();
    let truncated = false;
    const { LinkChecker } = await import('linkinator');
    const checker = new LinkChecker();
    const pages = new Set<string>();
    checker.on('pagestart', (page) => pages.add(page));
    const res = await checker.check({
      path: url,
      recurse: p.recurse !== false,
      timeout: int(p.timeoutMs, 'timeoutMs', 500, 60_000),
      concurrency: int(p.concurrency, 'concurrency', 1, 50),
      userAgent: 'Baton-Monitor/1 (linkinator)',
      linksToSkip: (link: string) => {
        if (skip.some((r) => r.test(link))) return Promise.resolve(true);
        if (!seen.has(link)) {
          if (seen.size >= maxLinks) {
            truncated = true;
            return Promise.resolve(true);
          }
          seen.add(link);
        }
        return Promise.resolve(ctx.signal.aborted);
      },
    });
    const broken: Broken[] = res.links
      .filter((l) => l.state === 'BROKEN')
      .map((l) => {
        const d = l.failureDetails?.[0];
        const reason = l.status ? `HTTP ${l.status}` : d instanceof Error ? d.message : 'no answer';
        return { url: l.url, status: l.status || null, page: l.parent ?? null, reason };
      })
      .sort((a, b) => (a.page ?? '').localeCompare(b.page ?? '') || a.url.localeCompare(b.url));
    const checked = res.links.filter((l) => l.state !== 'SKIPPED').length;
    const report = broken.length
      ? `${broken.length} broken link(s) on ${url}:\n${broken.map((b) => `- ${b.url} (${b.reason}) on ${b.page ?? url}`).join('\n')}`
      : `No broken link on ${url} (${checked} checked).`;
    return {
      output: { key: `links:${url}`, url, passed: broken.length === 0, failing: broken.length > 0, checked, pages: pages.size, truncated, broken: broken.slice(0, 500), report },
      branch: broken.length ? 'broken' : 'passed',
    };
  },
});
