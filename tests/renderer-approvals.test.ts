/** The Approvals inbox's pure helpers: how payloads render and edit, the diff of edits, sorting, the local decision queue. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Approval } from '../shared/api';
import { changes, describePayload, nextPending, setAt, span, timeLeft, viewOf } from '../renderer/src/pages/approvals/model';
import { enqueue, flushQueue, useDecisionQueue } from '../renderer/src/pages/approvals/queue';

describe('describePayload', () => {
  it('recognises an email, a post, an AI draft and plain data', () => {
    const email = describePayload({ to: 'a@x.test', subject: 'Hi', html: '<p>x</p>' });
    expect(email.preview).toMatchObject({ kind: 'email', to: 'a@x.test', subject: 'Hi', html: '<p>x</p>' });
    expect(email.fields?.map((f) => f.path.join('.'))).toEqual(['subject', 'html']);
    expect(describePayload({ title: 'Post', content: '# md', status: 'publish' }).preview).toMatchObject({ kind: 'post', format: 'markdown', status: 'publish' });
    const ai = describePayload({ draft: { text: 'Hello' }, reviewNotes: ['too long'], confidence: 0.6, costUsd: 0.01, revisions: 2, checklist: ['short'] });
    expect(ai.preview).toEqual({ kind: 'text', text: 'Hello' });
    expect(ai.ai).toEqual({ reviewNotes: ['too long'], confidence: 0.6, costUsd: 0.01, revisions: 2, checklist: ['short'] });
    expect(ai.fields?.[0]?.path).toEqual(['draft', 'text']);
    const aiData = describePayload({ draft: { data: { subject: 'S', body: 'B' } }, reviewNotes: [], confidence: 0.5 });
    expect(aiData.preview.kind).toBe('email');
    expect(aiData.fields?.map((f) => f.path.join('.'))).toEqual(['draft.data.subject', 'draft.data.body']);
    expect(describePayload({ amount: 3, lines: [1, 2] })).toMatchObject({ preview: { kind: 'data' }, fields: null, ai: null });
  });

  it('edits set one path and the diff names what changed', () => {
    const before = { draft: { text: 'Hello there' }, confidence: 0.5 };
    const after = setAt(before, ['draft', 'text'], 'Hello you');
    expect(before.draft.text).toBe('Hello there');
    expect(changes(before, after)).toEqual([{ path: 'draft.text', before: 'Hello there', after: 'Hello you' }]);
    expect(changes({ a: 1 }, { a: 1, b: [2] })).toEqual([{ path: 'b[0]', before: null, after: '2' }]);
  });
});

describe('times and order', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  const mk = (id: string, extra: Partial<Approval>): Approval => ({
    id, runId: `r${id}`, workflowId: 'w', workflowName: 'W', nodeId: 'ask', title: id, payload: null, confidence: null, reason: null, status: 'pending',
    decidedPayload: null, decidedBy: null, decidedAt: null, decisionReason: null, expiresAt: null, createdAt: '2025-03-01T10:00:00Z', priority: 'normal', delivery: null, deliveryDetail: null,
    ...extra,
  });
  it('spans and time left', () => {
    expect(span(30_000)).toBe('30 s');
    expect(span(47 * 3_600_000 + 59 * 60_000)).toBe('47 h');
    expect(span(3 * 86_400_000)).toBe('3 d');
    expect(timeLeft(null, now)).toBeNull();
    expect(timeLeft('2025-03-01T13:00:00Z', now)).toEqual({ label: '1 h left', urgent: true });
    expect(timeLeft('2025-03-01T11:00:00Z', now)).toEqual({ label: 'expiring', urgent: true });
  });
  it('sorts by priority then expiry, filters by text, and finds the next pending row', () => {
    const rows = [
      mk('a', { priority: 'low', createdAt: '2025-03-01T11:00:00Z' }),
      mk('b', { priority: 'high', expiresAt: '2025-03-02T00:00:00Z' }),
      mk('c', { priority: 'high', expiresAt: '2025-03-01T13:00:00Z', title: 'Invoice' }),
      mk('d', { status: 'approved' }),
    ];
    expect(viewOf(rows, { priority: 'any', q: '', sort: 'priority' }).map((a) => a.id)).toEqual(['c', 'b', 'd', 'a']);
    expect(viewOf(rows, { priority: 'high', q: 'inv', sort: 'newest' }).map((a) => a.id)).toEqual(['c']);
    expect(nextPending(rows, 2)).toBe(1);
    expect(nextPending(rows, 0, (a) => a.id === 'b')).toBe(2);
  });
});

describe('local decision queue', () => {
  beforeEach(() => useDecisionQueue.setState({ items: [], sending: false, notes: [] }));
  it('keeps decisions while Baton is unreachable and reports one decided elsewhere', async () => {
    enqueue({ id: 'a1', decision: 'approve', title: 'One' });
    enqueue({ id: 'a2', decision: 'reject', reason: 'no', title: 'Two' });
    const unreachable = Object.assign(new Error('down'), { code: 'unavailable' });
    await flushQueue(() => Promise.reject(unreachable));
    expect(useDecisionQueue.getState().items.map((d) => d.id)).toEqual(['a1', 'a2']);
    const sent: string[] = [];
    await flushQueue(async (d) => {
      sent.push(d.id);
      return { approval: { id: d.id } as Approval, alreadyDecided: d.id === 'a2', message: d.id === 'a2' ? 'Approval a2 was already approved by alice' : 'ok' };
    });
    expect(sent).toEqual(['a1', 'a2']);
    expect(useDecisionQueue.getState().items).toEqual([]);
    expect(useDecisionQueue.getState().notes).toEqual(['“Two”: Approval a2 was already approved by alice']);
  });
});
