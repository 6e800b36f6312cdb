/**
 * Answering the caller that waits on a run (docs/workflows.md, "Answering the caller"):
 * a webhook in `lastNode` / `respondNode` mode, or a lead-capture form with
 * `respond.workflow`.
 *
 * - A `respond` node records its answer (status, headers, body or redirect) in
 *   `run_responses`, in the same transaction as its step (the first answer of a
 *   top-level run wins), and the commit emits the push event `run.responded`.
 * - The HTTP route waits on the main thread with RunAnswers: one listener on the
 *   bus for `run.updated` and one for `run.responded` for the whole process, and a
 *   map of waiters keyed by run id. A push event for a waited-on run makes its
 *   waiters read the stored answer (or the finished run) from the database; the
 *   timeout is a timer. No polling, and nothing is left behind when a wait ends.
 *
 * Workflow data may carry outside input, and the answer is served on Baton's own
 * origin (where the operator's browser keeps its session token), so every answer a
 * workflow makes is sent with `Content-Security-Policy: sandbox …` (no script runs,
 * the page gets an opaque origin) and `X-Content-Type-Options: nosniff`, and its
 * headers pass an allow-list (RESPONSE_HEADER_RULE).
 */
import type { RunError, RunStatus } from '../../../shared/api';
import type { WebhookResponseMode } from '../../../shared/contract/workflow';
import type { PublicResponse } from '../core';
import type { Sqlite } from '../db/open';
import type { EventBus } from '../bus';
import { engineRepo, type EngineRepo } from './repo';

/** Sent with every answer a workflow makes: scripts never run, the document has an opaque origin. */
export const RESPOND_CSP = "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers a workflow may set besides any X-… header (other than the X- headers Baton sets itself). */
export const ALLOWED_RESPONSE_HEADERS: readonly string[] = [
  'content-type',
  'content-language',
  'content-disposition',
  'cache-control',
  'expires',
  'etag',
  'last-modified',
  'vary',
  'retry-after',
  'www-authenticate',
  'access-control-allow-origin',
  'access-control-expose-headers',
];
const ALLOWED = new Set(ALLOWED_RESPONSE_HEADERS);
/** X- headers Baton sets on every answer (a workflow may not weaken them). */
const RESERVED_X = new Set(['x-content-type-options', 'x-frame-options', 'x-xss-protection', 'x-dns-prefetch-control', 'x-permitted-cross-domain-policies']);
export const RESPONSE_HEADER_RULE =
  `allowed: ${ALLOWED_RESPONSE_HEADERS.join(', ')} and any X-… header (except X-Content-Type-Options and X-Frame-Options); ` +
  'cookies, hop-by-hop headers (Connection, Transfer-Encoding …), Content-Length, Location (use redirect) and security headers are never set by a workflow';
export const MAX_RESPONSE_HEADERS = 32;
export const MAX_HEADER_VALUE = 4096;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// eslint-disable-next-line no-control-regex
const CTL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Why a header name may not be set by a workflow, or null. */
export function headerNameProblem(name: string): string | null {
  if (!TOKEN.test(name)) return `"${name.slice(0, 100)}" is not a valid header name (letters, digits and - only)`;
  const n = name.toLowerCase();
  if (ALLOWED.has(n)) return null;
  if (n.startsWith('x-') && !RESERVED_X.has(n)) return null;
  if (n === 'location') return 'a workflow may not set Location: use the redirect parameter (an http(s) URL, answered 303)';
  if (n === 'set-cookie' || n === 'set-cookie2') return 'a workflow may not set cookies (the answer is served on the Baton origin)';
  return `a workflow may not set the header ${name} (${RESPONSE_HEADER_RULE})`;
}

/** Why a header value may not be sent, or null (CR/LF would split the response: header injection). */
export function headerValueProblem(value: string): string | null {
  if (CTL.test(value)) return 'the value contains a control character (CR, LF …): that would inject headers';
  if (value.length > MAX_HEADER_VALUE) return `the value is ${value.length} characters; the limit is ${MAX_HEADER_VALUE}`;
  return null;
}

