/**
 * Triggers: webhooks (POST /hooks/<slug>, per-hook secret) and the schedule
 * fire history (docs/workflows.md "Triggers").
 */
import { z } from 'zod';
import { Empty, op } from './base';

export const HookInfo = z.object({
  slug: z.string(),
  workflowId: z.string(),
  enabled: z.boolean(),
  /** Path on the headless server, e.g. /hooks/intake. */
  path: z.string(),
  /** Where the secret is kept: keychain entry / BATON_SECRET_<name>. */
  secretName: z.string(),
  hasSecret: z.boolean(),
});
export type HookInfo = z.infer<typeof HookInfo>;

export const ScheduleFire = z.object({
  workflowId: z.string(),
  fireAt: z.string(),
  status: z.enum(['claimed', 'started', 'failed']),
  runId: z.string().nullable(),
  late: z.boolean(),
  error: z.string().nullable(),
  claimedAt: z.string(),
});
export type ScheduleFire = z.infer<typeof ScheduleFire>;

export const triggersOps = {
  'hooks.list': op('Webhook triggers: slug, workflow, path and whether a secret is set (never the secret).', Empty,
    z.object({ hooks: z.array(HookInfo) })),
  'hooks.rotateSecret': op('Generate a new secret for a webhook, store it in the secret store and show it once.',
    z.object({ slug: z.string().min(1) }).strict(),
    z.object({ slug: z.string(), path: z.string(), secretName: z.string(), secret: z.string() })),
  'schedules.fires': op('Recent schedule fires (newest first): when, which run, caught up late or on time.',
    z.object({ workflow: z.string().optional(), limit: z.number().int().min(1).max(500).default(50) }).strict(),
    z.object({ fires: z.array(ScheduleFire) })),
} as const;

export const triggersEvents = {} as const;
