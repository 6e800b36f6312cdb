import { z } from 'zod';
import { defineNode } from '../registry';
import { ex } from './util';

/** Longest message written to the log file by a log node, in characters. */
export const LOG_LINE_CHARS = 64 * 1024;

/** Write a line to the Baton log; the output is the message. */
export default defineNode({
  type: 'log',
  description: 'Write a message to the log.',
  params: z.object({ message: z.union([z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown()), z.array(z.unknown())]), level: ex(z.enum(['info', 'warn', 'error'])).default('info') }).strict(),
  run(ctx) {
    const message = typeof ctx.params.message === 'string' ? ctx.params.message : JSON.stringify(ctx.params.message);
    const level = ctx.params.level === 'warn' || ctx.params.level === 'error' ? ctx.params.level : 'info';
    // The log line is cut at LOG_LINE_CHARS; the output (the whole message) is held to engine.maxStepOutputBytes.
    const line = message.length > LOG_LINE_CHARS ? `${message.slice(0, LOG_LINE_CHARS)}… (truncated: ${message.length.toLocaleString('en-US')} characters)` : message;
    ctx.log[level](line, { runId: ctx.run.id, nodeId: ctx.node.id });
    return { output: { message } };
  },
});
