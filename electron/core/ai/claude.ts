/**
 * The Claude client: the real @anthropic-ai/sdk with the key from the secret
 * store, settings for base URL / model / max tokens / timeout / retries, the
 * daily spend cap checked before each call, every answered call written to the
 * usage ledger, and every failure turned into an AiStepError a person can act on.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import { ANTHROPIC_KEY, aiSettings, AiSettingsError, localDay, nextLocalMidnight, type AiEnv, type AiSettings } from './env';
import { costOf, maxCostOf, noticeCap, reserveBudget, settleReservation, usd, type Reservation } from './ledger';

type Sdk = typeof import('@anthropic-ai/sdk');
/**
 * The SDK (17 MB of heap per thread) is loaded on the first Claude call, not when the engine's
 * node types are: every worker thread and the idle server would carry it otherwise.
 */
let sdk: Sdk | null = null;
async function loadSdk(): Promise<Sdk> {
  return (sdk ??= await import('@anthropic-ai/sdk'));
}
/** Load the SDK in this thread ahead of calls known to come (a playbook phase beginning): its first call then pays no load. */
export function warmClaude(): void {
  loadSdk().catch(() => undefined);
}

export type AiErrorKind =
  /** No ANTHROPIC_API_KEY in the secret store: the step waits for the person to add it. */
  | 'missing_key'
  /** The key was refused (401): the step waits for a new key. */
  | 'invalid_key'
  /** The daily spend cap is reached: the step waits until tomorrow or a higher cap. */
  | 'budget'
  | 'rate_limited'
  | 'overloaded'
  | 'server'
  | 'timeout'
  | 'connection'
  | 'forbidden'
  | 'bad_request'
  | 'malformed'
  | 'invalid_answer'
  | 'settings';

/** A failed AI step, with what to do about it. Never contains the key. */
export class AiStepError extends Error {
  readonly kind: AiErrorKind;
  readonly retryable: boolean;
  /** The server's Retry-After, or when the step should be tried again (budget). */
  readonly retryAfterMs: number | undefined;
  /** Needs a person (key missing/invalid, budget): pause instead of failing. */
  readonly needsPerson: boolean;
  readonly status: number | undefined;
  /**
   * budget: true when the cap itself stops the call (today's spend plus this call's largest cost is over
   * it: wait until tomorrow or a higher cap); false when only calls in flight hold the rest (wait briefly).
   */
  readonly capReached: boolean;
  /** budget: today's spend and the cap, and the most this call could have cost. */
  readonly budget: { spentUsd: number; capUsd: number; costUsd: number } | undefined;
  constructor(
    kind: AiErrorKind,
    message: string,
    o: { retryable?: boolean; retryAfterMs?: number | undefined; status?: number | undefined; capReached?: boolean; budget?: { spentUsd: number; capUsd: number; costUsd: number } } = {},
  ) {
    super(message);
    this.name = 'AiStepError';
    this.kind = kind;
    this.retryable = o.retryable ?? false;
    this.retryAfterMs = o.retryAfterMs;
    this.status = o.status;
    this.capReached = o.capReached ?? false;
    this.budget = o.budget;
    this.needsPerson = kind === 'missing_key' || kind === 'invalid_key' || kind === 'budget';
  }
}

