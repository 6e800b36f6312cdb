/**
 * Workflows triggered by the CRM's state, end to end on a real store and the real engine:
 * contact.created carries the contact (a form POST over HTTP reaches the workflow with the
 * name, score and tags), CSV imports start only the workflows that opt in to imported rows
 * (API and CLI; one contacts.imported per import; the preview names what would start), and
 * segment.entered / segment.left follow tags, scores and time.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { reconcileSegments, segmentClock } from '../../electron/core/crm/segments';
import { checkStore } from '../../electron/core/db/integrity';
import { engineOf } from '../../electron/core/engine';
import { startServer, type BatonServer } from '../../electron/server';
import type { WorkflowDefinitionInput } from '../../shared/api';
import { openTestCore } from '../helpers';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/baton.js');

let core: Core;
let dir: string;
let cleanup: () => Promise<void>;
let server: BatonServer | null = null;
beforeEach(async () => {
  ({ core, dir, cleanup } = await openTestCore());
});
afterEach(async () => {
  await server?.close();
  server = null;
  await cleanup();
});

async function importWorkflow(def: WorkflowDefinitionInput): Promise<void> {
  await core.call('workflows.import', { definition: def });
}
/** A workflow on an event whose one step outputs what the run got (`input`), for the test to read. */
const echo = (id: string, trigger: WorkflowDefinitionInput['trigger']): WorkflowDefinitionInput => ({
  id,
  name: `Echo ${id}`,
  trigger,
  nodes: [{ id: 'out', type: 'transform', params: { expression: 'input' } }],
});

/** Dispatch every recorded event (500 per pass) and run what started to its end. */
async function dispatchAll(): Promise<string[]> {
  const engine = engineOf(core);
  const started: string[] = [];
  for (;;) {
    const d = await engine.dispatchEvents();
    started.push(...d.startedRuns);
    if (d.processed === 0) break;
  }
  await engine.drain();
  return started;
}
const runsOf = (workflowId: string) => core.db.prepare(`SELECT id, input, subject, status FROM runs WHERE workflow_id = ? ORDER BY created_at, id`).all(workflowId) as { id: string; input: string; subject: string | null; status: string }[];
const eventsOf = (type: string) =>
  (core.db.prepare(`SELECT id, subject_type, subject_id, data FROM events WHERE type = ? ORDER BY id`).all(type) as { id: number; subject_type: string; subject_id: string; data: string }[]).map((e) => ({ ...e, data: JSON.parse(e.data) }));

