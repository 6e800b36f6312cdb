/**
 * The run state machine without a database (electron/core/engine/advance.ts): the compiled
 * graphs are the real ones (compile.ts with the engine's node types), the step states a Map.
 * The store applies the same decisions in its commit transaction (the durability tests).
 */
import { describe, expect, it } from 'vitest';
import { advance, edgeTaken, retryDecision, runOutput, settleRun, stepTransition, subworkflowDepthRefusal, type AdvanceCommand, type Arrival, type StepState } from '../../electron/core/engine/advance';
import { compileGraph, type CNode, type CompiledGraph } from '../../electron/core/engine/compile';
import { ENGINE_NODES } from '../../electron/core/engine/nodes';
import { NodeRegistry } from '../../electron/core/engine/registry';
import type { ClaimedStep, StepError, StepOutcome } from '../../electron/core/engine/types';
import { WorkflowDefinition, type WorkflowDefinitionInput } from '../../shared/contract/workflow';

const registry = new NodeRegistry([{ domain: 'engine', nodes: ENGINE_NODES }]);
const set = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'set', params: { values: { at: id } }, ...extra });

function graph(nodes: WorkflowDefinitionInput['nodes'], edges: WorkflowDefinitionInput['edges'] = [], settings: WorkflowDefinitionInput['settings'] = {}): CompiledGraph {
  const def = WorkflowDefinition.parse({ id: 'wf', name: 'wf', nodes, edges, settings });
  return compileGraph(registry, def, def, 1, '');
}
const node = (g: CompiledGraph, id: string) => g.nodes.get(id) as CNode;
const ok = (output: unknown, branch: string | null = null): Arrival => ({ status: 'succeeded', branch, output, outputJson: JSON.stringify(output) });
const view = (entries: Record<string, StepState> = {}) => new Map<string, StepState>(Object.entries(entries));
const done = (output: unknown, branch: string | null = null): StepState => ({ status: 'succeeded', branch, output: JSON.stringify(output) });
const active = (status: 'ready' | 'running' | 'waiting'): StepState => ({ status, branch: null, output: null });
const kinds = (cmds: AdvanceCommand[]) => cmds.map((c) => `${c.kind} ${c.nodeId}`);

const RUN = { id: 'r1', workflowId: 'wf', version: 3, scope: '' };
function claimed(nodeId: string, o: Partial<ClaimedStep> = {}): ClaimedStep {
  return { id: 7, runId: 'r1', nodeId, input: {}, attempts: 0, history: [], state: null, resume: undefined, startedAt: Date.parse('2025-03-01T09:00:00Z'), ...o };
}
const T = Date.parse('2025-03-01T09:00:05Z');
const fail = (e: Partial<StepError> = {}): StepOutcome => ({ kind: 'error', error: { message: 'boom', retryable: true, ...e } });

describe('edges', () => {
  it('an edge without a branch follows any success; a branch edge only its branch; error edges only a failure handled by them', () => {
    expect(edgeTaken(undefined, 'succeeded', null)).toBe(true);
    expect(edgeTaken(undefined, 'succeeded', 'false')).toBe(true);
    expect(edgeTaken('true', 'succeeded', 'true')).toBe(true);
    expect(edgeTaken('true', 'succeeded', 'false')).toBe(false);
    expect(edgeTaken('error', 'failed', 'error')).toBe(true);
    expect(edgeTaken(undefined, 'failed', 'error')).toBe(false);
    expect(edgeTaken('error', 'succeeded', null)).toBe(false);
    expect(edgeTaken(undefined, 'skipped', null)).toBe(false);
  });
});

