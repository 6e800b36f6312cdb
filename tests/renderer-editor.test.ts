/**
 * The workflow editor's DOM-free parts: undo/redo, the draft operations and where problems go,
 * forms from the real node schemas (nodes.catalog's JSON Schema), expression completions,
 * version diffs and the leave guard.
 */
import { describe, expect, it } from 'vitest';
import { nodeCatalog } from '../electron/core/engine/catalog';
import { threadNodes } from '../electron/core/nodes';
import { validateWorkflow } from '../electron/core/engine';
import { canRedo, canUndo, historyReducer, initHistory, COALESCE_MS, HISTORY_LIMIT } from '../renderer/src/pages/workflows/editor/history';
import {
  addNode,
  arrange,
  connect,
  definitionOf,
  draftFromDefinition,
  duplicateNode,
  emptyDraft,
  entryIds,
  nodeIdFor,
  nodeIdProblem,
  paramIssues,
  placeIssues,
  removeEdges,
  removeNodes,
  renameNode,
  sameDefinition,
  triggerPosition,
  edgeKey,
  workflowIdFor,
  type Draft,
} from '../renderer/src/pages/workflows/editor/model';
import { anyModeOf, convertAny, fieldsOf, getPath, setPath, storeLiteral, literalText, widgetFor, type JsonSchema, type ExpressionSpec } from '../renderer/src/pages/workflows/editor/paramSchema';
import { applyCompletion, completionsAt, scopeFor } from '../renderer/src/pages/workflows/editor/completions';
import { diffDefinitions, jsonDiffLines } from '../renderer/src/pages/workflows/diff';
import { leaveGuard, mayLeave, setLeaveGuard } from '../renderer/src/api/leaveGuard';
import type { RunDetail } from '../shared/api';

const registry = threadNodes();
const catalog = new Map(nodeCatalog(registry).map((n) => [n.type, n]));
const info = (type: string) => catalog.get(type)!;
const branchesOf = (d: Draft) => (id: string) => {
  const n = d.nodes.find((x) => x.id === id);
  const i = n && catalog.get(n.type);
  return i ? i.branches : null;
};

describe('history', () => {
  it('undoes and redoes commits; a new commit drops the redo stack', () => {
    let h = initHistory('a');
    h = historyReducer(h, { type: 'commit', next: 'b', at: 0 });
    h = historyReducer(h, { type: 'commit', next: 'c', at: 10_000 });
    expect(h.present).toBe('c');
    h = historyReducer(h, { type: 'undo' });
    h = historyReducer(h, { type: 'undo' });
    expect(h.present).toBe('a');
    expect(canUndo(h)).toBe(false);
    h = historyReducer(h, { type: 'redo' });
    expect(h.present).toBe('b');
    expect(canRedo(h)).toBe(true);
    h = historyReducer(h, { type: 'commit', next: 'x', at: 20_000 });
    expect(canRedo(h)).toBe(false);
    expect(historyReducer(h, { type: 'undo' }).present).toBe('b');
    // Undo at the start and redo at the end change nothing.
    expect(historyReducer(initHistory('z'), { type: 'undo' }).present).toBe('z');
  });

  it('coalesces commits of one group (typing in a field) within the window, and keeps at most the limit', () => {
    let h = initHistory('');
    h = historyReducer(h, { type: 'commit', next: 'x', at: 0 });
    for (const [i, v] of ['h', 'he', 'hel', 'hell', 'hello'].entries()) h = historyReducer(h, { type: 'commit', next: v, group: 'node:a:title', at: 1000 + i * 100 });
    expect(h.past).toEqual(['', 'x']);
    h = historyReducer(h, { type: 'undo' });
    expect(h.present).toBe('x');
    let g = historyReducer(initHistory(''), { type: 'commit', next: 'a', group: 'f', at: 0 });
    g = historyReducer(g, { type: 'commit', next: 'ab', group: 'f', at: COALESCE_MS + 1 });
    expect(g.past).toEqual(['', 'a']);
    let big = initHistory(0);
    for (let i = 1; i <= HISTORY_LIMIT + 50; i++) big = historyReducer(big, { type: 'commit', next: i, at: i * 10_000 });
    expect(big.past.length).toBe(HISTORY_LIMIT);
  });
});

