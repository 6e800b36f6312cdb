import { z } from 'zod';
import { defineNode } from '../registry';

/** Fan out: every outgoing edge runs at the same time. (Any node with several outgoing edges does this; this one says so.) */
export default defineNode({
  type: 'parallel',
  description: 'Fan out to every outgoing edge at once.',
  params: z.object({}).strict(),
  run(ctx) {
    return { output: ctx.input };
  },
});