describe('advance: successors, branches and dead paths', () => {
  it('a condition creates its taken branch and skips the other, with everything only the other path reaches', () => {
    const g = graph(
      [{ id: 'c', type: 'condition', params: { if: 'input.x > 1' } }, set('yes'), set('no'), set('no2'), set('no3')],
      [
        { from: 'c', to: 'yes', branch: 'true' },
        { from: 'c', to: 'no', branch: 'false' },
        { from: 'no', to: 'no2' },
        { from: 'no2', to: 'no3' },
      ],
    );
    const steps = view({ c: done(true, 'true') });
    const cmds = advance(g, steps, node(g, 'c'), ok({ x: 2 }, 'true'));
    expect(kinds(cmds)).toEqual(['create yes', 'skip no', 'skip no2', 'skip no3']);
    expect(cmds[0]).toEqual({ kind: 'create', nodeId: 'yes', input: { x: 2 }, inputJson: '{"x":2}' });
    // Each decision is recorded in the view (a later decision of the same commit sees it).
    expect(steps.get('yes')?.status).toBe('running');
    expect(['no', 'no2', 'no3'].map((n) => steps.get(n)?.status)).toEqual(['skipped', 'skipped', 'skipped']);
  });

  it('if/else merge: the merge waits for both paths, then takes the one taken path’s output as is', () => {
    const g = graph(
      [{ id: 'c', type: 'condition', params: { if: 'input.x = 1' } }, set('a'), set('b'), set('end')],
      [
        { from: 'c', to: 'a', branch: 'true' },
        { from: 'c', to: 'b', branch: 'false' },
        { from: 'a', to: 'end' },
        { from: 'b', to: 'end' },
      ],
    );
    const steps = view({ c: done({}, 'true') });
    expect(kinds(advance(g, steps, node(g, 'c'), ok({}, 'true')))).toEqual(['create a', 'skip b']);
    // b's skip reached `end`, whose other path (a) is still running: nothing yet.
    expect(steps.has('end')).toBe(false);
    steps.set('a', done({ v: 'a' }));
    expect(advance(g, steps, node(g, 'a'), ok({ v: 'a' }))).toEqual([{ kind: 'create', nodeId: 'end', input: { v: 'a' }, inputJson: '{"v":"a"}' }]);
  });

  it('a merge whose other input ended earlier reads its stored output (parsed from the stored text)', () => {
    const g = graph([set('a'), set('b'), set('m')], [
      { from: 'a', to: 'm' },
      { from: 'b', to: 'm' },
    ]);
    // Both taken: a plain (non-join) node with two taken inputs gets the map of both.
    const steps = view({ a: done({ n: 1 }), b: done({ n: 2 }) });
    expect(advance(g, steps, node(g, 'b'), ok({ n: 2 }))).toEqual([{ kind: 'create', nodeId: 'm', input: { a: { n: 1 }, b: { n: 2 } }, inputJson: null }]);
  });

  it('a node that already has a step is left alone (decided by an earlier arrival)', () => {
    const g = graph([set('a'), set('b'), { id: 'j', type: 'join', params: { mode: 'any' } }], [
      { from: 'a', to: 'j' },
      { from: 'b', to: 'j' },
    ]);
    expect(advance(g, view({ a: done(1), j: active('running') }), node(g, 'b'), ok(2))).toEqual([]);
  });

  it('error edges: a failure handled by an error edge starts the handler with { error } and skips the success path', () => {
    const g = graph([set('call', { retry: { maxAttempts: 1 } }), set('handle'), set('next'), set('after')], [
      { from: 'call', to: 'handle', branch: 'error' },
      { from: 'call', to: 'next' },
      { from: 'next', to: 'after' },
    ]);
    const t = stepTransition(node(g, 'call'), RUN, claimed('call'), fail({ code: 'http_500' }), T);
    expect(t.kind).toBe('fail');
    if (t.kind !== 'fail' || !t.errorEdge) throw new Error('expected an error edge');
    expect(t.error).toEqual({ message: 'boom', code: 'http_500', nodeId: 'call' });
    expect(t.errorEdge.output).toEqual({ error: { message: 'boom', code: 'http_500', nodeId: 'call' } });
    const cmds = advance(g, view(), node(g, 'call'), t.errorEdge);
    expect(kinds(cmds)).toEqual(['create handle', 'skip next', 'skip after']);
    expect(cmds[0]).toMatchObject({ input: { error: { message: 'boom', nodeId: 'call' } } });
  });

  it('a failure without an error edge fails the run (no successor is decided)', () => {
    const g = graph([set('call', { retry: { maxAttempts: 1 } }), set('next')], [{ from: 'call', to: 'next' }]);
    const t = stepTransition(node(g, 'call'), RUN, claimed('call'), fail({ code: 'x', expression: 'a.b' }), T);
    expect(t).toMatchObject({ kind: 'fail', errorEdge: null, attempts: 1, error: { message: 'boom', code: 'x', expression: 'a.b', nodeId: 'call' } });
  });

  it('dead-path elimination of a chain of 5,000 nodes uses no recursion', () => {
    const n = 5000;
    const nodes = [{ id: 'c', type: 'condition', params: { if: 'true' } }, set('yes'), ...Array.from({ length: n }, (_, i) => set(`d${i}`))];
    const edges = [
      { from: 'c', to: 'yes', branch: 'true' },
      { from: 'c', to: 'd0', branch: 'false' },
      ...Array.from({ length: n - 1 }, (_, i) => ({ from: `d${i}`, to: `d${i + 1}` })),
    ];
    const g = graph(nodes, edges);
    const cmds = advance(g, view(), node(g, 'c'), ok(true, 'true'));
    expect(cmds).toHaveLength(n + 1);
    expect(cmds.filter((c) => c.kind === 'skip').map((c) => c.nodeId)).toEqual(Array.from({ length: n }, (_, i) => `d${i}`));
  });

  it('a skip reaching a merge whose other path ended decides the merge in the same pass (the view holds the skip)', () => {
    const g = graph(
      [{ id: 'c', type: 'condition', params: { if: 'true' } }, set('t'), set('f'), set('g'), set('m')],
      [
        { from: 'c', to: 't', branch: 'true' },
        { from: 'c', to: 'f', branch: 'false' },
        { from: 'f', to: 'm' },
        { from: 'g', to: 'm' },
      ],
    );
    const cmds = advance(g, view({ g: done({ from: 'g' }) }), node(g, 'c'), ok(true, 'true'));
    expect(cmds).toEqual([
      { kind: 'create', nodeId: 't', input: true, inputJson: 'true' },
      { kind: 'skip', nodeId: 'f' },
      { kind: 'create', nodeId: 'm', input: { from: 'g' }, inputJson: '{"from":"g"}' },
    ]);
  });
});

