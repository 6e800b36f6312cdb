/**
 * First run: the example workflows shipped in resources/templates (list, install),
 * and demo data to try Baton on. docs/getting-started.md.
 */
import { z } from 'zod';
import { Empty, op } from './base';

export const TemplateRequirement = z.object({ id: z.string(), label: z.string(), met: z.boolean(), fix: z.string() });
export type TemplateRequirement = z.infer<typeof TemplateRequirement>;

export const TemplateInfo = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  trigger: z.string(),
  /** Already imported as a workflow with this id. */
  installed: z.boolean(),
  /** Settings or secrets it needs before it can do its job (e.g. SMTP for e-mail nodes). */
  needs: z.array(z.string()),
  /** What it needs, each checked now: met, and where to fix it when not (a `#/settings?section=…` address or words). */
  requirements: z.array(TemplateRequirement).default([]),
  /** Every requirement is met: it may be installed enabled (the gallery's Install waits for it). */
  ready: z.boolean().default(true),
  /** Its trigger in plain words ("a contact is created"). */
  when: z.string().default(''),
  /** What it does in plain words. */
  then: z.string().default(''),
  /** Enabled workflows with the same trigger (their names): installing this one too runs both. */
  overlaps: z.array(z.string()).default([]),
});
export type TemplateInfo = z.infer<typeof TemplateInfo>;

export const setupOps = {
  'templates.list': op('The example workflows shipped with Baton, and whether each is installed.', Empty, z.object({ templates: z.array(TemplateInfo) })),
  'templates.install': op(
    'Import example workflows by id (all or nothing), optionally enabled.',
    z.object({ ids: z.array(z.string().min(1)).min(1, 'pick at least one template'), enable: z.boolean().default(false) }).strict(),
    z.object({ installed: z.array(z.object({ id: z.string(), version: z.number().int(), enabled: z.boolean() })) }),
  ),
  'templates.get': op('One template\'s workflow definition (to duplicate and edit it before installing).', z.object({ id: z.string().min(1, 'give a template id') }).strict(), z.object({ definition: z.unknown() })),
  'demo.seed': op(
    'Fill an empty CRM with a demo business: companies, contacts, 12 months of activity, deals (same seed, same data).',
    z.object({ contacts: z.number().int('use a whole number').min(1, 'at least 1 contact').max(100_000, 'at most 100,000 from here (use `baton demo seed` for more)').default(1000), seed: z.number().int().min(0).default(42) }).strict(),
    z.object({ companies: z.number().int(), contacts: z.number().int(), events: z.number().int(), deals: z.number().int(), durationMs: z.number() }),
  ),
} as const;

export const setupEvents = {} as const;
