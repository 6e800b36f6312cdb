/**
 * Forms from a node's parameter schema: the JSON Schema the core generates
 * from the node's own zod schema (nodes.catalog), so the form shows what the
 * validator checks and cannot drift from it. Pure: it maps each field to a
 * widget of the widget map (ParamForm.tsx); a schema the map has no widget for
 * is an `unknown` widget, shown as an error with a JSON editor, never dropped.
 *
 * Expressions: a string param may always be an expression ("=…", the engine
 * evaluates every such string), other params when their schema accepts the
 * expression pattern (`ex()` in the node); params listed as raw are
 * expressions written without "=" (condition "if"); opaque params are kept
 * as written (a template, a forEach body).
 */

export interface JsonSchema {
  type?: string | string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  description?: string;
}

export type Widget =
  | { kind: 'text'; multiline: boolean }
  | { kind: 'number'; integer: boolean; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'enum'; options: string[] }
  /** Milliseconds or "48h". */
  | { kind: 'duration' }
  /** An expression written without "=" (raw), or kept as text and evaluated later (deferred). */
  | { kind: 'expression'; deferred: boolean }
  | { kind: 'record'; value: JsonSchema }
  | { kind: 'list'; item: JsonSchema }
  | { kind: 'object'; schema: JsonSchema }
  /** Any JSON value: text, number, yes/no, expression or JSON. */
  | { kind: 'any' }
  /** A complex value edited as JSON. */
  | { kind: 'json'; reason: string }
  /** A schema the widget map does not know: shown as an error, edited as JSON. */
  | { kind: 'unknown'; detail: string };

export type WidgetKind = Widget['kind'];

export interface FieldSpec {
  name: string;
  /** Dotted path from the params root (`cases.0.if`). */
  path: string;
  label: string;
  required: boolean;
  default?: unknown;
  widget: Widget;
  /** The value may be an expression ("=…"). */
  expression: boolean;
  description?: string;
}

export interface ExpressionSpec {
  raw: readonly string[];
  deferred: readonly string[];
  opaque: readonly string[];
}

export const NO_EXPRESSIONS: ExpressionSpec = { raw: [], deferred: [], opaque: [] };

const EXPR_PATTERN = '^=(?!=)';
const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$';
/** Fields that hold long text get a text area. */
const LONG_TEXT = new Set(['prompt', 'system', 'html', 'text', 'content', 'message', 'detail', 'instructions', 'excerpt', 'description', 'body', 'expression', 'if', 'filter']);

const isExprAlt = (s: JsonSchema) => s.type === 'string' && s.pattern === EXPR_PATTERN;
const typeOf = (s: JsonSchema): string | undefined => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);

/** "maxTokens" -> "Max tokens", "contact_id" -> "Contact id". */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isDuration(alts: JsonSchema[]): boolean {
  const types = alts.map(typeOf);
  return alts.length === 2 && types.includes('integer') && alts.some((a) => a.type === 'string' && a.pattern === DURATION_PATTERN);
}

function isPrimitive(s: JsonSchema): boolean {
  const t = typeOf(s);
  return t === 'string' || t === 'number' || t === 'integer' || t === 'boolean' || (s.enum !== undefined && t !== 'object');
}

/** The widget of one schema at `path`, and whether its value may be an expression. */
export function widgetFor(schema: JsonSchema, path: string, spec: ExpressionSpec = NO_EXPRESSIONS, name = path.split('.').pop() ?? ''): { widget: Widget; expression: boolean } {
  if (spec.raw.includes(path)) return { widget: { kind: 'expression', deferred: false }, expression: false };
  if (spec.deferred.includes(path)) return { widget: { kind: 'expression', deferred: true }, expression: false };
  const opaque = spec.opaque.includes(path);
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts) {
    const others = alts.filter((a) => !isExprAlt(a));
    const exprAlt = others.length < alts.length;
    if (others.length === 1) {
      const inner = widgetFor({ ...others[0], ...(schema.default !== undefined ? { default: schema.default } : {}) }, path, spec, name);
      return { widget: inner.widget, expression: !opaque && (exprAlt || inner.expression) };
    }
    if (isDuration(others)) return { widget: { kind: 'duration' }, expression: !opaque && exprAlt };
    const flat = others.flatMap((o) => o.anyOf ?? [o]);
    if (isDuration(flat)) return { widget: { kind: 'duration' }, expression: !opaque && exprAlt };
    if (others.some((o) => typeOf(o) === 'string') && others.every((o) => isPrimitive(o) || typeOf(o) === 'object' || typeOf(o) === 'array')) {
      return { widget: { kind: 'any' }, expression: !opaque };
    }
    if (others.every(isPrimitive)) return { widget: { kind: 'any' }, expression: !opaque };
    return { widget: { kind: 'json', reason: 'one of several shapes' }, expression: false };
  }
  if (schema.enum) {
    if (schema.enum.every((v) => typeof v === 'string')) return { widget: { kind: 'enum', options: schema.enum as string[] }, expression: false };
    return { widget: { kind: 'json', reason: 'a list of allowed values that are not all text' }, expression: false };
  }
  if (schema.const !== undefined) return { widget: { kind: 'enum', options: [String(schema.const)] }, expression: false };
  const t = typeOf(schema);
  switch (t) {
    case undefined:
      // {}: any value (JSON Schema without a type).
      return Object.keys(schema).filter((k) => k !== 'default' && k !== 'description').length === 0
        ? { widget: opaque ? { kind: 'json', reason: 'kept exactly as written' } : { kind: 'any' }, expression: !opaque }
        : { widget: { kind: 'unknown', detail: `a schema without a type (${Object.keys(schema).join(', ')})` }, expression: false };
    case 'string':
      if (schema.pattern === DURATION_PATTERN) return { widget: { kind: 'duration' }, expression: !opaque };
      return { widget: { kind: 'text', multiline: LONG_TEXT.has(name) }, expression: !opaque };
    case 'number':
    case 'integer':
      return {
        widget: {
          kind: 'number',
          integer: t === 'integer',
          ...(schema.minimum !== undefined ? { min: schema.minimum } : schema.exclusiveMinimum !== undefined ? { min: schema.exclusiveMinimum } : {}),
          ...(schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? { max: schema.maximum } : {}),
        },
        expression: false,
      };
    case 'boolean':
      return { widget: { kind: 'boolean' }, expression: false };
    case 'array':
      if (opaque) return { widget: { kind: 'json', reason: 'kept exactly as written' }, expression: false };
      return { widget: { kind: 'list', item: schema.items ?? {} }, expression: false };
    case 'object':
      if (opaque) return { widget: { kind: 'json', reason: 'kept exactly as written' }, expression: false };
      if (schema.properties && Object.keys(schema.properties).length) return { widget: { kind: 'object', schema }, expression: false };
      if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
        return { widget: { kind: 'record', value: schema.additionalProperties === true ? {} : schema.additionalProperties }, expression: false };
      }
      return { widget: { kind: 'json', reason: 'an object' }, expression: false };
    default:
      return { widget: { kind: 'unknown', detail: `type "${t}"` }, expression: false };
  }
}

