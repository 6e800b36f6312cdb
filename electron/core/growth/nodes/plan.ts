import { z } from 'zod';
import { generate } from '../../ai/generate';
import { runAi, suspended } from '../../ai/node-support';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { AI_STEP_TIMEOUT_MS } from '../../engine/pool-limits';
import { actionScores, lessonLines, mergePlan, PLAN_PROMPT, planSchema, type Candidate, type ClaudePlan } from '../planner';
import { budgetOf, nextMonthStart } from '../settings';
import { growthStoreOf, isEngine } from '../store';
import { engineFor } from './agent';

const CandidateSchema = z
  .object({
    ref: z.string().min(1),
    title: z.string().min(1),
    action: z.string().min(1),
    alternatives: z.array(z.string()).optional(),
    score: z.number(),
    asset: z.string().nullable().optional(),
    expected: z.record(z.string(), z.unknown()).optional(),
    detail: z.record(z.string(), z.unknown()).optional(),
    sources: z.array(z.string()).optional(),
    summary: z.string().optional(),
  })
  .passthrough();

/** The largest a planning call may cost, for the growth budget check (USD). */
const PLAN_CALL_ESTIMATE_USD = 0.25;

/**
 * Plan a cycle: the engine's candidates (from its analysis) become a plan with
 * prioritised items. The learnings recalled for the engine (ranked by relevance,
 * confidence and recency) go into the planning prompt; Claude chooses, orders
 * and may drop candidates (answer checked against a closed schema); the
 * candidates it does not mention follow by score with the action the learnings
 * favour. Open items of the engine's earlier plans are dropped ("replaced").
 * Claude without a key or over the AI cap, or the growth budget used up: the
 * step waits (the engine stays in PLANNING and says why). Claude's answer is
 * recorded through the outbox and the plan written through ctx.once, so a retry
 * neither pays nor plans twice. Output: the plan id, its items, the first
 * `execute` items for the execution phase and the lessons used.
 */