describe('advance: joins', () => {
  const paths = (mode: 'all' | 'any' | 'first') =>
    graph([set('a'), set('left'), set('slow1'), set('slow2'), { id: 'j', type: 'join', params: { mode } }, set('after')], [
      { from: 'a', to: 'left' },
      { from: 'a', to: 'slow1' },
      { from: 'slow1', to: 'slow2' },
      { from: 'left', to: 'j' },
      { from: 'slow2', to: 'j' },
      { from: 'j', to: 'after' },
    ]);

  it('all: waits for every path, then gets { nodeId: output } of each', () => {
    const g = paths('all');
    const steps = view({ a: done(0), left: done('L'), slow1: done('s1'), slow2: active('running') });
    expect(advance(g, steps, node(g, 'left'), ok('L'))).toEqual([]);
    steps.set('slow2', done('S'));
    expect(advance(g, steps, node(g, 'slow2'), ok('S'))).toEqual([{ kind: 'create', nodeId: 'j', input: { left: 'L', slow2: 'S' }, inputJson: null }]);
  });

  it('all: a join node with one path taken still gets the map; with no path taken it is skipped, and what follows', () => {
    const g = paths('all');
    const steps = view({ a: done(0), left: done('L'), slow1: { status: 'skipped', branch: null, output: null }, slow2: { status: 'skipped', branch: null, output: null } });
    expect(advance(g, steps, node(g, 'left'), ok('L'))).toEqual([{ kind: 'create', nodeId: 'j', input: { left: 'L' }, inputJson: null }]);
    const dead = view({ left: { status: 'skipped', branch: null, output: null } });
    expect(kinds(advance(g, dead, node(g, 'slow2'), { status: 'skipped', branch: null, output: null, outputJson: null }))).toEqual(['skip j', 'skip after']);
  });

  it('any: the first arrival goes on with its own output; the other paths keep running', () => {
    const g = paths('any');
    const steps = view({ a: done(0), slow1: active('running') });
    const cmds = advance(g, steps, node(g, 'left'), ok('L'));
    expect(cmds).toEqual([{ kind: 'create', nodeId: 'j', input: 'L', inputJson: '"L"' }]);
    expect(steps.get('slow1')?.status).toBe('running');
    // The later arrival finds the join decided.
    steps.set('slow2', done('S'));
    expect(advance(g, steps, node(g, 'slow2'), ok('S'))).toEqual([]);
  });

  it('any: with every path dead, the join is skipped', () => {
    const g = paths('any');
    const steps = view({ left: { status: 'skipped', branch: null, output: null } });
    expect(kinds(advance(g, steps, node(g, 'slow2'), { status: 'skipped', branch: null, output: null, outputJson: null }))).toEqual(['skip j', 'skip after']);
  });

  it('first: goes on with the first arrival and stops the active steps of the other paths (not the finished ones)', () => {
    const g = paths('first');
    const steps = view({ a: done(0), slow1: active('waiting') });
    const cmds = advance(g, steps, node(g, 'left'), ok('L'));
    expect(cmds).toEqual([
      { kind: 'create', nodeId: 'j', input: 'L', inputJson: '"L"' },
      { kind: 'stop', nodeId: 'slow1', join: 'j', message: 'stopped: join "j" (first) went on with another path' },
    ]);
    expect(steps.get('slow1')?.status).toBe('skipped');
    expect(steps.get('a')?.status).toBe('succeeded');
  });

  it('first: a step created earlier in the same pass on another path is stopped too', () => {
    const g = graph([set('a'), set('x'), { id: 'j', type: 'join', params: { mode: 'first' } }], [
      { from: 'a', to: 'x' },
      { from: 'x', to: 'j' },
      { from: 'a', to: 'j' },
    ]);
    expect(kinds(advance(g, view({ a: done(1) }), node(g, 'a'), ok(1)))).toEqual(['create x', 'create j', 'stop x']);
  });
});

