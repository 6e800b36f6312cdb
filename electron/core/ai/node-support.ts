/**
 * Glue between the engine's node context and the AI code: an AiEnv built from
 * ctx (works in the main thread and in Bree workers), the Liquid scope, and
 * the mapping of AiStepError to the engine's outcomes:
 * - key missing/refused or daily cap reached -> the step waits (suspend) until
 *   the "ai.ready" event (key stored, ai.* setting changed) or a timer, with
 *   one escalation per day and cause, instead of failing every run;
 * - 429 / 529 / 5xx / timeouts / malformed -> retryable NodeError (Retry-After kept);
 * - everything else -> non-retryable NodeError with the message.
 */
import { dirname } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { events, settings } from '../db/schema';
import type { Orm } from '../db/open';
import { NodeError, type NodeContext, type Suspend } from '../engine/registry';
import { AiStepError } from './claude';
import { localDay, type AiEnv } from './env';
import { TEMPLATE_ROOTS } from './prompt';

/** The event that wakes AI steps waiting for a key or budget. */
export const AI_READY_EVENT = 'ai.ready';
/** How often a step waiting for a key re-checks by itself (besides the ai.ready event). */
export const KEY_RECHECK_MS = 60 * 60_000;
/** A step waits this long for a missing/refused key (setting ai.keyWaitHours), then fails with the same message. */
export const DEFAULT_KEY_WAIT_HOURS = 24;

export function readSetting<T>(orm: Orm, key: string, fallback: T): T {
  const row = orm.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).get();
  return row ? (row.value as T) : fallback;
}

export function nodeAiEnv(ctx: NodeContext<unknown>): AiEnv {
  return {
    orm: ctx.orm,
    setting: (k, f) => readSetting(ctx.orm, k, f),
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

/** Run AI work in a node and turn its failures into the engine's outcomes. */
export async function runAi<T>(ctx: NodeContext<unknown>, work: (env: AiEnv) => Promise<T>): Promise<T | Suspend> {
  try {
    return await work(nodeAiEnv(ctx));
  } catch (e) {
    if (!(e instanceof AiStepError)) throw e;
    if (e.needsPerson) {
      const prior = (ctx.state as { aiWaitSince?: number } | null | undefined)?.aiWaitSince;
      const since = typeof prior === 'number' ? prior : ctx.now();
      if (e.kind !== 'budget') {
        const hours = Number(readSetting(ctx.orm, 'ai.keyWaitHours', DEFAULT_KEY_WAIT_HOURS)) || DEFAULT_KEY_WAIT_HOURS;
        if (ctx.now() - since >= hours * 3_600_000) {
          throw new NodeError(`${e.message} Waited ${hours} h (setting ai.keyWaitHours); retry the run once the key is stored.`, { retryable: false, code: `ai_${e.kind}` });
        }
        escalateOnce(ctx, e.kind, e);
      }
      // The cap escalation is raised by the ledger when the cap is crossed.
      ctx.log.warn('AI step waiting', { kind: e.kind, node: ctx.node.id });
      const wait = e.kind === 'budget' ? (e.retryAfterMs ?? KEY_RECHECK_MS) : KEY_RECHECK_MS;
      return ctx.suspend({ waitingFor: e.message, until: ctx.now() + wait, event: { type: AI_READY_EVENT }, state: { aiWaitSince: since } });
    }
    throw new NodeError(e.message, { retryable: e.retryable, code: `ai_${e.kind}`, ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) });
  }
}
