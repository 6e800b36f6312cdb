import { z } from 'zod';
import { defineNode } from '../registry';

/**
 * Multi-way branch. Either `value` (an expression) compared with each case's
 * `equals`, or each case's own `if` expression; the first match wins, else "default".
 */
export default defineNode({
  type: 'switch',
  description: 'Branch to the first matching case, else "default".',
  params: z
    .object({
      value: z.string().min(1).optional(),
      cases: z
        .array(z.object({ name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, _ and -'), equals: z.unknown().optional(), if: z.string().min(1).optional() }).strict())
        .min(1, 'give at least one case'),
    })
    .strict(),
  paramSpec: { raw: ['value', ...Array.from({ length: 50 }, (_, i) => `cases.${i}.if`)] },
  branches: (p) => [...p.cases.map((c) => c.name), 'default'],
  run(ctx) {
    for (const c of ctx.params.cases) {
      if (c.if !== undefined ? Boolean(c.if) : ctx.params.value === c.equals) return { output: ctx.input, branch: c.name };
    }
    return { output: ctx.input, branch: 'default' };
  },
});