describe('a step outcome', () => {
  const g = graph([set('n', { retry: { maxAttempts: 3, initialDelay: '1s', factor: 2, maxDelay: '3s', jitter: false, nonRetryable: ['bad_input'] } })]);
  const cn = node(g, 'n');

  it('success: attempts counted; history written only when earlier tries failed', () => {
    const first = stepTransition(cn, RUN, claimed('n'), { kind: 'done', output: '{"a":1}', outputValue: { a: 1 }, branch: null }, T);
    expect(first).toEqual({ kind: 'succeed', attempts: 1, history: null, finishedAt: new Date(T).toISOString(), arrival: { status: 'succeeded', branch: null, output: { a: 1 }, outputJson: '{"a":1}' } });
    const earlier = [{ attempt: 1, startedAt: 'x', finishedAt: 'y', error: { message: 'e' } }];
    const second = stepTransition(cn, RUN, claimed('n', { attempts: 1, history: earlier }), { kind: 'done', output: '1', outputValue: 1, branch: 'b' }, T);
    expect(second.kind === 'succeed' && JSON.parse(second.history as string)).toEqual([...earlier, { attempt: 2, startedAt: '2025-03-01T09:00:00.000Z', finishedAt: '2025-03-01T09:00:05.000Z', error: null }]);
  });

  it('retry: exponential backoff from the first failure, capped at maxDelay, until maxAttempts', () => {
    const t1 = stepTransition(cn, RUN, claimed('n'), fail(), T);
    expect(t1).toMatchObject({ kind: 'retry', attempts: 1, due: T + 1000, waitingFor: `retry 2/3 at ${new Date(T + 1000).toISOString()}`, error: { message: 'boom' } });
    expect(t1.kind === 'retry' && JSON.parse(t1.history)).toEqual([{ attempt: 1, startedAt: '2025-03-01T09:00:00.000Z', finishedAt: '2025-03-01T09:00:05.000Z', error: { message: 'boom' } }]);
    expect(stepTransition(cn, RUN, claimed('n', { attempts: 1 }), fail(), T)).toMatchObject({ kind: 'retry', attempts: 2, due: T + 2000 });
    expect(stepTransition(cn, RUN, claimed('n', { attempts: 2 }), fail(), T)).toMatchObject({ kind: 'fail', attempts: 3 });
    const long = node(graph([set('n', { retry: { maxAttempts: 9, initialDelay: '1s', factor: 10, maxDelay: '3s', jitter: false } })]), 'n');
    expect(retryDecision(long, 4, { message: 'x', retryable: true }, T)?.due).toBe(T + 3000);
  });

  it('jitter draws the delay in [d/2, d] from the given random source', () => {
    const j = node(graph([set('n', { retry: { maxAttempts: 5, initialDelay: '2s', factor: 2, maxDelay: '1m', jitter: true } })]), 'n');
    expect(retryDecision(j, 2, { message: 'x', retryable: true }, T, () => 0)?.due).toBe(T + 2000);
    expect(retryDecision(j, 2, { message: 'x', retryable: true }, T, () => 1)?.due).toBe(T + 4000);
    expect(retryDecision(j, 2, { message: 'x', retryable: true }, T, () => 0.5)?.due).toBe(T + 3000);
  });

  it('Retry-After (a 429/503) replaces the backoff', () => {
    expect(stepTransition(cn, RUN, claimed('n'), fail({ retryAfterMs: 42_000 }), T)).toMatchObject({ kind: 'retry', due: T + 42_000 });
  });

  it('not retried: an error marked non-retryable, or whose code the node lists as nonRetryable', () => {
    expect(stepTransition(cn, RUN, claimed('n'), fail({ retryable: false }), T)).toMatchObject({ kind: 'fail', attempts: 1 });
    expect(stepTransition(cn, RUN, claimed('n'), fail({ code: 'bad_input' }), T)).toMatchObject({ kind: 'fail', error: { code: 'bad_input', nodeId: 'n' } });
    expect(stepTransition(cn, RUN, claimed('n'), fail({ code: 'other' }), T)).toMatchObject({ kind: 'retry' });
  });

  it('the workflow’s retry policy applies to nodes without their own', () => {
    const w = graph([set('n')], [], { retry: { maxAttempts: 1 } });
    expect(stepTransition(node(w, 'n'), RUN, claimed('n'), fail(), T)).toMatchObject({ kind: 'fail' });
  });

  it('suspend: a timer, an approval with its expiry, an event wait, and the child runs it starts', () => {
    const run = { ...RUN, scope: 'outer' };
    const wait = stepTransition(cn, run, claimed('n'), { kind: 'suspend', suspend: { suspend: true, until: T + 60_000, waitingFor: 'until 9:01' } }, T);
    expect(wait).toMatchObject({ kind: 'suspend', timer: { kind: 'resume', due: T + 60_000 }, approval: null, waitEvent: null, children: [], state: '{"v":null}' });
    const ask = stepTransition(cn, run, claimed('n'), { kind: 'suspend', suspend: { suspend: true, until: T + 5000, approval: { title: 'OK?', payload: { a: 1 } }, waitingFor: 'approval' } }, T);
    expect(ask).toMatchObject({ timer: { kind: 'approval', due: T + 5000 }, approval: { title: 'OK?', payload: { a: 1 } } });
    const ev = stepTransition(cn, run, claimed('n'), { kind: 'suspend', suspend: { suspend: true, event: { type: 'reply', match: { 'event.subject.id': '3' } }, state: { k: 1 }, waitingFor: 'a reply' } }, T);
    expect(ev).toMatchObject({ waitEvent: 'reply', timer: null });
    expect(ev.kind === 'suspend' && JSON.parse(ev.state)).toEqual({ v: { k: 1 }, ev: { match: { 'event.subject.id': '3' }, filter: null } });
    const kids = stepTransition(cn, run, claimed('n'), {
      kind: 'suspend',
      suspend: { suspend: true, waitingFor: 'children', children: [{ body: true, input: { item: 1 }, key: '0' }, { workflow: 'other', input: { x: 1 }, key: 'sub' }] },
    }, T);
    expect(kids.kind === 'suspend' && kids.children).toEqual([
      { workflow: 'wf', version: 3, scope: 'outer/n', input: { item: 1 }, parentRunId: 'r1', parentStepId: 7, idempotencyKey: 'child:7:0', trigger: { type: 'subworkflow', detail: { runId: 'r1', nodeId: 'n' } } },
      { workflow: 'other', input: { x: 1 }, parentRunId: 'r1', parentStepId: 7, idempotencyKey: 'child:7:sub', trigger: { type: 'subworkflow', detail: { runId: 'r1', nodeId: 'n' } } },
    ]);
  });
});