/** The headers a workflow may send (names lower-cased), and the ones dropped with why. */
export function sanitizeResponseHeaders(headers: Record<string, unknown>): { headers: Record<string, string>; dropped: { name: string; reason: string }[] } {
  const out: Record<string, string> = {};
  const dropped: { name: string; reason: string }[] = [];
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      dropped.push({ name, reason: 'the value is not text' });
      continue;
    }
    const value = String(raw);
    const problem = headerNameProblem(name) ?? headerValueProblem(value);
    if (problem) dropped.push({ name, reason: problem });
    else if (Object.keys(out).length >= MAX_RESPONSE_HEADERS) dropped.push({ name, reason: `more than ${MAX_RESPONSE_HEADERS} headers` });
    else out[name.toLowerCase()] = value;
  }
  return { headers: out, dropped };
}

/** An answer as a respond node records it. */
export interface ResponseSpec {
  status: number;
  /** Sanitised, lower-case names. */
  headers: Record<string, string>;
  body: string | null;
  redirect: string | null;
}

/** What the caller waiting on a run gets. */
export type RunAnswer =
  /** A respond node answered. */
  | { kind: 'response'; response: ResponseSpec & { nodeId: string } }
  /** lastNode: the run succeeded; its output. */
  | { kind: 'output'; output: unknown }
  /** respondNode: the run succeeded without a respond node answering. */
  | { kind: 'no_response' }
  | { kind: 'failed'; status: 'failed' | 'cancelled'; error: RunError | null }
  /** Still going when the wait ended. */
  | { kind: 'timeout'; status: RunStatus; waitedMs: number };

type WaitMode = Exclude<WebhookResponseMode, 'onReceived'>;

/**
 * The waiting side, on the main thread (it hosts the HTTP server): one bus listener per
 * event name for the whole process and a map of waiters by run id.
 */
export class RunAnswers {
  /** Per run id: each waiting request's check (read the store) and end (answer now, the core closes). */
  private readonly waiters = new Map<string, Set<{ check: () => void; end: () => void }>>();
  private readonly offs: (() => void)[];
  private closed = false;
  private readonly repo: EngineRepo;

  constructor(
    db: Sqlite,
    bus: Pick<EventBus, 'on'>,
    /** Dispatch pending events now (the engine's dispatcher); resolves when the pass is done. */
    private readonly dispatch: () => Promise<unknown>,
  ) {
    this.repo = engineRepo(db);
    const poke = (p: { id: string }) => {
      const set = this.waiters.get(p.id);
      if (set) for (const w of [...set]) w.check();
    };
    this.offs = [bus.on('run.updated', poke), bus.on('run.responded', poke)];
  }

  /** Requests waiting right now (tests check that none is left behind). */
  get waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }

  /** Stop listening (the core closes): every pending wait ends now with { kind: 'timeout' } (its caller gets 202). */
  close(): void {
    this.closed = true;
    for (const off of this.offs) off();
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w.end();
  }

  /** The answer for a caller of `runId` now, or null while the run goes on without one. */
  current(runId: string, mode: WaitMode): RunAnswer | null {
    const r = this.repo.responses.get(runId);
    if (r) return { kind: 'response', response: { nodeId: r.nodeId, status: r.status, headers: r.headers, body: r.body, redirect: r.redirect } };
    const run = this.repo.runs.outcome(runId);
    if (!run) return { kind: 'failed', status: 'cancelled', error: { message: 'the run was deleted', code: 'run_missing' } };
    if (run.status === 'succeeded') return mode === 'lastNode' ? { kind: 'output', output: run.output } : { kind: 'no_response' };
    if (run.status === 'failed' || run.status === 'cancelled') return { kind: 'failed', status: run.status, error: run.error };
    return null;
  }

  /**
   * Wait until the run has an answer for its caller: a respond node answered, or (lastNode)
   * the run finished, or it failed; at `timeoutMs` the answer is { kind: 'timeout' }.
   */
  wait(runId: string, mode: WaitMode, timeoutMs: number): Promise<RunAnswer> {
    const t0 = Date.now();
    if (this.closed) return Promise.resolve({ kind: 'timeout', status: 'running', waitedMs: 0 });
    return new Promise<RunAnswer>((resolve) => {
      let done = false;
      const finish = (a: RunAnswer) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const set = this.waiters.get(runId);
        set?.delete(waiter);
        if (set && set.size === 0) this.waiters.delete(runId);
        resolve(a);
      };
      const check = () => {
        let a: RunAnswer | null;
        try {
          a = this.current(runId, mode);
        } catch {
          a = null; // a closed or busy database: the timeout answers
        }
        if (a) finish(a);
      };
      const waiter = { check, end: () => finish({ kind: 'timeout', status: 'running', waitedMs: Date.now() - t0 }) };
      let set = this.waiters.get(runId);
      if (!set) this.waiters.set(runId, (set = new Set()));
      set.add(waiter);
      // Declared before any call of finish(): check() below is the first.
      const timer = setTimeout(() => {
        let status: RunStatus = 'running';
        try {
          status = this.repo.runs.outcome(runId)?.status ?? 'running';
        } catch {
          /* keep "running" */
        }
        finish({ kind: 'timeout', status, waitedMs: Date.now() - t0 });
      }, Math.max(0, timeoutMs));
      // The run may have answered (or finished) before the listener was added.
      check();
    });
  }

  /**
   * The run of `workflowId` started by the event `eventId` (its event trigger), once the
   * engine's dispatcher has handled that event; null when none started (the trigger's
   * filter said no, the workflow is disabled, a run for the same subject was active) or
   * the dispatcher did not reach the event by `deadline` (ms epoch).
   */
  async runForEvent(eventId: number, workflowId: string, deadline: number): Promise<string | null> {
    let last = -1;
    for (;;) {
      await this.dispatch();
      const cursor = this.repo.state.peekEventCursor();
      // Each pass handles a batch of events: a backlog takes a few passes. No progress: another process dispatches.
      if (cursor >= eventId || cursor === last || Date.now() >= deadline) break;
      last = cursor;
    }
    return this.repo.runs.byIdempotencyKey(workflowId, `event:${eventId}`)?.id ?? null;
  }
}

