/**
 * First run: the example workflows shipped in resources/templates (list, install),
 * and demo data to try Baton on. docs/getting-started.md.
 */
import { z } from 'zod';
import { Empty, op } from './base';

export const TemplateInfo = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  trigger: z.string(),
  /** Already imported as a workflow with this id. */
  installed: z.boolean(),
  /** Settings or secrets it needs before it can do its job (e.g. SMTP for e-mail nodes). */
  needs: z.array(z.string()),
});
export type TemplateInfo = z.infer<typeof TemplateInfo>;

export const setupOps = {
  'templates.list': op('The example workflows shipped with Baton, and whether each is installed.', Empty, z.object({ templates: z.array(TemplateInfo) })),
  'templates.install': op(
    'Import example workflows by id (all or nothing), optionally enabled.',
    z.object({ ids: z.array(z.string().min(1)).min(1, 'pick at least one template'), enable: z.boolean().default(false) }).strict(),
    z.object({ installed: z.array(z.object({ id: z.string(), version: z.number().int(), enabled: z.boolean() })) }),
  ),
  'demo.seed': op(
    'Fill an empty CRM with a demo business: companies, contacts, 12 months of activity, deals (same seed, same data).',
    z.object({ contacts: z.number().int('use a whole number').min(1, 'at least 1 contact').max(100_000, 'at most 100,000 from here (use `baton demo seed` for more)').default(1000), seed: z.number().int().min(0).default(42) }).strict(),
    z.object({ companies: z.number().int(), contacts: z.number().int(), events: z.number().int(), deals: z.number().int(), durationMs: z.number() }),
  ),
} as const;

export const setupEvents = {} as const;