describe('the run after a commit', () => {
  it('finishes when no step is ready, running or waiting; else runs or waits', () => {
    expect(settleRun([{ status: 'succeeded' }, { status: 'skipped' }, { status: 'failed' }])).toEqual({ kind: 'finish' });
    expect(settleRun([{ status: 'succeeded' }, { status: 'waiting' }])).toEqual({ kind: 'status', status: 'waiting' });
    expect(settleRun([{ status: 'waiting' }, { status: 'ready' }])).toEqual({ kind: 'status', status: 'running' });
    expect(settleRun([{ status: 'running' }])).toEqual({ kind: 'status', status: 'running' });
  });

  const g = graph([set('a'), set('b'), set('c'), set('d')], [
    { from: 'a', to: 'b' },
    { from: 'a', to: 'c' },
  ]);
  const never = () => {
    throw new Error('the limit is read only for several leaves');
  };

  it('output: the single succeeded leaf’s output; inner steps do not count', () => {
    expect(runOutput(g, [{ nodeId: 'a', output: '{"in":1}' }, { nodeId: 'b', output: '{"x": 1}' }], never)).toEqual({ outputJson: '{"x":1}' });
    expect(runOutput(g, [{ nodeId: 'a', output: '1' }], never)).toEqual({ outputJson: 'null' });
  });

  it('output: several leaves give { leafId: output }, spliced from their stored texts', () => {
    const out = runOutput(g, [{ nodeId: 'b', output: '{"x":1}' }, { nodeId: 'c', output: null }, { nodeId: 'd', output: '"d"' }], () => 1024);
    expect(out).toEqual({ outputJson: '{"b":{"x":1},"c":null,"d":"d"}' });
  });

  it('output: over engine.maxStepOutputBytes the run fails with output_too_large', () => {
    const big = JSON.stringify('é'.repeat(600));
    const out = runOutput(g, [{ nodeId: 'b', output: big }, { nodeId: 'c', output: big }], () => 2000);
    expect(out).toMatchObject({ error: { code: 'output_too_large' } });
    expect('error' in out && out.error.message).toMatch(/^the run's output \(the outputs of its 2 last steps\) is 2\.4 KB, over the limit of 2\.0 KB/);
  });

  it('sub-workflow depth: within the limit null; over it, the chain of workflows (forEach bodies are no level)', () => {
    const up = [
      { workflowId: 'c', scope: '' },
      { workflowId: 'b', scope: 'loop' },
      { workflowId: 'b', scope: '' },
      { workflowId: 'a', scope: '' },
    ];
    expect(subworkflowDepthRefusal(up, 100, 3, 'd')).toBeNull();
    const r = subworkflowDepthRefusal(up, 100, 2, 'd');
    expect(r?.code).toBe('subworkflow_depth');
    expect(r?.message).toMatch(/^sub-workflow depth limit reached: a -> b -> c -> d would be 3 sub-workflow levels deep, over the limit of 2/);
    expect(subworkflowDepthRefusal(up, 4, 10, 'd')?.message).toMatch(/^sub-workflow depth limit reached: … -> a -> b -> c -> d would be more than 3/);
  });
});

describe('a whole run, in memory', () => {
  /** Drive the state machine as the store does: run ready steps with `outcomeOf`, apply the decisions to a Map. */
  function simulate(g: CompiledGraph, outcomeOf: (nodeId: string, input: unknown, attempts: number) => StepOutcome) {
    const steps = new Map<string, StepState>();
    const inputs = new Map<string, unknown>();
    const tries = new Map<string, number>();
    const order: string[] = [];
    for (const e of g.entries) {
      steps.set(e, active('ready'));
      inputs.set(e, {});
    }
    let failed: unknown = null;
    for (let guard = 0; guard < 1000 && !failed; guard++) {
      const next = [...steps].find(([, s]) => s.status === 'ready' || s.status === 'running');
      if (!next) break;
      const [id] = next;
      order.push(id);
      const cn = node(g, id);
      const attempts = tries.get(id) ?? 0;
      const t = stepTransition(cn, RUN, claimed(id, { attempts }), outcomeOf(id, inputs.get(id), attempts), T);
      let cmds: AdvanceCommand[] = [];
      if (t.kind === 'succeed') {
        steps.set(id, { status: 'succeeded', branch: t.arrival.branch, output: t.arrival.outputJson });
        cmds = advance(g, steps, cn, t.arrival);
      } else if (t.kind === 'retry') {
        tries.set(id, t.attempts);
        steps.set(id, active('ready')); // the retry timer fired
      } else if (t.kind === 'fail') {
        steps.set(id, { status: 'failed', branch: t.errorEdge ? 'error' : null, output: t.errorEdge?.outputJson ?? null });
        if (t.errorEdge) cmds = advance(g, steps, cn, t.errorEdge);
        else failed = t.error;
      }
      for (const c of cmds) if (c.kind === 'create') inputs.set(c.nodeId, c.input);
    }
    const rows = [...steps].map(([nodeId, s]) => ({ nodeId, ...s }));
    const settled = settleRun(rows);
    const output = settled.kind === 'finish' && !failed ? runOutput(g, rows.filter((r) => r.status === 'succeeded'), () => 1 << 20) : null;
    return { steps, order, failed, settled, output };
  }

  it('the bench’s 5-step workflow: condition -> set -> 2 parallel sets -> join', () => {
    const g = graph(
      [{ id: 'check', type: 'condition', params: { if: 'input.n >= 0' } }, set('prep'), set('left'), set('right'), { id: 'done', type: 'join', params: { mode: 'all' } }],
      [
        { from: 'check', to: 'prep', branch: 'true' },
        { from: 'prep', to: 'left' },
        { from: 'prep', to: 'right' },
        { from: 'left', to: 'done' },
        { from: 'right', to: 'done' },
      ],
    );
    const r = simulate(g, (id, input) =>
      id === 'check' ? { kind: 'done', output: 'true', outputValue: true, branch: 'true' } : { kind: 'done', output: JSON.stringify(id === 'done' ? input : id), outputValue: id === 'done' ? input : id, branch: null },
    );
    expect(r.order).toEqual(['check', 'prep', 'left', 'right', 'done']);
    expect(r.settled).toEqual({ kind: 'finish' });
    expect(r.output).toEqual({ outputJson: '{"left":"left","right":"right"}' });
  });

  it('a step that fails twice and then succeeds carries on; one that keeps failing fails the run', () => {
    const g = graph([set('flaky', { retry: { maxAttempts: 3, jitter: false } }), set('next')], [{ from: 'flaky', to: 'next' }]);
    const r = simulate(g, (id, _input, attempts) => (id === 'flaky' && attempts < 2 ? fail() : { kind: 'done', output: '"ok"', outputValue: 'ok', branch: null }));
    expect(r.order).toEqual(['flaky', 'flaky', 'flaky', 'next']);
    expect(r.output).toEqual({ outputJson: '"ok"' });
    const bad = simulate(g, () => fail());
    expect(bad.failed).toEqual({ message: 'boom', nodeId: 'flaky' });
    expect(bad.steps.has('next')).toBe(false);
  });
});