describe('contact.created carries the contact', () => {
  it('a form POST over HTTP starts the workflow with the name, score and tags; a condition on input.score takes the right branch', async () => {
    await importWorkflow({
      id: 'route-lead',
      name: 'Route a new lead',
      trigger: { type: 'event', event: 'contact.created' },
      nodes: [
        { id: 'is_hot', type: 'condition', params: { if: 'input.score >= 25' } },
        { id: 'hot', type: 'set', params: { values: { branch: 'hot', name: '=input.name', score: '=input.score', tags: '=input.tags', company: '=input.company.name', via: '=input.via' } } },
        { id: 'cold', type: 'set', params: { values: { branch: 'cold', name: '=input.name', score: '=input.score' } } },
      ],
      edges: [
        { from: 'is_hot', to: 'hot', branch: 'true' },
        { from: 'is_hot', to: 'cold', branch: 'false' },
      ],
    });
    await dispatchAll(); // the dispatcher's cursor starts here
    await core.call('forms.save', { slug: 'demo-request', name: 'Demo request', fields: { email: 'email', first: 'firstName', last: 'lastName', company: 'companyName' }, tags: ['demo'] });
    server = await startServer(core, { port: 0, closeCore: false });
    const post = (body: Record<string, string>) =>
      fetch(new URL('/hooks/forms/demo-request', server!.url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });
    // Ada: a company (its domain comes from her e-mail: +10 by the default fit rules) and the form (+20) = 30.
    expect((await post({ email: 'ada@analytical.io', first: 'Ada', last: 'Lovelace', company: 'Analytical Engines' })).status).toBe(200);
    // Bob: free mail, no company: the form alone = 20.
    expect((await post({ email: 'bob@gmail.com', first: 'Bob' })).status).toBe(200);

    const started = await dispatchAll();
    expect(started).toHaveLength(2);
    const runs = await Promise.all(started.map((id) => core.call('runs.get', { id })));
    const byName = Object.fromEntries(runs.map((r) => [(r.output as { name: string }).name, r]));
    expect(byName['Ada Lovelace']!.output).toEqual({ branch: 'hot', name: 'Ada Lovelace', score: 30, tags: ['demo'], company: 'Analytical Engines', via: 'form' });
    expect(byName['Bob']!.output).toEqual({ branch: 'cold', name: 'Bob', score: 20 });
    // The run's input is the event's data: the contact as of the commit that created it.
    const ada = (await core.call('contacts.list', { search: 'ada@' })).rows[0]!;
    expect(byName['Ada Lovelace']!.subject).toBe(String(ada.id));
    expect(byName['Ada Lovelace']!.input).toMatchObject({
      id: ada.id,
      email: 'ada@analytical.io',
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: { name: 'Analytical Engines', domain: 'analytical.io' },
      stage: 'lead',
      score: 30,
      tags: ['demo'],
      source: 'form:demo-request',
      utm: { source: null, medium: null, campaign: null, term: null, content: null },
      custom: {},
      via: 'form',
      form: 'demo-request',
    });
    expect(ada.score).toBe(30);
  });

  it('contact.updated: one event per write with the changed fields, none for a write that changes nothing', async () => {
    const c = await core.call('contacts.create', { email: 'grace@navy.test', firstName: 'Grace', custom: { plan: 'free' } });
    await core.call('contacts.update', { id: c.id, set: { lastName: 'Hopper', title: 'Rear Admiral', custom: { plan: 'pro' } }, addTags: ['vip'] });
    await core.call('contacts.update', { id: c.id, set: { lastName: 'Hopper' }, addTags: ['vip'] });
    const updated = eventsOf('contact.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]!.data).toMatchObject({
      via: 'api',
      changes: { lastName: { from: null, to: 'Hopper' }, title: { from: null, to: 'Rear Admiral' }, 'custom.plan': { from: 'free', to: 'pro' }, tags: { from: [], to: ['vip'] } },
      name: 'Grace Hopper',
      title: 'Rear Admiral',
      tags: ['vip'],
      custom: { plan: 'pro' },
      score: 5, // "Job title known", as of the commit of this write
    });
    expect(Object.keys(updated[0]!.data.changes as object).sort()).toEqual(['custom.plan', 'lastName', 'tags', 'title']);
  });
});

