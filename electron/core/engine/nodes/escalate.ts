import { z } from 'zod';
import { defineNode } from '../registry';
import { ex } from './util';

/** Raise an escalation: the desktop shows it as a tray notification. */
export default defineNode({
  type: 'escalate',
  description: 'Raise an escalation (tray notification) with a severity.',
  params: z
    .object({
      severity: ex(z.enum(['info', 'warning', 'critical'])).default('warning'),
      title: z.string().min(1, 'give a title'),
      detail: z.string().default(''),
    })
    .strict(),
  run(ctx) {
    const severity = (['info', 'warning', 'critical'] as const).find((s) => s === ctx.params.severity) ?? 'warning';
    ctx.escalate({ severity, title: String(ctx.params.title), detail: String(ctx.params.detail ?? '') });
    return { output: ctx.input };
  },
});
