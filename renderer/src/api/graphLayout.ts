/**
 * A layered layout for a workflow graph (no dependency): each node's rank is the
 * longest path from an entry node, nodes of a rank are ordered by the mean position
 * of their predecessors (one barycenter pass), then centred on a grid.
 */
export interface LayoutEdge {
  from: string;
  to: string;
}
export interface Placed {
  id: string;
  rank: number;
  order: number;
  x: number;
  y: number;
}

export function layeredLayout(ids: string[], edges: LayoutEdge[], size: { width: number; height: number; gapX: number; gapY: number }): Map<string, Placed> {
  const known = new Set(ids);
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) if (known.has(e.from) && known.has(e.to) && e.from !== e.to) preds.get(e.to)!.push(e.from);

  // Longest path from an entry (memoised depth-first search over predecessors, with an explicit stack so a
  // chain of thousands of nodes cannot overflow the call stack; a cycle, which validation forbids, is cut).
  const rank = new Map<string, number>();
  const visiting = new Set<string>();
  for (const start of ids) {
    if (rank.has(start)) continue;
    const stack: { id: string; i: number; r: number }[] = [{ id: start, i: 0, r: 0 }];
    visiting.add(start);
    while (stack.length) {
      const f = stack[stack.length - 1]!;
      const ps = preds.get(f.id) ?? [];
      if (f.i < ps.length) {
        const p = ps[f.i++]!;
        const k = rank.get(p);
        if (k !== undefined) f.r = Math.max(f.r, k + 1);
        else if (visiting.has(p)) f.r = Math.max(f.r, 1);
        else {
          visiting.add(p);
          stack.push({ id: p, i: 0, r: 0 });
        }
        continue;
      }
      stack.pop();
      visiting.delete(f.id);
      rank.set(f.id, f.r);
      const up = stack[stack.length - 1];
      if (up) up.r = Math.max(up.r, f.r + 1);
    }
  }

  const layers: string[][] = [];
  for (const id of ids) (layers[rank.get(id)!] ??= []).push(id);
  const order = new Map<string, number>();
  layers.forEach((layer, r) => {
    if (r > 0) {
      const bary = (id: string) => {
        const ps = (preds.get(id) ?? []).map((p) => order.get(p)).filter((o): o is number => o !== undefined);
        return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : Number.POSITIVE_INFINITY;
      };
      const keyed = layer.map((id, i) => ({ id, i, b: bary(id) }));
      keyed.sort((a, b) => a.b - b.b || a.i - b.i);
      layer.splice(0, layer.length, ...keyed.map((k) => k.id));
    }
    layer.forEach((id, i) => order.set(id, i));
  });

  const out = new Map<string, Placed>();
  layers.forEach((layer, r) => {
    const n = layer.length;
    layer.forEach((id, i) => {
      out.set(id, { id, rank: r, order: i, x: (i - (n - 1) / 2) * (size.width + size.gapX) - size.width / 2, y: r * (size.height + size.gapY) });
    });
  });
  return out;
}