export interface ClaudeTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface ClaudeRequest {
  system: string;
  messages: MessageParam[];
  model?: string | undefined;
  maxTokens?: number | undefined;
  /** Structured output: Claude must answer by calling this tool (tool_choice forces it). */
  tool?: ClaudeTool | undefined;
  purpose: 'generate' | 'review' | 'other';
  runId?: string | undefined;
  nodeId?: string | undefined;
  workflowId?: string | undefined;
  temperature?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface ClaudeAnswer {
  text: string;
  /** With a tool: the tool input (unvalidated: the caller validates it). */
  toolInput: unknown;
  toolUseId: string | undefined;
  /** The assistant turn as sent back (to continue the conversation with a correction). */
  assistant: MessageParam;
  model: string;
  stopReason: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  requestId: string | undefined;
}

/** What we need of an answer; anything else is "malformed". */
const AnswerShape = z.object({
  model: z.string(),
  stop_reason: z.string().nullable().optional(),
  content: z.array(z.looseObject({ type: z.string(), text: z.string().optional(), id: z.string().optional(), name: z.string().optional(), input: z.unknown().optional() })),
  usage: z.looseObject({ input_tokens: z.number().int().nonnegative(), output_tokens: z.number().int().nonnegative() }),
});

function retryAfterOf(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get('retry-after');
  if (!ra) return undefined;
  const s = Number(ra);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** SDK error -> AiStepError with a sentence naming the cause and the fix. */
export function mapClaudeError(e: unknown, s: Pick<AiSettings, 'baseUrl' | 'model' | 'timeoutMs'>): AiStepError {
  if (e instanceof AiStepError) return e;
  const where = s.baseUrl ?? 'https://api.anthropic.com';
  // An SDK error can only exist once the SDK is loaded (callClaude loads it before calling).
  const { APIConnectionTimeoutError, APIConnectionError, AuthenticationError, PermissionDeniedError, RateLimitError, NotFoundError, BadRequestError, APIError } = sdk ?? NO_SDK;
  if (e instanceof APIConnectionTimeoutError) {
    return new AiStepError('timeout', `Claude did not answer within ${Math.round(s.timeoutMs / 1000)} s (setting ai.timeoutMs); the step will be retried.`, { retryable: true });
  }
  if (e instanceof APIConnectionError) {
    return new AiStepError('connection', `Could not reach Claude at ${where} (${e.cause instanceof Error ? e.cause.message : e.message}); check the network or the ai.baseUrl setting. The step will be retried.`, { retryable: true });
  }
  if (e instanceof AuthenticationError) {
    return new AiStepError('invalid_key', 'Anthropic refused the API key (401 invalid key): add a valid Anthropic key in Settings (secret ANTHROPIC_API_KEY).', { status: 401 });
  }
  if (e instanceof PermissionDeniedError) {
    return new AiStepError('forbidden', `Anthropic refused the request (403): ${apiMessage(e)}. Check the key's workspace permissions.`, { status: 403 });
  }
  if (e instanceof RateLimitError) {
    const ra = retryAfterOf(e.headers);
    return new AiStepError('rate_limited', `Claude rate limit reached (429)${ra !== undefined ? `; retry after ${Math.ceil(ra / 1000)} s` : ''}. The step will be retried.`, { retryable: true, retryAfterMs: ra, status: 429 });
  }
  if (e instanceof NotFoundError) {
    return new AiStepError('bad_request', `Claude answered 404: ${apiMessage(e)}. Check the model name (setting ai.model or the node's model, now "${s.model}").`, { status: 404 });
  }
  if (e instanceof BadRequestError) {
    return new AiStepError('bad_request', `Claude rejected the request (400): ${apiMessage(e)}.`, { status: 400 });
  }
  if (e instanceof APIError && e.status === 529) {
    return new AiStepError('overloaded', 'Claude is overloaded (529). The step will be retried.', { retryable: true, retryAfterMs: retryAfterOf(e.headers), status: 529 });
  }
  if (e instanceof APIError && typeof e.status === 'number' && e.status >= 500) {
    return new AiStepError('server', `Claude had a server error (${e.status}): ${apiMessage(e)}. The step will be retried.`, { retryable: true, retryAfterMs: retryAfterOf(e.headers), status: e.status });
  }
  if (e instanceof APIError && typeof e.status === 'number') {
    return new AiStepError('bad_request', `Claude answered ${e.status}: ${apiMessage(e)}.`, { status: e.status });
  }
  if (e instanceof SyntaxError) {
    return new AiStepError('malformed', `Claude's answer could not be read (${e.message}). The step will be retried.`, { retryable: true });
  }
  return new AiStepError('malformed', `Claude call failed: ${(e as Error)?.message ?? String(e)}`, { retryable: true });
}

/** Stand-ins before the SDK is loaded: nothing is an instance of them. */
class NotAnSdkError extends Error {
  declare status: number | undefined;
  declare headers: Headers | undefined;
  declare error: unknown;
}
const NO_SDK = {
  APIConnectionTimeoutError: NotAnSdkError,
  APIConnectionError: NotAnSdkError,
  AuthenticationError: NotAnSdkError,
  PermissionDeniedError: NotAnSdkError,
  RateLimitError: NotAnSdkError,
  NotFoundError: NotAnSdkError,
  BadRequestError: NotAnSdkError,
  APIError: NotAnSdkError,
};

function apiMessage(e: { error?: unknown; message: string }): string {
  const err = e.error as { error?: { message?: string } } | undefined;
  return err?.error?.message ?? e.message;
}

/** How soon a step held back only by calls in flight tries again (they finish, or the cap is reached). */
export const IN_FLIGHT_RECHECK_MS = 10_000;

/** The AiStepError('budget') for a refused reservation: the cap itself, or calls in flight holding the rest. */
export function budgetError(r: Exclude<Reservation, { ok: true }>, now: Date): AiStepError {
  const money = usd;
  const budget = { spentUsd: r.spentUsd, capUsd: r.capUsd, costUsd: r.costUsd };
  if (r.spentUsd + r.costUsd > r.capUsd + 1e-9) {
    return new AiStepError(
      'budget',
      `The AI daily spend cap is reached (${money(r.spentUsd)} of ${money(r.capUsd)} spent today, setting ai.dailyCapUsd; this step could cost up to ${money(r.costUsd)}): AI steps wait until tomorrow; raise the cap in Settings to continue now.`,
      { retryAfterMs: nextLocalMidnight(now).getTime() - now.getTime(), capReached: true, budget },
    );
  }
  return new AiStepError(
    'budget',
    `Waiting for AI budget: calls in flight hold ${money(r.reservedUsd)} of what is left of today's ${money(r.capUsd)} cap (${money(r.spentUsd)} spent, setting ai.dailyCapUsd); this step goes on when they finish, if the cap allows.`,
    { retryAfterMs: IN_FLIGHT_RECHECK_MS, capReached: false, budget },
  );
}

export function readSettings(env: AiEnv): AiSettings {
  try {
    return aiSettings(env);
  } catch (e) {
    if (e instanceof AiSettingsError) throw new AiStepError('settings', e.message);
    throw e;
  }
}

/** One Claude request: budget check, key, SDK call (with its retries), ledger row, cap notice. */
export async function callClaude(env: AiEnv, req: ClaudeRequest): Promise<ClaudeAnswer> {
  const s = readSettings(env);
  const now = env.now?.() ?? new Date();
  const apiKey = await env.secrets.get(ANTHROPIC_KEY);
  if (!apiKey) {
    throw new AiStepError('missing_key', 'No Anthropic API key: add your Anthropic key in Settings (secret ANTHROPIC_API_KEY). The AI step waits until it is there.');
  }
  env.log.redactValue?.(apiKey);
  const model = req.model ?? s.model;
  const maxTokens = req.maxTokens ?? s.maxTokens;
  // The daily cap: this call's largest possible cost is held against it before the call (with the calls in flight).
  let hold: number | null = null;
  if (s.dailyCapUsd !== null) {
    const r = reserveBudget(env.orm, {
      day: localDay(now),
      capUsd: s.dailyCapUsd,
      costUsd: maxCostOf(s.prices, model, { system: req.system, messages: req.messages, tool: req.tool }, maxTokens),
      now: now.getTime(),
      expiresAt: now.getTime() + s.timeoutMs * (s.maxRetries + 1) + 60_000,
      runId: req.runId,
      nodeId: req.nodeId,
    });
    if (!r.ok) throw budgetError(r, now);
    hold = r.id;
  }
  try {
    return await answerOf(env, req, s, { apiKey, model, maxTokens, now, hold });
  } catch (e) {
    // Not answered (network, refusal, malformed): nothing is charged; the hold is released.
    if (hold !== null) settleReservation(env.orm, hold, null);
    throw e;
  }
}

async function answerOf(env: AiEnv, req: ClaudeRequest, s: AiSettings, c: { apiKey: string; model: string; maxTokens: number; now: Date; hold: number | null }): Promise<ClaudeAnswer> {
  const { apiKey, model, now } = c;
  const { default: Anthropic } = await loadSdk();
  const client = new Anthropic({
    apiKey,
    authToken: null,
    baseURL: s.baseUrl ?? 'https://api.anthropic.com',
    timeout: s.timeoutMs,
    maxRetries: s.maxRetries,
    logLevel: 'off',
    openTelemetry: false,
  });
  let raw: unknown;
  let requestId: string | undefined;
  try {
    const { data, request_id } = await client.messages
      .create(
        {
          model,
          max_tokens: c.maxTokens,
          system: req.system,
          messages: req.messages,
          ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          ...(req.tool
            ? {
                tools: [{ name: req.tool.name, description: req.tool.description, input_schema: req.tool.inputSchema as Anthropic.Messages.Tool.InputSchema }],
                tool_choice: { type: 'tool' as const, name: req.tool.name },
              }
            : {}),
        },
        req.signal ? { signal: req.signal } : undefined,
      )
      .withResponse();
    raw = data;
    requestId = request_id ?? undefined;
  } catch (e) {
    throw mapClaudeError(e, { ...s, model });
  }
  const parsed = AnswerShape.safeParse(raw);
  if (!parsed.success) {
    throw new AiStepError('malformed', `Claude's answer was malformed (${parsed.error.issues[0]?.path.join('.') || 'body'}: ${parsed.error.issues[0]?.message}). The step will be retried.`, { retryable: true });
  }
  const msg = parsed.data;
  const cost = costOf(s.prices, msg.model || model, msg.usage.input_tokens, msg.usage.output_tokens);
  settleReservation(env.orm, c.hold, {
    runId: req.runId,
    nodeId: req.nodeId,
    workflowId: req.workflowId,
    purpose: req.purpose,
    model: msg.model || model,
    inputTokens: msg.usage.input_tokens,
    outputTokens: msg.usage.output_tokens,
    costUsd: cost.costUsd,
    estimated: cost.estimated,
    requestId,
    at: now,
  });
  await noticeCap(env, s.dailyCapUsd, now);
  const text = msg.content
    .filter((b) => b.type === 'text')
    .map((b) => b.text ?? '')
    .join('');
  const toolBlock = req.tool ? msg.content.find((b) => b.type === 'tool_use' && b.name === req.tool?.name) : undefined;
  return {
    text,
    toolInput: toolBlock?.input,
    toolUseId: toolBlock?.id,
    assistant: { role: 'assistant', content: msg.content as unknown as Anthropic.Messages.ContentBlockParam[] },
    model: msg.model || model,
    stopReason: msg.stop_reason ?? null,
    inputTokens: msg.usage.input_tokens,
    outputTokens: msg.usage.output_tokens,
    costUsd: cost.costUsd,
    requestId,
  };
}
