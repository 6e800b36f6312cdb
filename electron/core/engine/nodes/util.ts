import { z } from 'zod';

/** A param that may also be an expression ("=…"): accepted at import, checked again after evaluation. */
export function ex<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.string().regex(/^=(?!=)/, 'an expression starts with "="')]);
}

/** A JSONata expression written without "=" (condition.if, filters). */
export const Expr = z.string().min(1, 'give an expression, e.g. input.score > 8');
