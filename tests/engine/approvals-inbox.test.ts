/** What the Approvals inbox needs from the API: workflow name, priority, delivery state, workflow filter, paging, bulk decide. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api';
import { approvalPriority } from '../../electron/core/engine/api';
import { startSink } from './sink';
import { harness, wf, type EngineHarness } from './util';

let h: EngineHarness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

const ask = (id: string, extra: Record<string, unknown> = {}) =>
  wf(
    id,
    [
      { id: 'ask', type: 'approval', params: { title: `='${id} for ' & input.name`, payload: { text: 'Hello' }, ...extra } },
      { id: 'ok', type: 'set', params: { values: { sent: '=prev.payload.text' } } },
      { id: 'no', type: 'set', params: { values: { dropped: '=prev.reason' } } },
    ],
    [
      { from: 'ask', to: 'ok', branch: 'approved' },
      { from: 'ask', to: 'no', branch: 'rejected' },
    ],
    { name: `Workflow ${id}` },
  );

describe('approvals for the inbox', () => {
  it('carry the workflow name and a derived priority; list filters by workflow and pages with a cursor', async () => {
    await h.importWf(ask('alpha', { confidence: 0.3 }));
    await h.importWf(ask('beta', { confidence: 0.95 }));
    await h.importWf(ask('gamma', { confidence: 0.95, timeout: '2h' }));
    for (let i = 0; i < 5; i++) {
      await h.run('alpha', { name: `a${i}` });
      h.clock.advance(1000);
    }
    await h.run('beta', { name: 'b' });
    await h.run('gamma', { name: 'c' });

    const all = await h.core.call('approvals.list', {});
    expect(all.pending).toBe(7);
    expect(all.nextCursor).toBeNull();
    const byTitle = new Map(all.approvals.map((a) => [a.title, a]));
    expect(byTitle.get('alpha for a0')).toMatchObject({ workflowId: 'alpha', workflowName: 'Workflow alpha', priority: 'high', delivery: null });
    expect(byTitle.get('beta for b')).toMatchObject({ workflowName: 'Workflow beta', priority: 'low' });
    // Confident, but expires within 24 h: high.
    expect(byTitle.get('gamma for c')!.priority).toBe('high');

    const alpha = await h.core.call('approvals.list', { workflow: 'alpha' });
    expect(alpha.approvals.map((a) => a.title)).toEqual(['alpha for a4', 'alpha for a3', 'alpha for a2', 'alpha for a1', 'alpha for a0']);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await h.core.call('approvals.list', { workflow: 'alpha', limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.approvals.map((a) => a.title));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(alpha.approvals.map((a) => a.title));

    const bad = await h.core.call('approvals.list', { cursor: 'nope' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect((bad as ApiError).issues?.[0]?.path).toBe('cursor');
  });

  it('priority rule', () => {
    const now = Date.parse('2025-03-01T00:00:00Z');
    const at = (h: number) => new Date(now + h * 3_600_000).toISOString();
    expect(approvalPriority({ confidence: null, expiresAt: null }, now)).toBe('normal');
    expect(approvalPriority({ confidence: 0.49, expiresAt: null }, now)).toBe('high');
    expect(approvalPriority({ confidence: 0.8, expiresAt: at(23) }, now)).toBe('high');
    expect(approvalPriority({ confidence: 0.9, expiresAt: at(73) }, now)).toBe('low');
    expect(approvalPriority({ confidence: 0.9, expiresAt: at(48) }, now)).toBe('normal');
  });

  it('decideMany decides each id once, keeps earlier decisions and reports unknown ids', async () => {
    await h.importWf(ask('bulk'));
    const runs: string[] = [];
    for (let i = 0; i < 4; i++) runs.push(await h.run('bulk', { name: `n${i}` }));
    const ids = (await h.core.call('approvals.list', { workflow: 'bulk' })).approvals.map((a) => a.id);
    await h.core.call('approvals.decide', { id: ids[0]!, decision: 'reject', reason: 'no', by: 'alice' });
    const r = await h.core.call('approvals.decideMany', { ids: [...ids, 'a_missing'], decision: 'approve', by: 'bob' });
    expect(r.decided).toBe(3);
    expect(r.pending).toBe(0);
    const first = r.results.find((x) => x.id === ids[0])!;
    expect(first).toMatchObject({ ok: false, alreadyDecided: true });
    expect(first.message).toMatch(/already rejected by alice/);
    expect(first.approval?.decidedBy).toBe('alice');
    expect(r.results.find((x) => x.id === 'a_missing')).toMatchObject({ ok: false, approval: null });
    await h.drain();
    const outs = await Promise.all(runs.map(async (id) => (await h.detail(id)).output));
    expect(outs.filter((o) => JSON.stringify(o) === JSON.stringify({ sent: 'Hello' }))).toHaveLength(3);
    expect(outs).toContainEqual({ dropped: 'no' });
    const empty = await h.core.call('approvals.decideMany', { ids: [], decision: 'approve' }).catch((e: unknown) => e);
    expect((empty as ApiError).issues?.[0]?.path).toBe('ids');
  });

  it('delivery: queued while the send after the decision waits to retry a network error, delivered once it went out', async () => {
    const sink = await startSink((_r, n) => (n === 1 ? 'destroy' : { status: 200, body: { ok: true } }));
    try {
      await h.importWf(
        wf(
          'deliver',
          [
            { id: 'ask', type: 'approval', params: { title: 'Send it?', payload: { text: 'Hi' } } },
            { id: 'post', type: 'http.request', params: { method: 'POST', url: `${sink.url}/send`, body: '=prev.payload' }, retry: { maxAttempts: 5, initialDelay: '10s', jitter: false } },
          ],
          [{ from: 'ask', to: 'post', branch: 'approved' }],
        ),
      );
      const runId = await h.run('deliver');
      const a = (await h.core.call('approvals.list', { workflow: 'deliver' })).approvals[0]!;
      expect(a.delivery).toBeNull();
      await h.core.call('approvals.decide', { id: a.id, decision: 'approve', payload: { text: 'Hi there' } });
      await h.drain();
      expect(sink.received).toHaveLength(1);
      const queued = await h.core.call('approvals.get', { id: a.id });
      expect(queued.delivery).toBe('queued');
      expect(queued.deliveryDetail).toMatch(/retry 2\/5 at/);
      h.clock.advance(11_000);
      await h.drain();
      expect(sink.received).toHaveLength(2);
      expect(JSON.parse(sink.received[1]!.body)).toEqual({ text: 'Hi there' });
      expect((await h.detail(runId)).status).toBe('succeeded');
      const done = (await h.core.call('approvals.list', { status: 'approved', workflow: 'deliver' })).approvals[0]!;
      expect(done).toMatchObject({ delivery: 'delivered', deliveryDetail: null });
    } finally {
      await sink.close();
    }
  });
});
