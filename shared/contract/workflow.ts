/**
 * The workflow definition format (docs/engine.md, docs/workflows.md): a trigger,
 * nodes, edges and settings. This is the structural schema; electron/core/engine
 * adds what needs the node registry and the expression language
 * (`validateWorkflow`: node types, per-type params, expressions, cron, graph rules).
 */
import { z } from 'zod';
import { HookAuth } from './triggers';

/** Ids of workflows: lower-case slugs, used in URLs, file names and the CLI. */
export const WORKFLOW_ID_RULE = 'use 2-63 characters: lower-case letters, digits and -, starting with a letter or digit (e.g. lead-followup)';
export const WorkflowId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, WORKFLOW_ID_RULE);

export const NODE_ID_RULE = 'use 1-64 characters: letters, digits, _ and -, starting with a letter (e.g. score_lead)';
export const NodeId = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, NODE_ID_RULE);

/**
 * A duration: milliseconds as a number, or a string such as "500ms", "30s", "5m", "2h", "3d", "1w".
 */
export const DURATION_RULE = 'use milliseconds (a number) or a number with a unit: ms, s, m, h, d or w (e.g. "48h")';
/** The longest duration anything waits: 3,650 days (about 10 years; longer ones are typos and break date arithmetic). */
export const MAX_DURATION_MS = 3650 * 86_400_000;
const DURATION_MAX_RULE = 'at most 3650 days (3650d)';
const DURATION_RE = /^\d+(\.\d+)?(ms|s|m|h|d|w)$/;
export const Duration: z.ZodType<Duration> = z.union([
  z.number().int(DURATION_RULE).nonnegative(DURATION_RULE).max(MAX_DURATION_MS, DURATION_MAX_RULE),
  z
    .string()
    .regex(DURATION_RE, DURATION_RULE)
    // zod runs this check after a failed regex too: only a well-formed duration is measured.
    .refine((s) => !DURATION_RE.test(s) || durationMs(s) <= MAX_DURATION_MS, DURATION_MAX_RULE),
]);
export type Duration = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Duration -> milliseconds. */
export function durationMs(d: Duration): number {
  if (typeof d === 'number') return d;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(d);
  if (!m) throw new Error(`Bad duration "${d}": ${DURATION_RULE}`);
  return Math.round(Number(m[1]) * (UNIT_MS[m[2] as string] as number));
}

export const RetryPolicy = z
  .object({
    /** Total tries including the first (1 = no retry). */
    maxAttempts: z.number().int().min(1).max(50).default(3),
    /** Delay before the 2nd try; doubled (factor) each time, capped at maxDelay, with full jitter. */
    initialDelay: Duration.default(1000),
    maxDelay: Duration.default(300_000),
    factor: z.number().min(1).max(10).default(2),
    /** Full jitter: each delay is random in [delay/2, delay]. */
    jitter: z.boolean().default(true),
    /** Error codes that are never retried (besides errors a node marks non-retryable). */
    nonRetryable: z.array(z.string()).default([]),
  })
  .strict();
export type RetryPolicy = z.output<typeof RetryPolicy>;

export const ManualTrigger = z.object({ type: z.literal('manual') }).strict();
export const ScheduleTrigger = z
  .object({
    type: z.literal('schedule'),
    /** 5 fields (minute hour day month weekday), or 6 with leading seconds. */
    cron: z.string().min(1, 'give a cron expression such as "30 2 * * *"'),
    /** IANA time zone, e.g. Europe/Paris. */
    timezone: z.string().min(1, 'give an IANA time zone such as Europe/Paris'),
    /** What to do with fires missed while Baton was closed or asleep. */
    catchUp: z.enum(['skip', 'once', 'all']).default('once'),
    /** How far back missed fires are caught up (default 1 day). */
    catchUpWindow: Duration.optional(),
  })
  .strict();
