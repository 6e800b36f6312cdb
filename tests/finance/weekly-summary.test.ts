/**
 * Summaries to the operator: the kpi.read node in real workflow runs (the
 * engine's main-thread executor on a real SQLite file; the worker pool is
 * tests/finance/kpi-pool.test.ts) reads what the dashboard shows, and the
 * "weekly summary" template, installed by templates.install and fired by the
 * schedule service (its tick, on the engine clock) at Monday 08:00 in the
 * operator's time zone, e-mails last week's numbers, what failed and what
 * waits for approval to the operator through a real SMTP server (smtp-server);
 * the mail is checked against the stored rows, read with SQL.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { schedulerOf } from '../../electron/core/engine/triggers';
import { nextFireAfter } from '../../electron/core/engine/triggers/schedule';
import { dayIn } from '../../electron/core/kpi/read';
import { billingRig, type BillingRig } from '../billing/rig';

let rig: BillingRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const ZONE = 'Europe/Paris';
const DAY = 86_400_000;

async function settle(runId: string) {
  await engineOf(rig!.core).drain();
  return rig!.core.call('runs.get', { id: runId });
}

/** Some activity now: two new contacts (leads), a run that fails, an approval that waits. */
async function activity(r: BillingRig) {
  const { core } = r;
  await core.call('contacts.create', { email: 'lead1@example.com', firstName: 'Lea' });
  await core.call('contacts.create', { email: 'lead2@example.com', firstName: 'Leo' });
  await core.call('workflows.import', {
    definition: {
      id: 'broken-sync',
      name: 'Broken sync',
      trigger: { type: 'manual' },
      nodes: [{ id: 'call', type: 'http.request', params: { method: 'GET', url: 'http://127.0.0.1:1/nothing', timeout: '5s' }, retry: { maxAttempts: 1 } }],
      edges: [],
    },
  });
  const failed = await core.call('runs.start', { workflow: 'broken-sync', input: {} });
  expect((await settle(failed.runId)).status).toBe('failed');
  await core.call('workflows.import', {
    definition: { id: 'ask-me', name: 'Ask me', trigger: { type: 'manual' }, nodes: [{ id: 'ask', type: 'approval', params: { title: 'Publish the April newsletter?', timeout: '30d' } }], edges: [] },
  });
  const waiting = await core.call('runs.start', { workflow: 'ask-me', input: {} });
  expect((await settle(waiting.runId)).status).toBe('waiting');
}

