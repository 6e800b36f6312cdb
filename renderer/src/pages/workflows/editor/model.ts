/**
 * The workflow editor's view-model, DOM-free: the draft (what is being
 * edited), the operations the canvas and the panels apply to it (each returns
 * a new draft, so undo/redo keeps snapshots), the definition that is
 * validated, test-run and saved, and where each validation problem belongs
 * (a node, one of its fields, the trigger, or the workflow).
 */
import { NodeId, WorkflowId, type NodeTypeInfo, type Trigger, type ValidationIssue } from '../../../../../shared/api';
import { canConnect, type ConnectResult, type GraphEdgeLike } from '../../../../../shared/graph';
import { layeredLayout } from '../../../api/graphLayout';
import { slugify } from '../../config/model';

export interface Position {
  x: number;
  y: number;
}

export interface DraftNode {
  id: string;
  type: string;
  name?: string;
  params: Record<string, unknown>;
  position: Position;
  /** Kept as written (edited as JSON in the panel). */
  retry?: unknown;
  timeout?: unknown;
}

export interface DraftEdge {
  from: string;
  to: string;
  branch?: string;
}

export interface Draft {
  id: string;
  name: string;
  description?: string;
  trigger: Trigger;
  nodes: DraftNode[];
  edges: DraftEdge[];
  /** Kept as written. */
  settings?: unknown;
}

/** Size of a node on the canvas (also what auto-layout places). */
export const NODE_W = 220;
export const NODE_H = 96;
const GAP_X = 60;
const GAP_Y = 76;
/** The trigger sits this far above the topmost node. */
export const TRIGGER_GAP = 150;
export const TRIGGER_ID = '__trigger';

export function emptyDraft(): Draft {
  return { id: '', name: '', trigger: { type: 'manual' }, nodes: [], edges: [] };
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const round = (n: number) => Math.round(n);

/** A stored definition as a draft; nodes without a position are laid out. */
export function draftFromDefinition(def: unknown): Draft {
  const d = isObj(def) ? def : {};
  const nodesRaw = Array.isArray(d.nodes) ? d.nodes.filter(isObj) : [];
  let missing = false;
  const nodes: DraftNode[] = nodesRaw.map((n) => {
    const p = isObj(n.position) && typeof n.position.x === 'number' && typeof n.position.y === 'number' ? { x: n.position.x, y: n.position.y } : null;
    if (!p) missing = true;
    return {
      id: String(n.id ?? ''),
      type: String(n.type ?? ''),
      ...(typeof n.name === 'string' ? { name: n.name } : {}),
      params: isObj(n.params) ? n.params : {},
      position: p ?? { x: 0, y: 0 },
      ...(n.retry !== undefined ? { retry: n.retry } : {}),
      ...(n.timeout !== undefined ? { timeout: n.timeout } : {}),
    };
  });
  const edges: DraftEdge[] = (Array.isArray(d.edges) ? d.edges.filter(isObj) : []).map((e) => ({
    from: String(e.from ?? ''),
    to: String(e.to ?? ''),
    ...(typeof e.branch === 'string' ? { branch: e.branch } : {}),
  }));
  const draft: Draft = {
    id: typeof d.id === 'string' ? d.id : '',
    name: typeof d.name === 'string' ? d.name : '',
    ...(typeof d.description === 'string' ? { description: d.description } : {}),
    trigger: isObj(d.trigger) ? (d.trigger as Trigger) : { type: 'manual' },
    nodes,
    edges,
    ...(d.settings !== undefined ? { settings: d.settings } : {}),
  };
  return missing ? arrange(draft) : draft;
}

/** A template's workflow as a new, unsaved workflow: its id and name marked as a copy (an id no workflow has). */
export function copyOfTemplate(definition: unknown, taken: Iterable<string>): Draft {
  const d = draftFromDefinition(definition);
  const ids = new Set(taken);
  const base = `${d.id || 'template'}-copy`;
  let id = base;
  for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
  return { ...d, id, name: `${d.name || d.id} (copy)` };
}

/** The definition the validator, a test run and save get. */
export function definitionOf(d: Draft): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    ...(d.description ? { description: d.description } : {}),
    trigger: d.trigger,
    nodes: d.nodes.map((n) => ({
      id: n.id,
      type: n.type,
      ...(n.name ? { name: n.name } : {}),
      params: n.params,
      ...(n.retry !== undefined ? { retry: n.retry } : {}),
      ...(n.timeout !== undefined ? { timeout: n.timeout } : {}),
      position: { x: round(n.position.x), y: round(n.position.y) },
    })),
    edges: d.edges.map((e) => ({ from: e.from, to: e.to, ...(e.branch !== undefined ? { branch: e.branch } : {}) })),
    ...(d.settings !== undefined ? { settings: d.settings } : {}),
  };
}