export const EventTrigger = z
  .object({
    type: z.literal('event'),
    /** Event type, e.g. contact.created, form.submitted, approval.decided, run.failed. */
    event: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'use a dotted lower-case event type such as contact.created'),
    /** JSONata expression over { event: { type, data, subject } }; the run starts when it is truthy. */
    filter: z.string().optional(),
    /**
     * Also start on events recorded for the rows of a bulk import (their data carries importId:
     * contact.created of a CSV import …). Default false: installing a workflow never mails an
     * imported list by surprise.
     */
    includeImported: z.boolean().optional(),
  })
  .strict();
/** Webhook slugs the domains' public routes use below /hooks (the CRM's forms and event ingest, billing's Stripe endpoint). */
export const RESERVED_HOOK_SLUGS: readonly string[] = ['forms', 'events', 'stripe'];
/** How long a webhook caller may wait for the run's answer (responseTimeout): at least 100 ms, at most 2 minutes. */
export const RESPONSE_TIMEOUT_MIN_MS = 100;
export const RESPONSE_TIMEOUT_MAX_MS = 120_000;
/** The default responseTimeout. */
export const RESPONSE_TIMEOUT_DEFAULT = '30s';
/** A responseTimeout: a duration between 100 ms and 2 minutes. */
export const ResponseTimeout = Duration.refine(
  (d) => {
    const ms = durationMs(d);
    return ms >= RESPONSE_TIMEOUT_MIN_MS && ms <= RESPONSE_TIMEOUT_MAX_MS;
  },
  'use a duration from 100ms to 2m (e.g. "30s"): past it the caller gets 202 with the run id and the run goes on',
);
/** Longest redirect URL accepted (browsers and proxies cut longer ones). */
export const REDIRECT_URL_MAX = 2000;
/**
 * Why `url` may not be a redirect target (a Location header), or null: it must be an absolute
 * http(s) URL without user:password@ (a "https://bank.example@evil.example" look-alike) and
 * without control characters, at most 2,000 characters.
 */
export function redirectProblem(url: string): string | null {
  if (url.length > REDIRECT_URL_MAX) return `the URL is ${url.length} characters; the limit is ${REDIRECT_URL_MAX}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(url)) return 'the URL contains a control character (CR, LF, tab …)';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url.slice(0, 100)}" is not an absolute URL (use https://example.com/thanks)`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `use an http(s) URL, not ${u.protocol}`;
  if (u.username || u.password) return 'the URL may not carry a user name or password (user:pass@host)';
  return null;
}
/** A redirect target: an absolute http(s) URL (see redirectProblem). */
export const RedirectUrl = z.string().superRefine((s, ctx) => {
  const p = redirectProblem(s);
  if (p) ctx.addIssue({ code: 'custom', message: p });
});

/**
 * What a webhook caller gets back (docs/workflows.md, "Answering the caller"):
 * - onReceived: 202 { runId } as soon as the run is stored (the default);
 * - lastNode: the run's output (200 JSON) when it finishes, or 500 naming the failed step;
 * - respondNode: what the first `respond` node of the run answers (the run goes on after it).
 * In lastNode mode a `respond` node that runs answers too (the first answer wins).
 * Past responseTimeout the caller gets 202 { runId, status } and the run goes on.
 */
export const WebhookResponseMode = z.enum(['onReceived', 'lastNode', 'respondNode']);
export type WebhookResponseMode = z.output<typeof WebhookResponseMode>;
export const WebhookTrigger = z
  .object({
    type: z.literal('webhook'),
    slug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and - (the URL is /hooks/<slug>)')
      .refine((s) => !RESERVED_HOOK_SLUGS.includes(s), 'forms, events and stripe are taken (/hooks/forms/<form> is lead capture, /hooks/events is event ingest, /hooks/stripe is the Stripe webhook): pick another slug'),
    /** Default onReceived (not filled in, so a definition stored before these fields hashes the same). */
    responseMode: WebhookResponseMode.optional(),
    /** lastNode / respondNode: how long the caller waits for the answer (default 30s, 100ms to 2m). */
    responseTimeout: ResponseTimeout.optional(),
    /** How callers authenticate (shared/contract/triggers.ts HookAuth); Baton's own signature or bearer secret when unset. */
    auth: HookAuth.optional(),
  })
  .strict();
