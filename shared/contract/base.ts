import { z } from 'zod';
import { ApiError, type ApiIssue } from './errors';

/** One operation of the API: what it takes, what it gives back. */
export interface OpDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  description: string;
  input: I;
  output: O;
}

export function op<I extends z.ZodType, O extends z.ZodType>(description: string, input: I, output: O): OpDef<I, O> {
  return { description, input, output };
}

export const Empty = z.object({}).strict();
export const Ok = z.object({ ok: z.literal(true) });

// The error shapes carry no zod: the renderer's first bundle imports them without the contract.
export { ApiError, statusOf, type ApiErrorBody, type ApiErrorCode, type ApiIssue } from './errors';

/** zod issues -> `[{ path: 'nodes.3.params.url', message }]`, the form every host reports. */
export function issuesOf(error: z.ZodError): ApiIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

export function describeIssues(issues: ApiIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/** Parse or throw an ApiError('invalid_input') naming every field that is wrong. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what = 'input'): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = issuesOf(r.error);
    throw new ApiError('invalid_input', `Invalid ${what}: ${describeIssues(issues)}`, issues);
  }
  return r.data;
}

/**
 * A domain event type: a row of the events table (contact.created,
 * form.submitted …) that workflows start on (event triggers) or wait for.
 * `data` is the schema of the event's data; `subject` the kind of thing it is
 * about ("contact", "run" …). Declared by the domain that records it.
 */
export interface EventTypeDef<D extends z.ZodType = z.ZodType> {
  description: string;
  data: D;
  subject?: string;
}

export function eventType<D extends z.ZodType>(description: string, data: D, subject?: string): EventTypeDef<D> {
  return subject ? { description, data, subject } : { description, data };
}
