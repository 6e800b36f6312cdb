import { z } from 'zod';
import { Empty, eventType, op } from './base';

/** A calendar day, YYYY-MM-DD. */
export const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use a day as YYYY-MM-DD');

/** Price of a model in US dollars per million tokens (the `ai.prices` setting maps model -> price). */
export const ModelPrice = z.object({
  inputPerMTok: z.number().nonnegative('a price cannot be negative').max(1_000_000, 'at most 1000000 USD per million tokens'),
  outputPerMTok: z.number().nonnegative('a price cannot be negative').max(1_000_000, 'at most 1000000 USD per million tokens'),
});
export type ModelPrice = z.infer<typeof ModelPrice>;
export const PriceTable = z.record(z.string().min(1), ModelPrice);
export type PriceTable = z.infer<typeof PriceTable>;

export const UsageTotals = z.object({
  calls: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costUsd: z.number(),
});
export type UsageTotals = z.infer<typeof UsageTotals>;

export const UsageRow = UsageTotals.extend({
  runId: z.string().nullable(),
  nodeId: z.string().nullable(),
  model: z.string(),
  purpose: z.string(),
});

export const AiStatus = z.object({
  /** Whether ANTHROPIC_API_KEY is in the secret store (the value is never returned). */
  keyPresent: z.boolean(),
  model: z.string(),
  maxTokens: z.number().int(),
  baseUrl: z.string().nullable(),
  dailyCapUsd: z.number().nullable(),
  spentTodayUsd: z.number(),
  capReached: z.boolean(),
  confidenceThreshold: z.number(),
  prices: PriceTable,
});
export type AiStatus = z.infer<typeof AiStatus>;

/** A path inside <data>/workspace, e.g. brand/voice-and-tone.md or deliverables/post.v2.md. */
export const DocPath = z
  .string()
  .min(1, 'give a path such as brand/positioning.md')
  .max(200, 'a document path is at most 200 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*\.(md|txt|json|csv|html)$/,
    'use a relative path like brand/positioning.md: letters, digits, . _ - and /, ending in .md, .txt, .json, .csv or .html (no "..", no leading /)',
  );

export const DocInfo = z.object({
  path: z.string(),
  kind: z.enum(['brand', 'deliverable', 'other']),
  size: z.number().int(),
  updatedAt: z.string(),
});
export type DocInfo = z.infer<typeof DocInfo>;

/** AI steps that wait for a person or for money (ai.waiting; the Dashboard's automation health). */
export const AiWaiting = z.object({
  /** Steps waiting for the Anthropic key and the person's go-ahead: saving the key releases none of them; ai.release does. */
  key: z.number().int(),
  /** Steps waiting for budget (the daily cap): they go on by themselves when the cap allows (tomorrow, or a higher cap). */
  budget: z.number().int(),
  keyPresent: z.boolean(),
  /** The key is stored and steps still wait for it: choose ai.release "run" or "discard". */
  decisionNeeded: z.boolean(),
  workflows: z.array(z.object({ id: z.string(), name: z.string(), key: z.number().int(), budget: z.number().int() })),
});
export type AiWaiting = z.infer<typeof AiWaiting>;

export const aiOps = {
  'ai.status': op('Claude settings, whether the Anthropic key is stored, and today\'s spend against the daily cap.', Empty, AiStatus),
  'ai.usage': op(
    'AI usage ledger: tokens and cost in total, per day and per run (filter by run or by day range).',
    z
      .object({
        runId: z.string().min(1).optional(),
        from: Day.optional(),
        to: Day.optional(),
      })
      .strict(),
    z.object({
      totals: UsageTotals,
      byDay: z.array(UsageTotals.extend({ day: z.string() })),
      byRun: z.array(UsageTotals.extend({ runId: z.string().nullable() })),
      /** With runId: the calls of that run, one row per node/model/purpose. */
      rows: z.array(UsageRow),
    }),
  ),
  'ai.waiting': op('AI steps waiting for the Anthropic key (and your go-ahead) or for budget, in all and per workflow.', Empty, AiWaiting),
  'ai.release': op(
    'Decide about the AI steps waiting for the Anthropic key: "run" lets them call Claude now (under the daily cap: the cap still holds), "discard" cancels their runs. Saving the key alone releases nothing.',
    z.object({ action: z.enum(['run', 'discard'], { error: 'action must be "run" (let the waiting AI steps call Claude) or "discard" (cancel their runs)' }) }).strict(),
    z.object({ action: z.enum(['run', 'discard']), steps: z.number().int(), runsCancelled: z.number().int(), message: z.string() }),
  ),
  'docs.list': op(
    'Workspace documents: brand documents (used in every AI system prompt) and generated deliverables.',
    z.object({ kind: z.enum(['brand', 'deliverable', 'other']).optional() }).strict(),
    z.object({ docs: z.array(DocInfo) }),
  ),
  'docs.get': op('Read one workspace document.', z.object({ path: DocPath }).strict(), DocInfo.extend({ content: z.string() })),
  'docs.put': op(
    'Create or replace a workspace document (deliverables are versioned and cannot be overwritten).',
    z.object({ path: DocPath, content: z.string().max(1_000_000, 'a document is at most 1,000,000 characters') }).strict(),
    DocInfo,
  ),
} as const;

export const aiEvents = {
  /** The daily AI spend cap was reached: AI steps wait until tomorrow or until the cap is raised. */
  'ai.capReached': z.object({ day: z.string(), spentUsd: z.number(), capUsd: z.number() }),
  'docs.changed': z.object({ path: z.string() }),
} as const;

/** Event types the AI domain records. */
export const aiEventTypes = {
  'ai.key': eventType('The person released or discarded the AI steps waiting for the Anthropic key (ai.release).', z.object({ action: z.enum(['run', 'discard']) }).passthrough()),
  'ai.budget': eventType('An ai.* setting changed (a higher cap, other prices): AI steps waiting for budget try again.', z.object({ why: z.string() }).passthrough()),
  'ai.waiting': eventType('AI steps started waiting for a key or for budget (once per day and cause).', z.object({ kind: z.string() }).passthrough(), 'ai'),
  'ai.cap_reached': eventType("Today's AI spend reached the daily cap (setting ai.dailyCapUsd).", z.object({ spentUsd: z.number(), capUsd: z.number() }).passthrough(), 'day'),
} as const;
