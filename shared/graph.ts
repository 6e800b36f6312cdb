/**
 * The graph rules of a workflow, pure: the import validator
 * (electron/core/engine/validate.ts) words its edge problems with these
 * messages, and the editor's canvas refuses a connection with `canConnect`
 * before anything is stored, so both say the same thing.
 *
 * Rules for an edge `from -> to [branch]`:
 * - both nodes exist;
 * - it does not point at its own node, and does not close a cycle (a loop is a
 *   forEach body, a graph of its own, never a back edge);
 * - the branch, when given, is one of the source node's branches or "error";
 * - the same edge is not there already.
 */

export interface GraphEdgeLike {
  from: string;
  to: string;
  branch?: string | undefined;
}
export interface GraphLike {
  nodes: readonly { id: string; type?: string }[];
  edges: readonly GraphEdgeLike[];
}

export type ConnectRule = 'unknown-node' | 'self' | 'no-branch' | 'duplicate' | 'cycle';
export type ConnectResult = { ok: true } | { ok: false; rule: ConnectRule; message: string };

export const danglingMessage = (from: string, to: string, missing: string): string => `edge ${from} -> ${to}: no node "${missing}" (dangling edge)`;
export const selfEdgeMessage = (from: string, to: string): string => `edge ${from} -> ${to} points at its own node (a cycle; use a forEach node to repeat steps)`;
export const duplicateEdgeMessage = (from: string, to: string): string => `duplicate edge ${from} -> ${to}`;
export const noBranchMessage = (from: string, type: string | undefined, branch: string, branches: readonly string[]): string =>
  `node "${from}" (${type}) has no branch "${branch}" (its branches: ${[...branches, 'error'].join(', ')})`;
export const cycleMessage = (cycle: readonly string[]): string => `edges form a cycle: ${cycle.join(' -> ')} (cycles are not allowed; use a forEach node to repeat steps)`;

/**
 * The first cycle of a directed graph as a closed path [a, b, …, a], or null. Iterative depth-first search
 * (a chain of thousands of nodes must not overflow the stack).
 */
export function findCycle(ids: Iterable<string>, out: Map<string, readonly string[]>): string[] | null {
  const state = new Map<string, 1 | 2>();
  for (const root of ids) {
    if (state.has(root)) continue;
    const path: string[] = [root];
    const next: number[] = [0];
    state.set(root, 1);
    while (path.length) {
      const id = path[path.length - 1] as string;
      const succ = out.get(id) ?? [];
      const i = next[next.length - 1] as number;
      if (i >= succ.length) {
        state.set(id, 2);
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = i + 1;
      const to = succ[i] as string;
      const st = state.get(to);
      if (st === 1) return [...path.slice(path.indexOf(to)), to];
      if (st === undefined) {
        state.set(to, 1);
        path.push(to);
        next.push(0);
      }
    }
  }
  return null;
}

/** Successor lists of a graph (edges to unknown nodes and self edges left out, as the validator does). */
export function successors(nodeIds: ReadonlySet<string>, edges: readonly GraphEdgeLike[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of edges) {
    if (!nodeIds.has(e.from) || !nodeIds.has(e.to) || e.from === e.to) continue;
    const list = out.get(e.from);
    if (list) list.push(e.to);
    else out.set(e.from, [e.to]);
  }
  return out;
}

/**
 * May `c` be added to `g`? `branchesOf(nodeId)` gives a node's branches (besides "error"): [] for a node
 * without branches, null when they are not known (an unknown type, or branches computed from params not
 * computed yet: the validator decides at save). The message is the one the validator gives at import.
 */
export function canConnect(g: GraphLike, c: GraphEdgeLike, branchesOf: (nodeId: string) => readonly string[] | null): ConnectResult {
  const ids = new Set(g.nodes.map((n) => n.id));
  if (!ids.has(c.from)) return { ok: false, rule: 'unknown-node', message: danglingMessage(c.from, c.to, c.from) };
  if (!ids.has(c.to)) return { ok: false, rule: 'unknown-node', message: danglingMessage(c.from, c.to, c.to) };
  if (c.from === c.to) return { ok: false, rule: 'self', message: selfEdgeMessage(c.from, c.to) };
  if (c.branch !== undefined && c.branch !== 'error') {
    const branches = branchesOf(c.from);
    if (branches !== null && !branches.includes(c.branch)) {
      const type = g.nodes.find((n) => n.id === c.from)?.type;
      return { ok: false, rule: 'no-branch', message: noBranchMessage(c.from, type, c.branch, branches) };
    }
  }
  if (g.edges.some((e) => e.from === c.from && e.to === c.to && (e.branch ?? '') === (c.branch ?? ''))) {
    return { ok: false, rule: 'duplicate', message: duplicateEdgeMessage(c.from, c.to) };
  }
  const next = [...g.edges, c];
  const cycle = findCycle(
    g.nodes.map((n) => n.id),
    successors(ids, next),
  );
  if (cycle) return { ok: false, rule: 'cycle', message: cycleMessage(cycle) };
  return { ok: true };
}