describe('the draft', () => {
  it('proposes a workflow id from its name: lower case, accents and signs dropped, at most 63 characters', () => {
    expect(workflowIdFor('Lead follow-up!')).toBe('lead-follow-up');
    expect(workflowIdFor('  Café Réservé  ')).toBe('cafe-reserve');
    expect(workflowIdFor('x'.repeat(80))).toHaveLength(63);
  });

  const build = (): Draft => {
    let d: Draft = { ...emptyDraft(), id: 'lead-router', name: 'Lead router', trigger: { type: 'event', event: 'form.submitted' } };
    d = addNode(d, 'set', info('set'), { x: 0, y: 0 }).draft;
    d = addNode(d, 'condition', info('condition'), { x: 0, y: 200 }).draft;
    d = addNode(d, 'escalate', info('escalate'), { x: -150, y: 400 }).draft;
    d = addNode(d, 'log', info('log'), { x: 150, y: 400 }).draft;
    return d;
  };

  it('adds nodes with free ids and the params their schema starts with', () => {
    const d = build();
    expect(d.nodes.map((n) => n.id)).toEqual(['set', 'condition', 'escalate', 'log']);
    expect(d.nodes.find((n) => n.id === 'set')?.params).toEqual({ values: {}, merge: false });
    expect(d.nodes.find((n) => n.id === 'escalate')?.params).toEqual({ severity: 'warning', detail: '' });
    expect(nodeIdFor('crm.contact.upsert', [])).toBe('upsert');
    expect(nodeIdFor('set', ['set', 'set_2'])).toBe('set_3');
    expect(nodeIdFor('9lives', [])).toBe('n_9lives');
  });

  it('connects only what the graph rules allow, naming the rule', () => {
    let d = build();
    for (const e of [{ from: 'set', to: 'condition' }, { from: 'condition', to: 'escalate', branch: 'true' }, { from: 'condition', to: 'log', branch: 'false' }]) {
      const r = connect(d, e, branchesOf(d));
      expect(r.result.ok).toBe(true);
      d = r.draft;
    }
    const cycle = connect(d, { from: 'log', to: 'set' }, branchesOf(d));
    expect(cycle.draft).toBe(d);
    expect(cycle.result).toMatchObject({ ok: false, rule: 'cycle', message: expect.stringContaining('edges form a cycle') as unknown });
    expect(connect(d, { from: 'condition', to: 'log', branch: 'maybe' }, branchesOf(d)).result).toMatchObject({ ok: false, rule: 'no-branch' });
    expect(entryIds(d)).toEqual(['set']);
    expect(triggerPosition(d)).toEqual({ x: 0, y: -150 });
    // Removing a node takes its edges; removing an edge by key.
    expect(removeNodes(d, ['condition']).edges).toEqual([]);
    expect(removeEdges(d, [edgeKey({ from: 'condition', to: 'log', branch: 'false' })]).edges).toHaveLength(2);
  });

  it('duplicates, renames (edges follow) and checks node ids like the contract', () => {
    let d = connect(build(), { from: 'set', to: 'condition' }, () => []).draft;
    const dup = duplicateNode(d, 'escalate')!;
    expect(dup.id).toBe('escalate_2');
    expect(dup.draft.nodes.at(-1)).toMatchObject({ id: 'escalate_2', type: 'escalate', position: { x: -110, y: 440 } });
    expect(nodeIdProblem(d, 'set', 'condition')).toBe('another node is already called "condition"');
    expect(nodeIdProblem(d, 'set', '1st')).toMatch(/^use 1-64 characters/);
    expect(nodeIdProblem(d, 'set', 'prep')).toBeNull();
    d = renameNode(d, 'set', 'prep');
    expect(d.edges).toEqual([{ from: 'prep', to: 'condition' }]);
  });

  it('round-trips a stored definition; one without positions is laid out; a move is a change', () => {
    const stored = {
      id: 'x-flow',
      name: 'X',
      version: 3,
      trigger: { type: 'manual' },
      nodes: [
        { id: 'a', type: 'log', params: { message: 'hi' } },
        { id: 'b', type: 'log', params: { message: 'there' } },
      ],
      edges: [{ from: 'a', to: 'b' }],
      settings: { reenroll: false, escalateOnFailure: 'warning' },
    };
    const d = draftFromDefinition(stored);
    expect(d.nodes[1]!.position.y).toBeGreaterThan(d.nodes[0]!.position.y);
    const def = definitionOf(d);
    expect(def).not.toHaveProperty('version');
    expect(validateWorkflow(def, { nodes: registry }).ok).toBe(true);
    expect(sameDefinition(draftFromDefinition(def), d)).toBe(true);
    const moved = { ...d, nodes: d.nodes.map((n) => (n.id === 'a' ? { ...n, position: { x: 500, y: 0 } } : n)) };
    expect(sameDefinition(moved, d)).toBe(false);
    expect(arrange(moved).nodes[0]!.position).toEqual(d.nodes[0]!.position);
  });

  it('puts each validation problem on its node, its field, the trigger or the workflow', () => {
    let d = build();
    // A required param missing (a union too) is named as missing.
    expect(paramIssues(d, 'condition', validateWorkflow(definitionOf(d), { nodes: registry }).issues)).toEqual([{ path: 'if', message: 'condition: missing required parameter "if"' }]);
    d = { ...d, nodes: d.nodes.map((n) => (n.id === 'condition' ? { ...n, params: { if: 'prev.score > 50' } } : n)) };
    d = connect(d, { from: 'set', to: 'condition' }, () => []).draft;
    d = { ...d, trigger: { type: 'schedule', cron: '61 * * * *', timezone: 'UTC' } as never, edges: [...d.edges, { from: 'condition', to: 'log', branch: 'maybe' }] };
    const v = validateWorkflow(definitionOf(d), { nodes: registry });
    const placed = placeIssues(d, v.issues);
    expect([...placed.byNode.keys()].sort()).toEqual(['condition', 'escalate', 'log']);
    expect(placed.byNode.get('condition')?.[0]?.message).toBe('node "condition" (condition) has no branch "maybe" (its branches: true, false, error)');
    expect(placed.trigger.map((i) => i.path)).toEqual(['trigger.cron']);
    expect(paramIssues(d, 'escalate', v.issues)).toEqual([{ path: 'title', message: 'escalate: missing required parameter "title"' }]);
    expect(paramIssues(d, 'log', v.issues)).toEqual([{ path: 'message', message: 'log: missing required parameter "message"' }]);
  });
});

