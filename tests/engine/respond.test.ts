/**
 * Answering the caller (docs/workflows.md, "Answering the caller"): webhooks in
 * lastNode / respondNode mode and the respond node, on a real `baton serve`
 * server module with real HTTP and the real Bree worker pool (built files:
 * npx electron-vite build first).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf, RUN_ANSWERS, RunAnswers } from '../../electron/core/engine';
import { sanitizeResponseHeaders, RESPOND_CSP } from '../../electron/core/engine/respond';
import type { SecretStore } from '../../electron/core/secrets';
import { startServer, type BatonServer } from '../../electron/server';
import { ApiError } from '../../shared/api';
import type { WorkflowDefinitionInput } from '../../shared/contract/workflow';
import { openTestCore } from '../helpers';
import { harness, wf } from './util';

class MemorySecretStore implements SecretStore {
  values = new Map<string, string>();
  backend() {
    return { kind: 'keychain' as const, writable: true, detail: 'memory (test)' };
  }
  async get(name: string) {
    return this.values.get(name) ?? null;
  }
  async set(name: string, value: string) {
    this.values.set(name, value);
  }
  async delete(name: string) {
    return this.values.delete(name);
  }
  async list() {
    return [...this.values.keys()].sort();
  }
}

let core: Core;
let server: BatonServer;
let cleanup: () => Promise<void>;
const secrets = new MemorySecretStore();
const hookSecret: Record<string, string> = {};

function hook(slug: string, nodes: WorkflowDefinitionInput['nodes'], edges: WorkflowDefinitionInput['edges'] = [], trigger: Record<string, unknown> = {}): WorkflowDefinitionInput {
  return { id: `wf-${slug}`, name: slug, trigger: { type: 'webhook', slug, ...trigger } as WorkflowDefinitionInput['trigger'], nodes, edges, settings: { escalateOnFailure: 'none' } as WorkflowDefinitionInput['settings'] };
}

async function install(def: WorkflowDefinitionInput): Promise<void> {
  await core.call('workflows.import', { definition: def });
  const slug = (def.trigger as { slug: string }).slug;
  hookSecret[slug] = (await core.call('hooks.rotateSecret', { slug })).secret;
}

async function post(slug: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}hooks/${slug}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${hookSecret[slug]}`, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  // The answers' shapes are asserted by the tests.
  return { status: res.status, text, json: json as { [k: string]: unknown; runId: string; message: string; error: { [k: string]: unknown; runId: string; message: string } }, headers: res.headers };
}

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const runStatus = async (id: string) => (await core.call('runs.get', { id })).status;
const finished = (s: string) => ['succeeded', 'failed', 'cancelled'].includes(s);
async function decideApproval(runId: string): Promise<void> {
  let id = '';
  await until('the approval', async () => {
    const a = (await core.call('approvals.list', { status: 'pending' })).approvals.find((x) => x.runId === runId);
    id = a?.id ?? '';
    return Boolean(a);
  });
  await core.call('approvals.decide', { id, decision: 'approve' });
}

beforeAll(async () => {
  if (!existsSync(resolve(__dirname, '../../out/main/jobs/dispatcher.js'))) throw new Error('Build first (npx electron-vite build): this test runs the built worker files');
  const t = await openTestCore({ host: 'server', secrets });
  core = t.core;
  cleanup = t.cleanup;
  engineOf(core).poolOptions = { workers: 2 };
  await core.start();
  expect(engineOf(core).mode).toBe('pool');
  server = await startServer(core, { port: 0, closeCore: false });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

describe('webhook responseMode lastNode', () => {
  it('answers with the run output (200 JSON) computed by the workers', { timeout: 60_000 }, async () => {
    await install(
      hook(
        'score',
        [
          { id: 'prep', type: 'set', params: { values: { email: '=$lowercase(input.body.email)', visits: '=input.body.visits' } } },
          { id: 'score', type: 'set', params: { values: { email: '=prev.email', score: '=prev.visits * 10', tier: '=prev.visits >= 5 ? "hot" : "cold"' } } },
        ],
        [{ from: 'prep', to: 'score' }],
        { responseMode: 'lastNode' },
      ),
    );
    const r = await post('score', { email: 'Ada@Example.COM', visits: 7 });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.json).toEqual({ email: 'ada@example.com', score: 70, tier: 'hot' });
    // The answer is the run's output, and the run says it was a waited-on webhook.
    const runs = (await core.call('runs.list', { workflow: 'wf-score', limit: 10 })).runs;
    expect(runs).toHaveLength(1);
    const run = await core.call('runs.get', { id: runs[0]!.id });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual(r.json);
    expect(run.trigger).toMatchObject({ type: 'webhook', detail: { slug: 'score', responseMode: 'lastNode' } });
    // Every workflow answer is sandboxed on the Baton origin.
    expect(r.headers.get('content-security-policy')).toBe(RESPOND_CSP);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('a re-delivery with the same Idempotency-Key gets the same answer from the same run', { timeout: 60_000 }, async () => {
    const a = await post('score', { email: 'b@example.com', visits: 1 }, { 'idempotency-key': 'evt-1' });
    const b = await post('score', { email: 'b@example.com', visits: 1 }, { 'idempotency-key': 'evt-1' });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.json).toEqual(a.json);
    expect(a.json).toEqual({ email: 'b@example.com', score: 10, tier: 'cold' });
    const runs = (await core.call('runs.list', { workflow: 'wf-score', limit: 10 })).runs;
    expect(runs).toHaveLength(2);
  });

  it('a failing run answers 500 naming the failed step, without its message (no internal address leaks)', { timeout: 60_000 }, async () => {
    await install(
      hook(
        'fails',
        [
          { id: 'ok', type: 'set', params: { values: { a: 1 } } },
          { id: 'call_crm', type: 'http.request', params: { url: 'http://127.0.0.1:9/internal-crm/leads' }, retry: { maxAttempts: 1 } },
        ],
        [{ from: 'ok', to: 'call_crm' }],
        { responseMode: 'lastNode' },
      ),
    );
    const r = await post('fails', {});
    expect(r.status).toBe(500);
    expect(r.json.error).toMatchObject({ code: 'run_failed', nodeId: 'call_crm' });
    expect(r.json.error.message).toMatch(/failed at step "call_crm" \(network\)/);
    expect(r.text).not.toContain('internal-crm');
    expect(r.text).not.toMatch(/at .*\.ts:\d+/); // no stack
    expect(await runStatus(r.json.error.runId)).toBe('failed');
    const run = await core.call('runs.get', { id: r.json.error.runId });
    expect(run.error?.message).toContain('internal-crm'); // the detail stays in the run
  });

  it('a run slower than responseTimeout answers 202 with its id, and goes on to finish', { timeout: 60_000 }, async () => {
    await install(
      hook(
        'slow',
        [
          { id: 'ask', type: 'approval', params: { title: 'Check this lead' } },
          { id: 'after', type: 'set', params: { values: { done: true } } },
        ],
        [{ from: 'ask', to: 'after', branch: 'approved' }],
        { responseMode: 'lastNode', responseTimeout: '300ms' },
      ),
    );
    const t0 = Date.now();
    const r = await post('slow', { email: 'x@example.com' });
    expect(r.status).toBe(202);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(r.json).toMatchObject({ runId: expect.any(String), status: expect.stringMatching(/^(running|waiting)$/) });
    expect(r.json.message).toMatch(/did not answer within/);
    await decideApproval(r.json.runId);
    await until('the run to finish', async () => finished(await runStatus(r.json.runId)));
    const run = await core.call('runs.get', { id: r.json.runId });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ done: true });
  });
});

describe('the respond node', () => {
  it('respondNode: status, headers and body of the node; the run goes on after answering', { timeout: 60_000 }, async () => {
    await install(
      hook(
        'reply',
        [
          { id: 'score', type: 'set', params: { values: { email: '=input.body.email', score: 42 } } },
          {
            id: 'answer',
            type: 'respond',
            params: { status: 201, headers: { 'X-Lead-Score': '=$string(prev.score)', 'Cache-Control': 'private, max-age=60' }, body: { accepted: true, score: '=prev.score' } },
          },
          { id: 'review', type: 'approval', params: { title: 'Follow up?' } },
          { id: 'after', type: 'set', params: { values: { followedUp: true }, merge: false } },
        ],
        [
          { from: 'score', to: 'answer' },
          { from: 'answer', to: 'review' },
          { from: 'review', to: 'after', branch: 'approved' },
        ],
        { responseMode: 'respondNode' },
      ),
    );
    const r = await post('reply', { email: 'c@example.com' });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({ accepted: true, score: 42 });
    expect(r.headers.get('x-lead-score')).toBe('42');
    expect(r.headers.get('cache-control')).toBe('private, max-age=60');
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(RESPOND_CSP);
    // Answered while the run still waits on its approval: the run goes on.
    const runId = (await core.call('runs.list', { workflow: 'wf-reply', limit: 1 })).runs[0]!.id;
    const mid = await core.call('runs.get', { id: runId });
    expect(['running', 'waiting']).toContain(mid.status); // it cannot finish before the approval is decided
    expect(mid.steps.some((s) => s.nodeId === 'after')).toBe(false);
    expect(mid.response).toMatchObject({ nodeId: 'answer', fromRunId: runId, status: 201, redirect: null });
    // The respond node passes its input on.
    expect(mid.steps.find((s) => s.nodeId === 'answer')?.output).toEqual({ email: 'c@example.com', score: 42 });
    await decideApproval(runId);
    await until('the run to finish', async () => finished(await runStatus(runId)));
    const end = await core.call('runs.get', { id: runId });
    expect(end.status).toBe('succeeded');
    expect(end.steps.find((s) => s.nodeId === 'after')?.status).toBe('succeeded');
  });

  it('a redirect answers 303 with Location; an HTML body is sent sandboxed', { timeout: 60_000 }, async () => {
    await install(
      hook(
        'go',
        [
          { id: 'pick', type: 'condition', params: { if: 'input.body.html = true' } },
          { id: 'page', type: 'respond', params: { headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: '<h1>Thanks</h1><script>alert(1)</script>' } },
          { id: 'away', type: 'respond', params: { redirect: '="https://example.com/thanks?who=" & $encodeUrlComponent(input.body.who)' } },
        ],
        [
          { from: 'pick', to: 'page', branch: 'true' },
          { from: 'pick', to: 'away', branch: 'false' },
        ],
        { responseMode: 'respondNode' },
      ),
    );
    const r = await post('go', { html: false, who: 'Ada L' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('https://example.com/thanks?who=Ada%20L');
    expect(r.text).toBe('');
    const h = await post('go', { html: true });
    expect(h.status).toBe(200);
    expect(h.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(h.text).toBe('<h1>Thanks</h1><script>alert(1)</script>');
    // The script never runs: the page is sandboxed (no allow-scripts, opaque origin), never sniffed, never framed.
    expect(h.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    expect(h.headers.get('content-security-policy')).not.toMatch(/allow-scripts|allow-same-origin/);
    expect(h.headers.get('x-content-type-options')).toBe('nosniff');
    expect(h.headers.get('x-frame-options')).toBe('DENY');
  });

  it('the first respond node wins; a respond node in a forEach body answers for the top-level run', { timeout: 60_000 }, async () => {
    await install(
      hook(
        'each',
        [
          {
            id: 'loop',
            type: 'forEach',
            params: { items: '=input.body.items', concurrency: 1, body: { nodes: [{ id: 'say', type: 'respond', params: { body: { item: '=input.item' } } }] } },
          },
          { id: 'again', type: 'respond', params: { status: 500, body: 'too late' } },
        ],
        [{ from: 'loop', to: 'again' }],
        { responseMode: 'respondNode' },
      ),
    );
    const r = await post('each', { items: ['first', 'second'] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ item: 'first' });
    const runId = (await core.call('runs.list', { workflow: 'wf-each', limit: 1 })).runs[0]!.id;
    await until('the run to finish', async () => finished(await runStatus(runId)));
    const run = await core.call('runs.get', { id: runId });
    expect(run.status).toBe('succeeded');
    expect(run.response).toMatchObject({ nodeId: 'say', status: 200 });
    expect(run.response?.fromRunId).not.toBe(runId); // the body run answered for its top-level run
    expect(run.steps.find((s) => s.nodeId === 'again')?.status).toBe('succeeded'); // later respond: recorded nothing, no failure
  });

  it('respondNode: a run that ends without a respond node answers 500 no_response', { timeout: 60_000 }, async () => {
    await install(
      hook(
        'maybe',
        [
          { id: 'pick', type: 'condition', params: { if: 'input.body.answer = true' } },
          { id: 'yes', type: 'respond', params: { body: 'yes' } },
        ],
        [{ from: 'pick', to: 'yes', branch: 'true' }],
        { responseMode: 'respondNode' },
      ),
    );
    const yes = await post('maybe', { answer: true });
    expect(yes.status).toBe(200);
    expect(yes.text).toBe('yes');
    expect(yes.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const no = await post('maybe', { answer: false });
    expect(no.status).toBe(500);
    expect(no.json.error).toMatchObject({ code: 'no_response', runId: expect.any(String) });
  });

  it('in a run nobody waits for (manual start, onReceived webhook) it only records the answer', { timeout: 60_000 }, async () => {
    await install(
      hook('quiet', [
        { id: 'answer', type: 'respond', params: { status: 200, body: { ok: true } } },
        { id: 'next', type: 'set', params: { values: { went: 'on' } } },
      ], [{ from: 'answer', to: 'next' }]),
    );
    // The defaults are not written into the definition (one stored before these fields hashes the same).
    expect(((await core.call('workflows.get', { id: 'wf-quiet' })).definition as { trigger: unknown }).trigger).toEqual({ type: 'webhook', slug: 'quiet' });
    const r = await post('quiet', { a: 1 });
    expect(r.status).toBe(202); // onReceived (the default) is today's answer
    await until('the run to finish', async () => finished(await runStatus(r.json.runId)));
    const run = await core.call('runs.get', { id: r.json.runId });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ went: 'on' });
    expect(run.response).toMatchObject({ nodeId: 'answer', status: 200 });
    const { runId } = await core.call('runs.start', { workflow: 'wf-quiet', input: {} });
    await until('the manual run to finish', async () => finished(await runStatus(runId)));
    expect((await core.call('runs.get', { id: runId })).status).toBe('succeeded');
  });
});

describe('header injection and unsafe answers', () => {
  it('are refused at import, naming the node and the field', async () => {
    const bad = async (params: Record<string, unknown>) => {
      try {
        await core.call('workflows.import', { definition: hook('bad', [{ id: 'reply', type: 'respond', params }], [], { responseMode: 'respondNode' }) });
      } catch (e) {
        expect(e).toBeInstanceOf(ApiError);
        return (e as ApiError).issues ?? [];
      }
      throw new Error('imported');
    };
    expect(await bad({ headers: { 'X-Note': 'ok\r\nSet-Cookie: session=evil' } })).toContainEqual(
      expect.objectContaining({ path: 'nodes.0.params.headers.X-Note', message: expect.stringMatching(/^node "reply": .*control character.*inject headers/) }),
    );
    expect(await bad({ headers: { 'Set-Cookie': 'a=b' } })).toContainEqual(
      expect.objectContaining({ path: 'nodes.0.params.headers.Set-Cookie', message: expect.stringMatching(/^node "reply": .*may not set cookies/) }),
    );
    expect(await bad({ headers: { 'Content-Security-Policy': "default-src *" } })).toContainEqual(expect.objectContaining({ path: 'nodes.0.params.headers.Content-Security-Policy' }));
    expect(await bad({ headers: { Connection: 'close' } })).toContainEqual(expect.objectContaining({ path: 'nodes.0.params.headers.Connection' }));
    expect(await bad({ headers: { Location: 'https://evil.example' } })).toContainEqual(expect.objectContaining({ path: 'nodes.0.params.headers.Location', message: expect.stringMatching(/redirect parameter/) }));
    expect(await bad({ headers: { 'Bad Name': 'x' } })).toContainEqual(expect.objectContaining({ path: 'nodes.0.params.headers.Bad Name' }));
    expect(await bad({ redirect: 'javascript:alert(1)' })).toContainEqual(expect.objectContaining({ path: 'nodes.0.params.redirect', message: expect.stringMatching(/http\(s\)/) }));
    expect(await bad({ redirect: 'https://bank.example@evil.example/' })).toContainEqual(expect.objectContaining({ path: 'nodes.0.params.redirect', message: expect.stringMatching(/user name or password/) }));
    expect(await bad({ redirect: 'https://example.com/', status: 200 })).toContainEqual(expect.objectContaining({ path: 'nodes.0.params.status' }));
    expect(await bad({ status: 101 })).toContainEqual(expect.objectContaining({ path: 'nodes.0.params.status', message: expect.stringMatching(/^node "reply": .*200 to 599/) }));
    // The trigger's timeout is bounded.
    try {
      await core.call('workflows.import', { definition: hook('bad', [{ id: 'a', type: 'set', params: { values: {} } }], [], { responseMode: 'lastNode', responseTimeout: '10m' }) });
      throw new Error('imported');
    } catch (e) {
      expect((e as ApiError).issues).toContainEqual(expect.objectContaining({ path: 'trigger.responseTimeout', message: expect.stringMatching(/100ms to 2m/) }));
    }
    expect((await core.call('workflows.list', {})).workflows.some((w) => w.id === 'wf-bad')).toBe(false);
  });

  it('values computed at run time are stripped when unsafe; the rest is sent', { timeout: 60_000 }, async () => {
    await install(
      hook(
        'echo',
        [
          {
            id: 'answer',
            type: 'respond',
            params: { headers: { 'X-Echo': '=input.body.v', 'X-Fine': 'yes' }, body: { ok: true } },
          },
        ],
        [],
        { responseMode: 'respondNode' },
      ),
    );
    const r = await post('echo', { v: 'a\r\nSet-Cookie: session=evil' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-echo')).toBeNull();
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(r.headers.get('x-fine')).toBe('yes');
    const ok = await post('echo', { v: 'plain' });
    expect(ok.headers.get('x-echo')).toBe('plain');
  });

  it('sanitizeResponseHeaders keeps the allow-list and drops the rest with a reason', () => {
    const { headers, dropped } = sanitizeResponseHeaders({
      'Content-Type': 'text/csv',
      'X-Custom': 7,
      'Access-Control-Allow-Origin': 'https://site.example',
      'Set-Cookie': 'a=b',
      'Transfer-Encoding': 'chunked',
      'X-Frame-Options': 'ALLOWALL',
      Refresh: '0; url=https://evil.example',
      'Clear-Site-Data': '"*"',
      'X-Split': 'a\nb',
      'X-Object': { a: 1 },
    });
    expect(headers).toEqual({ 'content-type': 'text/csv', 'x-custom': '7', 'access-control-allow-origin': 'https://site.example' });
    expect(dropped.map((d) => d.name).sort()).toEqual(['Clear-Site-Data', 'Refresh', 'Set-Cookie', 'Transfer-Encoding', 'X-Frame-Options', 'X-Object', 'X-Split']);
  });
});

describe('many callers at once', () => {
  it('200 concurrent waiting requests are all answered with their own result, and no listener is left behind', { timeout: 120_000 }, async () => {
    await install(hook('echo-n', [{ id: 'double', type: 'set', params: { values: { n: '=input.body.n', twice: '=input.body.n * 2' } } }], [], { responseMode: 'lastNode', responseTimeout: '2m' }));
    const answers = core.get(RUN_ANSWERS);
    const before = { updated: core.bus.listenerCount('run.updated'), responded: core.bus.listenerCount('run.responded') };
    const all = await Promise.all(Array.from({ length: 200 }, (_, n) => post('echo-n', { n })));
    for (const [n, r] of all.entries()) {
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ n, twice: n * 2 });
    }
    expect(answers.waiting).toBe(0);
    expect(core.bus.listenerCount('run.updated')).toBe(before.updated);
    expect(core.bus.listenerCount('run.responded')).toBe(before.responded);
  });
});

describe('closing', () => {
  it('ends every pending wait at once (a stopping server does not hang on a 2-minute timeout) and drops its listeners', { timeout: 60_000 }, async () => {
    const before = core.bus.listenerCount('run.updated');
    const answers = new RunAnswers(core.db, core.bus, () => engineOf(core).dispatchEvents());
    expect(core.bus.listenerCount('run.updated')).toBe(before + 1);
    const { runId } = await core.call('runs.start', { workflow: 'wf-slow', input: {} });
    const t0 = Date.now();
    const pending = answers.wait(runId, 'lastNode', 120_000);
    expect(answers.waiting).toBe(1);
    answers.close();
    expect(await pending).toMatchObject({ kind: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(answers.waiting).toBe(0);
    expect(core.bus.listenerCount('run.updated')).toBe(before);
    expect(await answers.wait(runId, 'lastNode', 120_000)).toMatchObject({ kind: 'timeout', waitedMs: 0 });
    await core.call('runs.cancel', { id: runId });
  });
});

describe('lead-capture forms (POST /hooks/forms/<form>)', () => {
  async function submit(form: string, fields: Record<string, string>, as: 'form' | 'json' = 'form') {
    const res = await fetch(`${server.url}hooks/forms/${form}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': as === 'form' ? 'application/x-www-form-urlencoded' : 'application/json', origin: 'https://landing.example' },
      body: as === 'form' ? new URLSearchParams(fields).toString() : JSON.stringify(fields),
    });
    const text = await res.text();
    return { status: res.status, location: res.headers.get('location'), text, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : null };
  }
  const contact = async (email: string) => (await core.call('contacts.list', { search: email })).rows.find((c) => c.email === email);

  it('an HTML form post lands on the thank-you page (303), and the contact exists; a JSON post gets the URL', { timeout: 60_000 }, async () => {
    await core.call('forms.save', { slug: 'newsletter', name: 'Newsletter', fields: { email: 'email', name: 'fullName' }, redirect: 'https://example.com/thanks' });
    const r = await submit('newsletter', { email: 'ada@lovelace.example', name: 'Ada Lovelace' });
    expect(r.status).toBe(303);
    expect(r.location).toBe('https://example.com/thanks');
    expect(await contact('ada@lovelace.example')).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
    const j = await submit('newsletter', { email: 'grace@hopper.example' }, 'json');
    expect(j.status).toBe(200);
    expect(j.json).toEqual({ ok: true, redirect: 'https://example.com/thanks' });
    expect(await contact('grace@hopper.example')).toBeTruthy();
    // The redirect is the form's own: a "redirect" field in the submission changes nothing (no open redirect).
    const o = await submit('newsletter', { email: 'eve@evil.example', redirect: 'https://evil.example/' });
    expect(o.location).toBe('https://example.com/thanks');
    // Invalid submissions still say what is wrong, and store nothing.
    const bad = await submit('newsletter', { email: 'not-an-email' });
    expect(bad.status).toBe(400);
  });

  it('forms.save refuses an unsafe redirect and a respond workflow that does not start on form.submitted', async () => {
    const issues = async (def: Record<string, unknown>) => {
      try {
        await core.call('forms.save', { slug: 'x', name: 'X', fields: { email: 'email' }, ...def } as never);
      } catch (e) {
        return (e as ApiError).issues ?? [];
      }
      throw new Error('saved');
    };
    expect(await issues({ redirect: 'javascript:alert(1)' })).toContainEqual(expect.objectContaining({ path: 'redirect', message: expect.stringMatching(/http\(s\)/) }));
    expect(await issues({ redirect: '/relative' })).toContainEqual(expect.objectContaining({ path: 'redirect' }));
    expect(await issues({ respond: { workflow: 'no-such-flow' } })).toContainEqual(expect.objectContaining({ path: 'respond.workflow', message: 'no workflow "no-such-flow"' }));
    expect(await issues({ respond: { workflow: 'wf-score' } })).toContainEqual(expect.objectContaining({ path: 'respond.workflow', message: expect.stringMatching(/starts on a webhook trigger/) }));
    expect(await issues({ respond: { workflow: 'wf-score', timeout: '1h' } })).toContainEqual(expect.objectContaining({ path: 'respond.timeout' }));
    expect((await core.call('forms.list', {})).forms.some((f) => f.slug === 'x')).toBe(false);
  });

  it('respond.workflow: the answer of the run started by the submission (a personalised redirect), else the thank-you page', { timeout: 60_000 }, async () => {
    await core.call('workflows.import', {
      definition: {
        id: 'demo-answer',
        name: 'Demo request: personalised thanks',
        trigger: { type: 'event', event: 'form.submitted', filter: 'event.data.form = "demo"' },
        nodes: [
          { id: 'pro', type: 'condition', params: { if: 'input.fields.plan = "pro"' } },
          { id: 'thanks', type: 'respond', params: { redirect: '="https://example.com/pro-thanks?email=" & $encodeUrlComponent(input.email)' } },
          { id: 'later', type: 'set', params: { values: { followUp: true } } },
        ],
        edges: [
          { from: 'pro', to: 'thanks', branch: 'true' },
          { from: 'thanks', to: 'later' },
        ],
      },
    });
    const saved = await core.call('forms.save', { slug: 'demo', name: 'Demo', fields: { email: 'email', plan: 'custom.plan' }, redirect: 'https://example.com/thanks', respond: { workflow: 'demo-answer', timeout: '30s' } });
    expect(saved.respond).toEqual({ workflow: 'demo-answer', timeout: '30s' });
    expect((await core.call('forms.list', {})).forms.find((f) => f.slug === 'demo')).toMatchObject({ redirect: 'https://example.com/thanks', respond: { workflow: 'demo-answer', timeout: '30s' } });
    const pro = await submit('demo', { email: 'pro@buyer.example', plan: 'pro' });
    expect(pro.status).toBe(303);
    expect(pro.location).toBe('https://example.com/pro-thanks?email=pro%40buyer.example');
    expect(await contact('pro@buyer.example')).toBeTruthy();
    // No respond node on this path: once the run ends, the form's own thank-you page.
    const basic = await submit('demo', { email: 'basic@buyer.example', plan: 'basic' });
    expect(basic.status).toBe(303);
    expect(basic.location).toBe('https://example.com/thanks');
    const runs = (await core.call('runs.list', { workflow: 'demo-answer', limit: 10 })).runs;
    expect(runs).toHaveLength(2);
    // The workflow disabled: no run starts, the form answers at once with its thank-you page.
    await core.call('workflows.disable', { id: 'demo-answer' });
    const off = await submit('demo', { email: 'off@buyer.example', plan: 'pro' });
    expect(off.location).toBe('https://example.com/thanks');
    expect((await core.call('runs.list', { workflow: 'demo-answer', limit: 10 })).runs).toHaveLength(2);
    expect(core.get(RUN_ANSWERS).waiting).toBe(0);
  });
});

describe('limits', () => {
  it('an answer over engine.maxStepOutputBytes fails the respond step and records nothing', async () => {
    const h = await harness();
    try {
      await h.core.call('settings.set', { key: 'engine.maxStepOutputBytes', value: 2048 });
      await h.importWf(wf('big', [{ id: 'r', type: 'respond', params: { body: '=$pad("", 5000, "x")' } }]));
      const d = await h.detail(await h.run('big'));
      expect(d.status).toBe('failed');
      expect(d.error).toMatchObject({ code: 'output_too_large', nodeId: 'r' });
      expect(d.error?.message).toMatch(/^the answer of r is 4\.9 KB, over the limit of 2\.0 KB/);
      expect(d.response).toBeNull();
    } finally {
      await h.cleanup();
    }
  });
});
