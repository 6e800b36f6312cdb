/**
 * The expression language: JSONata (https://jsonata.org). Chosen because it is
 * a well-kept (IBM, 4M downloads/month) tree-walking interpreter that never
 * evals or compiles user text to JavaScript, is made for querying and
 * transforming JSON (what workflow data is), has conditionals, string, number,
 * date and array functions, and reports errors with a code and a position.
 *
 * In node params, a string starting with "=" is an expression ("==" escapes a
 * literal leading "="). Some params are expressions by nature (condition.if,
 * switch.value, filters): those are written without "=".
 */
import type jsonata from 'jsonata';
import { lazyRequire } from '../lazy';

// Loaded with the first expression, not at start (every worker thread would carry it too).
const jsonataLib = lazyRequire<typeof import('jsonata')>('jsonata');

export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    readonly detail: string,
    readonly position?: number,
  ) {
    super(`Expression "${expression}" failed: ${detail}`);
    this.name = 'ExpressionError';
  }
}

export interface Compiled {
  src: string;
  evaluate(scope: unknown, clock: () => number): Promise<unknown>;
}

const cache = new Map<string, Compiled>();

/**
 * Limits JSONata checks itself while it evaluates (its "guardrails"): for expressions evaluated on the main
 * thread, where no watchdog can end a runaway one (event filters). Workers run without them: the pool ends a
 * stuck worker. A catastrophic regular expression is not stopped by them (it runs inside the regex engine).
 */
export interface EvalLimits {
  /** ms per evaluation: error D1012 after it. */
  timeoutMs: number;
  /** Nesting depth of evaluation (non-tail recursion): error D1011 beyond it. */
  depth: number;
}

/** Main-thread evaluations (event-trigger and wait filters). */
export const MAIN_THREAD_LIMITS: EvalLimits = { timeoutMs: 1_000, depth: 2_000 };

/** Compile (cached) or throw ExpressionError with the parser's message and position. */
/** $now() and $millis() of a clock: made once per clock (an executor's), not per evaluation. */
const bindingsByClock = new WeakMap<() => number, Record<string, () => unknown>>();
function bindingsOf(clock: () => number): Record<string, () => unknown> {
  let b = bindingsByClock.get(clock);
  if (!b) {
    b = { now: () => new Date(clock()).toISOString(), millis: () => clock() };
    bindingsByClock.set(clock, b);
  }
  return b;
}

export function compileExpression(src: string, limits?: EvalLimits): Compiled {
  const key = limits ? `${limits.timeoutMs}/${limits.depth}\u0000${src}` : src;
  const hit = cache.get(key);
  if (hit) return hit;
  let expr: jsonata.Expression;
  try {
    expr = limits ? jsonataLib()(src, { timeout: limits.timeoutMs, stack: limits.depth }) : jsonataLib()(src);
  } catch (e) {
    const err = e as { message?: string; position?: number };
    throw new ExpressionError(src, err.message ?? String(e), err.position);
  }
  const compiled: Compiled = {
    src,
    async evaluate(scope, clock) {
      try {
        const v = await expr.evaluate(scope, bindingsOf(clock));
        return normalise(v);
      } catch (e) {
        if (e instanceof ExpressionError) throw e;
        // A value nested thousands of levels deep (built by a recursive function) overflows the stack.
        if (e instanceof RangeError) throw new ExpressionError(src, `the value is nested too deep (${e.message})`);
        const err = e as { message?: string; position?: number };
        throw new ExpressionError(src, err.message ?? String(e), err.position);
      }
    },
  };
  if (cache.size > 5000) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

/** JSONata returns arrays with extra markers (sequence); make values plain JSON. */
function normalise(v: unknown): unknown {
  if (v === undefined || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(normalise);
  if (typeof (v as { then?: unknown }).then === 'function') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = normalise(x);
  return out;
}

export function isExpressionString(v: unknown): boolean {
  return typeof v === 'string' && v.startsWith('=') && !v.startsWith('==');
}

/** A param tree with its expressions compiled once per definition version. */
export type ParamTemplate =
  | { kind: 'static'; value: unknown }
  | { kind: 'expr'; expr: Compiled }
  | { kind: 'array'; items: ParamTemplate[] }
  | { kind: 'object'; entries: [string, ParamTemplate][] };

/** Which params are expressions by nature, or must not be touched. Dotted paths from the params root. */
export interface ParamSpec {
  /** Expressions written without "=", evaluated with the other params (condition "if"). */
  raw?: readonly string[];
  /** Expressions kept as text and evaluated later by the node (wait "event.filter"): only their syntax is checked. */
  deferred?: readonly string[];
  /** Left exactly as written (forEach "body"). */
  opaque?: readonly string[];
}

/**
 * Compile params once per definition version. Throws ExpressionError naming the
 * expression; `onError` lets the validator collect every error with its path instead.
 */
export function compileParams(
  value: unknown,
  spec: ParamSpec = {},
  onError?: (path: string[], e: ExpressionError) => void,
  path: string[] = [],
): ParamTemplate {
  const dotted = path.join('.');
  if (spec.opaque?.includes(dotted)) return { kind: 'static', value };
  const fail = (e: unknown): ParamTemplate => {
    if (onError && e instanceof ExpressionError) {
      onError(path, e);
      return { kind: 'static', value: null };
    }
    throw e;
  };
  if (typeof value === 'string') {
    if (spec.deferred?.includes(dotted)) {
      try {
        compileExpression(value);
      } catch (e) {
        return fail(e);
      }
      return { kind: 'static', value };
    }
    const isRaw = spec.raw?.includes(dotted) ?? false;
    if (isRaw || isExpressionString(value)) {
      try {
        return { kind: 'expr', expr: compileExpression(isRaw ? value : value.slice(1)) };
      } catch (e) {
        return fail(e);
      }
    }
    if (value.startsWith('==')) return { kind: 'static', value: value.slice(1) };
    return { kind: 'static', value };
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compileParams(v, spec, onError, [...path, String(i)]));
    return items.every((t) => t.kind === 'static') ? { kind: 'static', value: items.map((t) => (t as { value: unknown }).value) } : { kind: 'array', items };
  }
  if (value && typeof value === 'object') {
    const entries: [string, ParamTemplate][] = Object.entries(value).map(([k, v]) => [k, compileParams(v, spec, onError, [...path, k])]);
    if (entries.every(([, t]) => t.kind === 'static')) {
      return { kind: 'static', value: Object.fromEntries(entries.map(([k, t]) => [k, (t as { value: unknown }).value])) };
    }
    return { kind: 'object', entries };
  }
  return { kind: 'static', value };
}

export function templateUses(t: ParamTemplate, word: string): boolean {
  switch (t.kind) {
    case 'static':
      return false;
    case 'expr':
      return t.expr.src.includes(word);
    case 'array':
      return t.items.some((x) => templateUses(x, word));
    case 'object':
      return t.entries.some(([, x]) => templateUses(x, word));
  }
}

export async function evaluateTemplate(t: ParamTemplate, scope: unknown, clock: () => number): Promise<unknown> {
  switch (t.kind) {
    case 'static':
      return t.value;
    case 'expr':
      return t.expr.evaluate(scope, clock);
    case 'array': {
      const out: unknown[] = [];
      for (const x of t.items) out.push(await evaluateTemplate(x, scope, clock));
      return out;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, x] of t.entries) out[k] = await evaluateTemplate(x, scope, clock);
      return out;
    }
  }
}
