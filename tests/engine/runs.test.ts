import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api';
import { openTestCore } from '../helpers';
import { engineOf } from '../../electron/core/engine';
import { startSink } from './sink';
import { harness, wf, type EngineHarness } from './util';

let h: EngineHarness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

const approvalWf = wf(
  'approve',
  [
    { id: 'ask', type: 'approval', params: { title: '=\'Send offer to \' & input.name', payload: { text: 'Hello' }, confidence: 0.7, reason: 'score 9', timeout: '1d' } },
    { id: 'send', type: 'set', params: { values: { sent: '=prev.payload.text' } } },
    { id: 'drop', type: 'set', params: { values: { dropped: '=prev.reason' } } },
    { id: 'late', type: 'set', params: { values: { expired: true } } },
  ],
  [
    { from: 'ask', to: 'send', branch: 'approved' },
    { from: 'ask', to: 'drop', branch: 'rejected' },
    { from: 'ask', to: 'late', branch: 'expired' },
  ],
);

describe('approvals', () => {
  it('approved with an edited payload, then a second decision keeps the first', async () => {
    await h.importWf(approvalWf);
    const counts: number[] = [];
    h.core.bus.on('approvals.count', (p) => counts.push(p.pending));
    const id = await h.run('approve', { name: 'Ada' });
    const { approvals } = await h.core.call('approvals.list', {});
    expect(approvals).toHaveLength(1);
    const a = approvals[0]!;
    expect(a).toMatchObject({ title: 'Send offer to Ada', payload: { text: 'Hello' }, confidence: 0.7, reason: 'score 9', status: 'pending', runId: id });
    const r = await h.core.call('approvals.decide', { id: a.id, decision: 'approve', payload: { text: 'Hello Ada!' }, by: 'me' });
    expect(r.alreadyDecided).toBe(false);
    await h.drain();
    expect((await h.detail(id)).output).toEqual({ sent: 'Hello Ada!' });
    const again = await h.core.call('approvals.decide', { id: a.id, decision: 'reject', by: 'someone else' });
    expect(again.alreadyDecided).toBe(true);
    expect(again.message).toMatch(/already approved by me at/);
    expect(again.approval.status).toBe('approved');
    expect(counts).toEqual([1, 0]);
  });

  it('rejected and expired take their own branches', async () => {
    await h.importWf(approvalWf);
    const r1 = await h.run('approve', { name: 'A' });
    const r2 = await h.run('approve', { name: 'B' });
    const list = (await h.core.call('approvals.list', {})).approvals;
    const a1 = list.find((a) => a.runId === r1)!;
    await h.core.call('approvals.decide', { id: a1.id, decision: 'reject', reason: 'not now' });
    await h.drain();
    expect((await h.detail(r1)).output).toEqual({ dropped: 'not now' });
    h.clock.advance(86_400_000);
    await h.drain();
    expect((await h.detail(r2)).output).toEqual({ expired: true });
    const a2 = (await h.core.call('approvals.list', { status: 'all' })).approvals.find((a) => a.runId === r2)!;
    expect(a2.status).toBe('expired');
    const late = await h.core.call('approvals.decide', { id: a2.id, decision: 'approve' });
    expect(late.alreadyDecided).toBe(true);
  });
});

