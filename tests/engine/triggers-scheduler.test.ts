import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { openBaton } from '../../electron/core';
import { engineOf } from '../../electron/core/engine';
import { fireKey } from '../../electron/core/engine/triggers/scheduler';
import { schedulerOf } from '../../electron/core/engine/triggers';
import { EnvSecretStore } from '../../electron/core/secrets';
import { openTestCore } from '../helpers';

const scheduled = (id: string, cron: string, timezone: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  trigger: { type: 'schedule', cron, timezone, ...extra },
  nodes: [
    { id: 'a', type: 'set', params: { values: { fireAt: '=input.fireAt', late: '=input.late' } } },
    { id: 'b', type: 'log', params: { message: '="fired " & input.fireAt' } },
  ],
  edges: [{ from: 'a', to: 'b' }],
});

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup(): Promise<{ core: Core; dir: string; setClock: (iso: string) => void }> {
  const t = await openTestCore();
  cleanups.push(t.cleanup);
  let now = 0;
  engineOf(t.core).clock = () => now;
  // The nightly maintenance rides on the same scheduler; these tests count workflow fires only.
  t.core.setSetting('maintenance.enabled', false);
  return { core: t.core, dir: t.dir, setClock: (iso: string) => (now = Date.parse(iso)) };
}

const runsOf = async (core: Core, workflow: string) => (await core.call('runs.list', { workflow, limit: 1000 })).runs;
const fireTimes = async (core: Core, workflow: string) =>
  (await core.call('schedules.fires', { workflow, limit: 500 })).fires.map((f) => f.fireAt).sort();

