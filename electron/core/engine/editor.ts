/**
 * Handlers of the workflow editor's operations (shared/contract/engine.ts):
 * the node and event catalogs (from the registry), a node's branches for
 * given params, test runs of a draft, the schedule preview and the expression
 * preview. Everything is checked with the validator's own code, so the editor
 * shows the messages an import would give.
 */
import { createHash } from 'node:crypto';
import type jsonata from 'jsonata';
import { lazyRequire } from '../lazy';
import { ApiError, ScheduleTrigger, testWorkflowId, type ExpressionResult, type ValidationIssue } from '../../../shared/api';
import { describeCron } from '../../../shared/cron';
import type { Core } from '../core';
import type { HandlerMap } from '../api/types';
import { eventCatalog, nodeCatalog, type EventInfo, type NodeInfo } from './catalog';
import type { Engine } from './engine';
import { nextFireAfter } from './triggers/schedule';
import { triggerIssues, validateWorkflow } from './validate';
import { subworkflowCycle, subworkflowCycleMessage } from './workflows';

// Loaded with the first expression, not at start (every worker thread would carry it too).
const jsonataLib = lazyRequire<typeof import('jsonata')>('jsonata');

/** Limits of expressions.evaluate: a preview must answer quickly whatever is typed. */
export const PREVIEW_TIMEOUT_MS = 1000;
export const PREVIEW_MAX_DEPTH = 500;
export const PREVIEW_MAX_CHARS = 64 * 1024;
/** Test-run versions kept per workflow besides those a run still points at. */
export const TEST_VERSIONS_KEPT = 20;

type Def = NonNullable<ReturnType<typeof validateWorkflow>['definition']>;

function invalid(issues: ValidationIssue[], what: string): ApiError {
  const list = issues.map((i) => ({ path: i.path, message: i.nodeId ? `node "${i.nodeId}": ${i.message}` : i.message }));
  return new ApiError('invalid_input', `The workflow definition is not valid (${what}): ${list.map((i) => `${i.path}: ${i.message}`).join('; ')}`, list);
}

/** `from` and every node reachable from it, in definition order. */
export function downstreamOf(def: Pick<Def, 'nodes' | 'edges'>, from: string): Set<string> {
  const out = new Map<string, string[]>();
  for (const e of def.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const seen = new Set([from]);
  const todo = [from];
  while (todo.length) {
    for (const to of out.get(todo.pop() as string) ?? []) {
      if (seen.has(to)) continue;
      seen.add(to);
      todo.push(to);
    }
  }
  return seen;
}

/**
 * The definition a test run executes: the draft (or the part from `from` on) under the test workflow's id,
 * started by hand, with no failure escalation, no error workflow, no concurrency limit and re-enrolment allowed.
 */
export function testDefinition(def: Def, from?: string): Omit<Def, 'version'> {
  const keep = from ? downstreamOf(def, from) : null;
  const { version: _v, ...rest } = def;
  const { errorWorkflow: _e, concurrency: _c, ...settings } = def.settings;
  return {
    ...rest,
    name: `${def.name} (test)`,
    trigger: { type: 'manual' },
    nodes: keep ? def.nodes.filter((n) => keep.has(n.id)) : def.nodes,
    edges: keep ? def.edges.filter((e) => keep.has(e.from) && keep.has(e.to)) : def.edges,
    settings: { ...settings, reenroll: true, escalateOnFailure: 'none' },
  };
}

/** Store a test definition as a version of the workflow's test twin (the same definition reuses its version). */
function storeTestVersion(engine: Engine, now: number, realId: string, stored: Omit<Def, 'version'>): { id: string; version: number } {
  const id = testWorkflowId(realId);
  const definition = JSON.stringify(stored);
  const hash = createHash('sha256').update(definition).digest('hex');
  const at = new Date(now).toISOString();
  const repo = engine.store.repo;
  const version = repo.transaction(() =>
    repo.workflows.storeTestTwin({ id, name: stored.name, description: 'Test runs of the editor', definition, hash, at, keep: TEST_VERSIONS_KEPT }),
  );
  return { id, version };
}

/** JSONata's values made plain JSON (sequences are arrays with markers; functions are left out). */
function plain(v: unknown): unknown {
  if (v === undefined) return undefined;
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'function' ? undefined : x)) ?? 'null');
}

