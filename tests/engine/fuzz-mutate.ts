/**
 * Seeded mutations of valid workflow definitions, for the fuzz test: each call
 * applies 1-3 random edits (delete a field, wrong type, dangling edge, cycle,
 * unknown node type, huge string, duplicate id, broken expression …).
 */

/** mulberry32: small, fast, good enough to drive a fuzzer reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** Every path (array of keys) to a value inside `v`. */
function paths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v && typeof v === 'object') {
    const entries: [string | number, Json][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, x] of entries) {
      const p = [...prefix, k];
      out.push(p);
      paths(x, p, out);
    }
  }
  return out;
}

function parentOf(root: Json, path: (string | number)[]): { parent: Obj | Json[]; key: string | number } | null {
  let cur: Json = root;
  for (const k of path.slice(0, -1)) {
    if (!cur || typeof cur !== 'object') return null;
    cur = (cur as Obj)[k as string] as Json;
  }
  if (!cur || typeof cur !== 'object') return null;
  return { parent: cur as Obj | Json[], key: path[path.length - 1]! };
}

const WRONG: Json[] = [null, 0, -1, 1e308, '', 'x', true, false, [], {}, [1, 2], { a: 1 }, '=', '=(((', '=$undefinedFn()', 'NaN'];

export const MUTATIONS = [
  'delete',
  'wrongType',
  'danglingEdge',
  'cycle',
  'selfLoop',
  'unknownType',
  'hugeString',
  'duplicateId',
  'badExpression',
  'badBranch',
  'dropNodes',
  'protoKey',
  'deepNest',
  'swapTrigger',
  // Benign edits: usually still valid, so the run half of the fuzz test has work to do.
  'shuffle',
  'dropEdge',
  'tweakValue',
  'tweakValue',
  'shuffle',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

function mutateOnce(def: Obj, rnd: () => number, kind: Mutation): void {
  const nodes = Array.isArray(def.nodes) ? (def.nodes as Obj[]).filter((n) => n && typeof n === 'object' && !Array.isArray(n)) : [];
  const edges = Array.isArray(def.edges) ? (def.edges as Json[]) : null;
  const nodeId = (): string => {
    const n = nodes.length ? pick(rnd, nodes) : null;
    return typeof n?.id === 'string' ? n.id : 'ghost';
  };
  switch (kind) {
    case 'delete': {
      const all = paths(def);
      if (!all.length) return;
      const loc = parentOf(def, pick(rnd, all));
      if (!loc) return;
      if (Array.isArray(loc.parent)) loc.parent.splice(loc.key as number, 1);
      else delete loc.parent[loc.key as string];
      return;
    }
    case 'wrongType': {
      const all = paths(def);
      if (!all.length) return;
      const loc = parentOf(def, pick(rnd, all));
      if (!loc) return;
      (loc.parent as Obj)[loc.key as string] = structuredClone(pick(rnd, WRONG));
      return;
    }
    case 'danglingEdge':
      if (edges) edges.push({ from: rnd() < 0.5 ? 'nowhere' : nodeId(), to: rnd() < 0.5 ? 'nowhere' : 'ghost_node' });
      return;
    case 'cycle': {
      // A back edge from a node reached by an edge to the edge's source.
      const e = edges?.length ? (pick(rnd, edges) as Obj) : null;
      if (e && edges) edges.push({ from: e.to as Json, to: e.from as Json });
      return;
    }
    case 'selfLoop':
      if (edges) {
        const id = nodeId();
        edges.push({ from: id, to: id });
      }
      return;
    case 'unknownType':
      if (nodes.length) pick(rnd, nodes).type = pick(rnd, ['nope', 'http.requests', '', 'CONDITION', 'eval', '__proto__']);
      return;
    case 'hugeString': {
      const huge = 'x'.repeat(50_000 + Math.floor(rnd() * 200_000));
      const target = pick(rnd, ['name', 'description', 'nodeName', 'param', 'id']);
      if (target === 'name' || target === 'description') def[target] = huge;
      else if (target === 'id') def.id = huge;
      else if (nodes.length) {
        const n = pick(rnd, nodes);
        if (target === 'nodeName') n.name = huge;
        else if (n.params && typeof n.params === 'object' && !Array.isArray(n.params)) (n.params as Obj).extra = huge;
      }
      return;
    }
    case 'duplicateId':
      if (nodes.length) nodes.push(structuredClone(pick(rnd, nodes)));
      if (Array.isArray(def.nodes) && nodes.length) (def.nodes as Json[]).push(nodes[nodes.length - 1]!);
      return;
    case 'badExpression': {
      if (!nodes.length) return;
      const n = pick(rnd, nodes);
      const p = n.params && typeof n.params === 'object' && !Array.isArray(n.params) ? (n.params as Obj) : (n.params = {});
      const keys = Object.keys(p);
      const key = keys.length && rnd() < 0.8 ? pick(rnd, keys) : 'if';
      p[key] = pick(rnd, ['=(((', '=input.', '=$foo(', 'input.score >', '=$error("boom")', '=input.a.b.c.d', '=1/0', '=$string(', '==literal', '=$count(input)', '=$sum("x")']);
      return;
    }
    case 'badBranch':
      if (edges?.length) {
        const e = pick(rnd, edges) as Obj;
        if (e && typeof e === 'object') e.branch = pick(rnd, ['maybe', 'true', 'false', 'error', 'approved', 'timeout', 'default', '']);
      }
      return;
    case 'dropNodes':
      if (Array.isArray(def.nodes)) def.nodes = rnd() < 0.3 ? [] : (def.nodes as Json[]).slice(0, Math.max(1, Math.floor((def.nodes as Json[]).length / 2)));
      return;
    case 'protoKey': {
      const target = nodes.length && rnd() < 0.6 ? ((pick(rnd, nodes).params as Obj | undefined) ?? def) : def;
      if (target && typeof target === 'object') Object.defineProperty(target, pick(rnd, ['__proto__', 'constructor', 'prototype']), { value: { polluted: true }, enumerable: true, configurable: true, writable: true });
      return;
    }
    case 'deepNest': {
      let deep: Json = 'bottom';
      for (let i = 0; i < 200; i++) deep = { d: deep };
      if (nodes.length) {
        const n = pick(rnd, nodes);
        if (n.params && typeof n.params === 'object' && !Array.isArray(n.params)) (n.params as Obj).deep = deep;
      } else def.deep = deep;
      return;
    }
    case 'shuffle':
      for (const arr of [def.nodes, def.edges]) {
        if (!Array.isArray(arr)) continue;
        for (let i = arr.length - 1; i > 0; i--) {
          const j = Math.floor(rnd() * (i + 1));
          [arr[i], arr[j]] = [arr[j]!, arr[i]!];
        }
      }
      return;
    case 'dropEdge':
      if (edges?.length) edges.splice(Math.floor(rnd() * edges.length), 1);
      return;
    case 'tweakValue': {
      const all = paths(def).filter((p) => p.includes('params'));
      if (!all.length) return;
      const path = pick(rnd, all);
      const loc = parentOf(def, path);
      if (!loc) return;
      const cur = (loc.parent as Obj)[loc.key as string];
      if (typeof cur === 'number') (loc.parent as Obj)[loc.key as string] = Math.round(cur * (rnd() * 4 - 1));
      else if (typeof cur === 'string' && !cur.startsWith('=')) (loc.parent as Obj)[loc.key as string] = cur + pick(rnd, ['', ' ', '-2', '!']);
      else if (typeof cur === 'boolean') (loc.parent as Obj)[loc.key as string] = !cur;
      return;
    }
    case 'swapTrigger':
      def.trigger = pick(rnd, [
        { type: 'manual' },
        { type: 'schedule', cron: '61 25 * * *', timezone: 'UTC' },
        { type: 'schedule', cron: '0 9 * * *', timezone: 'Mars/Olympus' },
        { type: 'schedule', cron: '0 9 * * *', timezone: 'Europe/Paris', catchUp: 'sometimes' },
        { type: 'event', event: 'Contact Created' },
        { type: 'event', event: 'contact.created', filter: '=(((' },
        { type: 'webhook', slug: 'Bad Slug!' },
        { type: 'telepathy' },
        null,
      ] as Json[]);
      return;
  }
}

/** A mutated deep copy of `base`: 1-3 mutations; returns the mutations applied (for failure messages). */
export function mutate(base: unknown, rnd: () => number): { def: unknown; applied: Mutation[] } {
  const def = structuredClone(base) as Obj;
  const n = 1 + Math.floor(rnd() * 3);
  const applied: Mutation[] = [];
  for (let i = 0; i < n; i++) {
    const kind = pick(rnd, MUTATIONS);
    applied.push(kind);
    mutateOnce(def, rnd, kind);
  }
  return { def, applied };
}