describe('forms from the node schemas', () => {
  const spec = (type: string): ExpressionSpec => info(type).expressions;
  const fields = (type: string) => fieldsOf(info(type).schema as JsonSchema, spec(type));
  const kinds = (type: string) => Object.fromEntries(fields(type).map((f) => [f.name, [f.widget.kind, f.expression, f.required]]));

  it('maps each param to a widget of the map, with expressions where the engine takes them', () => {
    expect(kinds('escalate')).toEqual({ severity: ['enum', true, false], title: ['text', true, true], detail: ['text', true, false] });
    expect(kinds('condition')).toEqual({ if: ['expression', false, true] });
    expect(kinds('set')).toEqual({ values: ['record', false, true], merge: ['boolean', false, false] });
    expect(kinds('log')).toEqual({ message: ['any', true, true], level: ['enum', true, false] });
    expect(kinds('http.request')).toMatchObject({ method: ['enum', true, false], url: ['text', true, true], headers: ['record', false, false], body: ['any', true, false], auth: ['object', false, false], timeout: ['duration', true, false] });
    expect(kinds('forEach')).toEqual({ items: ['list', true, true], concurrency: ['number', true, false], body: ['json', false, true] });
    expect(kinds('switch')).toEqual({ value: ['expression', false, false], cases: ['list', false, true] });
    expect(kinds('wait')).toMatchObject({ duration: ['duration', true, false], until: ['text', true, false], event: ['object', false, false] });
    // Nested: a switch case's "if" is a raw expression at its own path; wait.event.filter is deferred.
    const caseSchema = (info('switch').schema as JsonSchema).properties!.cases!.items!;
    expect(fieldsOf(caseSchema, spec('switch'), 'cases.3').map((f) => [f.path, f.widget.kind])).toEqual([
      ['cases.3.name', 'text'],
      ['cases.3.equals', 'any'],
      ['cases.3.if', 'expression'],
    ]);
    const eventSchema = (info('wait').schema as JsonSchema).properties!.event!;
    expect(fieldsOf(eventSchema, spec('wait'), 'event').find((f) => f.name === 'filter')?.widget).toEqual({ kind: 'expression', deferred: true });
    // Every param of every registered node gets a widget of the map (none unknown).
    for (const n of catalog.values()) for (const f of fieldsOf(n.schema as JsonSchema, n.expressions)) expect([n.type, f.name, f.widget.kind]).not.toContain('unknown');
  });

  it('an unknown schema is an "unknown" widget (shown as an error), never dropped', () => {
    expect(widgetFor({ type: 'null' }, 'x').widget).toEqual({ kind: 'unknown', detail: 'type "null"' });
    expect(widgetFor({ not: {} } as JsonSchema, 'x').widget.kind).toBe('unknown');
    expect(fieldsOf({ type: 'object', properties: { a: { type: 'null' } } }).map((f) => f.widget.kind)).toEqual(['unknown']);
  });

  it('edits values by path and converts "any" values between modes', () => {
    const p = { cases: [{ name: 'a' }], values: { x: 1 } };
    expect(setPath(p, 'cases.0.if', 'prev.x > 1')).toEqual({ cases: [{ name: 'a', if: 'prev.x > 1' }], values: { x: 1 } });
    expect(setPath(p, 'values.x', undefined)).toEqual({ cases: [{ name: 'a' }], values: {} });
    expect(getPath(p, 'cases.0.name')).toBe('a');
    expect(p.values).toEqual({ x: 1 });
    expect(anyModeOf('=prev.x')).toBe('expression');
    expect(anyModeOf('==literal')).toBe('text');
    expect(anyModeOf(3)).toBe('number');
    expect(anyModeOf({ a: 1 })).toBe('json');
    expect(convertAny('80', 'number')).toBe(80);
    expect(convertAny('hi', 'expression')).toBe('="hi"');
    expect(convertAny('=prev.x', 'text')).toBe('prev.x');
    expect(storeLiteral('=not an expression')).toBe('==not an expression');
    expect(literalText('==x')).toBe('=x');
  });
});