describe('retries and the outbox', () => {
  it('retries 5xx with backoff, honours Retry-After, sends one stable Idempotency-Key', async () => {
    const sink = await startSink((_r, n) => (n === 1 ? { status: 503 } : n === 2 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 201, body: { id: 7 } }));
    try {
      await h.importWf(
        wf('post', [{ id: 'call', type: 'http.request', params: { method: 'POST', url: `${sink.url}/leads`, body: { email: '=input.email' } }, retry: { maxAttempts: 5, initialDelay: '10s', jitter: false } }]),
      );
      const id = await h.run('post', { email: 'a@x.test' });
      expect(sink.received).toHaveLength(1);
      const step = async () => (await h.detail(id)).steps[0]!;
      expect((await step()).status).toBe('waiting');
      h.clock.advance(9_999);
      await h.drain();
      expect(sink.received).toHaveLength(1);
      h.clock.advance(1);
      await h.drain();
      expect(sink.received).toHaveLength(2);
      // Retry-After: 120 s (not the 20 s backoff)
      h.clock.advance(119_000);
      await h.drain();
      expect(sink.received).toHaveLength(2);
      h.clock.advance(1_000);
      await h.drain();
      const d = await h.detail(id);
      expect(d.status).toBe('succeeded');
      expect(d.output).toMatchObject({ status: 201, body: { id: 7 } });
      expect(d.steps[0]!.attempts).toBe(3);
      expect(d.steps[0]!.history.map((x) => x.error?.code ?? null)).toEqual(['http_503', 'http_429', null]);
      const keys = new Set(sink.received.map((r) => r.key));
      expect(keys).toEqual(new Set([`${id}:call`]));
      expect(JSON.parse(sink.received[0]!.body)).toEqual({ email: 'a@x.test' });
    } finally {
      await sink.close();
    }
  });

  it('a 4xx is not retried; the run fails, escalates and starts the error workflow', async () => {
    const sink = await startSink(() => ({ status: 422, body: { error: 'bad email' } }));
    try {
      await h.importWf(wf('on-error', [{ id: 'note', type: 'set', params: { values: { failed: '=input.failedRun.id', why: '=input.failedRun.error.message' } } }]));
      await h.importWf(
        wf('post', [{ id: 'call', type: 'http.request', params: { method: 'POST', url: `${sink.url}/x`, body: {} } }], [], {
          settings: { errorWorkflow: 'on-error', escalateOnFailure: 'critical' },
        }),
      );
      const raised: unknown[] = [];
      h.core.bus.on('escalation.raised', (e) => raised.push(e));
      const id = await h.run('post');
      expect(sink.received).toHaveLength(1);
      const d = await h.detail(id);
      expect(d.status).toBe('failed');
      expect(d.error).toMatchObject({ nodeId: 'call', code: 'http_422' });
      expect(raised).toEqual([expect.objectContaining({ severity: 'critical', runId: id, title: 'Run of "post" failed' })]);
      const errRuns = (await h.core.call('runs.list', { workflow: 'on-error' })).runs;
      expect(errRuns).toHaveLength(1);
      expect((await h.detail(errRuns[0]!.id)).output).toMatchObject({ failed: id, why: expect.stringContaining('422') });
      const esc = await h.core.call('escalations.list', { acknowledged: false });
      expect(esc.unacknowledged).toBe(1);
      await h.core.call('escalations.acknowledge', { id: esc.escalations[0]!.id, by: 'me' });
      expect((await h.core.call('escalations.list', { acknowledged: false })).unacknowledged).toBe(0);
    } finally {
      await sink.close();
    }
  });

  it('an outbox effect recorded as sent is not sent again when the step re-runs after a crash', async () => {
    const sink = await startSink();
    try {
      await h.importWf(wf('once', [{ id: 'call', type: 'http.request', params: { method: 'POST', url: sink.url, body: { n: 1 } } }]));
      const { runId } = await h.core.call('runs.start', { workflow: 'once', input: {} });
      // Simulated crash: run the step, record the outbox row, but never commit the step result.
      const ex = h.engine.executor;
      const [claimed] = ex.store.claim('dead:w0', 10);
      await ex.execute(claimed!);
      expect(sink.received).toHaveLength(1);
      h.core.db.prepare(`UPDATE steps SET status = 'ready', claimed_by = NULL WHERE id = ?`).run(claimed!.id);
      await h.drain();
      expect(sink.received).toHaveLength(1);
      expect((await h.detail(runId)).output).toMatchObject({ status: 200 });
      // A crash between send and record (row still pending): re-sent with the same key, the receiver dedupes it.
      const { runId: r2 } = await h.core.call('runs.start', { workflow: 'once', input: {} });
      const [c2] = ex.store.claim('dead:w0', 10);
      await ex.execute(c2!);
      h.core.db.prepare(`UPDATE outbox SET status = 'pending', response = NULL WHERE key = ?`).run(`${r2}:call`);
      h.core.db.prepare(`UPDATE steps SET status = 'ready', claimed_by = NULL WHERE id = ?`).run(c2!.id);
      await h.drain();
      expect(sink.received.filter((r) => r.key === `${r2}:call`)).toHaveLength(2);
      expect(sink.applied.size).toBe(2);
      const row = h.core.db.prepare('SELECT sends, status FROM outbox WHERE key = ?').get(`${r2}:call`) as { sends: number; status: string };
      expect(row).toEqual({ sends: 2, status: 'sent' });
    } finally {
      await sink.close();
    }
  });

  it('an expression error fails that step with the expression and the message', async () => {
    await h.importWf(wf('bad', [{ id: 'calc', type: 'set', params: { values: { x: '=input.name > 3' } } }]));
    const d = await h.detail(await h.run('bad', { name: 'Ada' }));
    expect(d.status).toBe('failed');
    expect(d.error).toMatchObject({ nodeId: 'calc', code: 'expression', expression: 'input.name > 3' });
    expect(d.error?.message).toMatch(/must be of the same data type/);
    expect(d.steps[0]!.attempts).toBe(1);
  });

  it('an "error" edge handles a failure instead of failing the run', async () => {
    await h.importWf(
      wf(
        'handled',
        [
          { id: 'calc', type: 'transform', params: { expression: '$error("boom")' } },
          { id: 'fallback', type: 'set', params: { values: { handled: '=prev.error.message' } } },
        ],
        [{ from: 'calc', to: 'fallback', branch: 'error' }],
      ),
    );
    const d = await h.detail(await h.run('handled'));
    expect(d.status).toBe('succeeded');
    expect((d.output as { handled: string }).handled).toMatch(/boom/);
  });
});