export default defineNode({
  type: 'growth.plan',
  timeoutMs: AI_STEP_TIMEOUT_MS,
  description: 'Plan a growth cycle with Claude from the analysis candidates and what earlier cycles learned; writes the plan and its items.',
  params: z
    .object({
      engine: z.string().optional(),
      goal: z.string().min(1, 'give the goal of the plan'),
      candidates: ex(z.array(CandidateSchema)),
      /** The actions Claude may choose from (default: the candidates' actions and alternatives). */
      actions: z.array(z.string().min(1)).optional(),
      instructions: z.string().max(4000).default(''),
      /** The recall subject (default: every learning of the engine). */
      subject: z.string().max(200).optional(),
      lessons: z.number().int().min(0).max(50).default(10),
      /** Candidates planned at most (the best by score go to Claude). */
      limit: ex(z.number().int().min(1).max(1000)).default(100),
      /** How many items (first by priority) the output lists under `execute`. */
      execute: ex(z.number().int().min(0).max(1000)).default(3),
      /** false: plan without Claude (learnings still steer the actions). */
      claude: z.boolean().default(true),
      model: z.string().min(1).optional(),
      maxTokens: z.number().int().min(256).max(64_000).default(8192),
    })
    .strict(),
  async run(ctx) {
    const p = ctx.params;
    const engine = engineFor(ctx, p.engine);
    const store = growthStoreOf(ctx.env);
    const raw = ctx.params.candidates;
    if (!Array.isArray(raw)) throw new NodeError(`growth.plan: "candidates" must be a list (got ${JSON.stringify(raw)?.slice(0, 80)})`, { retryable: false, code: 'bad_param' });
    const limit = Math.max(1, Number(p.limit) || 100);
    const candidates: Candidate[] = raw
      .map((c) => CandidateSchema.parse(c) as Candidate)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
    const actions = p.actions ?? [...new Set(candidates.flatMap((c) => [c.action, ...(c.alternatives ?? [])]))];
    const learnings = p.lessons > 0 ? store.recall(engine, p.subject, p.lessons, ctx.now()) : [];
    const scores = actionScores(learnings);
    const lessons = lessonLines(learnings);

    let claude: ClaudePlan | null = null;
    let costUsd = 0;
    if (p.claude && candidates.length > 0) {
      if (isEngine(engine)) {
        const b = budgetOf(ctx.env, ctx.now());
        const room = b.headroom[engine];
        if (room !== null && room !== undefined && room < PLAN_CALL_ESTIMATE_USD) {
          const retry = Math.min(nextMonthStart(ctx.now()), ctx.now() + 3_600_000);
          return ctx.suspend({
            until: retry,
            waitingFor: `the growth budget cap is reached for the ${engine} engine: $${b.spentUsd} of $${b.capUsd} spent in ${b.month} (Claude $${b.aiUsd} + ads $${b.adUsd}; setting growth.budget, priority ${store.priorityOf(engine)}). Planning waits for a higher cap or next month; checked again at ${new Date(retry).toISOString()}.`,
          });
        }
      }
      const r = await runAi(ctx, async (env) =>
        ctx.outbox('growth.plan.claude', { engine, goal: p.goal, candidates: candidates.length, lessons: learnings.map((l) => l.id) }, async () => {
          const g = await generate(
            env,
            {
              prompt: PLAN_PROMPT,
              data: { candidates: candidates.map((c) => ({ ref: c.ref, title: c.title, action: c.action, alternatives: c.alternatives ?? [], score: Math.round(c.score * 100) / 100, summary: c.summary ?? '' })) },
              output: 'json',
              schema: planSchema(actions),
              model: p.model,
              maxTokens: p.maxTokens,
            },
            { vars: { engine, goal: p.goal, instructions: p.instructions, lessons, actions: actions.join(', ') }, input: ctx.run.input ?? {}, prev: ctx.input ?? {}, run: { id: ctx.run.id, workflowId: ctx.run.workflowId }, steps: {}, trigger: {}, today: new Date(ctx.now()).toISOString().slice(0, 10) },
            { runId: ctx.run.id, nodeId: ctx.node.id, workflowId: ctx.run.workflowId },
          );
          return { ok: true, value: { data: g.data as ClaudePlan, costUsd: g.costUsd } };
        }),
      );
      if (suspended(r)) return r;
      claude = r.value.data;
      costUsd = r.value.costUsd;
    }
    const items = mergePlan(candidates, claude, scores, actions);
    const iso = new Date(ctx.now()).toISOString();
    const written = ctx.once('growth.plan', () => {
      const planId = store.createPlan(
        { engine, workflowId: ctx.run.workflowId, runId: ctx.run.id, goal: p.goal, content: { notes: claude?.notes ?? null, claude: claude !== null, lessons }, learningIds: learnings.map((l) => l.id), costUsd, items },
        iso,
      );
      const replaced = store.dropOpenItems(engine, planId, `replaced by plan #${planId}`, iso);
      const plan = store.plan(planId, true)!;
      const figures = { planId, items: plan.itemCount, dropped: plan.counts.dropped ?? 0, replaced, lessons: learnings.length, costUsd };
      if (isEngine(engine)) store.recordFigures(engine, 'plan', figures, iso);
      const open = (plan.items ?? []).filter((i) => i.status === 'planned');
      return {
        planId,
        figures,
        items: open.map((i) => ({ id: i.id, ref: i.ref, title: i.title, action: i.action, priority: i.priority, asset: i.asset, detail: i.detail, expected: i.expected, sources: i.sources })),
        learningIds: learnings.map((l) => l.id),
        lessons,
      };
    });
    if (!written.replayed) ctx.env.emit('growth.changed', { engine, kind: 'plan' });
    const n = Math.max(0, Number(p.execute) || 0);
    return { output: { ...written.value, execute: written.value.items.slice(0, n) } };
  },
});