/** The headers of an answer a workflow made: its own (sanitised again), then Baton's. */
function workflowHeaders(r: ResponseSpec, contentType: string | null): Record<string, string> {
  const { headers } = sanitizeResponseHeaders(r.headers);
  if (contentType && !headers['content-type']) headers['content-type'] = contentType;
  if (!headers['cache-control']) headers['cache-control'] = 'no-store';
  // X-Content-Type-Options: nosniff, X-Frame-Options: DENY … are added by the server to every answer.
  return { ...headers, 'content-security-policy': RESPOND_CSP };
}

/** A recorded respond-node answer as the HTTP answer. */
export function responseToPublic(r: ResponseSpec): PublicResponse {
  // The server writes Location itself (re-serialized, http(s) only): a route never sets it as a header.
  if (r.redirect) return { status: r.status, redirect: r.redirect, headers: workflowHeaders({ ...r, headers: {} }, null) };
  const noBody = r.status === 204 || r.status === 205 || r.status === 304;
  return { status: r.status, text: noBody ? '' : (r.body ?? ''), headers: workflowHeaders(r, noBody || r.body === null ? null : 'text/plain; charset=utf-8') };
}

/** The HTTP answer to a webhook caller for a run's answer (docs/workflows.md, "Answering the caller"). */
export function answerToPublic(a: RunAnswer, runId: string): PublicResponse {
  switch (a.kind) {
    case 'response':
      return responseToPublic(a.response);
    case 'output':
      return { status: 200, text: JSON.stringify(a.output ?? null), headers: workflowHeaders({ status: 200, headers: {}, body: null, redirect: null }, 'application/json; charset=utf-8') };
    case 'no_response':
      return {
        status: 500,
        json: { error: { code: 'no_response', message: 'The run finished without a respond node answering (responseMode respondNode): add a respond node on every path, or use responseMode lastNode.', runId } },
      };
    case 'failed': {
      const node = a.error?.nodeId;
      const what = a.status === 'cancelled' ? 'was cancelled' : node ? `failed at step "${node}"` : 'failed';
      // The step's own message stays in the run (it may name internal hosts or echo a remote's answer).
      return {
        status: 500,
        json: { error: { code: a.status === 'cancelled' ? 'run_cancelled' : 'run_failed', message: `The workflow ${what}${a.error?.code ? ` (${a.error.code})` : ''}; see run ${runId}.`, runId, ...(node ? { nodeId: node } : {}) } },
      };
    }
    case 'timeout':
      return {
        status: 202,
        json: { runId, status: a.status, message: `The run did not answer within ${(a.waitedMs / 1000).toFixed(1)} s; it goes on (run ${runId}).` },
      };
  }
}
