/**
 * The renderer's query cache (renderer/src/data/cache.ts) over a real core: one load per operation
 * and input however many components show it, an invalidation during a load costs one more load
 * (not one per event), and the push-event map says which answers an event makes out of date.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../shared/api';
import { QueryCache, stableKey } from '../renderer/src/data/cache';
import { invalidatedBy } from '../renderer/src/data/invalidation';
import { openTestCore } from './helpers';

const toError = (e: unknown) => (e instanceof ApiError ? e : new ApiError('internal', String(e)));

describe('query cache', () => {
  it('keys an input the same whatever the order of its fields, leaving out undefined ones', () => {
    expect(stableKey('tasks.list', { status: 'open', limit: 5 })).toBe(stableKey('tasks.list', { limit: 5, status: 'open', contactId: undefined }));
    expect(stableKey('tasks.list', { limit: 5 })).not.toBe(stableKey('tasks.list', { limit: 6 }));
  });

  it('loads once for every component showing the same query, refetches once for a burst of invalidations, and keeps the data while it does', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      const calls: string[] = [];
      const cache = new QueryCache({ toError, minGapMs: 0 });
      cache.setFetcher((op, input) => {
        calls.push(op);
        return core.call(op as 'tasks.list', input as { limit: number });
      });
      const seen: number[] = [];
      const count = () => cache.snapshot<{ tasks: unknown[] }>('tasks.list', { limit: 10 }).data?.tasks.length;
      const off1 = cache.subscribe('tasks.list', { limit: 10 }, () => seen.push(count() ?? -1));
      const off2 = cache.subscribe('tasks.list', { limit: 10 }, () => undefined);
      await expect.poll(() => cache.snapshot('tasks.list', { limit: 10 }).loading).toBe(false);
      expect(calls).toEqual(['tasks.list']);
      expect(count()).toBe(0);

      await core.call('tasks.create', { title: 'Call Ada' });
      // The event the core pushes for it invalidates the list; three in a row while it loads: one more load after.
      const ops = invalidatedBy('sales.task.changed', { id: 1, contactId: null } as never);
      expect(ops).toContain('tasks.list');
      cache.invalidate(ops);
      cache.invalidate(ops);
      cache.invalidate(ops);
      expect(cache.snapshot('tasks.list', { limit: 10 })).toMatchObject({ loading: true, data: { tasks: [] } });
      await expect.poll(() => count()).toBe(1);
      await expect.poll(() => cache.snapshot('tasks.list', { limit: 10 }).loading).toBe(false);
      // The first load, the refetch the first invalidation started, and one more for the two during it.
      expect(calls).toHaveLength(3);

      // Nobody shows it: an invalidation loads nothing now, and the next follower gets fresh data.
      off1();
      off2();
      const before = calls.length;
      cache.invalidate(['tasks.list']);
      expect(calls.length).toBe(before);
      cache.subscribe('tasks.list', { limit: 10 }, () => undefined);
      expect(calls.length).toBe(before + 1);
    } finally {
      await cleanup();
    }
  });

  it('a failed load keeps the last data and gives the error; Retry loads again', async () => {
    const { core, cleanup } = await openTestCore();
    try {
      const cache = new QueryCache({ toError, minGapMs: 0 });
      let fail = false;
      cache.setFetcher((op, input) => (fail ? Promise.reject(new ApiError('unavailable', 'Baton is not reachable')) : core.call(op as 'tasks.list', input as { limit: number })));
      cache.subscribe('tasks.list', { limit: 3 }, () => undefined);
      await expect.poll(() => cache.snapshot('tasks.list', { limit: 3 }).data).toEqual({ tasks: [] });
      fail = true;
      cache.reload('tasks.list', { limit: 3 });
      await expect.poll(() => cache.snapshot('tasks.list', { limit: 3 }).error?.message).toBe('Baton is not reachable');
      expect(cache.snapshot('tasks.list', { limit: 3 }).data).toEqual({ tasks: [] });
      fail = false;
      cache.reload('tasks.list', { limit: 3 });
      await expect.poll(() => cache.snapshot('tasks.list', { limit: 3 }).error).toBeNull();
    } finally {
      await cleanup();
    }
  });

  it('maps push events to what they make out of date', () => {
    expect(invalidatedBy('escalations.acknowledged', { count: 3, unacknowledged: 0, ids: [] })).toEqual(['escalations.groups', 'escalations.list']);
    expect(invalidatedBy('settings.changed', { key: 'engine.paused' } as never)).toContain('engine.status');
    expect(invalidatedBy('crm.event.recorded', { type: 'deal.won' } as never)).toContain('deals.list');
    expect(invalidatedBy('crm.event.recorded', { type: 'email.opened' } as never)).toEqual([]);
  });

  it('maps growth.changed by kind, and a growth engine\'s run to the Growth page\'s state', () => {
    expect(invalidatedBy('growth.changed', { engine: 'seo', kind: 'learning' })).toEqual(expect.arrayContaining(['learnings.list', 'growth.status']));
    expect(invalidatedBy('growth.changed', { engine: 'seo', kind: 'import' })).toContain('seo.quickWins');
    expect(invalidatedBy('growth.changed', { engine: 'seo', kind: 'phase' })).toEqual(expect.arrayContaining(['growth.status', 'plans.list']));
    expect(invalidatedBy('growth.changed', { engine: 'seo', kind: 'phase' })).not.toContain('seo.quickWins');
    // What an engine's own steps change refreshes that engine's tab (the portfolio after a launch, opportunities after links learned).
    expect(invalidatedBy('growth.changed', { engine: 'campaigns', kind: 'portfolio' })).toEqual(expect.arrayContaining(['campaigns.portfolio', 'campaigns.list']));
    expect(invalidatedBy('growth.changed', { engine: 'links', kind: 'learning' })).toEqual(expect.arrayContaining(['links.opportunities', 'links.roi', 'learnings.list']));
    expect(invalidatedBy('growth.changed', { engine: 'content', kind: 'ideas' })).toContain('content.calendar');
    expect(invalidatedBy('growth.changed', { engine: 'links', kind: 'phase' })).not.toContain('links.opportunities');
    expect(invalidatedBy('run.updated', { workflowId: 'growth-seo', status: 'running' } as never)).toContain('growth.status');
    expect(invalidatedBy('run.updated', { workflowId: 'billing-dunning', status: 'running' } as never)).not.toContain('growth.status');
  });
});