/** Canonical JSON (sorted keys): two drafts that save the same definition compare equal. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function sameDefinition(a: Draft, b: Draft): boolean {
  return canonical(definitionOf(a)) === canonical(definitionOf(b));
}

// ---- ids ---------------------------------------------------------------------

/** A free node id for a new node of `type`: "escalate", then "escalate_2" … ("crm.contact.upsert" -> "upsert"). */
export function nodeIdFor(type: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const last = type.split('.').pop() ?? type;
  let base = last.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 56);
  if (!/^[A-Za-z]/.test(base)) base = `n_${base}`;
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** "Lead follow-up!" -> "lead-follow-up" (a valid workflow id when it is long enough). */
export function workflowIdFor(name: string): string {
  return slugify(name, 63);
}

/** Why a node id cannot be used, or null. */
export function nodeIdProblem(d: Draft, oldId: string, id: string): string | null {
  const r = NodeId.safeParse(id);
  if (!r.success) return r.error.issues[0]?.message ?? 'not a valid node id';
  if (id !== oldId && d.nodes.some((n) => n.id === id)) return `another node is already called "${id}"`;
  return null;
}

export function workflowIdProblem(id: string): string | null {
  const r = WorkflowId.safeParse(id);
  return r.success ? null : (r.error.issues[0]?.message ?? 'not a valid workflow id');
}

// ---- params from a node type's schema ----------------------------------------

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; default?: unknown; minItems?: number };

/** The params a new node starts with: the schema's defaults, and empty objects / lists where they are required. */
export function initialParams(info: Pick<NodeTypeInfo, 'schema'> | undefined): Record<string, unknown> {
  const s = (info?.schema ?? {}) as Schema;
  const out: Record<string, unknown> = {};
  const required = new Set(s.required ?? []);
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    if (p.default !== undefined) out[k] = p.default;
    else if (required.has(k) && p.type === 'object' && !p.properties) out[k] = {};
    else if (required.has(k) && p.type === 'array') out[k] = [];
  }
  return out;
}

// ---- operations (each returns a new draft) -------------------------------------

export function addNode(d: Draft, type: string, info: Pick<NodeTypeInfo, 'schema'> | undefined, position: Position): { draft: Draft; id: string } {
  const id = nodeIdFor(type, d.nodes.map((n) => n.id));
  const node: DraftNode = { id, type, params: initialParams(info), position: { x: round(position.x), y: round(position.y) } };
  return { draft: { ...d, nodes: [...d.nodes, node] }, id };
}

/** Where a node added "after" `anchor` goes: below it, moved right while the place is taken. */
export function placeBelow(d: Draft, anchor: Position | null): Position {
  const start = anchor ? { x: anchor.x, y: anchor.y + NODE_H + GAP_Y } : d.nodes.length ? { x: Math.min(...d.nodes.map((n) => n.position.x)), y: Math.max(...d.nodes.map((n) => n.position.y)) + NODE_H + GAP_Y } : { x: 0, y: 0 };
  const p = { ...start };
  const taken = (q: Position) => d.nodes.some((n) => Math.abs(n.position.x - q.x) < NODE_W && Math.abs(n.position.y - q.y) < NODE_H);
  for (let i = 0; i < 200 && taken(p); i++) p.x += NODE_W + GAP_X / 2;
  return p;
}

export function removeNodes(d: Draft, ids: readonly string[]): Draft {
  if (!ids.length) return d;
  const gone = new Set(ids);
  return { ...d, nodes: d.nodes.filter((n) => !gone.has(n.id)), edges: d.edges.filter((e) => !gone.has(e.from) && !gone.has(e.to)) };
}

export function duplicateNode(d: Draft, id: string): { draft: Draft; id: string } | null {
  const n = d.nodes.find((x) => x.id === id);
  if (!n) return null;
  const copyId = nodeIdFor(n.id.replace(/_\d+$/, ''), d.nodes.map((x) => x.id));
  const copy: DraftNode = { ...structuredClone(n), id: copyId, position: { x: n.position.x + 40, y: n.position.y + 40 } };
  if (copy.name) copy.name = `${copy.name} (copy)`;
  return { draft: { ...d, nodes: [...d.nodes, copy] }, id: copyId };
}

export const edgeKey = (e: GraphEdgeLike): string => `${e.from}->${e.to}#${e.branch ?? ''}`;

/** Add an edge when the graph rules allow it; otherwise the draft is unchanged and the rule is named. */
export function connect(d: Draft, e: DraftEdge, branchesOf: (id: string) => readonly string[] | null): { draft: Draft; result: ConnectResult } {
  const result = canConnect(d, e, branchesOf);
  if (!result.ok) return { draft: d, result };
  return { draft: { ...d, edges: [...d.edges, { from: e.from, to: e.to, ...(e.branch !== undefined ? { branch: e.branch } : {}) }] }, result };
}

export function removeEdges(d: Draft, keys: readonly string[]): Draft {
  if (!keys.length) return d;
  const gone = new Set(keys);
  return { ...d, edges: d.edges.filter((e) => !gone.has(edgeKey(e))) };
}

export function moveNodes(d: Draft, moves: readonly { id: string; position: Position }[]): Draft {
  if (!moves.length) return d;
  const to = new Map(moves.map((m) => [m.id, m.position]));
  return { ...d, nodes: d.nodes.map((n) => (to.has(n.id) ? { ...n, position: { x: round(to.get(n.id)!.x), y: round(to.get(n.id)!.y) } } : n)) };
}

