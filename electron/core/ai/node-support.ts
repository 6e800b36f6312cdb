/**
 * Glue between the engine's node context and the AI code: an AiEnv built from
 * ctx (works in the main thread and in Bree workers), the Liquid scope, and
 * the mapping of AiStepError to the engine's outcomes:
 * - key missing/refused -> the step waits for the key AND the person's go-ahead
 *   (event "ai.key", sent by ai.release "run"; saving the key alone releases
 *   nothing), one escalation per day, and fails after ai.keyWaitHours;
 * - daily cap -> the step waits for budget (event "ai.budget" when an ai.*
 *   setting changes, or a timer: local midnight, or a few seconds when only
 *   calls in flight hold the rest of the budget); a critical pinned escalation
 *   when the cap stops it;
 * - 429 / 529 / 5xx / timeouts / malformed -> retryable NodeError (Retry-After kept);
 * - everything else -> non-retryable NodeError with the message.
 */
import { dirname } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { events } from '../db/schema';
import { NodeError, type NodeContext, type Suspend } from '../engine/registry';
import { AiStepError } from './claude';
import { ANTHROPIC_KEY, localDay, type AiEnv } from './env';
import { capReachedEscalation } from './ledger';
import { TEMPLATE_ROOTS } from './prompt';

/** The event that releases AI steps waiting for the key (ai.release "run"). */
export const AI_KEY_EVENT = 'ai.key';
/** The event that wakes AI steps waiting for budget (an ai.* setting changed). */
export const AI_BUDGET_EVENT = 'ai.budget';
/** A step waits this long for a missing/refused key and the go-ahead (setting ai.keyWaitHours), then fails with the same message. */
export const DEFAULT_KEY_WAIT_HOURS = 24;

/** What a waiting AI step keeps in its state. */
interface AiWaitState {
  aiWaitSince?: number;
  aiWait?: 'key' | 'budget';
}

export function nodeAiEnv(ctx: NodeContext<unknown>): AiEnv {
  return {
    orm: ctx.orm,
    // The thread's prepared statement: an AI call reads the ten ai.* settings, more than once (not a query built each time).
    setting: (k, f) => ctx.env.setting(k, f),
    secrets: ctx.secrets,
    log: ctx.log,
    // The store lives at <data>/baton.db in every thread.
    dataDir: dirname(ctx.db.name),
    now: () => new Date(ctx.now()),
    escalate: (e) => ctx.escalate(e),
  };
}

/** What a template can read (as in engine expressions): input (the run's), prev (the predecessor's output), run, steps, trigger, vars, today. */
export function templateScope(ctx: NodeContext<unknown>, vars: Record<string, unknown> | undefined): Record<string, unknown> {
  const scope: Record<string, unknown> = {
    input: ctx.run.input ?? {},
    prev: ctx.input ?? {},
    run: { id: ctx.run.id, workflowId: ctx.run.workflowId, input: ctx.run.input, subject: ctx.run.subject, createdAt: ctx.run.createdAt },
    steps: ctx.steps(),
    trigger: ctx.run.trigger ?? {},
    vars: vars ?? {},
    today: new Date(ctx.now()).toISOString().slice(0, 10),
  };
  for (const k of Object.keys(scope)) if (!(TEMPLATE_ROOTS as readonly string[]).includes(k)) throw new Error(`template root ${k} is not declared`);
  return scope;
}

/** One escalation per day and cause (recorded in the events table). */
function escalateOnce(ctx: NodeContext<unknown>, cause: string, e: AiStepError): void {
  const day = localDay(new Date(ctx.now()));
  const subject = `${cause}:${day}`;
  const first = ctx.orm.transaction((tx) => {
    const seen = tx
      .select({ id: events.id })
      .from(events)
      .where(and(eq(events.type, 'ai.waiting'), eq(events.subjectType, 'ai'), eq(events.subjectId, subject)))
      .get();
    if (seen) return false;
    tx.insert(events).values({ at: new Date(ctx.now()).toISOString(), type: 'ai.waiting', subjectType: 'ai', subjectId: subject, data: { kind: e.kind } }).run();
    return true;
  });
  if (first) {
    ctx.escalate({
      severity: 'warning',
      title: e.kind === 'budget' ? 'AI steps paused: daily spend cap reached' : 'AI steps paused: Anthropic key needed',
      detail: e.message,
    });
  }
}