/** Evaluate a preview expression with the engine's bindings, bounded in time, depth and answer size. */
export async function evaluatePreview(expression: string, scope: unknown, clock: () => number): Promise<ExpressionResult> {
  if (!expression.trim()) return { ok: false, error: { message: 'give an expression, e.g. input.score > 50' }, truncated: false };
  let expr: jsonata.Expression;
  try {
    expr = jsonataLib()(expression, { timeout: PREVIEW_TIMEOUT_MS, stack: PREVIEW_MAX_DEPTH });
  } catch (e) {
    const err = e as { message?: string; position?: number };
    return { ok: false, error: { message: err.message ?? String(e), ...(typeof err.position === 'number' ? { position: err.position } : {}) }, truncated: false };
  }
  try {
    const v = await expr.evaluate(scope ?? {}, { now: () => new Date(clock()).toISOString(), millis: () => clock() });
    const value = plain(v);
    const text = value === undefined ? '' : JSON.stringify(value);
    if (text.length > PREVIEW_MAX_CHARS) return { ok: true, value: `${text.slice(0, PREVIEW_MAX_CHARS)}…`, truncated: true };
    return value === undefined ? { ok: true, truncated: false } : { ok: true, value, truncated: false };
  } catch (e) {
    const err = e as { message?: string; position?: number; code?: string; value?: unknown };
    const message =
      err.code === 'D1012'
        ? `the expression ran longer than ${PREVIEW_TIMEOUT_MS} ms (an endless loop?)`
        : err.code === 'D1011'
          ? `the expression goes deeper than ${PREVIEW_MAX_DEPTH} levels (endless recursion?)`
          : e instanceof RangeError
            ? `the value is nested too deep (${e.message})`
            : (err.message ?? String(e));
    return { ok: false, error: { message, ...(typeof err.position === 'number' ? { position: err.position } : {}) }, truncated: false };
  }
}

export function editorHandlers(
  core: Core,
  engine: Engine,
): HandlerMap<'nodes.catalog' | 'nodes.branches' | 'events.catalog' | 'workflows.testRun' | 'schedules.preview' | 'expressions.evaluate'> {
  // The registry is fixed once the core is composed: build the catalogs once.
  let nodes: NodeInfo[] | undefined;
  let events: EventInfo[] | undefined;
  return {
    'nodes.catalog': () => ({ nodes: (nodes ??= nodeCatalog(core.nodes)) }),
    'events.catalog': () => ({ events: (events ??= eventCatalog(core.eventTypes)) }),
    'nodes.branches': ({ type, params }) => {
      const def = core.nodes.get(type);
      if (!def) return { branches: null, issues: [{ path: 'type', message: `unknown node type "${type}" (known types: ${core.nodes.types().join(', ')})` }] };
      const pr = def.params.safeParse(params ?? {});
      if (!pr.success) return { branches: null, issues: pr.error.issues.map((i) => ({ path: ['params', ...i.path.map(String)].join('.'), message: `${type}: ${i.message}` })) };
      const branches = def.branches === undefined ? [] : typeof def.branches === 'function' ? def.branches(pr.data) : [...def.branches];
      return { branches, issues: [] };
    },
    'workflows.testRun': ({ definition, input, from }) => {
      const v = validateWorkflow(definition, { nodes: core.nodes, env: core });
      if (!v.ok || !v.definition) throw invalid(v.issues, 'nothing was run');
      const def = v.definition;
      const cycle = subworkflowCycle(core.db, def);
      if (cycle) throw invalid([{ path: cycle.path, message: subworkflowCycleMessage(cycle.chain) }], 'nothing was run');
      if (from !== undefined && !def.nodes.some((n) => n.id === from)) {
        throw new ApiError('invalid_input', `No node "${from}" in the definition: give the id of the node to run from.`, [{ path: 'from', message: `no node "${from}"` }]);
      }
      const stored = testDefinition(def, from);
      const { id, version } = storeTestVersion(engine, core.now(), def.id, stored);
      const r = engine.startRun({ workflow: id, version, input: input ?? {}, trigger: { type: 'test', detail: { workflowId: def.id, ...(from !== undefined ? { from } : {}) } } });
      return { runId: r.runId, workflowId: id, version, nodes: stored.nodes.map((n) => n.id) };
    },
    'schedules.preview': ({ cron, timezone, count }) => {
      const parsed = ScheduleTrigger.safeParse({ type: 'schedule', cron, timezone });
      const issues: ValidationIssue[] = parsed.success
        ? triggerIssues(parsed.data)
        : parsed.error.issues.map((i) => ({ path: ['trigger', ...i.path.map(String)].join('.'), message: i.message }));
      if (issues.length) return { ok: false, text: describeCron(cron), next: [], issues };
      const next: string[] = [];
      let after = new Date(core.now());
      for (let i = 0; i < count; i++) {
        const at = nextFireAfter(cron, timezone, after);
        if (!at) break;
        next.push(at.toISOString());
        after = at;
      }
      return { ok: true, text: describeCron(cron), next, issues: [] };
    },
    'expressions.evaluate': ({ expression, scope }) => evaluatePreview(expression, scope, () => core.now()),
  };
}
