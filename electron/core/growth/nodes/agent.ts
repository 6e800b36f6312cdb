/**
 * The agentic-workflow nodes (agent.phase, agent.plan, agent.learn,
 * agent.recall), owned by the growth domain. Their old params still work
 * (workflows stored before keep running); an `engine` (default: the engine
 * whose workflow runs, growth-<engine>, else "workflow") files what they record
 * under that engine. Writes go through ctx.once (exactly once per step).
 */
import { z } from 'zod';
import { engineOfWorkflow, Evidence, Phase, type Engine } from '../../../../shared/contract/growth';
import { defineNode, type NodeContext } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { growthStoreOf, isEngine } from '../store';

/** The engine a node files under: its `engine` param, else the engine whose workflow runs, else "workflow". */
export function engineFor(ctx: NodeContext<unknown>, given: unknown): string {
  if (typeof given === 'string' && given) return given;
  return engineOfWorkflow(ctx.run.workflowId) ?? 'workflow';
}

const iso = (ctx: NodeContext<unknown>) => new Date(ctx.now()).toISOString();

/** Move the run (and, for a growth engine, the engine's state machine) to a phase; the transition is recorded. */
export const phase = defineNode({
  type: 'agent.phase',
  description: "Move an agentic workflow to a phase (IDLE, ANALYZING, PLANNING, EXECUTING, LEARNING); a growth engine's transition is recorded and shown.",
  params: z.object({ phase: Phase, engine: z.string().optional(), note: z.string().max(500).optional() }).strict(),
  run(ctx) {
    const p = ctx.params;
    ctx.setPhase(p.phase);
    const engine = engineFor(ctx, p.engine);
    if (isEngine(engine)) {
      const r = ctx.once('agent.phase', () => growthStoreOf(ctx.env).setPhase(engine, p.phase, ctx.run.id, iso(ctx), p.note ?? null));
      if (r.value) ctx.publish({ type: 'growth.phase', data: { engine, from: r.value.from, to: r.value.to, runId: ctx.run.id }, subject: { type: 'engine', id: engine } });
      if (!r.replayed) ctx.env.emit('growth.changed', { engine, kind: 'phase' });
    }
    return { output: ctx.input };
  },
});

const Item = z
  .object({
    ref: z.string().min(1),
    title: z.string().min(1),
    action: z.string().min(1).default('do'),
    priority: z.number().int().min(1).optional(),
    asset: z.string().nullable().optional(),
    expected: z.record(z.string(), z.unknown()).optional(),
    detail: z.record(z.string(), z.unknown()).optional(),
    sources: z.array(z.string()).optional(),
  })
  .passthrough();

/** Record a plan (content may be an expression, e.g. an AI step's output; items are optional). */
export const plan = defineNode({
  type: 'agent.plan',
  description: 'Record a plan (a goal, free content, and optional items with priorities) without asking Claude.',
  params: z.object({ title: z.string().min(1), content: z.unknown(), engine: z.string().optional(), items: ex(z.array(Item)).optional() }).strict(),
  run(ctx) {
    const p = ctx.params;
    const engine = engineFor(ctx, p.engine);
    const items = Array.isArray(p.items) ? p.items.map((i) => Item.parse(i)).map((i, n) => ({ ...i, priority: i.priority ?? n + 1 })) : [];
    const r = ctx.once('agent.plan', () =>
      growthStoreOf(ctx.env).createPlan({ engine, workflowId: ctx.run.workflowId, runId: ctx.run.id, goal: String(p.title), content: p.content ?? null, items }, iso(ctx)),
    );
    if (!r.replayed) ctx.env.emit('growth.changed', { engine, kind: 'plan' });
    return { output: p.content ?? null };
  },
});

/** Record what this run learned (what worked, what did not, confidence, evidence) for the next plans. */
export const learn = defineNode({
  type: 'agent.learn',
  description: 'Record what this run learned (what worked, what did not, confidence, evidence); planning prompts of later cycles include it.',
  params: z
    .object({
      text: z.string().min(1).optional(),
      engine: z.string().optional(),
      subject: z.string().max(200).optional(),
      whatWorked: z.string().optional(),
      whatDidNot: z.string().optional(),
      confidence: ex(z.number().min(0).max(1)).optional(),
      evidence: ex(Evidence).optional(),
      tags: z.array(z.string()).default([]),
      expiresInDays: z.number().int().min(1).max(3650).optional(),
    })
    .strict()
    .refine((p) => !!(p.text || p.whatWorked || p.whatDidNot), { error: 'give text, or whatWorked / whatDidNot', path: ['text'] }),
  run(ctx) {
    const p = ctx.params;
    const engine = engineFor(ctx, p.engine);
    const ev = p.evidence && typeof p.evidence === 'object' ? Evidence.parse(p.evidence) : undefined;
    ctx.once('agent.learn', () =>
      growthStoreOf(ctx.env).addLearning(
        {
          engine,
          workflowId: ctx.run.workflowId,
          runId: ctx.run.id,
          subject: p.subject ?? p.tags[0] ?? '',
          whatWorked: String(p.whatWorked ?? p.text ?? ''),
          whatDidNot: String(p.whatDidNot ?? ''),
          confidence: typeof p.confidence === 'number' ? p.confidence : 0.5,
          evidence: { ...(ev ?? {}), runIds: [...new Set([ctx.run.id, ...(ev?.runIds ?? [])])] },
          tags: p.tags,
          expiresAt: p.expiresInDays ? new Date(ctx.now() + p.expiresInDays * 86_400_000).toISOString() : null,
        },
        iso(ctx),
      ),
    );
    ctx.env.emit('growth.changed', { engine, kind: 'learning' });
    return { output: ctx.input };
  },
});

/** Read what earlier runs learned: with an engine or subject, the relevant learnings ranked by relevance, confidence and recency. */
export const recall = defineNode({
  type: 'agent.recall',
  description: 'Read what earlier runs learned, ranked by relevance to a subject, confidence and recency.',
  params: z.object({ limit: z.number().int().min(1).max(100).default(10), engine: z.string().optional(), subject: ex(z.string().max(200)).optional() }).strict(),
  run(ctx) {
    const p = ctx.params;
    const engine = p.engine ?? engineOfWorkflow(ctx.run.workflowId);
    const store = growthStoreOf(ctx.env);
    const list = engine
      ? store.recall(engine, typeof p.subject === 'string' ? p.subject : undefined, p.limit, ctx.now())
      : store.listLearnings({ workflow: ctx.run.workflowId, limit: p.limit }, iso(ctx));
    return { output: list.map((l) => ({ id: l.id, subject: l.subject, text: l.text, whatWorked: l.whatWorked, whatDidNot: l.whatDidNot, confidence: l.confidence, tags: l.tags, createdAt: l.createdAt, ...(l.score !== undefined ? { score: l.score } : {}) })) };
  },
});

export type { Engine };