export const Trigger = z.discriminatedUnion('type', [ManualTrigger, ScheduleTrigger, EventTrigger, WebhookTrigger]);
export type Trigger = z.output<typeof Trigger>;

/** The parameters of a node: checked against the node type's own schema by validateWorkflow. */
export const NodeParams = z.record(z.string(), z.unknown());

const Coordinate = z.number().min(-1e6, 'use a coordinate between -1000000 and 1000000').max(1e6, 'use a coordinate between -1000000 and 1000000');
export const NodePosition = z.object({ x: Coordinate, y: Coordinate }).strict();
export type NodePosition = z.infer<typeof NodePosition>;

export const WorkflowNode = z
  .object({
    id: NodeId,
    /** A registered node type: condition, switch, set, parallel, join, forEach, wait, approval, escalate, http.request, subworkflow, log … */
    type: z.string().min(1, 'give the node type, e.g. condition'),
    name: z.string().optional(),
    /** Type-specific; a string value starting with "=" is a JSONata expression ("==" escapes a literal "="). */
    params: NodeParams.default({}),
    retry: RetryPolicy.optional(),
    /** Time limit of one try of this node. */
    timeout: Duration.optional(),
    /** Where the editor draws the node (canvas units); no effect on runs. */
    position: NodePosition.optional(),
  })
  .strict();
export type WorkflowNode = z.output<typeof WorkflowNode>;

export const Edge = z
  .object({
    from: NodeId,
    to: NodeId,
    /** For nodes with branches (condition: true/false, approval: approved/rejected/expired …); "error" is taken when the node fails. */
    branch: z.string().optional(),
  })
  .strict();
export type Edge = z.output<typeof Edge>;

export const WorkflowSettings = z
  .object({
    /** At most this many runs of the workflow at once; more are queued (FIFO). */
    concurrency: z.number().int().min(1).max(10_000).optional(),
    /** A subject (contact …) may have several active runs of this workflow at once (default: no, a second start returns the active run). */
    reenroll: z.boolean().default(false),
    /** Time limit of a whole run (waits included); the run fails when it is reached. */
    timeout: Duration.optional(),
    /** Workflow started with { failedRun } when a run of this one fails. */
    errorWorkflow: WorkflowId.optional(),
    /** Default retry policy of every node. */
    retry: RetryPolicy.optional(),
    /** Escalation severity raised when a run fails ("none" to stay silent). */
    escalateOnFailure: z.enum(['none', 'info', 'warning', 'critical']).default('warning'),
  })
  .strict();
export type WorkflowSettings = z.output<typeof WorkflowSettings>;

export const Graph = z
  .object({
    nodes: z.array(WorkflowNode).min(1, 'a workflow needs at least one node'),
    edges: z.array(Edge).default([]),
  })
  .strict();

export const WorkflowDefinition = z
  .object({
    id: WorkflowId,
    name: z.string().min(1, 'give the workflow a name').max(200),
    description: z.string().optional(),
    /** Informational: the store numbers versions itself on import. */
    version: z.number().int().positive().optional(),
    trigger: Trigger.default({ type: 'manual' }),
    nodes: z.array(WorkflowNode).min(1, 'a workflow needs at least one node'),
    edges: z.array(Edge).default([]),
    settings: WorkflowSettings.default({ reenroll: false, escalateOnFailure: 'warning' }),
  })
  .strict();
export type WorkflowDefinition = z.output<typeof WorkflowDefinition>;
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinition>;

/** One problem found by validateWorkflow: where (path), which node, what rule. */
export const ValidationIssue = z.object({ path: z.string(), nodeId: z.string().optional(), message: z.string() });
export type ValidationIssue = z.infer<typeof ValidationIssue>;