export function updateNode(d: Draft, id: string, patch: Partial<Pick<DraftNode, 'name' | 'params' | 'retry' | 'timeout'>>): Draft {
  return {
    ...d,
    nodes: d.nodes.map((n) => {
      if (n.id !== id) return n;
      const next: DraftNode = { ...n, ...patch };
      if (patch.name !== undefined && !patch.name) delete next.name;
      if ('retry' in patch && patch.retry === undefined) delete next.retry;
      if ('timeout' in patch && patch.timeout === undefined) delete next.timeout;
      return next;
    }),
  };
}

/** Rename a node and its edges (callers check nodeIdProblem first). */
export function renameNode(d: Draft, from: string, to: string): Draft {
  if (from === to) return d;
  return {
    ...d,
    nodes: d.nodes.map((n) => (n.id === from ? { ...n, id: to } : n)),
    edges: d.edges.map((e) => ({ ...e, from: e.from === from ? to : e.from, to: e.to === from ? to : e.to })),
  };
}

export function setTrigger(d: Draft, trigger: Trigger): Draft {
  return { ...d, trigger };
}

export function setMeta(d: Draft, patch: Partial<Pick<Draft, 'id' | 'name' | 'description'>>): Draft {
  const next = { ...d, ...patch };
  if (patch.description !== undefined && !patch.description) delete next.description;
  return next;
}

/** Auto-layout: ranks top to bottom by longest path (the same layout as the read-only graph). */
export function arrange(d: Draft): Draft {
  const placed = layeredLayout(
    d.nodes.map((n) => n.id),
    d.edges,
    { width: NODE_W, height: NODE_H, gapX: GAP_X, gapY: GAP_Y },
  );
  return { ...d, nodes: d.nodes.map((n) => ({ ...n, position: { x: round(placed.get(n.id)?.x ?? 0), y: round(placed.get(n.id)?.y ?? 0) } })) };
}

/** Nodes without an incoming edge: the trigger starts these. */
export function entryIds(d: Pick<Draft, 'nodes' | 'edges'>): string[] {
  const targets = new Set(d.edges.map((e) => e.to));
  return d.nodes.filter((n) => !targets.has(n.id)).map((n) => n.id);
}

/** Where the trigger is drawn: centred over the entry nodes, above the topmost node. */
export function triggerPosition(d: Pick<Draft, 'nodes' | 'edges'>): Position {
  if (!d.nodes.length) return { x: 0, y: 0 };
  const entries = new Set(entryIds(d));
  const xs = d.nodes.filter((n) => entries.has(n.id)).map((n) => n.position.x);
  const x = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : d.nodes[0]!.position.x;
  return { x: round(x), y: Math.min(...d.nodes.map((n) => n.position.y)) - TRIGGER_GAP };
}

/** Node ids from which `id` can be reached (its upstream steps). */
export function upstreamOf(d: Pick<Draft, 'edges'>, id: string): string[] {
  const seen = new Set<string>();
  const todo = [id];
  while (todo.length) {
    const cur = todo.pop() as string;
    for (const e of d.edges) {
      if (e.to !== cur || seen.has(e.from)) continue;
      seen.add(e.from);
      todo.push(e.from);
    }
  }
  seen.delete(id);
  return [...seen];
}

// ---- where problems belong --------------------------------------------------

export interface PlacedIssues {
  /** By node id: the node's own problems (params, id, type, its outgoing edges). */
  byNode: Map<string, ValidationIssue[]>;
  trigger: ValidationIssue[];
  /** The workflow's id, name, settings, or the graph as a whole. */
  workflow: ValidationIssue[];
}

export function placeIssues(d: Draft, issues: readonly ValidationIssue[]): PlacedIssues {
  const byNode = new Map<string, ValidationIssue[]>();
  const trigger: ValidationIssue[] = [];
  const workflow: ValidationIssue[] = [];
  for (const i of issues) {
    const m = /^nodes\.(\d+)(\.|$)/.exec(i.path);
    const id = i.nodeId ?? (m ? d.nodes[Number(m[1])]?.id : undefined);
    if (id !== undefined && d.nodes.some((n) => n.id === id)) byNode.set(id, [...(byNode.get(id) ?? []), i]);
    else if (i.path === 'trigger' || i.path.startsWith('trigger.')) trigger.push(i);
    else workflow.push(i);
  }
  return { byNode, trigger, workflow };
}

/** A node's problems under its params, with the path relative to the params (`values.x`); `''` for the params as a whole. */
export function paramIssues(d: Draft, nodeId: string, issues: readonly ValidationIssue[]): { path: string; message: string }[] {
  const index = d.nodes.findIndex((n) => n.id === nodeId);
  const prefix = `nodes.${index}.params`;
  return issues
    .filter((i) => i.path === prefix || i.path.startsWith(`${prefix}.`))
    .map((i) => ({ path: i.path === prefix ? '' : i.path.slice(prefix.length + 1), message: i.message }));
}