describe('expression completions', () => {
  const run = {
    id: 'r_1',
    workflowId: 'w',
    version: 1,
    subject: null,
    createdAt: '2025-01-01T00:00:00Z',
    input: { form: 'demo', email: 'ada@example.com', fields: { score: '80', 'first name': 'Ada' } },
    steps: [
      { nodeId: 'prep', status: 'succeeded', input: {}, output: { score: 80, email: 'ada@example.com' } },
      { nodeId: 'hot', status: 'succeeded', input: { score: 80, email: 'ada@example.com' }, output: { score: 80 } },
    ],
  } as unknown as RunDetail;
  const scope = scopeFor('hot', ['prep'], run);

  it('offers input, prev and steps.<id> with values from the run', () => {
    expect(completionsAt('', 0, scope).items.map((c) => c.label)).toEqual(['input', 'prev', 'steps', 'run']);
    expect(completionsAt('pr', 2, scope).items).toEqual([{ label: 'prev', insert: 'prev', detail: '{ 2 fields }' }]);
    expect(completionsAt('prev.s', 6, scope)).toEqual({ from: 5, to: 6, items: [{ label: 'score', insert: 'score', detail: '80' }] });
    expect(completionsAt('steps.', 6, scope).items.map((c) => c.label)).toEqual(['prep', 'hot']);
    expect(completionsAt('input.fields.', 13, scope).items).toEqual([
      { label: 'score', insert: 'score', detail: '"80"' },
      { label: 'first name', insert: '`first name`', detail: '"Ada"' },
    ]);
    expect(completionsAt('$number(input.em', 16, scope).items.map((c) => c.label)).toEqual(['email']);
    expect(completionsAt('prev.nope.', 10, scope).items).toEqual([]);
    const t = applyCompletion('prev.sc > 50', { from: 5, to: 7 }, { label: 'score', insert: 'score', detail: '' });
    expect(t).toEqual({ text: 'prev.score > 50', cursor: 10 });
  });

  it('without a run: the pinned input, and upstream steps without data yet', () => {
    const s = scopeFor('hot', ['prep'], null, { email: 'x@y.z' });
    expect(completionsAt('input.', 6, s).items).toEqual([{ label: 'email', insert: 'email', detail: '"x@y.z"' }]);
    expect(completionsAt('steps.', 6, s).items).toEqual([{ label: 'prep', insert: 'prep', detail: 'no data yet' }]);
  });
});

