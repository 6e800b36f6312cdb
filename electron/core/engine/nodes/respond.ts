import { z } from 'zod';
import { redirectProblem } from '../../../../shared/contract/workflow';
import { NodeError, defineNode } from '../registry';
import { headerNameProblem, headerValueProblem, sanitizeResponseHeaders } from '../respond';
import { ex } from './util';

const REDIRECT_STATUSES = [301, 302, 303, 307, 308];
const isExpr = (v: unknown): boolean => typeof v === 'string' && /^=(?!=)/.test(v);

/**
 * Answer the caller waiting on this run (docs/workflows.md, "Answering the caller"): a
 * webhook whose trigger has responseMode respondNode (or lastNode), or a lead-capture form
 * with respond.workflow. Records status, headers and body (default: the node's input as
 * JSON), or a redirect (303 to an http(s) URL); the run goes on, and the output is the
 * input. The first answer of a run wins; a later respond node records nothing. With no
 * caller waiting (onReceived, manual, schedule) the answer is only recorded on the run.
 */
export default defineNode({
  type: 'respond',
  description: 'Answer the waiting webhook or form caller: status, headers, body or a redirect; the run goes on.',
  params: z
    .object({
      /** 200-599 (default 200, or 303 with redirect). */
      status: ex(z.number().int().min(200, 'use a final status from 200 to 599').max(599, 'use a final status from 200 to 599')).optional(),
      /** Response headers (see engine/respond.ts for the allow-list); values may be expressions. */
      headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
      /** Any JSON (sent as application/json), or a string (text/plain unless a Content-Type header says otherwise); null: no body. Default: the node's input. */
      body: z.unknown().optional(),
      /** An absolute http(s) URL: the caller is redirected there (303 See Other unless status says 301/302/307/308). */
      redirect: z.string().min(1, 'give an http(s) URL').optional(),
    })
    .strict(),
  validate(p, report) {
    for (const [name, value] of Object.entries(p.headers)) {
      const problem = headerNameProblem(name) ?? (typeof value === 'string' && !isExpr(value) ? headerValueProblem(value) : null);
      if (problem) report(`headers.${name}`, problem);
    }
    if (p.redirect !== undefined) {
      if (!isExpr(p.redirect)) {
        const problem = redirectProblem(p.redirect);
        if (problem) report('redirect', problem);
      }
      if (p.body !== undefined) report('body', 'a redirect has no body: give redirect or body, not both');
      if (typeof p.status === 'number' && !REDIRECT_STATUSES.includes(p.status)) report('status', `with redirect, use ${REDIRECT_STATUSES.join(', ')} (default 303)`);
    }
  },
  run(ctx) {
    const p = ctx.params;
    const redirect = p.redirect === undefined || p.redirect === null ? null : String(p.redirect);
    // An expression may give the status as text ("201").
    const status = p.status === undefined ? (redirect ? 303 : 200) : typeof p.status === 'string' && /^\d{3}$/.test(p.status) ? Number(p.status) : p.status;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
      throw new NodeError(`parameter "status" must be a whole number from 200 to 599, got ${JSON.stringify(status)}`, { retryable: false, code: 'bad_param' });
    }
    if (redirect !== null) {
      const problem = redirectProblem(redirect);
      if (problem) throw new NodeError(`parameter "redirect": ${problem}`, { retryable: false, code: 'bad_param' });
      if (!REDIRECT_STATUSES.includes(status)) throw new NodeError(`parameter "status" must be one of ${REDIRECT_STATUSES.join(', ')} with redirect, got ${status}`, { retryable: false, code: 'bad_param' });
    }
    // Values computed at run time pass the same rules as at import: a bad one is dropped (and logged), never sent.
    const { headers, dropped } = sanitizeResponseHeaders(p.headers);
    if (dropped.length) ctx.log.warn('respond: headers dropped', { dropped });
    let body: string | null = null;
    if (redirect === null) {
      const value = p.body === undefined ? ctx.input : p.body;
      if (typeof value === 'string') body = value;
      else if (value !== null && value !== undefined) {
        body = JSON.stringify(value);
        if (!headers['content-type']) headers['content-type'] = 'application/json; charset=utf-8';
      }
    }
    ctx.respond({ status, headers, body, redirect });
    return { output: ctx.input };
  },
});
