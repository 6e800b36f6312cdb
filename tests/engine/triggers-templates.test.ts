/**
 * The shipped templates (resources/templates) are valid and runnable: each is
 * imported into a real core and driven through its paths on the engine's fake
 * clock, with its HTTP endpoints pointed at a local sink.
 */
import { threadNodes } from '../../electron/core/nodes';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf, publishEvent, validateWorkflow } from '../../electron/core/engine';
import { schedulerOf } from '../../electron/core/engine/triggers';
import { EnvSecretStore } from '../../electron/core/secrets';
import { openTestCore } from '../helpers';
import { startSink, type Sink } from './crash-sink';

const NODES = threadNodes();

let core: Core;
let cleanup: () => Promise<void>;
let sink: Sink;
let now = Date.parse('2025-06-02T05:00:00Z'); // a Monday, 07:00 in Paris
/** The templates this suite drives (others' templates are validated only). */
const MINE = ['new-lead-routing.json', 'follow-up.json', 'daily-report.json', 'webhook-intake.json'];
const MAIL_KEY = ['mail', 'test', 'value'].join('-');

const load = (name: string) => JSON.parse(readFileSync(`resources/templates/${name}`, 'utf8').replace(/https:\/\/[a-z.]+\.example\.com/g, sink.url)) as unknown;
const bodies = () => [...sink.applied.values()];
async function status(runId: string) {
  await engineOf(core).drain();
  return core.call('runs.get', { id: runId });
}

beforeAll(async () => {
  sink = await startSink();
  const t = await openTestCore({ secrets: new EnvSecretStore({ BATON_SECRET_MAIL_API_KEY: MAIL_KEY }, 'tests') });
  core = t.core;
  cleanup = t.cleanup;
  engineOf(core).clock = () => now;
  for (const f of MINE) await core.call('workflows.import', { definition: load(f) });
});
afterAll(async () => {
  await cleanup?.();
  await sink?.close();
});

describe('templates', () => {
  it('every template in resources/templates validates', () => {
    const files = readdirSync('resources/templates').filter((x) => x.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      // The workflow without the block only the template installer reads.
      const { template: _block, ...workflow } = JSON.parse(readFileSync(`resources/templates/${f}`, 'utf8')) as Record<string, unknown>;
      expect(validateWorkflow(workflow, { nodes: NODES }), f).toMatchObject({ ok: true });
    }
  });

  it('new-lead routing: a hot lead waits for approval, then the outreach is sent; a cold lead goes to the drip', async () => {
    const hot = await publishEvent(core, { type: 'contact.created', data: { email: 'ada@example.com', name: 'Ada', score: 9 } });
    const cold = await publishEvent(core, { type: 'contact.created', data: { email: 'bob@example.com', name: 'Bob', score: 3 } });
    expect(hot.startedRuns).toHaveLength(1);
    const hotRun = hot.startedRuns[0] as string;
    expect((await status(hotRun)).status).toBe('waiting');
    expect((await status(cold.startedRuns[0] as string)).status).toBe('succeeded');
    const [approval] = (await core.call('approvals.list', {})).approvals;
    expect(approval?.title).toBe('Personal outreach to Ada (score 9)');
    // Approve with an edited payload: the edited one is what gets sent.
    const edited = { to: 'ada@example.com', subject: 'Hello Ada', body: 'Edited by the operator' };
    await core.call('approvals.decide', { id: approval!.id, decision: 'approve', payload: edited, by: 'test' });
    expect((await status(hotRun)).status).toBe('succeeded');
    expect(bodies()).toContainEqual(edited);
  });

  it('follow-up: a reply ends it; no reply in 48 h sends the follow-up and escalates', async () => {
    const a = await core.call('runs.start', { workflow: 'follow-up', input: { email: 'replier@example.com' } });
    const b = await core.call('runs.start', { workflow: 'follow-up', input: { email: 'silent@example.com' } });
    expect((await status(a.runId)).status).toBe('waiting');
    expect((await status(b.runId)).status).toBe('waiting');
    expect(bodies()).toContainEqual({ to: 'silent@example.com', template: 'intro' });
    await publishEvent(core, { type: 'email.replied', data: { email: 'replier@example.com' } });
    const ra = await status(a.runId);
    expect(ra.status).toBe('succeeded');
    expect(ra.steps.find((s) => s.nodeId === 'second_email')?.status).toBe('skipped');
    now += 48 * 3600_000 + 1000;
    const rb = await status(b.runId);
    expect(rb.status).toBe('succeeded');
    expect(bodies()).toContainEqual({ to: 'silent@example.com', template: 'follow-up' });
    expect((await core.call('escalations.list', {})).escalations.map((e) => e.title)).toContain('No reply after 48 h');
  });

  it('daily report: fires on its schedule and posts the figures', async () => {
    const sched = schedulerOf(core);
    now = Date.parse('2025-06-09T05:00:00Z'); // Monday 07:00 Paris
    await sched.tick();
    now = Date.parse('2025-06-09T06:00:01Z'); // 08:00:01 Paris
    const r = await sched.tick();
    const started = r.started.filter((s) => s.workflowId === 'daily-report');
    expect(started.map((s) => s.fireAt)).toEqual(['2025-06-09T06:00:00.000Z']);
    expect((await status(started[0]!.runId)).status).toBe('succeeded');
    expect(bodies()).toContainEqual({ date: '2025-06-09', firedAt: '2025-06-09T06:00:00.000Z', late: false });
  });

  it('webhook intake: a payload without an email is escalated', async () => {
    const r = await core.call('runs.start', { workflow: 'webhook-intake', input: { body: { name: 'no email' } } });
    expect((await status(r.runId)).status).toBe('succeeded');
    expect((await core.call('escalations.list', {})).escalations.map((e) => e.title)).toContain('Webhook intake without an email');
  });
});
