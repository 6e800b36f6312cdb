/**
 * Compiled definitions: the graph indexes, resolved retry policies and param
 * templates (expressions parsed once) of one workflow version, cached per
 * thread, so no step re-parses JSON or expressions of its definition.
 */
import {
  Graph,
  RetryPolicy,
  WorkflowDefinition,
  durationMs,
  type Edge,
  type WorkflowNode,
} from '../../../shared/contract/workflow';
import type { Sqlite } from '../db/open';
import { compileParams, templateUses, type ParamTemplate } from './expr';
import type { NodeDef, NodeRegistry } from './registry';
import { engineRepo } from './repo';

export interface ResolvedRetry {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  jitter: boolean;
  nonRetryable: string[];
}

export interface CNode {
  id: string;
  type: string;
  node: WorkflowNode;
  def: NodeDef;
  template: ParamTemplate;
  usesSteps: boolean;
  incoming: Edge[];
  outgoing: Edge[];
  joinMode: 'all' | 'any' | 'first';
  isJoinNode: boolean;
  leaf: boolean;
  hasErrorEdge: boolean;
  retry: ResolvedRetry;
  /** The node's own `timeout` (bounds the whole step). */
  timeoutMs: number | undefined;
  /** Its type's default run time (network nodes), else the engine's step timeout applies. */
  typeTimeoutMs: number | undefined;
}

export interface CompiledGraph {
  key: string;
  workflowId: string;
  version: number;
  scope: string;
  definition: WorkflowDefinition;
  nodes: Map<string, CNode>;
  entries: string[];
  /** Node ids from which `id` can be reached (memoised). */
  ancestors(id: string): Set<string>;
}

const DEFAULT_RETRY = RetryPolicy.parse({});

export function resolveRetry(p: RetryPolicy | undefined, fallback?: RetryPolicy): ResolvedRetry {
  const r = p ?? fallback ?? DEFAULT_RETRY;
  return {
    maxAttempts: r.maxAttempts,
    initialDelayMs: durationMs(r.initialDelay),
    maxDelayMs: durationMs(r.maxDelay),
    factor: r.factor,
    jitter: r.jitter,
    nonRetryable: r.nonRetryable,
  };
}

/** Backoff before try number `attempt + 1` (attempt >= 1): exponential, capped, with jitter in [d/2, d]. */
export function backoffMs(r: ResolvedRetry, attempt: number, random = Math.random): number {
  const d = Math.min(r.maxDelayMs, r.initialDelayMs * Math.pow(r.factor, attempt - 1));
  return Math.round(r.jitter ? d / 2 + random() * (d / 2) : d);
}

export function compileGraph(registry: NodeRegistry, definition: WorkflowDefinition, graph: { nodes: WorkflowNode[]; edges: Edge[] }, version: number, scope: string): CompiledGraph {
  const nodes = new Map<string, CNode>();
  for (const n of graph.nodes) {
    const def = registry.get(n.type);
    if (!def) throw new Error(`Unknown node type "${n.type}" in ${definition.id} v${version} (node ${n.id})`);
    const params = def.params.parse(n.params);
    const template = compileParams(params, def.paramSpec ?? {});
    nodes.set(n.id, {
      id: n.id,
      type: n.type,
      node: n,
      def,
      template: template.kind === 'static' ? { kind: 'static', value: params } : template,
      usesSteps: templateUses(template, 'steps'),
      incoming: [],
      outgoing: [],
      joinMode: def.join ? def.join(params) : 'all',
      isJoinNode: Boolean(def.join),
      leaf: true,
      hasErrorEdge: false,
      retry: resolveRetry(n.retry, definition.settings.retry),
      timeoutMs: n.timeout !== undefined ? durationMs(n.timeout) : undefined,
      typeTimeoutMs: def.timeoutMs,
    });
  }
  for (const e of graph.edges) {
    const from = nodes.get(e.from);
    const to = nodes.get(e.to);
    if (!from || !to) throw new Error(`Dangling edge ${e.from} -> ${e.to} in ${definition.id} v${version}`);
    from.outgoing.push(e);
    from.leaf = false;
    if (e.branch === 'error') from.hasErrorEdge = true;
    to.incoming.push(e);
  }
  const entries = [...nodes.values()].filter((n) => n.incoming.length === 0).map((n) => n.id);
  const memo = new Map<string, Set<string>>();
  const ancestors = (id: string): Set<string> => {
    const hit = memo.get(id);
    if (hit) return hit;
    const seen = new Set<string>();
    const stack = [id];
    while (stack.length) {
      const cur = nodes.get(stack.pop() as string);
      for (const e of cur?.incoming ?? []) {
        if (seen.has(e.from)) continue;
        seen.add(e.from);
        stack.push(e.from);
      }
    }
    memo.set(id, seen);
    return seen;
  };
  return { key: `${definition.id}@${version}#${scope}`, workflowId: definition.id, version, scope, definition, nodes, entries, ancestors };
}

/** The body graph of a forEach at `scope` ("a" or "a/b" for nested bodies). */
export function scopeGraph(definition: WorkflowDefinition, scope: string): { nodes: WorkflowNode[]; edges: Edge[] } {
  let g: { nodes: WorkflowNode[]; edges: Edge[] } = definition;
  if (!scope) return g;
  for (const seg of scope.split('/')) {
    const n = g.nodes.find((x) => x.id === seg);
    if (!n || n.type !== 'forEach') throw new Error(`No forEach node "${seg}" in ${definition.id} (scope ${scope})`);
    g = Graph.parse((n.params as { body?: unknown }).body);
  }
  return g;
}

/** Per connection (a test process opens many stores; versions are only unique within one). */
const caches = new WeakMap<Sqlite, { graphs: Map<string, CompiledGraph>; defs: Map<string, WorkflowDefinition> }>();
function cachesOf(db: Sqlite) {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = { graphs: new Map(), defs: new Map() }));
  return c;
}

export function loadDefinition(db: Sqlite, workflowId: string, version: number): WorkflowDefinition {
  const k = `${workflowId}@${version}`;
  const defCache = cachesOf(db).defs;
  let def = defCache.get(k);
  if (!def) {
    const stored = engineRepo(db).workflows.definition(workflowId, version);
    if (stored === undefined) throw new Error(`Workflow ${workflowId} has no version ${version}`);
    def = WorkflowDefinition.parse(stored);
    defCache.set(k, def);
  }
  return def;
}

/** The compiled graph of a workflow version (scope: a forEach body), cached in this thread. */
export function compiled(registry: NodeRegistry, db: Sqlite, workflowId: string, version: number, scope = ''): CompiledGraph {
  const key = `${workflowId}@${version}#${scope}`;
  const cache = cachesOf(db).graphs;
  const hit = cache.get(key);
  if (hit) return hit;
  const def = loadDefinition(db, workflowId, version);
  const c = compileGraph(registry, def, scopeGraph(def, scope), version, scope);
  if (cache.size > 2000) cache.clear();
  cache.set(key, c);
  return c;
}
