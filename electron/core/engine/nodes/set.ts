import { z } from 'zod';
import { defineNode } from '../registry';

/** Build an object from values (each may be an expression). With merge, the input's fields are kept. */
export default defineNode({
  type: 'set',
  description: 'Output an object built from values (expressions allowed).',
  params: z.object({ values: z.record(z.string(), z.unknown()), merge: z.boolean().default(false) }).strict(),
  run(ctx) {
    const base = ctx.params.merge && ctx.input && typeof ctx.input === 'object' && !Array.isArray(ctx.input) ? (ctx.input as Record<string, unknown>) : {};
    return { output: { ...base, ...ctx.params.values } };
  },
});
