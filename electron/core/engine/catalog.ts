/**
 * The catalog of node and event types, read from the registry (so it cannot
 * drift from the code): the tables of docs/workflows.md are generated from it
 * (tests/docs-generated.test.ts checks them), and the editor's palette can use
 * the same data.
 */
import { z } from 'zod';
import type { EventTypeInfo, NodeTypeInfo, ParamInfo } from '../../../shared/contract/engine';
import type { EventTypes } from '../domain';
import type { NodeRegistry } from './registry';

export type { ParamInfo };

type Json = { type?: string | string[]; anyOf?: Json[]; oneOf?: Json[]; enum?: unknown[]; const?: unknown; pattern?: string; properties?: Record<string, Json>; required?: string[]; description?: string; items?: Json };

const EXPRESSION_PATTERN = '^=(?!=)';

function shortType(s: Json): { type: string; expression: boolean } {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const parts = alts.map(shortType);
    const expression = parts.some((p) => p.expression) || alts.some((a) => a.pattern === EXPRESSION_PATTERN);
    const types = [...new Set(alts.filter((a) => a.pattern !== EXPRESSION_PATTERN).map((a) => shortType(a).type))];
    return { type: types.join(' or ') || 'expression', expression };
  }
  if (s.enum) return { type: s.enum.map((v) => JSON.stringify(v)).join(' \\| '), expression: false };
  if (s.const !== undefined) return { type: JSON.stringify(s.const), expression: false };
  const t = Array.isArray(s.type) ? s.type.join(' or ') : s.type;
  if (t === 'array') return { type: 'list', expression: false };
  if (t === 'integer') return { type: 'number', expression: false };
  return { type: t ?? 'any', expression: false };
}

function jsonSchema(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Json;
}

/** The top-level fields of an object schema, as the editor and the docs show them. */
export function fieldsOf(schema: z.ZodType): ParamInfo[] {
  let j = jsonSchema(schema);
  // A nullable object (event data) is anyOf [object, null].
  const obj = (j.anyOf ?? []).find((a) => a.type === 'object');
  if (obj) j = obj;
  const required = new Set(j.required ?? []);
  return Object.entries(j.properties ?? {}).map(([name, p]) => {
    const t = shortType(p);
    return { name, required: required.has(name), type: t.type, expression: t.expression, ...(p.description ? { description: p.description } : {}) };
  });
}

export type NodeInfo = NodeTypeInfo;
export type EventInfo = EventTypeInfo;

/** The JSON Schema of a param or data schema as written (what the editor's forms are generated from). */
export function paramsJsonSchema(schema: z.ZodType): unknown {
  const { $schema: _drop, ...rest } = jsonSchema(schema) as Json & { $schema?: string };
  return rest;
}

export function nodeCatalog(nodes: NodeRegistry): NodeInfo[] {
  return nodes.all().map(({ def, domain }) => ({
    type: def.type,
    domain,
    description: def.description,
    params: fieldsOf(def.params),
    schema: paramsJsonSchema(def.params),
    expressions: { raw: [...(def.paramSpec?.raw ?? [])], deferred: [...(def.paramSpec?.deferred ?? [])], opaque: [...(def.paramSpec?.opaque ?? [])] },
    branches: def.branches === undefined ? [] : typeof def.branches === 'function' ? null : [...def.branches],
  }));
}

export function eventCatalog(events: EventTypes): EventInfo[] {
  return events.all().map(({ name, def, domain }) => ({ type: name, domain, description: def.description, subject: def.subject ?? null, data: fieldsOf(def.data), schema: paramsJsonSchema(def.data) }));
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const paramList = (ps: ParamInfo[]) =>
  ps.length ? ps.map((p) => `\`${p.name}\`${p.required ? '' : '?'}: ${p.type.replace(/\\\|/g, '|').split(' | ').join(' \\| ')}${p.expression ? ' (or `=expr`)' : ''}`).join('<br>') : '—';

/** The node table of docs/workflows.md. */
export function nodeTable(nodes: NodeRegistry): string {
  const rows = nodeCatalog(nodes).map((n) => `| \`${n.type}\` | ${n.domain} | ${cell(n.description)} | ${paramList(n.params)} | ${n.branches === null ? 'from its params' : n.branches.length ? n.branches.map((b) => `\`${b}\``).join(', ') : '—'} |`);
  return ['| type | domain | what it does | params (`?` = optional) | branches (besides `error`) |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The event table of docs/workflows.md. */
export function eventTable(events: EventTypes): string {
  const rows = eventCatalog(events).map((e) => `| \`${e.type}\` | ${e.domain} | ${e.subject ?? '—'} | ${cell(e.description)} | ${paramList(e.data)} |`);
  return ['| event | domain | subject | when | data (`?` = optional) |', '|---|---|---|---|---|', ...rows].join('\n');
}
