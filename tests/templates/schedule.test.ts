/**
 * daily-report (the morning review) on its real trigger: the schedule service
 * on a real engine and store with an injected clock fires it at 08:00 in the
 * operator's time zone (taken at install), on weekdays only, catches a missed
 * morning up once, and each fire adds one task.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { schedulerOf } from '../../electron/core/engine/triggers';
import { openTestCore } from '../helpers';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function setup(timeZone: string): Promise<{ core: Core; at: (iso: string) => Promise<string[]> }> {
  const t = await openTestCore();
  cleanup = t.cleanup;
  let now = Date.parse('2026-03-01T12:00:00Z'); // a Sunday
  engineOf(t.core).clock = () => now;
  t.core.setSetting('maintenance.enabled', false);
  await t.core.call('settings.set', { key: 'email.timeZone', value: timeZone });
  const sched = schedulerOf(t.core);
  return {
    core: t.core,
    /** Move the clock, tick the scheduler as its timer does, run what it started; the fire times it started. */
    at: async (iso) => {
      now = Date.parse(iso);
      const r = await sched.tick();
      await engineOf(t.core).drain();
      return r.started.filter((s) => s.workflowId === 'daily-report').map((s) => s.fireAt);
    },
  };
}

describe('daily-report (morning review)', () => {
  it('needs nothing, fires at 08:00 in the operator time zone on weekdays, and each fire adds one review task', async () => {
    const { core, at } = await setup('America/New_York');
    const t = (await core.call('templates.list', {})).templates.find((x) => x.id === 'daily-report')!;
    expect(t).toMatchObject({ requirements: [], ready: true, when: 'Every weekday at 08:00' });
    await core.call('templates.install', { ids: ['daily-report'], enable: true });
    expect(((await core.call('workflows.export', { id: 'daily-report' })).definition as { trigger: unknown }).trigger).toMatchObject({ cron: '0 8 * * 1-5', timezone: 'America/New_York' });

    expect(await at('2026-03-01T12:30:00Z')).toEqual([]); // Sunday: first sight
    expect(await at('2026-03-02T12:59:00Z')).toEqual([]); // Monday 07:59 in New York
    expect(await at('2026-03-02T13:00:01Z')).toEqual(['2026-03-02T13:00:00.000Z']); // 08:00 there
    const tasks = (await core.call('tasks.list', { status: 'open' })).tasks;
    expect(tasks.map((x) => [x.title, x.dueAt, x.source])).toEqual([
      ["Morning review: the funnel on the dashboard, new replies, hot leads, approvals and today's tasks", '2026-03-02T17:00:01.000Z', 'workflow:daily-report'],
    ]);
    // The computer slept through Tuesday's and Wednesday's mornings: one review on wake-up, not two.
    expect(await at('2026-03-04T15:00:00Z')).toEqual(['2026-03-04T13:00:00.000Z']);
    // Saturday: nothing.
    expect(await at('2026-03-07T13:00:01Z')).toEqual([]);
    expect((await core.call('tasks.list', { status: 'open' })).tasks).toHaveLength(2);
    const runs = (await core.call('runs.list', { workflow: 'daily-report' })).runs;
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });
});