describe('kpi.read and the weekly summary', () => {
  it('kpi.read in a workflow run reads the same numbers as the dashboard, with the previous period', async () => {
    rig = await billingRig({ start: Date.now() });
    const { core } = rig;
    await activity(rig);
    const today = new Date(rig.clock.now).toISOString().slice(0, 10);
    const from = new Date(rig.clock.now - 6 * DAY).toISOString().slice(0, 10);
    await core.call('workflows.import', {
      definition: {
        id: 'read-kpis',
        name: 'Read KPIs',
        trigger: { type: 'manual' },
        nodes: [{ id: 'read', type: 'kpi.read', params: { from: '=input.from', to: '=input.to', kpis: ['newLeads', 'automationSuccess', 'pendingApprovals', 'openEscalations'] } }],
        edges: [],
      },
    });
    // What the dashboard's own operations say before the run (the run itself, once finished, counts in the automation rate).
    const dash = await core.call('kpi.dashboard', { from, to: today });
    const auto = await core.call('kpi.automation', { from, to: today });
    const op = await core.call('kpi.summary', { from, to: today, kpis: ['newLeads', 'automationSuccess', 'pendingApprovals', 'openEscalations'] });
    expect(auto.current).toMatchObject({ failed: 1, successRate: 0 });
    const run = await core.call('runs.start', { workflow: 'read-kpis', input: { from, to: today } });
    const done = await settle(run.runId);
    expect(done.status).toBe('succeeded');
    const out = done.steps.find((s) => s.nodeId === 'read')!.output as { range: { from: string; to: string }; kpis: { id: string; value: number | null; previous: number | null }[]; approvals: { pending: number }; failures: { count: number } };
    expect(out.range).toEqual({ from, to: today });
    const byId = Object.fromEntries(out.kpis.map((k) => [k.id, k]));
    expect(byId.newLeads!.value).toBe(dash.current.newLeads);
    expect(byId.newLeads!.value).toBeGreaterThanOrEqual(2);
    expect(byId.newLeads!.previous).toBe(dash.previous.newLeads);
    expect(byId.automationSuccess!.value).toBe(auto.current.successRate);
    expect(byId.pendingApprovals!.value).toBe(1);
    expect(out.approvals.pending).toBe(1);
    expect(out.failures.count).toBe(1);
    // The operation reads the same as the node.
    expect(op.kpis.map((k) => [k.id, k.value, k.previous])).toEqual(out.kpis.map((k) => [k.id, k.value, k.previous]));

    // A bad range is the step's error, naming the field.
    const bad = await core.call('runs.start', { workflow: 'read-kpis', input: { from: today, to: from } });
    const badDone = await settle(bad.runId);
    expect(badDone.status).toBe('failed');
    expect(JSON.stringify(badDone.error)).toMatch(/from \(\d{4}-\d\d-\d\d\) is after to/);
  });

  it('the weekly summary template, installed by the installer, fires on Monday 08:00 in the operator time zone and e-mails last week to the operator, with the numbers of the stored rows', async () => {
    rig = await billingRig({ start: Date.now(), settings: { 'operator.email': 'me@solo.test', 'email.timeZone': ZONE } });
    const { core, smtp, clock } = rig;
    // The file carries the installer's block: what it needs, in plain words, and the operator's time zone at install.
    const file = JSON.parse(readFileSync('resources/templates/weekly-summary.json', 'utf8')) as { template: { when: string; then: string; requires: string[]; timeZone?: string }; trigger: { cron: string } };
    expect(file.template).toMatchObject({ when: 'Every Monday at 08:00', requires: ['smtp'], timeZone: 'operator' });
    expect(file.template.then).toMatch(/^Then /);
    expect((await core.call('templates.install', { ids: ['weekly-summary'], enable: true })).installed).toEqual([{ id: 'weekly-summary', version: 1, enabled: true }]);
    const trigger = ((await core.call('workflows.export', { id: 'weekly-summary' })).definition as { trigger: { cron: string; timezone: string } }).trigger;
    expect(trigger).toMatchObject({ cron: '0 8 * * 1', timezone: ZONE });
    await activity(rig);

    // The next Monday 08:00 in Paris whose "last week" holds today (the contacts were stamped with the wall clock).
    let fire = nextFireAfter(trigger.cron, ZONE, new Date(clock.now))!.getTime();
    if (dayIn(fire, ZONE) === dayIn(clock.now, ZONE)) fire = nextFireAfter(trigger.cron, ZONE, new Date(fire))!.getTime();
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, weekday: 'long', hour: '2-digit', minute: '2-digit' }).format(fire)).toBe('Monday 08:00');
    const sched = schedulerOf(core);
    await sched.tick(); // first sight of the schedule
    clock.now = fire - 60_000;
    expect((await sched.tick()).started.filter((s) => s.workflowId === 'weekly-summary')).toEqual([]);
    clock.now = fire + 1000;
    const started = (await sched.tick()).started.filter((s) => s.workflowId === 'weekly-summary');
    expect(started.map((s) => s.fireAt)).toEqual([new Date(fire).toISOString()]);
    const run = await settle(started[0]!.runId);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');

    const [mail] = await smtp.waitFor(1, 60_000);
    expect(mail!.to).toEqual(['me@solo.test']);
    const mon = dayIn(fire - 7 * DAY, ZONE);
    const sun = dayIn(fire - DAY, ZONE);
    expect(mail!.parsed.subject).toBe(`Your week ${mon} to ${sun}`);
    const html = String(mail!.parsed.html);

    // The stored rows of that week, read with SQL: leads reached, failed runs, approvals waiting.
    const db = core.db;
    const leads = (db.prepare(`SELECT COALESCE(SUM(value), 0) AS n FROM kpi_daily WHERE metric = 'reached_lead' AND day >= ? AND day <= ?`).get(mon, sun) as { n: number }).n;
    const prevLeads = (db.prepare(`SELECT COALESCE(SUM(value), 0) AS n FROM kpi_daily WHERE metric = 'reached_lead' AND day >= ? AND day <= ?`).get(dayIn(fire - 14 * DAY, ZONE), dayIn(fire - 8 * DAY, ZONE)) as { n: number }).n;
    const failed = db.prepare(`SELECT w.name AS workflow, r.error AS error FROM runs r JOIN workflows w ON w.id = r.workflow_id WHERE r.status = 'failed' AND r.scope = '' AND substr(r.finished_at, 1, 10) BETWEEN ? AND ?`).all(mon, sun) as { workflow: string; error: string }[];
    const pending = db.prepare(`SELECT a.title AS title, w.name AS workflow FROM approvals a JOIN workflows w ON w.id = a.workflow_id WHERE a.status = 'pending'`).all() as { title: string; workflow: string }[];
    expect(leads).toBeGreaterThanOrEqual(2);
    expect(failed.map((f) => f.workflow)).toEqual(['Broken sync']);
    expect(pending).toEqual([{ title: 'Publish the April newsletter?', workflow: 'Ask me' }]);
    expect(html).toContain(`<tr><td>New leads</td><td><b>${leads}</b></td>`);
    expect(html).toContain(`<tr><td>Pending approvals</td><td><b>${pending.length}</b></td>`);
    expect(html).toContain(`<p>${failed.length} failed run(s):</p><ul><li>Broken sync: `);
    expect(html).toContain(`<li>${pending[0]!.title} (${pending[0]!.workflow})</li>`);
    // And the dashboard's own operation says the same for that week.
    const dash = await core.call('kpi.dashboard', { from: mon, to: sun });
    expect([dash.current.newLeads, dash.previous.newLeads]).toEqual([leads, prevLeads]);

    // The computer slept through the next Monday morning: one summary on wake-up (late), not more.
    const next = nextFireAfter(trigger.cron, ZONE, new Date(fire))!.getTime();
    clock.now = next + 6 * 3_600_000;
    const late = (await sched.tick()).started.filter((s) => s.workflowId === 'weekly-summary');
    expect(late.map((s) => [s.fireAt, s.late])).toEqual([[new Date(next).toISOString(), true]]);
    expect((await settle(late[0]!.runId)).status).toBe('succeeded');
    expect((await sched.tick()).started.filter((s) => s.workflowId === 'weekly-summary')).toEqual([]);
    const mails = await smtp.waitFor(2, 60_000);
    expect(mails.map((m) => m.parsed.subject)).toEqual([`Your week ${mon} to ${sun}`, `Your week ${dayIn(next - 7 * DAY, ZONE)} to ${dayIn(next - DAY, ZONE)}`]);
  });
});
