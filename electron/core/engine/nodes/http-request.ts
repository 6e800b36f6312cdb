import { z } from 'zod';
import { Duration, durationMs } from '../../../../shared/contract/workflow';
import { SecretName } from '../../../../shared/contract/system';
import { NodeError, defineNode } from '../registry';
import { ex } from './util';
import { NETWORK_STEP_TIMEOUT_MS } from '../pool-limits';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

interface HttpOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

function headersObject(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

/** Retry-After: seconds or an HTTP date -> ms from now. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/**
 * An HTTP call. GET/HEAD go straight out; other methods go through the outbox
 * with an `Idempotency-Key` header derived from run + node, so a retry after a
 * crash between sending and recording is recognised by the receiver.
 * 2xx: output { status, headers, body }. 408/425/429/5xx and network errors are
 * retried (Retry-After honoured); other 4xx fail the step without retry.
 */
export default defineNode({
  type: 'http.request',
  timeoutMs: NETWORK_STEP_TIMEOUT_MS,
  description: 'Call an HTTP endpoint (non-GET through the outbox with an Idempotency-Key).',
  params: z
    .object({
      method: ex(z.enum(METHODS)).default('GET'),
      url: z.string().min(1, 'give the URL'),
      headers: z.record(z.string(), z.string()).default({}),
      query: z.record(z.string(), z.unknown()).optional(),
      body: z.unknown().optional(),
      /** Add a secret from the keychain as a header (default Authorization: Bearer <secret>). */
      auth: z.object({ secret: SecretName, header: z.string().default('Authorization'), prefix: z.string().default('Bearer ') }).strict().optional(),
      timeout: ex(Duration).default('30s'),
    })
    .strict(),
  async run(ctx) {
    const p = ctx.params;
    const method = String(p.method).toUpperCase();
    if (!(METHODS as readonly string[]).includes(method)) throw new NodeError(`parameter "method" must be one of ${METHODS.join(', ')}, got ${JSON.stringify(p.method)}`, { retryable: false, code: 'bad_param' });
    let url: URL;
    try {
      url = new URL(String(p.url));
    } catch {
      throw new NodeError(`parameter "url" is not a URL: ${JSON.stringify(p.url)}`, { retryable: false, code: 'bad_param' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NodeError(`parameter "url" must be http or https, got ${url.protocol}`, { retryable: false, code: 'bad_param' });
    for (const [k, v] of Object.entries(p.query ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...p.headers };
    let body: string | undefined;
    if (p.body !== undefined && method !== 'GET' && method !== 'HEAD') {
      body = typeof p.body === 'string' ? p.body : JSON.stringify(p.body);
      if (typeof p.body !== 'string' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const request = { method, url: url.toString(), headers, body: body ?? null };
    const timeoutMs = durationMs(Duration.parse(p.timeout));

    const send = async (idempotencyKey?: string): Promise<HttpOutput> => {
      const h = { ...headers };
      if (idempotencyKey) h['Idempotency-Key'] = idempotencyKey;
      if (p.auth) {
        const secret = await ctx.secrets.get(p.auth.secret);
        if (!secret) throw new NodeError(`secret ${p.auth.secret} is not set: add it with "baton secrets set ${p.auth.secret}"`, { retryable: false, code: 'missing_secret' });
        h[p.auth.header] = p.auth.prefix + secret;
      }
      let res: Response;
      try {
        res = await fetch(url, { method, headers: h, body: body ?? null, signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]) });
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        throw new NodeError(`${method} ${url.origin}${url.pathname} failed: ${err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.message)}`, { code: 'network' });
      }
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json') && text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          /* keep text */
        }
      }
      const out: HttpOutput = { status: res.status, headers: headersObject(res.headers), body: parsed };
      if (res.ok) return out;
      const retryable = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500;
      const ra = retryAfterMs(res.headers.get('retry-after'), ctx.now());
      throw new NodeError(`${method} ${url.origin}${url.pathname} answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`, {
        retryable,
        code: `http_${res.status}`,
        ...(ra !== undefined ? { retryAfterMs: ra } : {}),
      });
    };

    if (method === 'GET' || method === 'HEAD') return { output: await send() };
    let failure: NodeError | undefined;
    const r = await ctx.outbox('http', request, async (key) => {
      try {
        return { ok: true, value: await send(key) };
      } catch (e) {
        if (e instanceof NodeError && !e.retryable) {
          failure = e;
          return { ok: false, value: null as unknown as HttpOutput };
        }
        throw e;
      }
    });
    if (!r.ok) throw failure ?? new NodeError(`${method} ${url.origin}${url.pathname} failed`, { retryable: false });
    return { output: r.value };
  },
});