describe('schedule service', () => {
  it('catches up after a 3-day sleep according to each policy, and never twice', async () => {
    const { core, setClock } = await setup();
    for (const policy of ['skip', 'once', 'all'] as const) {
      await core.call('workflows.import', { definition: scheduled(`report-${policy}`, '0 9 * * *', 'Europe/Paris', { catchUp: policy, catchUpWindow: '7d' }) });
    }
    const sched = schedulerOf(core);
    setClock('2025-06-02T06:00:00Z'); // Monday 08:00 Paris: first sight, nothing is due
    expect((await sched.tick()).started).toEqual([]);
    setClock('2025-06-05T10:00:00Z'); // Thursday noon: the laptop wakes up
    const r = await sched.tick();
    expect(r.started.filter((s) => s.workflowId === 'report-skip')).toEqual([]);
    expect(await fireTimes(core, 'report-once')).toEqual(['2025-06-05T07:00:00.000Z']);
    expect(await fireTimes(core, 'report-all')).toEqual([
      '2025-06-02T07:00:00.000Z',
      '2025-06-03T07:00:00.000Z',
      '2025-06-04T07:00:00.000Z',
      '2025-06-05T07:00:00.000Z',
    ]);
    expect(r.started.every((s) => s.late)).toBe(true);
    expect(r.skipped).toBe(4 + 3);
    // The runs are real engine runs, keyed per fire, and finish.
    await engineOf(core).drain();
    const all = await runsOf(core, 'report-all');
    expect(all).toHaveLength(4);
    expect(all.every((x) => x.status === 'succeeded' && x.trigger.type === 'schedule')).toBe(true);
    expect((await runsOf(core, 'report-once')).map((x) => (x.trigger.detail as { fireAt: string }).fireAt)).toEqual(['2025-06-05T07:00:00.000Z']);
    // Ticking again (or restarting) starts nothing new.
    expect((await sched.tick()).started).toEqual([]);
    await sched.start();
    await sched.stop();
    expect(await runsOf(core, 'report-all')).toHaveLength(4);
    // The next on-time fire runs under every policy.
    setClock('2025-06-06T07:00:05Z');
    const next = await sched.tick();
    expect(next.started.map((s) => s.workflowId).sort()).toEqual(['report-all', 'report-once', 'report-skip']);
    expect(next.started.every((s) => !s.late)).toBe(true);
    const list = (await core.call('workflows.list', {})).workflows.find((w) => w.id === 'report-once');
    expect(list?.nextRun).toBe('2025-06-07T07:00:00.000Z');
  });

  it('fires a daily 02:30 Paris schedule once across spring-forward and fall-back', async () => {
    const { core, setClock } = await setup();
    // catchUp skip: the months between the two windows are not caught up.
    await core.call('workflows.import', { definition: scheduled('nightly', '30 2 * * *', 'Europe/Paris', { catchUp: 'skip' }) });
    const sched = schedulerOf(core);
    for (const [from, to] of [
      ['2025-03-29T22:00:00Z', '2025-03-30T04:00:00Z'],
      ['2025-10-25T22:00:00Z', '2025-10-26T04:00:00Z'],
    ] as const) {
      for (let t = Date.parse(from); t <= Date.parse(to); t += 60_000) {
        setClock(new Date(t).toISOString());
        await sched.tick();
      }
    }
    expect(await fireTimes(core, 'nightly')).toEqual(['2025-03-30T01:00:00.000Z', '2025-10-26T00:30:00.000Z']);
    expect(await runsOf(core, 'nightly')).toHaveLength(2);
  });

  it('two processes on the same data folder start each fire exactly once', async () => {
    const a = await setup();
    const b = await openBaton({ dataDir: a.dir, host: 'cli', secrets: new EnvSecretStore({}, 'tests') });
    b.setSetting('maintenance.enabled', false);
    cleanups.push(() => b.close());
    let now = 0;
    engineOf(b).clock = () => now;
    const both = (iso: string) => {
      a.setClock(iso);
      now = Date.parse(iso);
    };
    await a.core.call('workflows.import', { definition: scheduled('race', '*/10 * * * *', 'UTC', { catchUp: 'all', catchUpWindow: '1d' }) });
    both('2025-06-01T00:00:00Z');
    await schedulerOf(a.core).tick();
    await schedulerOf(b).tick();
    both('2025-06-01T06:00:00Z'); // 36 fires missed
    const [ra, rb] = await Promise.all([schedulerOf(a.core).tick(), schedulerOf(b).tick()]);
    expect(ra.started.length + rb.started.length).toBe(36);
    // Both saw the same fires; one insert won each.
    const runs = await runsOf(a.core, 'race');
    expect(runs).toHaveLength(36);
    expect(new Set(runs.map((r) => (r.trigger.detail as { fireAt: string }).fireAt)).size).toBe(36);
  });

  it('a fire claimed by a process that died before starting its run is started once at the next start-up', async () => {
    const { core, setClock } = await setup();
    await core.call('workflows.import', { definition: scheduled('crashy', '0 * * * *', 'UTC') });
    setClock('2025-06-01T10:00:30Z');
    const engine = engineOf(core);
    // Died after the claim, before startRun:
    core.db.prepare(`INSERT INTO schedule_fires (workflow_id, fire_at, status, late) VALUES ('crashy', '2025-06-01T09:00:00.000Z', 'claimed', 0)`).run();
    // Died after startRun, before recording it:
    const first = engine.startRun({ workflow: 'crashy', input: {}, trigger: { type: 'schedule' }, idempotencyKey: fireKey('crashy', '2025-06-01T10:00:00.000Z') });
    core.db.prepare(`INSERT INTO schedule_fires (workflow_id, fire_at, status, late) VALUES ('crashy', '2025-06-01T10:00:00.000Z', 'claimed', 0)`).run();
    expect(await schedulerOf(core).recoverClaims()).toBe(2);
    const fires = (await core.call('schedules.fires', { workflow: 'crashy' })).fires;
    expect(fires.map((f) => f.status)).toEqual(['started', 'started']);
    expect(fires.find((f) => f.fireAt.startsWith('2025-06-01T10'))?.runId).toBe(first.runId);
    expect(await runsOf(core, 'crashy')).toHaveLength(2);
  });

  it('a disabled schedule does not fire and re-enabling does not catch up the disabled period', async () => {
    const { core, setClock } = await setup();
    await core.call('workflows.import', { definition: scheduled('hourly', '0 * * * *', 'UTC', { catchUp: 'all' }) });
    const sched = schedulerOf(core);
    setClock('2025-06-01T00:30:00Z');
    await sched.tick();
    await core.call('workflows.disable', { id: 'hourly' });
    setClock('2025-06-01T05:30:00Z');
    expect((await sched.tick()).started).toEqual([]);
    await core.call('workflows.enable', { id: 'hourly' });
    await sched.tick();
    setClock('2025-06-01T06:00:10Z');
    expect((await sched.tick()).started.map((s) => s.fireAt)).toEqual(['2025-06-01T06:00:00.000Z']);
  });

  it('a bad cron or time zone is refused at import, naming the field, and nothing is stored', async () => {
    const { core } = await setup();
    const err = (await core.call('workflows.import', { definition: scheduled('bad', '0 25 * * *', 'Europe/Pariss') }).catch((e: unknown) => e)) as {
      code: string;
      issues: { path: string; message: string }[];
    };
    expect(err.code).toBe('invalid_input');
    expect(err.issues.map((i) => i.path).sort()).toEqual(['trigger.cron', 'trigger.timezone']);
    expect(err.issues.find((i) => i.path === 'trigger.timezone')?.message).toMatch(/Europe\/Pariss.*IANA/);
    expect((await core.call('workflows.list', {})).workflows).toEqual([]);
  });

  it('nightly maintenance: caught up once after a sleep, backs up, prunes old finished runs, runs once with two processes', async () => {
    const { core, dir, setClock } = await setup();
    core.setSetting('maintenance.enabled', true);
    core.setSetting('maintenance.cron', '30 3 * * *');
    core.setSetting('maintenance.timezone', 'Europe/Paris');
    core.setSetting('engine.pruneDays', 30);
    await core.call('workflows.import', { definition: { id: 'old', name: 'old', nodes: [{ id: 'a', type: 'log', params: { message: 'x' } }] } });
    setClock('2025-04-01T12:00:00Z');
    const old = await core.call('runs.start', { workflow: 'old' });
    await engineOf(core).drain();
    const sched = schedulerOf(core);
    setClock('2025-06-01T12:00:00Z');
    const recent = await core.call('runs.start', { workflow: 'old' });
    await engineOf(core).drain();
    await sched.tick(); // first sight
    const b = await openBaton({ dataDir: dir, host: 'cli', secrets: new EnvSecretStore({}, 'tests') });
    cleanups.push(() => b.close());
    engineOf(b).clock = () => Date.parse('2025-06-04T09:00:00Z');
    setClock('2025-06-04T09:00:00Z'); // asleep for three nights
    const [ra, rb] = await Promise.all([sched.tick(), schedulerOf(b).tick()]);
    const done = [...ra.started, ...rb.started].filter((s) => s.workflowId === '~maintenance');
    expect(done.map((s) => s.fireAt)).toEqual(['2025-06-04T01:30:00.000Z']); // once, the latest missed night
    expect((await core.call('backups.list', {})).backups).toHaveLength(1);
    const left = (await core.call('runs.list', { workflow: 'old' })).runs.map((r) => r.id);
    expect(left).toEqual([recent.runId]);
    expect(left).not.toContain(old.runId);
    expect((await core.call('schedules.fires', { workflow: '~maintenance' })).fires.map((f) => f.status)).toEqual(['started']);
  });
});