describe('CSV imports start only the workflows that opt in to imported rows', () => {
  const csvOf = (prefix: string, n: number) => ['email,first name,last name,company', ...Array.from({ length: n }, (_, i) => `${prefix}${i}@acme${i % 3}.io,P${i},Q${i},Acme ${i % 3}`)].join('\n') + '\n';
  const workflows = async () => {
    await importWorkflow(echo('new-lead', { type: 'event', event: 'contact.created' }));
    await importWorkflow({ ...echo('import-aware', { type: 'event', event: 'contact.created', includeImported: true }), name: 'Welcome imported contacts' });
    await importWorkflow({ ...echo('import-log', { type: 'event', event: 'contacts.imported' }), name: 'Log imports' });
    await dispatchAll();
  };

  it('contacts.import of 50 rows: 0 runs of a contact.created workflow by default, 50 with includeImported, one contacts.imported; the preview names them', async () => {
    await workflows();
    const csv = csvOf('api', 50);

    const preview = await core.call('contacts.import.preview', { csv, file: 'people.csv' });
    expect(preview).toMatchObject({ rows: 50, create: 50, update: 0, invalidCount: 0 });
    expect(preview.workflows.start.map((w) => [w.workflowId, w.runs])).toEqual([
      ['import-log', 1],
      ['import-aware', 50],
    ]);
    expect(preview.workflows.notStarted.map((w) => w.workflowId)).toEqual(['new-lead']);
    expect(preview.workflows.summary).toBe(
      'This import will start: "Log imports" (contacts.imported) once; "Welcome imported contacts" (contact.created) for 50 contacts. ' +
        'Not started for imported rows: "Echo new-lead" (contact.created) — add "includeImported": true to a workflow\'s trigger to run it on imports.',
    );
    expect((core.db.prepare(`SELECT COUNT(*) AS n FROM contacts`).get() as { n: number }).n).toBe(0); // a preview writes nothing

    const report = await core.call('contacts.import', { csv, file: 'people.csv', source: 'trade-show' });
    expect(report).toMatchObject({ created: 50, invalidCount: 0 });
    expect(report.workflows).toEqual(preview.workflows);
    await dispatchAll();
    expect(runsOf('new-lead')).toHaveLength(0);
    expect(runsOf('import-aware')).toHaveLength(50);
    expect(runsOf('import-log')).toHaveLength(1);

    const imported = eventsOf('contacts.imported');
    expect(imported).toHaveLength(1);
    expect(imported[0]).toMatchObject({ subject_type: 'import', subject_id: report.importId });
    expect(imported[0]!.data).toEqual({ id: report.importId, file: 'people.csv', source: 'trade-show', rows: 50, created: 50, updated: 0, unchanged: 0, invalid: 0 });
    const created = eventsOf('contact.created');
    expect(created).toHaveLength(50);
    // Scored in the row's batch: the company's domain gives 10 points by the default fit rules.
    for (const e of created) expect(e.data).toMatchObject({ via: 'import', importId: report.importId, source: 'trade-show', score: 10, company: { name: expect.stringMatching(/^Acme \d$/) } });
    // The opted-in run got the contact; the summary run got the summary.
    const first = runsOf('import-aware')
      .map((r) => JSON.parse(r.input) as Record<string, unknown>)
      .find((i) => i.email === 'api0@acme0.io');
    expect(first).toMatchObject({ email: 'api0@acme0.io', name: 'P0 Q0', via: 'import', importId: report.importId });
    expect(JSON.parse(runsOf('import-log')[0]!.input)).toMatchObject({ id: report.importId, created: 50 });

    // The same file again: nothing changes, nothing starts but the summary.
    const again = await core.call('contacts.import', { csv });
    expect(again.workflows.summary).toBe('This import will start: "Log imports" (contacts.imported) once.');
    await dispatchAll();
    expect(runsOf('import-aware')).toHaveLength(50);
    expect(runsOf('import-log')).toHaveLength(2);
  });

  it('baton contacts import (the CLI) prints the workflows it starts and starts them the same way; --dry-run imports nothing', async () => {
    if (!existsSync(join(ROOT, 'out/main/cli.js'))) throw new Error('build first: npx electron-vite build');
    await workflows();
    const file = join(dir, 'cli-people.csv');
    writeFileSync(file, csvOf('cli', 50));
    const cli = (...args: string[]) => run(process.execPath, [CLI, '--data', dir, ...args], { cwd: ROOT });

    const dry = await cli('contacts', 'import', file, '--dry-run');
    expect(dry.stdout).toContain('Would import');
    expect(dry.stdout).toContain('This import will start: "Log imports" (contacts.imported) once; "Welcome imported contacts" (contact.created) for 50 contacts.');
    expect((core.db.prepare(`SELECT COUNT(*) AS n FROM contacts`).get() as { n: number }).n).toBe(0);

    const out = await cli('contacts', 'import', file);
    expect(out.stdout).toContain('50 created');
    expect(out.stdout).toContain('This import will start: "Log imports" (contacts.imported) once; "Welcome imported contacts" (contact.created) for 50 contacts.');
    expect(out.stdout).toContain('Not started for imported rows: "Echo new-lead" (contact.created)');
    await dispatchAll();
    expect(runsOf('new-lead')).toHaveLength(0);
    expect(runsOf('import-aware')).toHaveLength(50);
    expect(runsOf('import-log')).toHaveLength(1);
    expect(eventsOf('contacts.imported').map((e) => e.data)).toEqual([expect.objectContaining({ file: 'cli-people.csv', created: 50 })]);
  }, 120_000);

  it('with no workflow listening, the plan says so', async () => {
    const preview = await core.call('contacts.import.preview', { csv: csvOf('none', 3) });
    expect(preview.workflows).toEqual({ summary: 'No workflow will start.', start: [], notStarted: [] });
  });
});

