import { z } from 'zod';
import { RunPhase } from '../../../../shared/contract/engine';
import { defineNode } from '../registry';

/** Agentic workflows: move the run to a phase (ANALYZING, PLANNING, EXECUTING, LEARNING). */
export const phase = defineNode({
  type: 'agent.phase',
  description: 'Set the run phase of an agentic workflow.',
  params: z.object({ phase: RunPhase }).strict(),
  run(ctx) {
    ctx.setPhase(ctx.params.phase);
    return { output: ctx.input };
  },
});

/** Record a plan (content may be an expression, e.g. the output of an AI step). */
export const plan = defineNode({
  type: 'agent.plan',
  description: 'Record a plan for this run.',
  params: z.object({ title: z.string().min(1), content: z.unknown() }).strict(),
  run(ctx) {
    ctx.plans.add(String(ctx.params.title), ctx.params.content ?? null);
    return { output: ctx.params.content ?? null };
  },
});

/** Record a learning the next runs can read (output: the latest learnings of the workflow). */
export const learn = defineNode({
  type: 'agent.learn',
  description: 'Record what this run learned.',
  params: z.object({ text: z.string().min(1), tags: z.array(z.string()).default([]) }).strict(),
  run(ctx) {
    ctx.learnings.add(String(ctx.params.text), ctx.params.tags);
    return { output: ctx.input };
  },
});

/** Read the latest learnings of this workflow (output: a list). */
export const recall = defineNode({
  type: 'agent.recall',
  description: 'Read what earlier runs learned.',
  params: z.object({ limit: z.number().int().min(1).max(100).default(10) }).strict(),
  run(ctx) {
    return { output: ctx.learnings.list(ctx.params.limit) };
  },
});