describe('version diff', () => {
  const v1 = {
    id: 'w',
    name: 'W',
    version: 1,
    nodes: [
      { id: 'a', type: 'log', params: { message: 'hi' }, position: { x: 0, y: 0 } },
      { id: 'b', type: 'log', params: { message: 'x' }, position: { x: 0, y: 100 } },
    ],
    edges: [{ from: 'a', to: 'b' }],
  };
  const v2 = {
    id: 'w',
    name: 'W2',
    version: 2,
    nodes: [
      { id: 'a', type: 'log', params: { message: 'hello' }, position: { x: 0, y: 0 } },
      { id: 'b', type: 'log', params: { message: 'x' }, position: { x: 50, y: 100 } },
      { id: 'c', type: 'escalate', params: { title: 't' }, position: { x: 0, y: 200 } },
    ],
    edges: [{ from: 'b', to: 'c' }],
  };

  it('names added, removed, changed and moved nodes, edges, and workflow fields', () => {
    const d = diffDefinitions(v1, v2);
    expect(d.nodes).toEqual([
      { id: 'a', type: 'log', status: 'changed', fields: ['params.message'] },
      { id: 'b', type: 'log', status: 'moved', fields: [] },
      { id: 'c', type: 'escalate', status: 'added', fields: [] },
    ]);
    expect(d.edges).toEqual([
      { from: 'b', to: 'c', status: 'added' },
      { from: 'a', to: 'b', status: 'removed' },
    ]);
    expect(d.workflow).toEqual(['name']);
    expect(d.same).toBe(false);
    expect(diffDefinitions(v1, { ...v1, version: 9 }).same).toBe(true);
  });

  it('gives the JSON line diff with unchanged runs folded (the version number left out)', () => {
    const lines = jsonDiffLines(v1, v2, 1);
    expect(lines.filter((l) => l.kind === 'del').map((l) => l.text.trim())).toContain('"name": "W",');
    expect(lines.filter((l) => l.kind === 'add').map((l) => l.text.trim())).toContain('"message": "hello"');
    expect(lines.some((l) => l.kind === 'fold')).toBe(true);
    expect(lines.some((l) => l.text.includes('"version"'))).toBe(false);
    expect(jsonDiffLines(v1, v1).every((l) => l.kind === 'same' || l.kind === 'fold')).toBe(true);
  });
});

describe('the leave guard', () => {
  it('asks before leaving a guarded view, not when staying in it; a yes drops the guard', () => {
    const asked: string[] = [];
    const no = (m: string) => (asked.push(m), false);
    expect(mayLeave('#/runs', no)).toBe(true);
    setLeaveGuard({ message: 'Leave without saving?', hash: '#/workflows?wf=a&edit=1' });
    expect(mayLeave('#/workflows?wf=a&edit=1', no)).toBe(true);
    expect(mayLeave('#/runs', no)).toBe(false);
    expect(asked).toEqual(['Leave without saving?']);
    expect(leaveGuard()).not.toBeNull();
    expect(mayLeave(null, () => true)).toBe(true);
    expect(leaveGuard()).toBeNull();
  });
});
