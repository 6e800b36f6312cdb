import { z } from 'zod';
import { defineNode } from '../registry';

/**
 * Join parallel paths. all: wait for every incoming path (skipped branches count
 * as arrived), output { nodeId: output }. any: go on with the first arrival,
 * the others keep running. first: go on with the first arrival and cancel the others.
 */
export default defineNode({
  type: 'join',
  description: 'Wait for incoming paths: all, any or first.',
  params: z.object({ mode: z.enum(['all', 'any', 'first']).default('all') }).strict(),
  join: (p) => p.mode,
  run(ctx) {
    return { output: ctx.input };
  },
});