describe('a pass that fails after claiming', () => {
  it('hands its steps back, so the next pass runs them (no run stranded by a busy database)', async () => {
    await h.importWf(wf('two', [{ id: 'a', type: 'set', params: { values: { a: 1 } } }, { id: 'b', type: 'set', params: { values: { b: 2 } } }], [{ from: 'a', to: 'b' }]));
    const { runId } = await h.core.call('runs.start', { workflow: 'two', input: {} });
    const store = h.engine.executor.store;
    const commit = store.commit.bind(store);
    let refused = 0;
    store.commit = ((...args: Parameters<typeof commit>) => {
      if (refused++ === 0) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return commit(...args);
    }) as typeof store.commit;
    await expect(h.engine.executor.pass()).rejects.toThrow('database is locked');
    expect((h.core.db.prepare('SELECT COUNT(*) AS n FROM steps WHERE claimed_by IS NOT NULL').get() as { n: number }).n).toBe(0);
    expect(h.engine.executor.hasCarry).toBe(false);
    await h.drain();
    expect((await h.detail(runId)).status).toBe('succeeded');
  });
});

describe('run control', () => {
  const slow = (id: string, settings = {}) => wf(id, [{ id: 'w', type: 'wait', params: { duration: '1h' } }, { id: 'end', type: 'set', params: { values: { done: true } } }], [{ from: 'w', to: 'end' }], { settings });

  it('queues runs beyond the concurrency limit and starts them in order', async () => {
    await h.importWf(slow('limited', { concurrency: 2 }));
    const ids = [await h.run('limited'), await h.run('limited'), await h.run('limited')];
    const st = async () => Promise.all(ids.map(async (i) => (await h.detail(i)).status));
    expect(await st()).toEqual(['waiting', 'waiting', 'queued']);
    h.clock.advance(3_600_000);
    await h.drain();
    expect(await st()).toEqual(['succeeded', 'succeeded', 'waiting']);
    h.clock.advance(3_600_000);
    await h.drain();
    expect(await st()).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('cancels a waiting run; nothing runs after', async () => {
    await h.importWf(slow('cc'));
    const id = await h.run('cc');
    const r = await h.core.call('runs.cancel', { id });
    expect(r.status).toBe('cancelled');
    h.clock.advance(3_600_000);
    await h.drain();
    const d = await h.detail(id);
    expect(d.status).toBe('cancelled');
    expect(d.steps.map((s) => s.status)).toEqual(['cancelled']);
    await expect(h.core.call('runs.cancel', { id })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('retries a failed run from the failed step, keeping finished steps', async () => {
    let fail = true;
    const sink = await startSink(() => (fail ? { status: 400 } : { status: 200, body: { ok: 1 } }));
    try {
      await h.importWf(
        wf(
          'rr',
          [
            { id: 'first', type: 'set', params: { values: { a: 1 } } },
            { id: 'call', type: 'http.request', params: { method: 'PUT', url: sink.url } },
          ],
          [{ from: 'first', to: 'call' }],
        ),
      );
      const id = await h.run('rr');
      expect((await h.detail(id)).status).toBe('failed');
      const firstDone = (await h.detail(id)).steps[0]!.finishedAt;
      fail = false;
      await h.core.call('runs.retry', { id });
      await h.drain();
      const d = await h.detail(id);
      expect(d.status).toBe('succeeded');
      expect(d.steps[0]!.finishedAt).toBe(firstDone);
      expect(d.steps[1]!.history.map((x) => x.error?.code ?? null)).toEqual(['http_400', null]);
      await expect(h.core.call('runs.retry', { id })).rejects.toMatchObject({ code: 'conflict' });
    } finally {
      await sink.close();
    }
  });

  it('pause all stops processing until resume all', async () => {
    await h.importWf(wf('pp', [{ id: 'x', type: 'set', params: { values: { ok: true } } }]));
    await h.core.call('engine.pauseAll', {});
    const id = await h.run('pp');
    expect((await h.detail(id)).status).toBe('running');
    expect((await h.core.call('engine.status', {})).paused).toBe(true);
    await h.core.call('engine.resumeAll', {});
    await h.drain();
    expect((await h.detail(id)).status).toBe('succeeded');
  });

  it('prunes finished runs older than N days, never a waiting one', async () => {
    await h.importWf(slow('old'));
    await h.importWf(wf('quick', [{ id: 'x', type: 'set', params: { values: {} } }]));
    const waiting = await h.run('old');
    const done = await h.run('quick');
    // keep the old run waiting for a year
    h.core.db.prepare('UPDATE timers SET due_at = ? WHERE run_id = ?').run(h.clock.now + 86_400_000 * 365, waiting);
    h.clock.advance(40 * 86_400_000);
    const fresh = await h.run('quick');
    expect((await h.core.call('runs.prune', { olderThanDays: 30 })).deleted).toBe(1);
    await expect(h.detail(done)).rejects.toMatchObject({ code: 'not_found' });
    expect((await h.detail(waiting)).status).toBe('waiting');
    expect((await h.detail(fresh)).status).toBe('succeeded');
  });

  it('idempotency key and subject enrollment dedupe starts', async () => {
    await h.importWf(slow('enroll'));
    const a = await h.core.call('runs.start', { workflow: 'enroll', idempotencyKey: 'k1' });
    const b = await h.core.call('runs.start', { workflow: 'enroll', idempotencyKey: 'k1' });
    expect(b).toMatchObject({ runId: a.runId, deduplicated: true });
    const c = await h.core.call('runs.start', { workflow: 'enroll', subject: 'contact:1' });
    const d = await h.core.call('runs.start', { workflow: 'enroll', subject: 'contact:1' });
    expect(d).toMatchObject({ runId: c.runId, deduplicated: true });
  });

  it('sub-workflow: starts a child run and returns its output', async () => {
    await h.importWf(wf('child', [{ id: 'w', type: 'wait', params: { duration: '1m' } }, { id: 'o', type: 'transform', params: { expression: 'input.n * 10' } }], [{ from: 'w', to: 'o' }]));
    await h.importWf(wf('parent', [{ id: 'sub', type: 'subworkflow', params: { workflow: 'child', input: { n: '=input.n' } } }]));
    const id = await h.run('parent', { n: 4 });
    expect((await h.detail(id)).status).toBe('waiting');
    h.clock.advance(60_000);
    await h.drain();
    expect((await h.detail(id)).output).toBe(40);
  });
});

describe('definitions', () => {
  it('a rejected import changes nothing and names node, field and rule', async () => {
    await h.importWf(wf('keep', [{ id: 'a', type: 'set', params: { values: { v: 1 } } }]));
    const before = await h.core.call('workflows.export', { id: 'keep' });
    const err = (await h.core
      .call('workflows.import', {
        definition: wf(
          'keep',
          [
            { id: 'a', type: 'set', params: { values: { v: 2 } } },
            { id: 'b', type: 'nope', params: {} },
            { id: 'c', type: 'condition', params: { if: 'input.(' } },
            { id: 'd', type: 'http.request', params: {} },
            { id: 'e', type: 'set', params: { values: {} } },
          ],
          [
            { from: 'a', to: 'zz' },
            { from: 'c', to: 'e', branch: 'maybe' },
            { from: 'e', to: 'a' },
            { from: 'a', to: 'e' },
          ],
        ),
      })
      .catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('invalid_input');
    const msgs = (err.issues ?? []).map((i) => `${i.path}: ${i.message}`);
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^nodes\.1\.type: node "b": unknown node type "nope"/),
        expect.stringMatching(/^nodes\.2\.params\.if: node "c": bad expression "input\.\(":/),
        expect.stringMatching(/^nodes\.3\.params\.url: node "d": http\.request: missing required parameter "url"/),
        expect.stringMatching(/^edges\.0\.to: node "a": edge a -> zz: no node "zz" \(dangling edge\)/),
        expect.stringMatching(/^edges\.1\.branch: node "c": node "c" \(condition\) has no branch "maybe"/),
        expect.stringMatching(/^edges: node "\w": edges form a cycle: .*a.*e|e.*a/),
      ]),
    );
    expect((await h.core.call('workflows.export', { id: 'keep' })).definition).toEqual(before.definition);
    expect((await h.core.call('workflows.get', { id: 'keep' })).versions).toHaveLength(1);
  });

  it('a run is pinned to the version it started with', async () => {
    await h.importWf(wf('vv', [{ id: 'w', type: 'wait', params: { duration: '1m' } }, { id: 'o', type: 'set', params: { values: { v: 1 } } }], [{ from: 'w', to: 'o' }]));
    const id = await h.run('vv');
    const r = await h.core.call('workflows.import', { definition: wf('vv', [{ id: 'w', type: 'wait', params: { duration: '1m' } }, { id: 'other', type: 'set', params: { values: { v: 2 } } }], [{ from: 'w', to: 'other' }]) });
    expect(r).toMatchObject({ version: 2, changed: true });
    const same = await h.core.call('workflows.import', { definition: wf('vv', [{ id: 'w', type: 'wait', params: { duration: '1m' } }, { id: 'other', type: 'set', params: { values: { v: 2 } } }], [{ from: 'w', to: 'other' }]) });
    expect(same).toMatchObject({ version: 2, changed: false });
    h.clock.advance(60_000);
    await h.drain();
    expect((await h.detail(id)).output).toEqual({ v: 1 });
    expect((await h.detail(await h.run('vv'))).version).toBe(2);
  });
});

describe('durability', () => {
  it('resumes after closing and reopening the core mid-run, never re-running a finished step', async () => {
    const sink = await startSink();
    const t = await openTestCore();
    try {
      const e = engineOf(t.core);
      let now = Date.parse('2025-03-01T00:00:00Z');
      e.clock = () => now;
      await t.core.call('workflows.import', {
        definition: wf(
          'durable',
          [
            { id: 'a', type: 'http.request', params: { method: 'POST', url: `${sink.url}/a` } },
            { id: 'w', type: 'wait', params: { duration: '1h' } },
            { id: 'b', type: 'http.request', params: { method: 'POST', url: `${sink.url}/b` } },
          ],
          [
            { from: 'a', to: 'w' },
            { from: 'w', to: 'b' },
          ],
        ),
      });
      const { runId } = await t.core.call('runs.start', { workflow: 'durable', input: {} });
      await e.drain();
      expect(sink.received.map((r) => r.url)).toEqual(['/a']);
      await t.core.close();
      const t2 = await openTestCore({ dataDir: t.dir });
      try {
        const e2 = engineOf(t2.core);
        now += 3_600_000;
        e2.clock = () => now;
        await e2.drain();
        expect(sink.received.map((r) => r.url)).toEqual(['/a', '/b']);
        expect((await t2.core.call('runs.get', { id: runId })).status).toBe('succeeded');
      } finally {
        await t2.cleanup();
      }
    } finally {
      await sink.close();
    }
  });
});
