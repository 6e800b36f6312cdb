/**
 * The usage ledger (table ai_usage): every answered request with its tokens and
 * cost, the daily spend, and the queries behind the ai.usage operation.
 */
import { and, asc, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import type { ModelPrice, UsageTotals } from '../../../shared/contract/ai';
import { aiUsage, events } from '../db/schema';
import type { Orm } from '../db/open';
import { localDay, type AiEnv } from './env';
import { scrubText } from '../secrets/scrub';

export interface Cost {
  costUsd: number;
  estimated: boolean;
}

/** Cost of a call from the price table; an unknown model is charged at the highest known price. */
export function costOf(prices: Record<string, ModelPrice>, model: string, inputTokens: number, outputTokens: number): Cost {
  let price = prices[model];
  let estimated = false;
  if (!price) {
    // Dated model ids (claude-sonnet-4-5-20250929) use their family's price.
    const family = Object.keys(prices)
      .filter((k) => model.startsWith(`${k}-`))
      .sort((a, b) => b.length - a.length)[0];
    if (family) price = prices[family];
  }
  if (!price) {
    estimated = true;
    const all = Object.values(prices);
    price = {
      inputPerMTok: Math.max(0, ...all.map((p) => p.inputPerMTok)),
      outputPerMTok: Math.max(0, ...all.map((p) => p.outputPerMTok)),
    };
  }
  const costUsd = (inputTokens * price.inputPerMTok + outputTokens * price.outputPerMTok) / 1_000_000;
  return { costUsd: Math.round(costUsd * 1e8) / 1e8, estimated };
}

export interface UsageEntry {
  runId?: string | null | undefined;
  nodeId?: string | null | undefined;
  workflowId?: string | null | undefined;
  purpose: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  estimated: boolean;
  requestId?: string | null | undefined;
  at: Date;
}

export function recordUsage(orm: Orm, e: UsageEntry): void {
  orm
    .insert(aiUsage)
    .values({
      at: e.at.toISOString(),
      day: localDay(e.at),
      runId: e.runId ?? null,
      nodeId: e.nodeId ?? null,
      workflowId: e.workflowId ?? null,
      purpose: e.purpose,
      // What the API answered (model, request id) is scrubbed like any stored answer.
      model: scrubText(e.model),
      inputTokens: e.inputTokens,
      outputTokens: e.outputTokens,
      costUsd: e.costUsd,
      priceEstimated: e.estimated,
      requestId: e.requestId ? scrubText(e.requestId) : null,
    })
    .run();
}

export function spentOn(orm: Orm, day: string): number {
  const r = orm
    .select({ cost: sql<number>`coalesce(sum(${aiUsage.costUsd}), 0)` })
    .from(aiUsage)
    .where(eq(aiUsage.day, day))
    .get();
  return r?.cost ?? 0;
}

export function costOfRun(orm: Orm, runId: string, nodeId?: string): number {
  const r = orm
    .select({ cost: sql<number>`coalesce(sum(${aiUsage.costUsd}), 0)` })
    .from(aiUsage)
    .where(nodeId ? and(eq(aiUsage.runId, runId), eq(aiUsage.nodeId, nodeId)) : eq(aiUsage.runId, runId))
    .get();
  return r?.cost ?? 0;
}

const totalsCols = {
  calls: sql<number>`count(*)`,
  inputTokens: sql<number>`coalesce(sum(${aiUsage.inputTokens}), 0)`,
  outputTokens: sql<number>`coalesce(sum(${aiUsage.outputTokens}), 0)`,
  costUsd: sql<number>`coalesce(sum(${aiUsage.costUsd}), 0)`,
};

const round = <T extends UsageTotals>(t: T): T => ({ ...t, costUsd: Math.round(t.costUsd * 1e6) / 1e6 });

export function usageReport(orm: Orm, q: { runId?: string | undefined; from?: string | undefined; to?: string | undefined }) {
  const conds: SQL[] = [];
  if (q.runId) conds.push(eq(aiUsage.runId, q.runId));
  if (q.from) conds.push(gte(aiUsage.day, q.from));
  if (q.to) conds.push(lte(aiUsage.day, q.to));
  const where = conds.length ? and(...conds) : undefined;
  const totals = orm.select(totalsCols).from(aiUsage).where(where).get() ?? { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  const byDay = orm
    .select({ day: aiUsage.day, ...totalsCols })
    .from(aiUsage)
    .where(where)
    .groupBy(aiUsage.day)
    .orderBy(asc(aiUsage.day))
    .all();
  const byRun = orm
    .select({ runId: aiUsage.runId, ...totalsCols })
    .from(aiUsage)
    .where(where)
    .groupBy(aiUsage.runId)
    .orderBy(sql`max(${aiUsage.id}) desc`)
    .limit(200)
    .all();
  const rows = q.runId
    ? orm
        .select({ runId: aiUsage.runId, nodeId: aiUsage.nodeId, model: aiUsage.model, purpose: aiUsage.purpose, ...totalsCols })
        .from(aiUsage)
        .where(where)
        .groupBy(aiUsage.runId, aiUsage.nodeId, aiUsage.model, aiUsage.purpose)
        .orderBy(sql`min(${aiUsage.id})`)
        .all()
    : [];
  return { totals: round(totals), byDay: byDay.map(round), byRun: byRun.map(round), rows: rows.map(round) };
}

/**
 * After a call: when today's spend has reached the cap, raise one escalation
 * for the day (recorded in the events table so it is raised once) and push
 * ai.capReached.
 */
export async function noticeCap(env: AiEnv, capUsd: number | null, at: Date): Promise<void> {
  if (capUsd === null) return;
  const day = localDay(at);
  const spentUsd = spentOn(env.orm, day);
  if (spentUsd < capUsd) return;
  const inserted = env.orm.transaction((tx) => {
    const seen = tx
      .select({ id: events.id })
      .from(events)
      .where(and(eq(events.type, 'ai.cap_reached'), eq(events.subjectType, 'day'), eq(events.subjectId, day)))
      .get();
    if (seen) return false;
    tx.insert(events).values({ at: at.toISOString(), type: 'ai.cap_reached', subjectType: 'day', subjectId: day, data: { spentUsd, capUsd } }).run();
    return true;
  });
  if (!inserted) return;
  env.log.warn('AI daily spend cap reached', { day, spentUsd, capUsd });
  env.emit?.('ai.capReached', { day, spentUsd, capUsd });
  await env.escalate?.({
    severity: 'warning',
    title: 'AI daily spend cap reached',
    detail: `Claude usage today is $${spentUsd.toFixed(2)} (cap $${capUsd.toFixed(2)}, setting ai.dailyCapUsd). AI steps wait until tomorrow; raise the cap in Settings to continue now.`,
  });
}
