/**
 * validateWorkflow: the structural zod schema, then the rules that need the
 * node registry and the expression language. Every issue names the path, the
 * node id when there is one, and the rule broken.
 */
import { Cron } from 'croner';
import type { z } from 'zod';
import { Graph, WorkflowDefinition, type Trigger, type ValidationIssue } from '../../../shared/contract/workflow';
import { jsonTooDeep, shortPath, tooDeepMessage } from '../../../shared/contract/limits';
import { cycleMessage, danglingMessage, duplicateEdgeMessage, findCycle, noBranchMessage, selfEdgeMessage, successors } from '../../../shared/graph';
import { compileExpression, compileParams, ExpressionError } from './expr';
import type { ThreadEnv } from '../env';
import type { NodeRegistry } from './registry';

/** What validation needs: the node types, and the store for the checks of names a param refers to. */
export interface ValidateOptions {
  nodes: NodeRegistry;
  /** When given, node params that name a sequence, stage, segment … are checked against the store. */
  env?: ThreadEnv;
}

export interface ValidationResult {
  ok: boolean;
  issues: ValidationIssue[];
  /** The parsed definition (defaults applied) when ok. */
  definition?: WorkflowDefinition;
}

function getAt(obj: unknown, path: PropertyKey[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k as string];
  }
  return cur;
}

function zodIssues(err: z.ZodError, root: unknown, prefix: string, nodeIdAt?: (path: PropertyKey[]) => string | undefined): ValidationIssue[] {
  return err.issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)';
    const missing = (i.code === 'invalid_type' || i.code === 'invalid_union') && i.path.length > 0 && getAt(root, i.path) === undefined;
    const message = missing ? `missing required ${prefix.includes('params') ? 'parameter' : 'field'} "${String(i.path[i.path.length - 1])}"` : i.message;
    const nodeId = nodeIdAt?.(i.path);
    return nodeId ? { path, nodeId, message } : { path, message };
  });
}

function exprMessage(e: ExpressionError): string {
  return `bad expression "${e.expression}": ${e.detail}${e.position !== undefined ? ` (at character ${e.position})` : ''}`;
}

/** Check a graph (the workflow, or a forEach body) and report issues under `prefix`. */
function validateGraph(graphIn: unknown, prefix: string, issues: ValidationIssue[], o: ValidateOptions): void {
  const parsed = Graph.safeParse(graphIn);
  const nodesRaw = (graphIn as { nodes?: unknown[] } | null)?.nodes;
  const nodeIdAt = (path: PropertyKey[]) => {
    if (path[0] !== 'nodes' || typeof path[1] !== 'number' || !Array.isArray(nodesRaw)) return undefined;
    const id = (nodesRaw[path[1]] as { id?: unknown } | undefined)?.id;
    return typeof id === 'string' ? id : undefined;
  };
  const at = (p: string) => (prefix ? `${prefix}.${p}` : p);
  if (!parsed.success) {
    issues.push(...zodIssues(parsed.error, graphIn, prefix, nodeIdAt));
    return;
  }
  const { nodes, edges } = parsed.data;
  const byId = new Map<string, { index: number; branches: string[] | null }>();
  nodes.forEach((n, i) => {
    const path = at(`nodes.${i}`);
    if (byId.has(n.id)) {
      issues.push({ path: `${path}.id`, nodeId: n.id, message: `duplicate node id "${n.id}" (node ids must be unique)` });
      return;
    }
    const def = o.nodes.get(n.type);
    if (!def) {
      issues.push({ path: `${path}.type`, nodeId: n.id, message: `unknown node type "${n.type}" (known types: ${o.nodes.types().join(', ')})` });
      byId.set(n.id, { index: i, branches: null });
      return;
    }
    const pr = def.params.safeParse(n.params);
    if (!pr.success) {
      for (const iss of zodIssues(pr.error, n.params, `${path}.params`)) issues.push({ ...iss, nodeId: n.id, message: `${n.type}: ${iss.message}` });
      byId.set(n.id, { index: i, branches: null });
      return;
    }
    compileParams(n.params, def.paramSpec ?? {}, (p, e) => issues.push({ path: [`${path}.params`, ...p].join('.'), nodeId: n.id, message: exprMessage(e) }));
    const report = (p: string, message: string) => issues.push({ path: `${path}.params.${p}`, nodeId: n.id, message });
    def.validate?.(pr.data, report, (g, p) => validateGraph(g, `${path}.params.${p}`, issues, o));
    if (def.refs && o.env) def.refs(pr.data, o.env, report);
    const branches = def.branches ? (typeof def.branches === 'function' ? def.branches(pr.data) : [...def.branches]) : [];
    byId.set(n.id, { index: i, branches });
  });
  const seenEdges = new Set<string>();
  edges.forEach((e, i) => {
    const path = at(`edges.${i}`);
    const from = byId.get(e.from);
    if (!from) issues.push({ path: `${path}.from`, message: danglingMessage(e.from, e.to, e.from) });
    if (!byId.has(e.to)) issues.push({ path: `${path}.to`, nodeId: e.from, message: danglingMessage(e.from, e.to, e.to) });
    if (e.from === e.to) issues.push({ path, nodeId: e.from, message: selfEdgeMessage(e.from, e.to) });
    if (from?.branches && e.branch !== undefined && e.branch !== 'error' && !from.branches.includes(e.branch)) {
      const type = nodes[from.index]?.type;
      issues.push({ path: `${path}.branch`, nodeId: e.from, message: noBranchMessage(e.from, type, e.branch, from.branches) });
    }
    const k = `${e.from}>${e.to}>${e.branch ?? ''}`;
    if (seenEdges.has(k)) issues.push({ path, nodeId: e.from, message: duplicateEdgeMessage(e.from, e.to) });
    seenEdges.add(k);
  });
  // Cycles (a loop is a forEach body, never a back edge).
  const cycle = findCycle(
    nodes.map((n) => n.id),
    successors(new Set(byId.keys()), edges),
  );
  if (cycle) issues.push({ path: at('edges'), nodeId: cycle[0] as string, message: cycleMessage(cycle) });
}

