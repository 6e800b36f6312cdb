import { z } from 'zod';
import { defineNode } from '../registry';

/** Output the value of one JSONata expression (reshape, filter, aggregate). */
export default defineNode({
  type: 'transform',
  description: 'Output the value of an expression.',
  params: z.object({ expression: z.string().min(1, 'give an expression') }).strict(),
  paramSpec: { raw: ['expression'] },
  run(ctx) {
    return { output: (ctx.params.expression as unknown) ?? null };
  },
});
