/** The Approvals inbox's pure helpers: how payloads render and edit, the diff of edits, sorting, the local decision queue. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Approval } from '../shared/api';
import {
  announce,
  bulkIds,
  bulkNote,
  changes,
  deliveriesToWatch,
  describePayload,
  emptyTitle,
  isTyping,
  listTitle,
  moveIndex,
  nextPending,
  selectionOf,
  setAt,
  shortcutOf,
  span,
  STATUS_FILTERS,
  timeLeft,
  toggled,
  viewOf,
  without,
} from '../renderer/src/pages/approvals/model';
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

describe('the inbox page', () => {
  const mk = (id: string, extra: Partial<Approval> = {}): Approval => ({
    id, runId: `r${id}`, workflowId: 'w', workflowName: 'W', nodeId: 'ask', title: id, payload: null, confidence: null, reason: null, status: 'pending',
    decidedPayload: null, decidedBy: null, decidedAt: null, decisionReason: null, expiresAt: null, createdAt: '2025-03-01T10:00:00Z', priority: 'normal', delivery: null, deliveryDetail: null,
    ...extra,
  });
  const rows = [mk('a'), mk('b', { status: 'approved', delivery: 'running' }), mk('c'), mk('d', { status: 'rejected', delivery: 'delivered' }), mk('e', { status: 'approved', delivery: 'queued', runId: 'rc' })];

  it('selection: ticks only pending rows not saved on this device, select all, bulk ids and the bulk notice', () => {
    const queued = new Set(['c']);
    const sel = selectionOf(rows, new Set(['a', 'b', 'c']), queued);
    expect(sel.pendingShown.map((a) => a.id)).toEqual(['a']);
    expect(sel.allSelected).toBe(true);
    expect(sel.selectedCount).toBe(2); // a and c: pending and ticked
    expect(selectionOf(rows, new Set(), queued).allSelected).toBe(false);
    expect(selectionOf([mk('d', { status: 'approved' })], new Set(), new Set()).allSelected).toBe(false);
    expect(bulkIds(rows, new Set(['a', 'b', 'c']), queued)).toEqual(['a']);
    expect(bulkNote(2, 2, [])).toEqual({ id: 'bulk', tone: 'ok', text: 'Approved 2 of 2.' });
    expect(bulkNote(1, 5, ['x was approved.', 'y', 'z', 'w']).text).toBe('Approved 1 of 5. 4 kept an earlier decision: x was approved. y z');
    expect([...toggled(new Set(['a']), 'a')]).toEqual([]);
    expect([...toggled(new Set(['a']), 'b')]).toEqual(['a', 'b']);
    expect(without({ a: 1, b: 2, c: 3 }, ['a', 'c'])).toEqual({ b: 2 });
  });

  it('headings, the empty list, the screen-reader line and the status filter options', () => {
    expect(listTitle('pending', 5, 3)).toBe('3 to decide');
    expect(listTitle('approved', 7, 0)).toBe('7 approved shown');
    expect(listTitle('all', 7, 2)).toBe('7 shown');
    expect(emptyTitle('pending', 0)).toBe('Nothing waits for you.');
    expect(emptyTitle('approved', 0)).toBe('No approvals here.');
    expect(emptyTitle('pending', 3)).toBe('Nothing matches these filters.');
    expect(announce(null, -1, 0)).toBe('');
    expect(announce(mk('Offer', { priority: 'high' }), 1, 4)).toBe('Offer, 2 of 4, High priority');
    expect(announce(mk('Old', { status: 'expired' }), 0, 1)).toBe('Old, 1 of 1, Expired');
    expect(STATUS_FILTERS.map((s) => s.value)).toEqual(['pending', 'approved', 'rejected', 'expired', 'cancelled', 'all']);
  });

  it('watches the deliveries that may still change: of one run, or any in progress', () => {
    expect(deliveriesToWatch(rows).map((a) => a.id)).toEqual(['b', 'e']);
    expect(deliveriesToWatch(rows, 'rc').map((a) => a.id)).toEqual(['e']);
    expect(deliveriesToWatch(rows, 'ra')).toEqual([]); // pending: nothing delivered yet
    expect(deliveriesToWatch(Array.from({ length: 80 }, (_, i) => mk(`x${i}`, { status: 'approved', delivery: 'running' }))).length).toBe(50);
  });

  it('shortcuts: none while typing or with a modifier, only Escape while editing, decisions only when one can act', () => {
    const key = (k: string, target: object | null = { tagName: 'DIV' }, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; defaultPrevented: boolean }> = {}) => ({
      key: k, ctrlKey: false, metaKey: false, altKey: false, defaultPrevented: false, target, ...mods,
    });
    const view = { mode: { kind: 'view' } as const, hasActive: true, canAct: true };
    expect(shortcutOf(key('j'), view)).toBe('next');
    expect(shortcutOf(key('k'), view)).toBe('previous');
    expect(shortcutOf(key('a'), view)).toBe('approve');
    expect(shortcutOf(key('a'), { ...view, canAct: false })).toBeNull();
    expect(shortcutOf(key('r'), { ...view, canAct: false })).toBeNull();
    expect(shortcutOf(key('x'), { ...view, canAct: false })).toBe('toggle');
    expect(shortcutOf(key('x'), { ...view, hasActive: false })).toBeNull();
    expect(shortcutOf(key('a', null, { ctrlKey: true }), view)).toBeNull();
    expect(shortcutOf(key('a', { tagName: 'INPUT', type: 'search' }), view)).toBeNull();
    expect(shortcutOf(key('a', { tagName: 'INPUT', type: 'checkbox' }), view)).toBe('approve');
    expect(shortcutOf(key('j', { tagName: 'DIV', isContentEditable: true }), view)).toBeNull();
    expect(shortcutOf(key('j'), { ...view, mode: { kind: 'edit' } })).toBeNull();
    expect(shortcutOf(key('Escape'), { ...view, mode: { kind: 'reject' } })).toBe('cancel');
    expect(shortcutOf(key('q'), view)).toBeNull();
    expect(isTyping({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTyping({ tagName: 'SELECT' })).toBe(true);
    expect(isTyping(null)).toBe(false);
    expect(moveIndex(-1, 1, 3)).toBe(1);
    expect(moveIndex(2, 1, 3)).toBe(2);
    expect(moveIndex(0, -1, 3)).toBe(0);
    expect(moveIndex(0, 1, 0)).toBe(-1);
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
