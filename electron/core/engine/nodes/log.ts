import { z } from 'zod';
import { defineNode } from '../registry';
import { ex } from './util';

/** Write a line to the Baton log; the output is the message. */
export default defineNode({
  type: 'log',
  description: 'Write a message to the log.',
  params: z.object({ message: z.union([z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown()), z.array(z.unknown())]), level: ex(z.enum(['info', 'warn', 'error'])).default('info') }).strict(),
  run(ctx) {
    const message = typeof ctx.params.message === 'string' ? ctx.params.message : JSON.stringify(ctx.params.message);
    const level = ctx.params.level === 'warn' || ctx.params.level === 'error' ? ctx.params.level : 'info';
    ctx.log[level](message, { runId: ctx.run.id, nodeId: ctx.node.id });
    return { output: { message } };
  },
});
