/**
 * The CRM and sales nodes on the engine's Bree workers (the built files, as `baton serve` runs them):
 * a real form POST over HTTP starts an event-triggered workflow that upserts, scores, enrolls and
 * creates a task in a worker thread; and a worker killed after a node's write committed, before the
 * step's result did, re-runs the step without applying the write twice.
 */
import { describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { engineOf, type Engine } from '../../electron/core/engine';
import { startServer } from '../../electron/server';
import { openTestCore } from '../helpers';
import { builtPool, until } from '../support/pool';
import { startSink } from '../engine/sink';

const pool = builtPool('baton-crm-pool-');

async function poolCore(): Promise<{ core: Core; engine: Engine; cleanup: () => Promise<void> }> {
  const t = await openTestCore({ host: 'server' });
  const engine = engineOf(t.core);
  engine.poolOptions = { jobsDir: pool.jobsDir, workers: 2 };
  await engine.start('pool');
  return { core: t.core, engine, cleanup: t.cleanup };
}

const one = <T>(core: Core, sql: string, ...args: unknown[]) => core.db.prepare(sql).get(...args) as T;
const n = (core: Core, sql: string, ...args: unknown[]) => one<{ n: number }>(core, sql, ...args).n;

describe('CRM and sales nodes on the worker pool', () => {
  it('a form POST starts a workflow that upserts, scores, enrolls and creates a task in a worker', { timeout: 90_000 }, async () => {
    const { core, cleanup } = await poolCore();
    const server = await startServer(core, { port: 0, closeCore: false });
    try {
      await core.call('forms.save', { slug: 'demo', name: 'Demo request', fields: { email: 'email', first_name: 'firstName', company: 'companyName', utm_source: 'custom.utm_source' } });
      await core.call('sequences.save', { id: 'demo-followup', name: 'Demo follow-up', steps: [{ type: 'wait', duration: '2d' }, { type: 'task', title: 'Follow up with {{name}}' }] });
      await core.call('workflows.import', {
        definition: {
          id: 'demo-lead',
          name: 'Demo request -> lead',
          trigger: { type: 'event', event: 'form.submitted', filter: 'event.data.form = "demo"' },
          nodes: [
            { id: 'up', type: 'crm.contact.upsert', params: { email: '=input.email', fields: { title: 'Founder' }, utm: { source: '=input.fields.utm_source' }, tags: ['demo-request'] } },
            { id: 'score', type: 'crm.score', params: { contactId: '=prev.id', points: 15, reason: 'Requested a demo' } },
            { id: 'enroll', type: 'sequence.enroll', params: { sequence: 'demo-followup', contactId: '=steps.up.id' } },
            { id: 'task', type: 'crm.task.create', params: { title: 'Call {{ contact.name }} ({{ vars.company }})', contactId: '=steps.up.id', due: '1d', vars: { company: '=input.fields.company' } } },
          ],
          edges: [
            { from: 'up', to: 'score' },
            { from: 'score', to: 'enroll' },
            { from: 'enroll', to: 'task' },
          ],
        },
      });
      // Over the HTTP API: a node naming a sequence that does not exist is refused, naming the node and the field.
      const bad = await fetch(`${server.url}api/v1/workflows.import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ definition: { id: 'typo', name: 'Typo', nodes: [{ id: 'enroll', type: 'sequence.enroll', params: { sequence: 'demo-folowup', email: '=input.email' } }] } }),
      });
      expect(bad.status).toBe(400);
      const body = (await bad.json()) as { error: { code: string; issues: { path: string; message: string }[] } };
      expect(body.error.code).toBe('invalid_input');
      expect(body.error.issues).toEqual([
        { path: 'nodes.0.params.sequence', message: 'node "enroll": sequence.enroll: there is no sequence "demo-folowup" (sequences: demo-followup; create it on the Sequences page first)' },
      ]);
      expect((await core.call('workflows.list', {})).workflows.map((w) => w.id)).toEqual(['demo-lead']);
      const pushed: string[] = [];
      core.bus.on('sales.enrollment.changed', () => pushed.push('enrollment'));
      core.bus.on('sales.task.changed', () => pushed.push('task'));
      core.bus.on('crm.event.recorded', (e) => pushed.push(e.type));

      const res = await fetch(`${server.url}hooks/forms/demo`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=Grace%40Hopper.dev&first_name=Grace&company=Hopper%20Labs&utm_source=podcast',
      });
      expect(res.status).toBe(200);
      await until('the workflow run to finish', () => n(core, `SELECT COUNT(*) AS n FROM runs WHERE workflow_id = 'demo-lead' AND status IN ('succeeded', 'failed')`) === 1);
      const run = await core.call('runs.get', { id: one<{ id: string }>(core, `SELECT id FROM runs WHERE workflow_id = 'demo-lead'`).id });
      expect(run.status).toBe('succeeded');
      // Ran in a worker thread, not on the main thread.
      expect(n(core, `SELECT COUNT(*) AS n FROM steps WHERE run_id = ? AND status = 'succeeded'`, run.id)).toBe(4);

      const c = (await core.call('contacts.list', { search: 'grace' })).rows[0]!;
      expect(c).toMatchObject({ email: 'grace@hopper.dev', firstName: 'Grace', title: 'Founder', tags: ['demo-request'], custom: { utm_source: 'podcast' } });
      expect(run.steps.find((s) => s.nodeId === 'up')!.output).toMatchObject({ id: c.id, created: false });
      // form.submitted (+20, default rules), a title (+5), the workflow's +15; the company domain hopper.dev (+10).
      const g = await core.call('contacts.get', { id: c.id });
      expect(g.score.lines.find((l) => l.kind === 'adjustment')).toMatchObject({ label: 'Requested a demo', points: 15 });
      expect(g.contact.score).toBe(g.score.total);
      expect(g.contact.score).toBe(50);
      expect(g.contact.stage).toBe('mql');
      const enr = (await core.call('sequences.enrollments', { contactId: c.id })).enrollments;
      expect(enr).toMatchObject([{ sequenceId: 'demo-followup', status: 'active' }]);
      const tasks = (await core.call('tasks.list', { contactId: c.id })).tasks;
      expect(tasks).toMatchObject([{ title: 'Call Grace (Hopper Labs)', source: 'workflow:demo-lead', status: 'open' }]);
      expect(tasks[0]!.dueAt).not.toBeNull();
      // Push events from the worker reach the main thread's bus.
      await until('the push events of the worker', () => pushed.includes('enrollment') && pushed.includes('task') && pushed.includes('score.adjusted'));
    } finally {
      await server.close();
      await cleanup();
    }
  });

  it('a worker killed between a node write and the step commit: the steps run again, each write is applied once', { timeout: 90_000 }, async () => {
    let engineRef: Engine | null = null;
    let coreRef: Core | null = null;
    type Rows = { node_id: string; status: string }[];
    const seen: { atKill: { once: Rows; steps: Rows } | null } = { atKill: null };
    const sink = await startSink((r) => {
      if (seen.atKill === null && r.url === '/slow' && coreRef && engineRef) {
        // The writes of the other steps of the batch committed (their records are in the outbox); the batch has not.
        seen.atKill = {
          once: coreRef.db.prepare(`SELECT node_id, status FROM outbox WHERE node_id IN ('score', 'deal', 'up') ORDER BY node_id`).all() as Rows,
          steps: coreRef.db.prepare(`SELECT node_id, status FROM steps WHERE node_id IN ('score', 'deal', 'up') ORDER BY node_id`).all() as Rows,
        };
        void engineRef.pool?.kill(0);
        void engineRef.pool?.kill(1);
        return 'hang';
      }
      return { status: 200, body: { ok: true } };
    });
    const { core, engine, cleanup } = await poolCore();
    engineRef = engine;
    coreRef = core;
    try {
      const c = await core.call('contacts.create', { email: 'kat@example.com' });
      await core.call('workflows.import', {
        definition: {
          id: 'killed',
          name: 'Writes in the same batch as a slow call',
          nodes: [
            { id: 'fan', type: 'parallel', params: {} },
            { id: 'score', type: 'crm.score', params: { contactId: '=input.id', points: 10, reason: 'Pricing page' } },
            { id: 'deal', type: 'crm.deal.create', params: { contactId: '=input.id', value: 300, whenOpen: 'create' } },
            { id: 'up', type: 'crm.contact.upsert', params: { email: 'new@example.com', tags: ['x'] } },
            { id: 'slow', type: 'http.request', params: { method: 'POST', url: `${sink.url}/slow`, body: { x: 1 }, timeout: '20s' } },
          ],
          edges: [
            { from: 'fan', to: 'score' },
            { from: 'fan', to: 'deal' },
            { from: 'fan', to: 'up' },
            { from: 'fan', to: 'slow' },
          ],
        },
      });
      const { runId } = await core.call('runs.start', { workflow: 'killed', input: { id: c.id } });
      await until('the run to succeed after the workers restart', async () => (await core.call('runs.get', { id: runId })).status === 'succeeded');
      const k = seen.atKill;
      if (!k) throw new Error('the slow call never reached the receiver');
      expect(k.once).toEqual([
        { node_id: 'deal', status: 'sent' },
        { node_id: 'score', status: 'sent' },
        { node_id: 'up', status: 'sent' },
      ]);
      expect(k.steps.every((s) => s.status === 'running')).toBe(true);

      const run = await core.call('runs.get', { id: runId });
      for (const id of ['score', 'deal', 'up']) {
        const s = run.steps.find((x) => x.nodeId === id)!;
        expect(s.status).toBe('succeeded');
      }
      expect((await core.call('contacts.get', { id: c.id })).contact.score).toBe(10);
      expect(n(core, `SELECT COUNT(*) AS n FROM events WHERE type = 'score.adjusted'`)).toBe(1);
      expect(n(core, `SELECT COUNT(*) AS n FROM deals`)).toBe(1);
      expect(n(core, `SELECT COUNT(*) AS n FROM events WHERE type = 'deal.opened'`)).toBe(1);
      expect(n(core, `SELECT COUNT(*) AS n FROM contacts WHERE email = 'new@example.com'`)).toBe(1);
      expect(run.steps.find((x) => x.nodeId === 'up')!.output).toMatchObject({ created: true });
      expect(run.steps.find((x) => x.nodeId === 'deal')!.branch).toBe('created');
      // Each record was written once (sends = 1): the re-run found it and replayed it.
      expect(core.db.prepare(`SELECT node_id, sends FROM outbox WHERE node_id IN ('score', 'deal', 'up') ORDER BY node_id`).all()).toEqual([
        { node_id: 'deal', sends: 1 },
        { node_id: 'score', sends: 1 },
        { node_id: 'up', sends: 1 },
      ]);
      // The slow call went out twice with the same Idempotency-Key (the receiver dedupes).
      const slow = sink.received.filter((r) => r.url === '/slow');
      expect(slow.length).toBe(2);
      expect(new Set(slow.map((r) => r.key)).size).toBe(1);
    } finally {
      await cleanup();
      await sink.close();
    }
  });
});
