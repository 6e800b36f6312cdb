/**
 * The workflow editor's operations on a real core: catalogs from the registry, a node's branches,
 * test runs of a draft (whole, and from one node with pinned input; marked, not in the KPIs, not
 * listed), the schedule preview and the bounded expression preview.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateWorkflow } from '../../electron/core/engine';
import { testWorkflowId } from '../../shared/api';
import { harness, wf, type EngineHarness } from './util';

let h: EngineHarness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.cleanup();
});

const draft = (extra: Record<string, unknown> = {}) => ({
  ...wf(
    'lead-router',
    [
      { id: 'prep', type: 'set', params: { values: { score: '=$number(input.fields.score)', email: '=input.email' } } },
      { id: 'hot', type: 'condition', params: { if: 'prev.score > 50' } },
      { id: 'alarm', type: 'escalate', params: { severity: 'info', title: '="Hot lead " & prev.email' } },
      { id: 'note', type: 'log', params: { message: '=prev.email' } },
    ],
    [
      { from: 'prep', to: 'hot' },
      { from: 'hot', to: 'alarm', branch: 'true' },
      { from: 'hot', to: 'note', branch: 'false' },
    ],
  ),
  trigger: { type: 'event', event: 'form.submitted' },
  ...extra,
});

describe('catalogs', () => {
  it('lists every registered node type with its JSON Schema, expression params and branches (domain nodes included)', async () => {
    const { nodes } = await h.core.call('nodes.catalog', {});
    expect(nodes.map((n) => n.type)).toEqual(h.core.nodes.types());
    const byType = new Map(nodes.map((n) => [n.type, n]));
    expect(byType.get('condition')).toMatchObject({ domain: 'engine', branches: ['true', 'false'], expressions: { raw: ['if'], deferred: [], opaque: [] } });
    expect(byType.get('switch')?.branches).toBeNull();
    expect(byType.get('email.send')?.domain).toBe('sales');
    expect(byType.get('escalate')?.schema).toMatchObject({ type: 'object', required: ['title'], properties: { title: { type: 'string', minLength: 1 } } });
    expect(byType.get('escalate')?.schema).not.toHaveProperty('$schema');
  });

  it('lists every event type with the JSON Schema of its data', async () => {
    const { events } = await h.core.call('events.catalog', {});
    expect(events.map((e) => e.type)).toEqual(h.core.eventTypes.names());
    const form = events.find((e) => e.type === 'form.submitted');
    expect(form).toMatchObject({ domain: 'crm', subject: 'contact' });
    expect(form?.data.map((d) => d.name)).toEqual(['form', 'email', 'fields']);
    expect(form?.schema).toMatchObject({ type: 'object', properties: { email: { type: 'string' } } });
  });

  it('computes branches from params, and names the problem when the params are not valid', async () => {
    expect(await h.core.call('nodes.branches', { type: 'switch', params: { value: 'input.plan', cases: [{ name: 'pro', equals: 'pro' }, { name: 'free', equals: 'free' }] } })).toEqual({
      branches: ['pro', 'free', 'default'],
      issues: [],
    });
    expect(await h.core.call('nodes.branches', { type: 'condition', params: { if: 'true' } })).toEqual({ branches: ['true', 'false'], issues: [] });
    expect(await h.core.call('nodes.branches', { type: 'log', params: { message: 'x' } })).toEqual({ branches: [], issues: [] });
    const bad = await h.core.call('nodes.branches', { type: 'switch', params: { cases: [] } });
    expect(bad).toEqual({ branches: null, issues: [{ path: 'params.cases', message: 'switch: give at least one case' }] });
    expect((await h.core.call('nodes.branches', { type: 'nope', params: {} })).issues[0]).toMatchObject({ path: 'type', message: expect.stringContaining('unknown node type "nope"') as unknown });
  });
});

describe('workflows.testRun', () => {
  it('runs an unsaved draft with pinned input: each node has its output, the run is marked as a test, nothing is listed or counted', async () => {
    const input = { form: 'demo', email: 'ada@example.com', fields: { score: '80' } };
    const r = await h.core.call('workflows.testRun', { definition: draft(), input });
    expect(r.workflowId).toBe(testWorkflowId('lead-router'));
    expect(r.nodes).toEqual(['prep', 'hot', 'alarm', 'note']);
    await h.drain();
    const run = await h.detail(r.runId);
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toEqual({ type: 'test', detail: { workflowId: 'lead-router' } });
    const out = Object.fromEntries(run.steps.map((s) => [s.nodeId, { status: s.status, output: s.output }]));
    expect(out.prep).toEqual({ status: 'succeeded', output: { score: 80, email: 'ada@example.com' } });
    expect(out.hot?.status).toBe('succeeded');
    expect(out.alarm?.status).toBe('succeeded');
    expect(out.note?.status).toBe('skipped');
    // Its side effect happened (the escalation), as a real run's would.
    expect((await h.core.call('escalations.list', {})).escalations.map((e) => e.title)).toContain('Hot lead ada@example.com');
    // Not a workflow of its own, not a saved workflow either, and not in the KPIs.
    expect((await h.core.call('workflows.list', {})).workflows).toEqual([]);
    const day = new Date(h.clock.now).toISOString().slice(0, 10);
    expect((await h.core.call('kpi.automation', { from: day, to: day })).current.finished).toBe(0);
    // The same draft again reuses the stored test version; a changed one gets the next.
    const again = await h.core.call('workflows.testRun', { definition: draft(), input });
    expect(again.version).toBe(r.version);
    const changed = await h.core.call('workflows.testRun', { definition: draft({ name: 'Renamed' }), input });
    expect(changed.version).toBe(r.version + 1);
  });

  it('a failed test run raises no failure escalation and is not in the failures of the last 24 hours', async () => {
    const def = wf('boom', [{ id: 'bad', type: 'transform', params: { expression: 'input.a + "x"' } }]);
    const r = await h.core.call('workflows.testRun', { definition: def, input: { a: 1 } });
    await h.drain();
    expect((await h.detail(r.runId)).status).toBe('failed');
    expect((await h.core.call('escalations.list', {})).escalations).toEqual([]);
    const day = new Date(h.clock.now).toISOString().slice(0, 10);
    expect((await h.core.call('kpi.automation', { from: day, to: day })).failedLast24h).toBe(0);
  });

  it('runs from one node on with pinned input: that node and what follows it, nothing before', async () => {
    const r = await h.core.call('workflows.testRun', { definition: draft(), input: { score: 20, email: 'bo@example.com' }, from: 'hot' });
    expect(r.nodes).toEqual(['hot', 'alarm', 'note']);
    await h.drain();
    const run = await h.detail(r.runId);
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toEqual({ type: 'test', detail: { workflowId: 'lead-router', from: 'hot' } });
    const steps = Object.fromEntries(run.steps.map((s) => [s.nodeId, s]));
    expect(steps.prep).toBeUndefined();
    expect(steps.hot?.input).toEqual({ score: 20, email: 'bo@example.com' });
    expect(steps.note?.output).toEqual({ message: 'bo@example.com' });
    expect(steps.alarm?.status).toBe('skipped');
  });

  it('refuses an invalid draft with the validator’s issues, and an unknown start node, running nothing', async () => {
    const bad = draft({ edges: [...(draft().edges ?? []), { from: 'note', to: 'prep' }] });
    const v = validateWorkflow(bad, { nodes: h.core.nodes });
    await expect(h.core.call('workflows.testRun', { definition: bad })).rejects.toMatchObject({
      code: 'invalid_input',
      issues: v.issues.map((i) => ({ path: i.path, message: `node "${i.nodeId}": ${i.message}` })),
    });
    await expect(h.core.call('workflows.testRun', { definition: draft(), from: 'nowhere' })).rejects.toMatchObject({ code: 'invalid_input', issues: [{ path: 'from', message: 'no node "nowhere"' }] });
    expect((await h.core.call('runs.list', {})).runs).toEqual([]);
  });
});

describe('schedules.preview', () => {
  it('says the schedule in words and gives the next fires in its time zone', async () => {
    h.clock.now = Date.parse('2025-03-28T12:00:00Z'); // Friday; Paris changes to summer time on Sunday 30 March
    const p = await h.core.call('schedules.preview', { cron: '0 9 * * 1-5', timezone: 'Europe/Paris' });
    expect(p.ok).toBe(true);
    expect(p.text).toBe('every weekday (Monday to Friday) at 09:00');
    expect(p.next).toEqual(['2025-03-31T07:00:00.000Z', '2025-04-01T07:00:00.000Z', '2025-04-02T07:00:00.000Z', '2025-04-03T07:00:00.000Z', '2025-04-04T07:00:00.000Z']);
  });

  it('names the problem with the import’s own message', async () => {
    const def = (cron: string, timezone: string) => ({ ...wf('sched', [{ id: 'a', type: 'log', params: { message: 'x' } }]), trigger: { type: 'schedule', cron, timezone } });
    for (const [cron, timezone] of [
      ['61 * * * *', 'UTC'],
      ['0 9 * * *', 'Mars/Olympus'],
      ['', 'UTC'],
    ] as const) {
      const p = await h.core.call('schedules.preview', { cron, timezone });
      const v = validateWorkflow(def(cron, timezone), { nodes: h.core.nodes });
      expect(p.ok).toBe(false);
      expect(p.next).toEqual([]);
      expect(p.issues).toEqual(v.issues.filter((i) => i.path.startsWith('trigger')));
      expect(p.issues.length).toBeGreaterThan(0);
    }
  });
});

describe('expressions.evaluate', () => {
  it('evaluates against sample data with the engine’s bindings', async () => {
    h.clock.now = Date.parse('2025-03-01T09:00:00Z');
    expect(await h.core.call('expressions.evaluate', { expression: 'prev.score > 50', scope: { prev: { score: 80 } } })).toEqual({ ok: true, value: true, truncated: false });
    expect(await h.core.call('expressions.evaluate', { expression: '$now()', scope: {} })).toEqual({ ok: true, value: '2025-03-01T09:00:00.000Z', truncated: false });
    expect(await h.core.call('expressions.evaluate', { expression: 'steps.prep.missing', scope: { steps: { prep: {} } } })).toEqual({ ok: true, truncated: false });
  });

  it('reports a syntax error with its position, and stops an endless expression', async () => {
    const r = await h.core.call('expressions.evaluate', { expression: 'prev.score >', scope: {} });
    expect(r.ok).toBe(false);
    expect(r.error?.position).toBeTypeOf('number');
    const loop = await h.core.call('expressions.evaluate', { expression: '($f := function($n) { $f($n + 1) }; $f(0))', scope: {} });
    expect(loop).toMatchObject({ ok: false, error: { message: expect.stringMatching(/deeper than 500 levels|longer than 1000 ms/) as unknown } });
    const big = await h.core.call('expressions.evaluate', { expression: '[1..100000]', scope: {} });
    expect(big.truncated).toBe(true);
    expect(typeof big.value).toBe('string');
  });
});
