import { z } from 'zod';
import { defineNode } from '../registry';

/** if/else: takes branch "true" or "false"; the output is the input, unchanged. */
export default defineNode({
  type: 'condition',
  description: 'Branch on an expression: "true" or "false".',
  params: z.object({ if: z.union([z.string().min(1, 'give an expression, e.g. input.score > 8'), z.boolean()]) }).strict(),
  paramSpec: { raw: ['if'] },
  branches: ['true', 'false'],
  run(ctx) {
    return { output: ctx.input, branch: ctx.params.if ? 'true' : 'false' };
  },
});
