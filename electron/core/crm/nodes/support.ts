/**
 * What the CRM and sales nodes share: the contact a node acts on (`contactId` or `email`, values or
 * expressions), the run as the writer (`via`), checks of contact field values, and how a domain
 * error becomes a step error.
 */
import { z } from 'zod';
import { ContactFields, describeIssues, issuesOf, normaliseEmail, Tag } from '../../../../shared/api';
import { isExpressionString } from '../../engine/expr';
import { NodeError, type NodeContext } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { findContact, isInputError, SETTABLE_FIELDS, type Via } from '../automation';
import type { ContactRow } from '../store';

/** `contactId` (a number or "=expr") or `email`: the contact a node acts on. */
export const contactRef = {
  contactId: ex(z.number().int().positive()).optional(),
  email: z.string().min(1).optional(),
};
export const needsContact = { error: 'give contactId (e.g. "=input.contactId") or email (e.g. "=input.email")', path: ['contactId'] };
export const hasContact = (p: { contactId?: unknown; email?: unknown }) => p.contactId !== undefined || p.email !== undefined;

export const isExpr = (v: unknown): boolean => isExpressionString(v);

/** The writer of a node's changes, recorded with them. */
export function viaOf(ctx: NodeContext<unknown>): Via {
  return { workflowId: ctx.run.workflowId, runId: ctx.run.id, nodeId: ctx.node.id };
}

const fail = (type: string, message: string, code: string) => new NodeError(`${type}: ${message}`, { retryable: false, code });

/** The evaluated contact reference as an id or an e-mail (a step error when it is neither). */
export function contactKey(type: string, p: { contactId?: unknown; email?: unknown }): { id?: number; email?: string } {
  if (p.contactId !== undefined && p.contactId !== null && p.contactId !== '') {
    const id = typeof p.contactId === 'string' && /^\d+$/.test(p.contactId) ? Number(p.contactId) : p.contactId;
    if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) throw fail(type, `contactId is not a contact id (${JSON.stringify(p.contactId)})`, 'bad_param');
    return { id };
  }
  if (typeof p.email === 'string' && p.email.trim() !== '') return { email: normaliseEmail(p.email) };
  throw fail(type, `no contact given: contactId and email are both empty (${JSON.stringify({ contactId: p.contactId ?? null, email: p.email ?? null })})`, 'bad_param');
}

/** The live contact the node acts on; a step error (not retried) when there is none. */
export function contactFor(type: string, ctx: NodeContext<{ contactId?: unknown; email?: unknown }>): ContactRow {
  const key = contactKey(type, ctx.params);
  const row = findContact(ctx.env, key);
  if (!row) throw fail(type, key.id !== undefined ? `no contact with id ${key.id} (deleted, or never existed)` : `no contact with the e-mail ${key.email}`, 'contact_not_found');
  return row;
}

/** Domain code threw: input problems fail the step for good (the same input fails the same way); the rest is retried. */
export function stepError(type: string, e: unknown): unknown {
  if (e instanceof NodeError) return e;
  if (isInputError(e)) return new NodeError(`${type}: ${e.message}`, { retryable: false, code: e.code });
  return e;
}

/** Run domain code, turning its input errors into step errors. */
export function guard<T>(type: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw stepError(type, e);
  }
}

/** Import check: a static value of a contact field must be valid for that field. */
export function checkFieldValue(field: string, value: unknown, path: string, report: (path: string, message: string) => void): void {
  if (isExpr(value) || value === null || value === undefined) return;
  const schema = (ContactFields.shape as Record<string, z.ZodType>)[field];
  if (!schema) return;
  const r = schema.safeParse(typeof value === 'number' || typeof value === 'boolean' ? String(value) : value);
  if (!r.success) report(path, `${field}: ${r.error.issues[0]?.message ?? 'not a valid value'}`);
}

/**
 * Evaluated field values -> a parsed contact input. Numbers and booleans become text; empty values are
 * left out (an upsert keeps what is stored) unless `keepNull` (a patch: null clears the field).
 */
export function contactInput(type: string, raw: Record<string, unknown>, opts: { keepNull?: boolean; schema: z.ZodType }): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined || (!opts.keepNull && (v === null || v === ''))) continue;
    input[k] = typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === '' ? null : v;
  }
  const r = opts.schema.safeParse(input);
  if (!r.success) {
    const issues = issuesOf(r.error).map((i) => {
      const got = i.path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), input);
      return { path: i.path, message: `${i.message}${got !== undefined && typeof got !== 'object' ? ` (got ${JSON.stringify(got)})` : ''}` };
    });
    throw fail(type, `${describeIssues(issues)}. Nothing was written.`, 'invalid_contact');
  }
  return r.data as Record<string, unknown>;
}

/** Import check of a map of contact fields (`fields` of crm.contact.upsert, `set` of crm.contact.update). */
export function checkFields(type: string, fields: Record<string, unknown> | undefined, prefix: string, report: (path: string, message: string) => void, also: readonly string[] = []): void {
  const known = [...also, ...SETTABLE_FIELDS];
  for (const [k, v] of Object.entries(fields ?? {})) {
    if (!known.includes(k)) report(`${prefix}.${k}`, `${type}: "${k}" is not a contact field (use one of ${known.join(', ')}; custom fields go under "custom", tags under "${prefix === 'set' ? 'addTags / removeTags' : 'tags'}")`);
    else checkFieldValue(k, v, `${prefix}.${k}`, report);
  }
}

/** Import check of a list of tags (each static one must be a valid tag). */
export function checkTags(type: string, tags: unknown, path: string, report: (path: string, message: string) => void): void {
  if (!Array.isArray(tags)) return;
  tags.forEach((t, i) => {
    if (isExpr(t)) return;
    const r = Tag.safeParse(t);
    if (!r.success) report(`${path}.${i}`, `${type}: ${r.error.issues[0]?.message ?? 'not a valid tag'}`);
  });
}

/** Evaluated tags: a list, or one tag from an expression; empty values are dropped. */
export function tagList(type: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const t of list) {
    if (t === null || t === undefined || t === '') continue;
    const r = Tag.safeParse(typeof t === 'number' ? String(t) : t);
    if (!r.success) throw fail(type, `tags: ${JSON.stringify(t)} is not a tag (${r.error.issues[0]?.message ?? 'invalid'}). Nothing was written.`, 'invalid_tag');
    out.push(r.data);
  }
  return [...new Set(out)];
}

/** Custom field names: free-form (there is no registry of them), letters, digits and _. */
export const CustomFields = z.record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'custom field names use letters, digits and _ (at most 64)'), z.unknown());

/** Evaluated field map (an expression may give the whole object): only contact fields, else a step error. */
export function fieldMap(type: string, v: unknown, param: string, also: readonly string[] = []): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw fail(type, `${param}: expected an object of contact fields, got ${JSON.stringify(v)}. Nothing was written.`, 'bad_param');
  const known = [...also, ...SETTABLE_FIELDS];
  const unknown = Object.keys(v).filter((k) => !known.includes(k));
  if (unknown.length) throw fail(type, `${param}: ${unknown.map((k) => `"${k}"`).join(', ')} ${unknown.length === 1 ? 'is not a contact field' : 'are not contact fields'} (use ${known.join(', ')}). Nothing was written.`, 'bad_param');
  return v as Record<string, unknown>;
}

/** A map param that may also be one expression giving the whole map. */
export const mapOrExpr = (param: string) => z.union([z.record(z.string(), z.unknown()), z.string().regex(/^=(?!=)/, `${param}: give an object, or an expression starting with "="`)]);