/** The graph rules and their messages are shared with the editor's canvas (shared/graph.ts). */
export { findCycle } from '../../../shared/graph';

/** Validate a workflow definition: { ok, issues: [{ path, nodeId?, message }] }. */
export function validateWorkflow(input: unknown, o: ValidateOptions): ValidationResult {
  const issues: ValidationIssue[] = [];
  // Nesting past the limit is refused before anything recursive (zod, params compilation, canonical JSON) sees it.
  const deep = jsonTooDeep(input);
  if (deep) return { ok: false, issues: [{ path: shortPath(deep.path), message: tooDeepMessage(deep) }] };
  // A template file (resources/templates) carries a block only the template installer reads.
  if (input && typeof input === 'object' && !Array.isArray(input) && 'template' in input) {
    const { template: _block, ...rest } = input as Record<string, unknown>;
    const id = typeof rest.id === 'string' ? rest.id : '<id>';
    const r = validateWorkflow(rest, o);
    const message = `this is a template file: install it with \`npx baton templates install ${id}\` (API templates.install), which also brings the sequences and forms it uses and checks what it needs; to import it as a plain workflow, remove the "template" block`;
    return { ok: false, issues: [{ path: 'template', message }, ...r.issues] };
  }
  const parsed = WorkflowDefinition.safeParse(input);
  if (!parsed.success) {
    const nodesRaw = (input as { nodes?: unknown[] } | null)?.nodes;
    issues.push(
      ...zodIssues(parsed.error, input, '', (path) => {
        if (path[0] !== 'nodes' || typeof path[1] !== 'number' || !Array.isArray(nodesRaw)) return undefined;
        const id = (nodesRaw[path[1]] as { id?: unknown } | undefined)?.id;
        return typeof id === 'string' ? id : undefined;
      }),
    );
    // Still check the graph when its shape is fine, to report everything at once.
    if (input && typeof input === 'object' && !issues.some((i) => i.path.startsWith('nodes') || i.path.startsWith('edges'))) {
      validateGraph({ nodes: (input as { nodes?: unknown }).nodes, edges: (input as { edges?: unknown }).edges ?? [] }, '', issues, o);
    }
    return { ok: false, issues };
  }
  const def = parsed.data;
  validateGraph({ nodes: def.nodes, edges: def.edges }, '', issues, o);
  issues.push(...triggerIssues(def.trigger));
  return issues.length ? { ok: false, issues } : { ok: true, issues: [], definition: def };
}

/** The checks of a trigger that its structural schema cannot make: time zone and cron of a schedule, an event filter's syntax. */
export function triggerIssues(t: Trigger): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (t.type === 'schedule') {
    try {
      Intl.DateTimeFormat('en-US', { timeZone: t.timezone });
    } catch {
      issues.push({ path: 'trigger.timezone', message: `unknown time zone "${t.timezone}" (use an IANA name such as Europe/Paris or America/New_York)` });
    }
    try {
      new Cron(t.cron, { paused: true, ...(issues.some((i) => i.path === 'trigger.timezone') ? {} : { timezone: t.timezone }) });
    } catch (e) {
      issues.push({ path: 'trigger.cron', message: `bad cron "${t.cron}": ${(e as Error).message} (use 5 fields: minute hour day-of-month month day-of-week, e.g. "30 2 * * *")` });
    }
  }
  if (t.type === 'event' && t.filter !== undefined) {
    try {
      compileExpression(t.filter);
    } catch (e) {
      if (e instanceof ExpressionError) issues.push({ path: 'trigger.filter', message: exprMessage(e) });
      else throw e;
    }
  }
  return issues;
}
