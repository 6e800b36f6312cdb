/**
 * First run: the example workflows shipped in resources/templates (list, install),
 * and demo data to try Baton on. docs/getting-started.md.
 */
import { z } from 'zod';
import { Empty, op } from './base';

/** Something a template needs before it can do its job: a setting, a secret, a sequence … */
export const TemplateRequirement = z.object({
  /** smtp, imap, anthropic, wordpress, stripe, setting:<key>, sequence:<id>, form:<slug>, hook-secret:<slug> */
  id: z.string(),
  /** What it is, in plain words ("SMTP settings and the SMTP password"). */
  label: z.string(),
  /** Set up already. */
  met: z.boolean(),
  /** Where to set it up (the Settings page, or the CLI command). */
  fix: z.string(),
});
export type TemplateRequirement = z.infer<typeof TemplateRequirement>;

export const TemplateInfo = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  /** The trigger in short ("on form.submitted", "on a schedule (0 8 * * 1-5)", "webhook /hooks/intake", "manual"). */
  trigger: z.string(),
  /** Plain words: "When a visitor submits one of your forms". */
  when: z.string(),
  /** Plain words: "Then score the lead; …". */
  then: z.string(),
  /** Already imported as a workflow with this id. */
  installed: z.boolean(),
  /** What it needs (outside services, settings, secrets) and whether each is set up. */
  requirements: z.array(TemplateRequirement),
  /** Every requirement is met: it may be installed enabled. */
  ready: z.boolean(),
  /** Enabled workflows (other than this template's own) that start on the same event or webhook slug. */
  overlaps: z.array(z.string()),
});
export type TemplateInfo = z.infer<typeof TemplateInfo>;

export const setupOps = {
  'templates.list': op('The example workflows shipped with Baton, and whether each is installed.', Empty, z.object({ templates: z.array(TemplateInfo) })),
  'templates.install': op(
    'Import example workflows by id (all or nothing), with the sequences, forms and segments they bring; enabled only when every requirement is met.',
    z.object({ ids: z.array(z.string().min(1)).min(1, 'pick at least one template'), enable: z.boolean().default(false) }).strict(),
    z.object({
      installed: z.array(z.object({ id: z.string(), version: z.number().int(), enabled: z.boolean() })),
      /** What the templates brought that was not there yet (sequence ids, form slugs, segment names); what existed is left as it is. */
      brought: z.object({ sequences: z.array(z.string()), forms: z.array(z.string()), segments: z.array(z.string()) }),
    }),
  ),
  'templates.get': op('One template\'s workflow definition (to duplicate and edit it before installing).', z.object({ id: z.string().min(1, 'give a template id') }).strict(), z.object({ definition: z.unknown() })),
  'demo.seed': op(
    'Fill an empty CRM with a demo business: companies, contacts, 12 months of activity, deals (same seed, same data).',
    z.object({ contacts: z.number().int('use a whole number').min(1, 'at least 1 contact').max(100_000, 'at most 100,000 from here (use `baton demo seed` for more)').default(1000), seed: z.number().int().min(0).default(42) }).strict(),
    z.object({ companies: z.number().int(), contacts: z.number().int(), events: z.number().int(), deals: z.number().int(), durationMs: z.number() }),
  ),
} as const;

export const setupEvents = {} as const;
