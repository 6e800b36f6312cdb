/**
 * What changed between two versions of a workflow, DOM-free: per node
 * (added, removed, changed and which fields, moved only, same), per edge
 * (added, removed, same), the trigger and the workflow's own fields; and the
 * JSON of both as a line diff (the `diff` package) with unchanged runs folded.
 */
import { diffLines } from 'diff';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const stable = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isObj(v))
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
};

export type NodeChange = 'added' | 'removed' | 'changed' | 'moved' | 'same';
export interface NodeDiff {
  id: string;
  type: string;
  status: NodeChange;
  /** The fields that differ: type, name, params.<key>, retry, timeout. */
  fields: string[];
}
export interface EdgeDiff {
  from: string;
  to: string;
  branch?: string;
  status: 'added' | 'removed' | 'same';
}
export interface DefinitionDiff {
  nodes: NodeDiff[];
  edges: EdgeDiff[];
  trigger: boolean;
  /** Workflow fields that differ: name, description, settings. */
  workflow: string[];
  /** Nothing but positions changed, or nothing at all. */
  same: boolean;
}

const nodesOf = (d: unknown): Obj[] => (isObj(d) && Array.isArray(d.nodes) ? d.nodes.filter(isObj) : []);
const edgesOf = (d: unknown): { from: string; to: string; branch?: string }[] =>
  (isObj(d) && Array.isArray(d.edges) ? d.edges.filter(isObj) : []).map((e) => ({ from: String(e.from), to: String(e.to), ...(typeof e.branch === 'string' ? { branch: e.branch } : {}) }));
const edgeKey = (e: { from: string; to: string; branch?: string }) => `${e.from}->${e.to}#${e.branch ?? ''}`;

function nodeFields(a: Obj, b: Obj): string[] {
  const out: string[] = [];
  for (const k of ['type', 'name', 'retry', 'timeout']) if (stable(a[k]) !== stable(b[k])) out.push(k);
  const pa = isObj(a.params) ? a.params : {};
  const pb = isObj(b.params) ? b.params : {};
  for (const k of [...new Set([...Object.keys(pa), ...Object.keys(pb)])].sort()) if (stable(pa[k]) !== stable(pb[k])) out.push(`params.${k}`);
  return out;
}

/** From `a` (older) to `b` (newer). */
export function diffDefinitions(a: unknown, b: unknown): DefinitionDiff {
  const na = new Map(nodesOf(a).map((n) => [String(n.id), n]));
  const nb = new Map(nodesOf(b).map((n) => [String(n.id), n]));
  const nodes: NodeDiff[] = [];
  for (const [id, n] of nb) {
    const old = na.get(id);
    if (!old) {
      nodes.push({ id, type: String(n.type), status: 'added', fields: [] });
      continue;
    }
    const fields = nodeFields(old, n);
    const moved = stable(old.position) !== stable(n.position);
    nodes.push({ id, type: String(n.type), status: fields.length ? 'changed' : moved ? 'moved' : 'same', fields });
  }
  for (const [id, n] of na) if (!nb.has(id)) nodes.push({ id, type: String(n.type), status: 'removed', fields: [] });
  const ea = new Map(edgesOf(a).map((e) => [edgeKey(e), e]));
  const eb = new Map(edgesOf(b).map((e) => [edgeKey(e), e]));
  const edges: EdgeDiff[] = [...[...eb].map(([k, e]) => ({ ...e, status: ea.has(k) ? ('same' as const) : ('added' as const) })), ...[...ea].filter(([k]) => !eb.has(k)).map(([, e]) => ({ ...e, status: 'removed' as const }))];
  const oa = isObj(a) ? a : {};
  const ob = isObj(b) ? b : {};
  const trigger = stable(oa.trigger ?? { type: 'manual' }) !== stable(ob.trigger ?? { type: 'manual' });
  const workflow = ['name', 'description', 'settings'].filter((k) => stable(oa[k]) !== stable(ob[k]));
  const same = !trigger && workflow.length === 0 && nodes.every((n) => n.status === 'same' || n.status === 'moved') && edges.every((e) => e.status === 'same');
  return { nodes, edges, trigger, workflow, same };
}

export interface DiffLine {
  kind: 'add' | 'del' | 'same' | 'fold';
  text: string;
}

/** The JSON of both versions as lines, unchanged runs longer than 2 * context folded to one "fold" line. */
export function jsonDiffLines(a: unknown, b: unknown, context = 3): DiffLine[] {
  const { version: _va, ...ra } = isObj(a) ? a : {};
  const { version: _vb, ...rb } = isObj(b) ? b : {};
  const parts = diffLines(`${JSON.stringify(ra, null, 2)}\n`, `${JSON.stringify(rb, null, 2)}\n`);
  const lines: DiffLine[] = [];
  for (const p of parts) {
    const kind = p.added ? 'add' : p.removed ? 'del' : 'same';
    for (const text of p.value.replace(/\n$/, '').split('\n')) lines.push({ kind, text });
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < lines.length; ) {
    if (lines[i]!.kind !== 'same') {
      out.push(lines[i]!);
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j]!.kind === 'same') j++;
    const run = lines.slice(i, j);
    const head = i === 0 ? 0 : context;
    const tail = j === lines.length ? 0 : context;
    if (run.length > head + tail + 1) {
      out.push(...run.slice(0, head), { kind: 'fold', text: `${run.length - head - tail} unchanged lines` }, ...run.slice(run.length - tail));
    } else out.push(...run);
    i = j;
  }
  return out;
}
