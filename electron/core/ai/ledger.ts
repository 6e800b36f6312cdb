/**
 * The usage ledger (table ai_usage): every answered request with its tokens and
 * cost, the daily spend, and the queries behind the ai.usage operation.
 */
import { and, asc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { ModelPrice, UsageTotals } from '../../../shared/contract/ai';
import { aiReservations, aiUsage, events } from '../db/schema';
import type { Orm, Sqlite } from '../db/open';
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

function usageRow(e: UsageEntry) {
  return {
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
  };
}

export function recordUsage(orm: Orm, e: UsageEntry): void {
  orm.insert(aiUsage).values(usageRow(e)).run();
}

/**
 * Tokens the API adds around a request's text: roles and block markers, and with a tool the
 * tool-use system prompt (a few hundred tokens). Generous: the estimate must never be below the
 * real count (the byte count of the text is already far above it, about 3.5 bytes a token).
 */
const FRAMING_TOKENS = 100;
const TOOL_FRAMING_TOKENS = 800;

/**
 * The most a request can cost: every byte of its text counted as a token (a token is never shorter
 * than a byte), plus framing, and the whole max_tokens answer. A call starts only when this fits in
 * what is left of the day's cap, so the cap holds however many steps call at once.
 */
export function maxCostOf(prices: Record<string, ModelPrice>, model: string, req: { system: string; messages: unknown; tool?: unknown }, maxTokens: number): number {
  const bytes = Buffer.byteLength(req.system) + Buffer.byteLength(JSON.stringify(req.messages)) + (req.tool ? Buffer.byteLength(JSON.stringify(req.tool)) + TOOL_FRAMING_TOKENS : 0);
  return costOf(prices, model, bytes + FRAMING_TOKENS, maxTokens).costUsd;
}

export type Reservation =
  | { ok: true; id: number }
  /** Refused: today's spend and the calls in flight leave less than `costUsd`. */
  | { ok: false; spentUsd: number; reservedUsd: number; costUsd: number; capUsd: number };

/**
 * Hold `costUsd` of today's budget for one call, in one IMMEDIATE transaction with the cap check
 * (spent + held by calls in flight + this one <= cap), so steps running at once in several worker
 * threads can never overspend together. Reservations of crashed calls stop counting at `expiresAt`.
 */
export function reserveBudget(orm: Orm, o: { day: string; capUsd: number; costUsd: number; now: number; expiresAt: number; runId?: string | undefined; nodeId?: string | undefined }): Reservation {
  return orm.transaction(
    (tx) => {
      tx.delete(aiReservations).where(lt(aiReservations.expiresAt, o.now)).run();
      const spentUsd = tx.select({ v: sql<number>`coalesce(sum(${aiUsage.costUsd}), 0)` }).from(aiUsage).where(eq(aiUsage.day, o.day)).get()?.v ?? 0;
      const reservedUsd = tx.select({ v: sql<number>`coalesce(sum(${aiReservations.costUsd}), 0)` }).from(aiReservations).where(eq(aiReservations.day, o.day)).get()?.v ?? 0;
      if (spentUsd + reservedUsd + o.costUsd > o.capUsd + 1e-9) return { ok: false as const, spentUsd, reservedUsd, costUsd: o.costUsd, capUsd: o.capUsd };
      const row = tx
        .insert(aiReservations)
        .values({ day: o.day, costUsd: o.costUsd, expiresAt: o.expiresAt, runId: o.runId ?? null, nodeId: o.nodeId ?? null })
        .returning({ id: aiReservations.id })
        .get();
      return { ok: true as const, id: row.id };
    },
    { behavior: 'immediate' },
  );
}

/** The call ended: drop its reservation and, when it was answered, record what it really cost (one transaction). */
export function settleReservation(orm: Orm, id: number | null, usage: UsageEntry | null): void {
  orm.transaction(
    (tx) => {
      if (id !== null) tx.delete(aiReservations).where(eq(aiReservations.id, id)).run();
      if (usage) tx.insert(aiUsage).values(usageRow(usage)).run();
    },
    { behavior: 'immediate' },
  );
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

/** Record a notice for the day in the events table; true the first time (so it is raised once a day). */
function firstToday(env: AiEnv, type: string, day: string, data: unknown, at: Date): boolean {
  return env.orm.transaction(
    (tx) => {
      const seen = tx
        .select({ id: events.id })
        .from(events)
        .where(and(eq(events.type, type), eq(events.subjectType, 'day'), eq(events.subjectId, day)))
        .get();
      if (seen) return false;
      tx.insert(events).values({ at: at.toISOString(), type, subjectType: 'day', subjectId: day, data }).run();
      return true;
    },
    { behavior: 'immediate' },
  );
}

/** US dollars for a message: cents, or four decimals below a cent (a tiny cap is not "$0.00"). */
export function usd(n: number): string {
  return `$${n === 0 || Math.abs(n) >= 0.01 ? n.toFixed(2) : n.toFixed(4)}`;
}

/** Share of the daily cap at which a warning escalation is raised. */
export const CAP_WARNING_SHARE = 0.8;

/** Escalation keys: one warning and one critical per local day. */
export const capKey = (day: string, level: 'warning' | 'critical'): string => (level === 'warning' ? `ai-cap-80:${day}` : `ai-cap:${day}`);

/** The critical, pinned escalation of a day whose cap stopped AI steps (raised once a day, by key). */
export function capReachedEscalation(day: string, spentUsd: number, capUsd: number, nextCostUsd?: number) {
  const next = nextCostUsd !== undefined && spentUsd < capUsd ? ` The next AI call could cost up to ${usd(nextCostUsd)}, more than the ${usd(capUsd - spentUsd)} left.` : '';
  return {
    severity: 'critical' as const,
    title: 'AI daily spend cap reached: AI steps stopped',
    detail: `Claude usage today is ${usd(spentUsd)} of the ${usd(capUsd)} cap (setting ai.dailyCapUsd).${next} AI steps wait until tomorrow (local midnight); raise the cap in Settings to continue now. This stays pinned until you acknowledge it.`,
    key: capKey(day, 'critical'),
    pinned: true,
  };
}

/**
 * After a call: at 80 % of the daily cap one warning escalation for the day; at 100 % one critical
 * escalation that stays pinned until acknowledged, and the ai.capReached push.
 */
export async function noticeCap(env: AiEnv, capUsd: number | null, at: Date): Promise<void> {
  if (capUsd === null) return;
  const day = localDay(at);
  const spentUsd = spentOn(env.orm, day);
  // Costs are rounded to 1e-8 USD: a spend within 1e-9 of the cap has reached it.
  if (spentUsd < capUsd * CAP_WARNING_SHARE - 1e-9) return;
  if (spentUsd < capUsd - 1e-9) {
    if (!firstToday(env, 'ai.cap_warning', day, { spentUsd, capUsd }, at)) return;
    env.log.warn('AI spend at 80 % of the daily cap', { day, spentUsd, capUsd });
    await env.escalate?.({
      severity: 'warning',
      title: `AI spend at ${Math.floor((spentUsd / capUsd) * 100 + 1e-6)} % of the daily cap`,
      detail: `Claude usage today is ${usd(spentUsd)} of the ${usd(capUsd)} cap (setting ai.dailyCapUsd). At the cap AI steps stop until tomorrow; raise it in Settings if this is expected.`,
      key: capKey(day, 'warning'),
    });
    return;
  }
  if (!firstToday(env, 'ai.cap_reached', day, { spentUsd, capUsd }, at)) return;
  env.log.warn('AI daily spend cap reached', { day, spentUsd, capUsd });
  env.emit?.('ai.capReached', { day, spentUsd, capUsd });
  await env.escalate?.(capReachedEscalation(day, spentUsd, capUsd));
}

export interface UsageWithSubject {
  id: number;
  day: string;
  costUsd: number;
  runId: string | null;
  /** The run's subject, else its nearest ancestor run's (a forEach body, a sub-workflow); null when the run is gone (pruned) or has none. */
  subject: string | null;
  /** Whether the run was still there to ask. */
  runKnown: boolean;
}

/**
 * Ledger rows with an id above `afterId` (oldest first, at most `limit`), each with the subject
 * of the run it was spent for: what finance folds into its AI spend per client while the runs
 * still exist (runs are pruned, the ledger is not).
 */
export function usageWithSubjects(db: Sqlite, afterId: number, limit: number): UsageWithSubject[] {
  const rows = db
    .prepare(
      `WITH u AS (SELECT id, day, cost_usd, run_id FROM ai_usage WHERE id > ? ORDER BY id LIMIT ?),
       chain(uid, run_id, parent, subject, depth) AS (
         SELECT u.id, r.id, r.parent_run_id, r.subject, 0 FROM u JOIN runs r ON r.id = u.run_id
         UNION ALL
         SELECT chain.uid, p.id, p.parent_run_id, p.subject, chain.depth + 1 FROM chain JOIN runs p ON p.id = chain.parent WHERE chain.subject IS NULL AND chain.depth < 20
       )
       SELECT u.id, u.day, u.cost_usd AS costUsd, u.run_id AS runId,
              (SELECT subject FROM chain WHERE chain.uid = u.id AND chain.subject IS NOT NULL ORDER BY depth LIMIT 1) AS subject,
              EXISTS (SELECT 1 FROM chain WHERE chain.uid = u.id) AS runKnown
       FROM u ORDER BY u.id`,
    )
    .all(afterId, limit) as (Omit<UsageWithSubject, 'runKnown'> & { runKnown: number })[];
  return rows.map((r) => ({ ...r, runKnown: r.runKnown === 1 }));
}