/** The fields of an object schema (a node's params, an event's data, a nested object), in schema order. */
export function fieldsOf(schema: JsonSchema, spec: ExpressionSpec = NO_EXPRESSIONS, base = ''): FieldSpec[] {
  // A nullable object (event data) is anyOf [object, null].
  const obj = (schema.anyOf ?? []).find((a) => a.type === 'object') ?? schema;
  const required = new Set(obj.required ?? []);
  return Object.entries(obj.properties ?? {}).map(([name, p]) => {
    const path = base ? `${base}.${name}` : name;
    const { widget, expression } = widgetFor(p, path, spec, name);
    return {
      name,
      path,
      label: humanize(name),
      required: required.has(name),
      ...(p.default !== undefined ? { default: p.default } : {}),
      widget,
      expression,
      ...(p.description ? { description: p.description } : {}),
    };
  });
}

// ---- values ------------------------------------------------------------------

/** An expression value ("=…"); "==" is a literal text starting with "=". */
export const isExpression = (v: unknown): v is string => typeof v === 'string' && v.startsWith('=') && !v.startsWith('==');
/** The text shown for a literal string (its escape undone). */
export const literalText = (v: string): string => (v.startsWith('==') ? v.slice(1) : v);
/** A typed literal as stored: text starting with "=" is escaped so it stays text. */
export const storeLiteral = (text: string): string => (text.startsWith('=') ? `=${text}` : text);

export type AnyMode = 'text' | 'number' | 'boolean' | 'expression' | 'json';

/** How an "any" value is edited now. */
export function anyModeOf(v: unknown): AnyMode {
  if (v === undefined) return 'text';
  if (isExpression(v)) return 'expression';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'json';
}

/** The value when the person switches an "any" field to another mode (keeping what can be kept). */
export function convertAny(v: unknown, to: AnyMode): unknown {
  const text = v === undefined ? '' : isExpression(v) ? v.slice(1) : typeof v === 'string' ? literalText(v) : JSON.stringify(v);
  switch (to) {
    case 'text':
      return storeLiteral(text);
    case 'number': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? n : 0;
    }
    case 'boolean':
      return v === true || text === 'true';
    case 'expression':
      if (text === '') return '=';
      return `=${typeof v === 'string' && !isExpression(v) ? JSON.stringify(literalText(v)) : text}`;
    case 'json':
      return typeof v === 'object' && v !== null ? v : v === undefined ? {} : typeof v === 'string' ? literalText(v) : v;
  }
}

/** Read a dotted path in a params tree. */
export function getPath(root: unknown, path: string): unknown {
  if (!path) return root;
  let cur = root;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Write a dotted path (copying on the way); `undefined` removes the key (or the list item stays, as null). */
export function setPath(root: unknown, path: string, value: unknown): unknown {
  if (!path) return value;
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  const tail = rest.join('.');
  if (Array.isArray(root)) {
    const i = Number(head);
    const out = [...root];
    out[i] = setPath(out[i], tail, value);
    return out;
  }
  const obj = root && typeof root === 'object' ? { ...(root as Record<string, unknown>) } : {};
  const next = setPath(obj[head], tail, value);
  if (next === undefined) delete obj[head];
  else obj[head] = next;
  return obj;
}

/** The initial value of a new list item / record entry of this schema. */
export function emptyValue(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return structuredClone(schema.default);
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts) {
    const first = alts.find((a) => !isExprAlt(a));
    return first ? emptyValue(first) : '';
  }
  if (schema.enum?.length) return schema.enum[0];
  switch (typeOf(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const r of schema.required ?? []) {
        const p = schema.properties?.[r];
        if (p) out[r] = emptyValue(p);
      }
      return out;
    }
    case 'array':
      return [];
    case 'number':
    case 'integer':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    default:
      return '';
  }
}
