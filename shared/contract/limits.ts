/**
 * Limits on free JSON (run inputs, event data, setting values, workflow
 * definitions): nesting deeper than MAX_JSON_DEPTH levels is refused where it
 * enters (core.call, the public routes, the workflow validator), so no later
 * recursive code (JSON.stringify, zod, expression evaluation) meets it.
 * The check itself is iterative.
 */

/** Levels of nesting (objects and arrays) a free JSON value may have. */
export const MAX_JSON_DEPTH = 100;

export interface TooDeep {
  /** Keys from the checked value down to the first value nested past the limit. */
  path: string[];
  limit: number;
}

/**
 * The first place where `value` is nested deeper than `limit` levels ({} and [] count one level each),
 * or null. Iterative (a value nested 100,000 deep is fine); a cyclic value is reported as too deep.
 */
export function jsonTooDeep(value: unknown, limit = MAX_JSON_DEPTH): TooDeep | null {
  if (value === null || typeof value !== 'object') return null;
  // Fast pass: depths only. Most values are shallow and this allocates little.
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  let over = false;
  while (stack.length) {
    const v = stack.pop() as object;
    const d = depths.pop() as number;
    if (d > limit) {
      over = true;
      break;
    }
    if (Array.isArray(v)) {
      for (const x of v) {
        if (x !== null && typeof x === 'object') {
          stack.push(x);
          depths.push(d + 1);
        }
      }
    } else {
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') {
          stack.push(x);
          depths.push(d + 1);
        }
      }
    }
  }
  if (!over) return null;
  // Second pass, only for a value that is too deep: find the path.
  const seen: { key: string; up: number }[] = [];
  const todo: { v: unknown; key: string; up: number; d: number }[] = [{ v: value, key: '', up: -1, d: 1 }];
  while (todo.length) {
    const t = todo.pop() as { v: unknown; key: string; up: number; d: number };
    const idx = seen.push({ key: t.key, up: t.up }) - 1;
    if (t.d > limit) {
      const path: string[] = [];
      for (let i = idx; i > 0; i = (seen[i] as { up: number }).up) path.push((seen[i] as { key: string }).key);
      return { path: path.reverse(), limit };
    }
    const o = t.v as Record<string, unknown>;
    const keys = Array.isArray(o) ? o.map((_, i) => String(i)) : Object.keys(o);
    for (const k of keys) {
      const x = o[k];
      if (x !== null && typeof x === 'object') todo.push({ v: x, key: k, up: idx, d: t.d + 1 });
    }
  }
  return { path: [], limit };
}

/** "input.a.a.a.a…(101 levels)": a path short enough for a message. */
export function shortPath(path: string[], prefix = ''): string {
  const head = prefix ? [prefix, ...path] : path;
  if (head.length <= 6) return head.join('.') || '(root)';
  return `${head.slice(0, 5).join('.')}.…(${head.length} levels)`;
}

/** The message for a value nested too deep. */
export function tooDeepMessage(t: TooDeep): string {
  return `nested more than ${t.limit} levels deep; JSON values may be nested at most ${t.limit} levels (objects and arrays)`;
}
