// The dashboard's "Needs you now": escalations grouped by cause, a whole group acknowledged in
// one call, and the escalations list paged and filtered by state, severity, workflow and cause.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
const pushed: { count: number; unacknowledged: number }[] = [];

beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
  pushed.length = 0;
  core.bus.on('escalations.acknowledged', (p) => pushed.push(p));
  await core.call('workflows.import', { definition: { id: 'lead-research', name: 'Lead research', trigger: { type: 'manual' }, nodes: [{ id: 'a', type: 'log', params: { message: 'x' } }], edges: [] } });
  const raise = (e: Parameters<ReturnType<typeof engineOf>['store']['raiseEscalation']>[0]) => engineOf(core).store.raiseEscalation(e);
  for (let i = 0; i < 30; i++) raise({ severity: 'warning', title: 'Run of "Lead research" failed', detail: `Step a: boom (run r${i})`, workflowId: 'lead-research', runId: `r${i}`, key: `run-failed:r${i}` });
  for (let i = 0; i < 5; i++) raise({ severity: i === 4 ? 'critical' : 'info', title: `Hot lead: person ${i}`, detail: 'score 90', key: `hot:${i}` });
  raise({ severity: 'critical', title: 'AI spend cap reached: AI steps wait', detail: 'cap', key: 'cap', pinned: true });
});
afterEach(async () => {
  await cleanup();
});

describe('escalation groups', () => {
  it('groups open escalations by workflow and title pattern: pinned first, then by severity and size', async () => {
    const g = await core.call('escalations.groups', {});
    expect(g.unacknowledged).toBe(36);
    expect(g.groups.map((x) => [x.cause, x.count, x.severity, x.pinned])).toEqual([
      ['|AI spend cap reached', 1, 'critical', true],
      ['|Hot lead', 5, 'critical', false],
      ['lead-research|Run of "Lead research" failed', 30, 'warning', false],
    ]);
    const runs = g.groups[2]!;
    expect(runs).toMatchObject({ workflowId: 'lead-research', workflowName: 'Lead research', open: 30 });
    expect(runs.newest.runId).toBe('r29');
    // Filters: severity and workflow.
    expect((await core.call('escalations.groups', { severity: 'warning' })).groups.map((x) => x.cause)).toEqual(['lead-research|Run of "Lead research" failed']);
    expect((await core.call('escalations.groups', { workflow: '' })).groups).toHaveLength(2);
  });

  it('acknowledges a whole group in one call, and only that group', async () => {
    const r = await core.call('escalations.ackMany', { cause: 'lead-research|Run of "Lead research" failed', by: 'test' });
    expect(r).toEqual({ acknowledged: 30, unacknowledged: 6 });
    expect(pushed).toEqual([expect.objectContaining({ count: 30, unacknowledged: 6 })]);
    const open = await core.call('escalations.groups', {});
    expect(open.groups.map((x) => x.cause)).toEqual(['|AI spend cap reached', '|Hot lead']);
    const acked = await core.call('escalations.groups', { state: 'acknowledged' });
    expect(acked.groups).toEqual([expect.objectContaining({ cause: 'lead-research|Run of "Lead research" failed', count: 30, open: 0 })]);
    // Again: nothing left to acknowledge, no push.
    expect(await core.call('escalations.ackMany', { cause: 'lead-research|Run of "Lead research" failed' })).toEqual({ acknowledged: 0, unacknowledged: 6 });
    expect(pushed).toHaveLength(1);
    // By ids.
    const hot = await core.call('escalations.list', { cause: '|Hot lead', limit: 2 });
    expect((await core.call('escalations.ackMany', { ids: hot.escalations.map((e) => e.id) })).acknowledged).toBe(2);
    await expect(core.call('escalations.ackMany', {})).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('pages and filters the list, pinned ones first on the first page', async () => {
    const seen: string[] = [];
    for (let offset = 0; ; offset += 10) {
      const page = await core.call('escalations.list', { acknowledged: false, offset, limit: 10 });
      expect(page.total).toBe(36);
      if (offset === 0) expect(page.escalations[0]!.pinned).toBe(true);
      seen.push(...page.escalations.map((e) => e.id));
      if (page.escalations.length < 10) break;
    }
    expect(seen).toHaveLength(36);
    expect(new Set(seen).size).toBe(36);
    const crit = await core.call('escalations.list', { severity: 'critical', limit: 50 });
    expect(crit.total).toBe(2);
    expect(crit.escalations.map((e) => e.title)).toEqual(['AI spend cap reached: AI steps wait', 'Hot lead: person 4']);
    const wf = await core.call('escalations.list', { workflow: 'lead-research', limit: 5 });
    expect(wf.total).toBe(30);
    expect(wf.escalations.every((e) => e.workflowId === 'lead-research')).toBe(true);
  });
});