export function suspended<T>(r: T | Suspend): r is Suspend {
  return typeof r === 'object' && r !== null && (r as Suspend).suspend === true;
}

function keyWaitHours(ctx: NodeContext<unknown>): number {
  return Number(ctx.env.setting('ai.keyWaitHours', DEFAULT_KEY_WAIT_HOURS)) || DEFAULT_KEY_WAIT_HOURS;
}

const KEY_DECISION = ' Once the key is saved you choose whether the waiting AI steps run (Settings > AI, the Dashboard, or baton ai release run|discard).';

/** Wait for the key and the go-ahead (ai.release "run"), until the ai.keyWaitHours deadline. */
function waitForKey(ctx: NodeContext<unknown>, since: number, message: string, code = 'ai_missing_key'): Suspend {
  const hours = keyWaitHours(ctx);
  if (ctx.now() - since >= hours * 3_600_000) {
    throw new NodeError(`${message} Waited ${hours} h (setting ai.keyWaitHours); retry the run once the key is stored.`, { retryable: false, code });
  }
  return ctx.suspend({
    waitingFor: /ai release/.test(message) ? message : `${message}${KEY_DECISION}`,
    until: since + hours * 3_600_000,
    event: { type: AI_KEY_EVENT },
    state: { aiWaitSince: since, aiWait: 'key' } satisfies AiWaitState,
  });
}

/** Run AI work in a node and turn its failures into the engine's outcomes. */
export async function runAi<T>(ctx: NodeContext<unknown>, work: (env: AiEnv) => Promise<T>): Promise<T | Suspend> {
  const st = (ctx.state ?? null) as AiWaitState | null;
  const released = ctx.resume?.kind === 'event' && ctx.resume.event.type === AI_KEY_EVENT;
  if (st?.aiWait === 'key' && !released) {
    // Woken without the person's go-ahead (the deadline timer): no call; fail at the deadline, else wait on.
    const stored = (await ctx.secrets.get(ANTHROPIC_KEY)) !== null;
    const why = stored
      ? 'The Anthropic key is stored, but nobody chose to run the AI steps that waited for it (Settings > AI, the Dashboard, or baton ai release run).'
      : 'No Anthropic API key: add your Anthropic key in Settings (secret ANTHROPIC_API_KEY).';
    return waitForKey(ctx, typeof st.aiWaitSince === 'number' ? st.aiWaitSince : ctx.now(), why);
  }
  try {
    return await work(nodeAiEnv(ctx));
  } catch (e) {
    if (!(e instanceof AiStepError)) throw e;
    if (e.needsPerson) {
      // Not for steps held back a few seconds by calls in flight (hundreds of them re-check every 10 s).
      if (e.kind !== 'budget' || e.capReached) ctx.log.warn('AI step waiting', { kind: e.kind, node: ctx.node.id });
      if (e.kind !== 'budget') {
        // A release restarts the wait (the person just decided); else it goes on from the first wait.
        const since = !released && st?.aiWait === 'key' && typeof st.aiWaitSince === 'number' ? st.aiWaitSince : ctx.now();
        const s = waitForKey(ctx, since, e.message, `ai_${e.kind}`);
        escalateOnce(ctx, e.kind, e);
        return s;
      }
      if (e.capReached && e.budget) {
        // Once a day (by key): critical, pinned until acknowledged.
        ctx.escalate(capReachedEscalation(localDay(new Date(ctx.now())), e.budget.spentUsd, e.budget.capUsd, e.budget.costUsd));
      }
      return ctx.suspend({
        waitingFor: e.message,
        until: ctx.now() + (e.retryAfterMs ?? 60_000),
        event: { type: AI_BUDGET_EVENT },
        state: { aiWaitSince: st?.aiWait === 'budget' && typeof st.aiWaitSince === 'number' ? st.aiWaitSince : ctx.now(), aiWait: 'budget' } satisfies AiWaitState,
      });
    }
    throw new NodeError(e.message, { retryable: e.retryable, code: `ai_${e.kind}`, ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) });
  }
}
