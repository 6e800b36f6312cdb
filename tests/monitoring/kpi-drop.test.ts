/**
 * KPI-drop alerts (docs/monitoring.md): monitor.kpi reads the same numbers as
 * the dashboard (kpi.summary) and fails on a drop of N % from the previous
 * period or a value below a floor; with monitor.alert (the kpi-drop-alert
 * template, installed by the installer) it alerts once through the routes (a
 * local webhook receiver) until the KPI recovers. The leads are real contacts
 * stamped today; the engine clock moves the periods around them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { billingRig, type BillingRig } from '../billing/rig';
import { startReceiver } from './sites';

let rig: BillingRig | null = null;
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await rig?.close();
  rig = null;
  for (const s of servers.splice(0)) await s.close();
});

const DAY = 86_400_000;

interface KpiOut {
  key: string;
  value: number | null;
  previous: number | null;
  changePercent: number | null;
  failing: boolean;
  reason: string | null;
}

async function run(workflow: string) {
  const { core } = rig!;
  const r = await core.call('runs.start', { workflow, input: {} });
  await engineOf(core).drain();
  const done = await core.call('runs.get', { id: r.runId });
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const step = (id: string) => done.steps.find((s) => s.nodeId === id)?.output;
  return { kpi: step('kpi') as KpiOut, alert: step('alert') as { change: string | null } | undefined };
}

describe('KPI-drop alerts', () => {
  it('the kpi-drop-alert template alerts once when new leads fall by half against the previous period, and once when they recover', async () => {
    const now = Date.now();
    const hook = await startReceiver();
    servers.push(hook);
    // The address of a webhook is a secret (here from the environment); the setting names it by id.
    rig = await billingRig({ start: now, secretEnv: { BATON_SECRET_MONITORING_WEBHOOK_KPI: `${hook.url}/kpi` }, settings: { 'monitoring.webhooks': [{ id: 'kpi', format: 'json' }] } });
    const { core, clock } = rig;
    for (const n of [1, 2, 3, 4]) await core.call('contacts.create', { email: `lead${n}@example.com` });
    expect((await core.call('templates.install', { ids: ['kpi-drop-alert'], enable: true })).installed).toEqual([{ id: 'kpi-drop-alert', version: 1, enabled: true }]);
    const titles = () => hook.received.map((h) => (JSON.parse(h.body) as { alert: { title: string; detail: string } }).alert);

    // This week: 4 leads against none before: no alert; the same numbers as the dashboard's operation.
    const today = await run('kpi-drop-alert');
    const summary = await core.call('kpi.summary', { period: 'last7Days', kpis: ['newLeads'] });
    expect([today.kpi.value, today.kpi.previous]).toEqual([summary.kpis[0]!.value, summary.kpis[0]!.previous]);
    expect(today.kpi).toMatchObject({ key: 'kpi:newLeads', value: 4, previous: 0, failing: false });
    expect(today.alert).toMatchObject({ change: null });

    // A week later: none against 4, a drop of 100 %: one alert.
    clock.now = now + 7 * DAY;
    const week = await run('kpi-drop-alert');
    expect(week.kpi).toMatchObject({ value: 0, previous: 4, changePercent: -100, failing: true, reason: 'New leads fell 100 % (4 to 0), 50 % or more' });
    expect(week.alert).toMatchObject({ change: 'fired' });
    await hook.waitFor(1);
    expect(titles()).toEqual([expect.objectContaining({ title: 'New leads dropped', detail: 'New leads fell 100 % (4 to 0), 50 % or more', severity: 'warning' })]);
    // The next day it still counts as a drop: no second alert.
    clock.now = now + 8 * DAY;
    expect((await run('kpi-drop-alert')).alert).toMatchObject({ change: null });
    expect(hook.received).toHaveLength(1);
    const escalations = (await core.call('escalations.list', {})).escalations.filter((e) => e.title === 'New leads dropped');
    expect(escalations).toHaveLength(1);

    // Two weeks later: no drop any more (none against none): one recovery.
    clock.now = now + 14 * DAY;
    const later = await run('kpi-drop-alert');
    expect(later.kpi).toMatchObject({ value: 0, previous: 0, failing: false });
    expect(later.alert).toMatchObject({ change: 'recovered' });
    await hook.waitFor(2);
    expect(titles()[1]).toMatchObject({ kind: 'recovery', title: 'New leads recovered', detail: 'New leads: 0 (before: 0)' });
  }, 180_000);

  it('a KPI below a floor fails; a bad param is refused at import naming it', async () => {
    const now = Date.now();
    rig = await billingRig({ start: now });
    const { core, clock } = rig;
    for (const n of [1, 2]) await core.call('contacts.create', { email: `floor${n}@example.com` });
    await core.call('workflows.import', {
      definition: { id: 'floor', name: 'Floor', trigger: { type: 'manual' }, nodes: [{ id: 'kpi', type: 'monitor.kpi', params: { kpi: 'newLeads', period: 'last7Days', below: 3 } }], edges: [] },
    });
    expect((await run('floor')).kpi).toMatchObject({ value: 2, failing: true, reason: 'New leads is 2, below 3' });
    await core.call('contacts.create', { email: 'floor3@example.com' });
    expect((await run('floor')).kpi).toMatchObject({ value: 3, failing: false, reason: null });
    clock.now = now + 30 * DAY;
    expect((await run('floor')).kpi).toMatchObject({ value: 0, failing: true });

    const bad = (params: Record<string, unknown>) =>
      core.call('workflows.import', { definition: { id: 'bad', name: 'Bad', trigger: { type: 'manual' }, nodes: [{ id: 'kpi', type: 'monitor.kpi', params }], edges: [] } });
    await expect(bad({ kpi: 'newLeads' })).rejects.toThrow(/below[\s\S]*give below \(a threshold\) or dropPercent/);
    await expect(bad({ kpi: 'visitors', below: 1 })).rejects.toThrow(/kpi[\s\S]*use a KPI name/);
    await expect(bad({ kpi: 'newLeads', dropPercent: 150 })).rejects.toThrow(/dropPercent[\s\S]*at most 100/);
  }, 180_000);
});
