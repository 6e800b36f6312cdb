/**
 * Event triggers start from the moment a workflow is enabled (or its trigger
 * changes): events recorded before are never dispatched to it, unless the
 * person asks through workflows.backfill (dry run first). Real core, real
 * SQLite file, real HTTP form posts; the engine's dispatcher driven by drain().
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf } from '../../electron/core/engine';
import { startServer, type BatonServer } from '../../electron/server';
import type { WorkflowDefinitionInput } from '../../shared/contract/workflow';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: (() => Promise<void>) | null = null;
let server: BatonServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  await cleanup?.();
  cleanup = null;
});

async function open() {
  ({ core, cleanup } = await openTestCore());
  return engineOf(core);
}
const runsOf = async (workflow: string) => (await core.call('runs.list', { workflow, limit: 1000 })).runs;
const eventIdsOf = async (workflow: string) => (await runsOf(workflow)).map((r) => (r.trigger.detail as { eventId: number }).eventId).sort((a, b) => a - b);
const publish = (type: string, data: unknown = {}) => engineOf(core).publish(type, data);

const onEvent = (id: string, event: string, filter?: string): WorkflowDefinitionInput => ({
  id,
  name: id,
  trigger: { type: 'event', event, ...(filter ? { filter } : {}) },
  nodes: [{ id: 'note', type: 'log', params: { message: 'seen' } }],
  edges: [],
});

describe('event triggers start when the workflow is enabled', () => {
  it('a template installed after real form posts starts no run for them; a dry run counts them, the backfill starts them once; new posts run by themselves', async () => {
    const engine = await open();
    await core.call('forms.save', { slug: 'guide', name: 'Guide', fields: { mail: 'email', name: 'fullName' } });
    await core.call('forms.save', { slug: 'newsletter', name: 'Newsletter', fields: { mail: 'email' } });
    server = await startServer(core, { port: 0, closeCore: false });
    const post = async (form: string, mail: string) => {
      const r = await fetch(new URL(`/hooks/forms/${form}`, server!.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mail, name: 'Pat Doe' }) });
      expect(r.status).toBe(200);
    };
    for (const m of ['a@example.com', 'b@example.com', 'c@example.com']) await post('guide', m);
    await post('newsletter', 'd@example.com');
    // Not dispatched yet when the template is installed (as after a one-shot CLI import, or a busy dispatcher).

    // The template's trigger: form.submitted with the filter form = 'guide'. It is enabled once what it needs is set.
    for (const [key, value] of [['email.smtp.host', '127.0.0.1'], ['email.smtp.port', 9], ['email.from', 'sam@solo.test'], ['email.leadMagnetUrl', 'https://solo.test/guide.pdf']] as const) await core.call('settings.set', { key, value });
    await core.call('templates.install', { ids: ['crm-lead-magnet'], enable: true });
    await engine.drain();
    expect(await runsOf('crm-lead-magnet')).toEqual([]);
    const wf = (await core.call('workflows.get', { id: 'crm-lead-magnet' })).workflow;
    const maxEvent = (core.db.prepare('SELECT MAX(id) AS m FROM events').get() as { m: number }).m;
    expect(wf.eventsFrom).toEqual({ eventId: maxEvent, at: expect.any(String) });

    const dry = await core.call('workflows.backfill', { id: 'crm-lead-magnet', dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, event: 'form.submitted', filter: "event.data.form = 'guide'", scanned: 4, matching: 3, alreadyRun: 0, toStart: 3, started: 0, remaining: 0, runIds: [] });
    expect(await runsOf('crm-lead-magnet')).toEqual([]);

    // --limit: the oldest first, the rest stays for later.
    const one = await core.call('workflows.backfill', { id: 'crm-lead-magnet', dryRun: false, limit: 1 });
    expect(one).toMatchObject({ started: 1, remaining: 2 });
    const all = await core.call('workflows.backfill', { id: 'crm-lead-magnet', dryRun: false });
    expect(all).toMatchObject({ dryRun: false, matching: 3, alreadyRun: 1, toStart: 2, started: 2, remaining: 0 });
    const runs = await runsOf('crm-lead-magnet');
    expect(runs).toHaveLength(3);
    expect(runs.every((r) => r.trigger.type === 'event' && (r.trigger.detail as { backfill?: boolean }).backfill === true)).toBe(true);
    const again = await core.call('workflows.backfill', { id: 'crm-lead-magnet', dryRun: false });
    expect(again).toMatchObject({ matching: 3, alreadyRun: 3, toStart: 0, started: 0 });
    expect(await runsOf('crm-lead-magnet')).toHaveLength(3);

    // From now on the trigger works by itself, once per event.
    await post('guide', 'e@example.com');
    await post('newsletter', 'f@example.com');
    await engine.drain();
    expect(await runsOf('crm-lead-magnet')).toHaveLength(4);
    expect((await core.call('workflows.backfill', { id: 'crm-lead-magnet', dryRun: true })).matching).toBe(3);
  });

  it('disabled then enabled again: events recorded while it was off are not dispatched; the backfill can run them', async () => {
    const engine = await open();
    await core.call('workflows.import', { definition: onEvent('wf', 'order.paid') });
    const before = publish('order.paid');
    await engine.drain();
    await core.call('workflows.disable', { id: 'wf' });
    const whileOff = publish('order.paid'); // still undispatched when it is enabled again
    await core.call('workflows.enable', { id: 'wf' });
    // Enabling an enabled workflow does not move the mark.
    const mark = (await core.call('workflows.get', { id: 'wf' })).workflow.eventsFrom!.eventId;
    await core.call('workflows.enable', { id: 'wf' });
    expect((await core.call('workflows.get', { id: 'wf' })).workflow.eventsFrom!.eventId).toBe(mark);
    const after = publish('order.paid');
    await engine.drain();
    expect(await eventIdsOf('wf')).toEqual([before, after]);
    const dry = await core.call('workflows.backfill', { id: 'wf', dryRun: true });
    expect(dry).toMatchObject({ matching: 2, alreadyRun: 1, toStart: 1 });
    // `since` narrows by the events' time: none recorded after tomorrow.
    expect(await core.call('workflows.backfill', { id: 'wf', dryRun: true, since: new Date(Date.now() + 86_400_000).toISOString() })).toMatchObject({ scanned: 0, matching: 0, toStart: 0 });
    await core.call('workflows.backfill', { id: 'wf', dryRun: false });
    expect(await eventIdsOf('wf')).toEqual([before, whileOff, after]);
  });

  it('the mark is an event id, not a clock: events stamped later than the enable moment but recorded before it are not dispatched', async () => {
    const engine = await open();
    engine.clock = () => Date.parse('2031-01-01T00:00:00Z'); // events stamped in the future
    const early = publish('order.paid');
    await core.call('workflows.import', { definition: onEvent('wf', 'order.paid') });
    engine.clock = () => Date.parse('2020-01-01T00:00:00Z'); // and then in the past
    const late = publish('order.paid');
    await engine.drain();
    expect(await eventIdsOf('wf')).toEqual([late]);
    expect(early).toBeLessThan(late);
  });

  it('a new version with the same trigger goes on without a gap; a changed trigger starts listening at the import', async () => {
    const engine = await open();
    await core.call('workflows.import', { definition: onEvent('wf', 'order.paid') });
    // Recorded, not dispatched yet, then a new version (other nodes, same trigger): still dispatched.
    const pending = publish('order.paid', { total: 5 });
    const v2 = { ...onEvent('wf', 'order.paid'), nodes: [{ id: 'note2', type: 'log', params: { message: 'v2' } }] };
    expect((await core.call('workflows.import', { definition: v2 })).version).toBe(2);
    await engine.drain();
    expect(await eventIdsOf('wf')).toEqual([pending]);
    // A changed filter: events recorded before the import are not dispatched, even undispatched ones.
    const before = publish('order.paid', { total: 50 });
    await core.call('workflows.import', { definition: { ...v2, trigger: { type: 'event', event: 'order.paid', filter: 'event.data.total > 10' } } });
    const after = publish('order.paid', { total: 60 });
    await engine.drain();
    expect(await eventIdsOf('wf')).toEqual([pending, after]);
    const dry = await core.call('workflows.backfill', { id: 'wf', dryRun: true });
    expect(dry).toMatchObject({ scanned: 2, matching: 1, toStart: 1 });
    expect(before).toBeGreaterThan(pending);
  });

  it('waiting steps are not triggers: a wait for an event resumes on events after the wait began, even when its workflow was disabled and re-enabled', async () => {
    const engine = await open();
    const def: WorkflowDefinitionInput = {
      id: 'waiter',
      name: 'Waiter',
      trigger: { type: 'event', event: 'lead.in' },
      nodes: [
        { id: 'wait', type: 'wait', params: { event: { type: 'order.paid', timeout: '7d' } } },
        { id: 'done', type: 'log', params: { message: 'paid' } },
      ],
      edges: [{ from: 'wait', to: 'done', branch: 'event' }],
    };
    await core.call('workflows.import', { definition: def });
    publish('lead.in');
    await engine.drain();
    const [run] = await runsOf('waiter');
    expect(run!.status).toBe('waiting');
    // The event comes while the workflow is off and before its new enable mark.
    await core.call('workflows.disable', { id: 'waiter' });
    publish('order.paid');
    await core.call('workflows.enable', { id: 'waiter' });
    await engine.drain();
    const r = await core.call('runs.get', { id: run!.id });
    expect(r.status).toBe('succeeded');
    expect(r.steps.find((s) => s.nodeId === 'wait')!.branch).toBe('event');
  });

  it('backfill refuses a workflow without an event trigger and an unknown one, naming them', async () => {
    await open();
    await core.call('workflows.import', { definition: { id: 'man', name: 'Manual', trigger: { type: 'manual' }, nodes: [{ id: 'a', type: 'log', params: { message: 'x' } }], edges: [] } });
    await expect(core.call('workflows.backfill', { id: 'man', dryRun: true })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('triggered by manual') });
    await expect(core.call('workflows.backfill', { id: 'nope', dryRun: true })).rejects.toMatchObject({ code: 'not_found' });
    await expect(core.call('workflows.backfill', { id: 'man' } as never)).rejects.toMatchObject({ code: 'invalid_input', issues: [expect.objectContaining({ path: 'dryRun' })] });
  });
});
