import { z } from 'zod';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { runCheck } from '../check';

const HttpUrl = z.url({ protocol: /^https?$/, error: 'use an http(s) address such as https://example.com' });

/**
 * An uptime check (docs/monitoring.md): GET the URL (default: the setting
 * monitoring.siteUrl) within `timeoutMs`; up when the status is the expected
 * one (default any 2xx/3xx), the page contains `expectText` (when given) and,
 * for https, the certificate presented on the connection expires in
 * `certMinDays` days or more. Output: up, status, ms, reason, cert (subject,
 * issuer, validTo, daysLeft) and `key` ("uptime:<url>", for monitor.alert).
 * A site that is down is a result (branch "down"), not a failed step.
 */
export default defineNode({
  type: 'monitor.check',
  description: 'Uptime check of a URL: status, expected text, response time, and TLS certificate expiry for https.',
  params: z
    .object({
      url: ex(HttpUrl).optional(),
      expectStatus: ex(z.number().int('use a whole number').min(100, 'use an HTTP status from 100 to 599').max(599, 'use an HTTP status from 100 to 599')).optional(),
      expectText: z.string().min(1, 'give the text the page must contain, or leave it out').max(1000, 'at most 1000 characters').optional(),
      timeoutMs: ex(z.number().int('use a whole number of ms').min(100, 'at least 100 ms').max(120_000, 'at most 120000 ms')).default(10_000),
      certMinDays: ex(z.number().int('use a whole number of days').min(0, 'at least 0 days').max(365, 'at most 365 days')).default(14),
      verifyTls: z.boolean().default(true),
    })
    .strict(),
  branches: ['up', 'down'],
  timeoutMs: 150_000,
  async run(ctx) {
    const p = ctx.params;
    const url = p.url === undefined ? ctx.env.setting<string | null>('monitoring.siteUrl', null) : String(p.url);
    if (!url) throw new NodeError('monitor.check: give url, or set monitoring.siteUrl (npx baton settings set monitoring.siteUrl https://example.com)', { retryable: false, code: 'bad_param' });
    if (!HttpUrl.safeParse(url).success) throw new NodeError(`monitor.check: url is not an http(s) address (got ${JSON.stringify(url).slice(0, 200)})`, { retryable: false, code: 'bad_param' });
    const num = (v: unknown, name: string, min: number, max: number): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) throw new NodeError(`monitor.check: ${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`, { retryable: false, code: 'bad_param' });
      return n;
    };
    const r = await runCheck({
      url,
      ...(p.expectStatus !== undefined ? { expectStatus: num(p.expectStatus, 'expectStatus', 100, 599) } : {}),
      ...(p.expectText !== undefined ? { expectText: p.expectText } : {}),
      timeoutMs: num(p.timeoutMs, 'timeoutMs', 100, 120_000),
      certMinDays: num(p.certMinDays, 'certMinDays', 0, 365),
      verifyTls: p.verifyTls !== false,
      now: ctx.now(),
      signal: ctx.signal,
    });
    return { output: { ...r, key: `uptime:${url}` }, branch: r.up ? 'up' : 'down' };
  },
});