describe('segment.entered / segment.left', () => {
  const members = (segmentId: number) => core.db.prepare(`SELECT contact_id FROM segment_members WHERE segment_id = ? ORDER BY contact_id`).pluck().all(segmentId) as number[];
  const segmentEvents = () =>
    (core.db.prepare(`SELECT type, subject_id, data FROM events WHERE type IN ('segment.entered', 'segment.left') ORDER BY id`).all() as { type: string; subject_id: string; data: string }[]).map((e) => {
      const d = JSON.parse(e.data) as { segmentName: string; contact: { id: number; email: string; score: number; tags: string[] } };
      return `${e.type} ${d.segmentName} ${d.contact.email}`;
    });

  it('saving a segment fills it without events; a tag that makes a contact match enters it, removing it leaves', async () => {
    const a = await core.call('contacts.create', { email: 'a@x.io', tags: ['vip'] });
    const b = await core.call('contacts.create', { email: 'b@x.io' });
    const seg = await core.call('segments.save', { name: 'VIPs', filter: { conditions: [{ kind: 'tag', op: 'has', tag: 'vip' }] } });
    expect(members(seg.id)).toEqual([a.id]);
    expect(segmentEvents()).toEqual([]); // the initial fill records nothing

    await core.call('contacts.update', { id: b.id, set: {}, addTags: ['vip'] });
    expect(members(seg.id)).toEqual([a.id, b.id]);
    expect(segmentEvents()).toEqual(['segment.entered VIPs b@x.io']);
    const entered = eventsOf('segment.entered')[0]!;
    expect(entered).toMatchObject({ subject_type: 'contact', subject_id: String(b.id) });
    expect(entered.data).toMatchObject({ segmentId: seg.id, segmentName: 'VIPs', contact: { id: b.id, email: 'b@x.io', tags: ['vip'] } });

    // A write that does not touch what the segment reads is not compared with it at all: with b's
    // membership row removed behind its back, a name change leaves it out; the safety net puts it back.
    core.db.prepare(`DELETE FROM segment_members WHERE contact_id = ?`).run(b.id);
    await core.call('contacts.update', { id: b.id, set: { firstName: 'Bea' } });
    expect(members(seg.id)).toEqual([a.id]);
    expect(reconcileSegments(core)).toEqual({ entered: 1, left: 0 });
    expect(members(seg.id)).toEqual([a.id, b.id]);
    expect(segmentEvents()).toEqual(['segment.entered VIPs b@x.io', 'segment.entered VIPs b@x.io']);

    await core.call('contacts.update', { id: a.id, set: {}, removeTags: ['vip'] });
    expect(members(seg.id)).toEqual([b.id]);
    expect(segmentEvents()).toEqual(['segment.entered VIPs b@x.io', 'segment.entered VIPs b@x.io', 'segment.left VIPs a@x.io']);

    // Editing the filter refills it silently; deleting a member leaves silently.
    await core.call('segments.save', { id: seg.id, name: 'VIPs', filter: { conditions: [{ kind: 'field', field: 'email', op: 'ends_with', value: '@x.io' }] } });
    expect(members(seg.id)).toEqual([a.id, b.id]);
    await core.call('contacts.delete', { id: a.id });
    expect(members(seg.id)).toEqual([b.id]);
    await core.call('contacts.restore', { id: a.id });
    expect(members(seg.id)).toEqual([a.id, b.id]);
    expect(segmentEvents()).toHaveLength(3);
  });

  it('a score crossing a segment threshold enters it (and leaves when it drops back); an import enters with its importId', async () => {
    const c = await core.call('contacts.create', { email: 'c@x.io' });
    const seg = await core.call('segments.save', { name: 'Engaged', filter: { conditions: [{ kind: 'field', field: 'score', op: 'gte', value: 20 }] } });
    expect(members(seg.id)).toEqual([]);
    await core.call('events.ingest', { events: [{ contactId: c.id, type: 'email.clicked' }, { contactId: c.id, type: 'email.clicked' }] }); // 10
    expect(segmentEvents()).toEqual([]);
    await core.call('events.ingest', { events: [{ contactId: c.id, type: 'form.submitted', data: { form: 'x', email: 'c@x.io', fields: {} } }] }); // 30
    expect(segmentEvents()).toEqual(['segment.entered Engaged c@x.io']);
    expect(eventsOf('segment.entered')[0]!.data).toMatchObject({ contact: { score: 30 } });
    await core.call('events.ingest', { events: [{ contactId: c.id, type: 'email.bounced' }] }); // 10
    expect(segmentEvents()).toEqual(['segment.entered Engaged c@x.io', 'segment.left Engaged c@x.io']);

    // An imported row that matches enters, scored in its batch, and its event carries the import's id.
    await core.call('segments.save', { id: seg.id, name: 'Engaged', filter: { conditions: [{ kind: 'field', field: 'score', op: 'gte', value: 15 }] } });
    const report = await core.call('contacts.import', { csv: 'email,title,website\nd@corp.io,CEO,corp.io\nf@corp.io,,\n' }); // d: domain 10 + title 5
    expect(segmentEvents()).toEqual(['segment.entered Engaged c@x.io', 'segment.left Engaged c@x.io', 'segment.entered Engaged d@corp.io']);
    expect(eventsOf('segment.entered').at(-1)!.data).toMatchObject({ segmentName: 'Engaged', contact: { email: 'd@corp.io', score: 15 }, importId: report.importId });
  });

  it('a time-based segment ("no activity for 30 days") enters through the maintenance pass with an injected clock', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    core.clock = () => t0;
    const c = await core.call('contacts.create', { email: 'quiet@x.io' });
    core.db.prepare(`UPDATE contacts SET created_at = ? WHERE id = ?`).run(new Date(t0).toISOString(), c.id);
    const busy = await core.call('contacts.create', { email: 'busy@x.io' });
    core.db.prepare(`UPDATE contacts SET created_at = ? WHERE id = ?`).run(new Date(t0).toISOString(), busy.id);
    const seg = await core.call('segments.save', { name: 'Asleep', filter: { conditions: [{ kind: 'inactive', days: 30 }] } });
    expect(members(seg.id)).toEqual([]);

    // 29 days on: nobody has crossed the boundary yet.
    expect(segmentClock(core, new Date(t0 + 29 * 86_400_000))).toMatchObject({ entered: 0, left: 0 });
    // busy is active on day 20 (its activity moves its own boundary to day 50).
    await core.call('events.ingest', { events: [{ contactId: busy.id, type: 'page.visited', at: new Date(t0 + 20 * 86_400_000).toISOString() }] });
    // 31 days on: quiet crossed; busy did not.
    const pass = segmentClock(core, new Date(t0 + 31 * 86_400_000));
    expect(pass).toMatchObject({ segments: 1, entered: 1, left: 0 });
    expect(pass.candidates).toBe(1); // only quiet's activity time went past the boundary: only it was compared
    expect(members(seg.id)).toEqual([c.id]);
    expect(segmentEvents()).toEqual(['segment.entered Asleep quiet@x.io']);
    // The same pass again: nothing new went past the boundary.
    expect(segmentClock(core, new Date(t0 + 31 * 86_400_000 + 60_000))).toMatchObject({ candidates: 0, entered: 0 });
    // Day 51: busy's boundary went past.
    expect(segmentClock(core, new Date(t0 + 51 * 86_400_000))).toMatchObject({ entered: 1 });
    expect(members(seg.id)).toEqual([c.id, busy.id]);
    // Activity brings quiet back out at once (the write path, not the clock).
    core.clock = () => t0 + 52 * 86_400_000;
    await core.call('events.ingest', { events: [{ contactId: c.id, type: 'email.opened', at: new Date(t0 + 52 * 86_400_000).toISOString() }] });
    expect(members(seg.id)).toEqual([busy.id]);
    expect(segmentEvents().at(-1)).toBe('segment.left Asleep quiet@x.io');
    // What the clock stored passes the store's own check (a backup refuses a store that does not).
    expect(checkStore(core.db).problems).toEqual([]);
  });

  it('a workflow triggered by segment.entered runs once per entry', async () => {
    await importWorkflow({
      id: 'vip-welcome',
      name: 'Welcome a VIP',
      trigger: { type: 'event', event: 'segment.entered', filter: 'event.data.segmentName = "VIPs"' },
      nodes: [{ id: 'hello', type: 'set', params: { values: { to: '=input.contact.email', tags: '=input.contact.tags' } } }],
    });
    await dispatchAll();
    await core.call('segments.save', { name: 'VIPs', filter: { conditions: [{ kind: 'tag', op: 'has', tag: 'vip' }] } });
    const c = await core.call('contacts.create', { email: 'v@x.io' });
    await core.call('contacts.update', { id: c.id, set: {}, addTags: ['vip'] });
    await core.call('contacts.update', { id: c.id, set: { firstName: 'Vee' }, addTags: ['vip'] }); // still in: no second entry
    expect(await dispatchAll()).toHaveLength(1);
    await core.call('contacts.update', { id: c.id, set: {}, removeTags: ['vip'] });
    await core.call('contacts.update', { id: c.id, set: {}, addTags: ['vip', 'gold'] });
    expect(await dispatchAll()).toHaveLength(1);
    const runs = runsOf('vip-welcome');
    expect(runs.map((r) => [r.status, r.subject])).toEqual([
      ['succeeded', String(c.id)],
      ['succeeded', String(c.id)],
    ]);
    expect((await core.call('runs.get', { id: runs[1]!.id })).output).toEqual({ to: 'v@x.io', tags: ['gold', 'vip'] });
  });
});
