import { z } from 'zod';
import { generate, storedRequest, validateAnswerSchema } from '../generate';
import { runAi, suspended, templateScope } from '../node-support';
import { validateTemplate } from '../prompt';
import { saveDeliverable } from '../workspace';
import { defineNode } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { AI_STEP_TIMEOUT_MS } from '../../engine/pool-limits';

const BranchName = z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, _ and - for branch names');

/**
 * Ask Claude. `prompt` (and `system`) are Liquid templates over input, run,
 * steps, trigger, vars and today; values they print are quoted as data.
 * `data` is untrusted material (contact fields, replies, pages) sent in a
 * delimited, quoted block, trimmed by the declared rule. With output "json" the
 * answer must match `schema` (closed objects: no undeclared fields); with
 * `branches` the answer must pick one of them, and only them. An invalid answer
 * is retried with the validation error, then the step fails with it.
 */
export default defineNode({
  type: 'ai.generate',
  timeoutMs: AI_STEP_TIMEOUT_MS,
  description: 'Generate text or structured data with Claude (brand documents in the system prompt).',
  params: z
    .object({
      prompt: z.string().min(1, 'give the prompt, a Liquid template such as "Write a welcome email for {{ input.firstName }}"'),
      system: z.string().optional(),
      data: z.record(z.string(), z.unknown()).optional(),
      output: z.enum(['text', 'json']).default('text'),
      schema: z.record(z.string(), z.unknown()).optional(),
      branches: z.array(BranchName).min(1).max(20).optional(),
      model: z.string().min(1).optional(),
      maxTokens: ex(z.number().int().min(1).max(128_000)).optional(),
      temperature: z.number().min(0).max(1).optional(),
      brand: z.boolean().default(true),
      maxFieldChars: z.number().int().min(50).max(200_000).optional(),
      maxDataChars: z.number().int().min(500).max(1_000_000).optional(),
      maxAttempts: z.number().int().min(1).max(5).default(2),
      /** Save the answer as a versioned deliverable: workspace/deliverables/<saveAs>.vN.md */
      saveAs: z.string().min(1).max(80).optional(),
      vars: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  paramSpec: { opaque: ['prompt', 'system', 'schema', 'branches'] },
  branches: (p) => p.branches ?? [],
  validate(p, report) {
    for (const problem of validateTemplate(p.prompt, 'prompt')) report('prompt', problem);
    if (p.system) for (const problem of validateTemplate(p.system, 'system')) report('system', problem);
    if (p.output === 'json') {
      if (!p.schema) report('schema', 'output "json" needs a JSON Schema of the answer in "schema"');
      else {
        const bad = validateAnswerSchema(p.schema);
        if (bad) report('schema', bad);
        const props = (p.schema as { properties?: Record<string, unknown> }).properties;
        if (p.branches && props && 'branch' in props) report('schema', '"branch" is reserved for the branch choice; rename that field');
      }
    } else if (p.schema) report('schema', 'a schema is only used with output "json"');
    if (p.branches && new Set(p.branches).size !== p.branches.length) report('branches', 'branch names must be unique');
  },
  async run(ctx) {
    const p = ctx.params;
    const r = await runAi(ctx, async (env) => {
      const scope = templateScope(ctx, p.vars);
      const g = await generate(
        env,
        {
          prompt: p.prompt,
          system: p.system,
          data: p.data,
          output: p.output,
          schema: p.schema,
          branches: p.branches,
          model: p.model,
          maxTokens: typeof p.maxTokens === 'number' ? p.maxTokens : undefined,
          temperature: p.temperature,
          brand: p.brand,
          maxFieldChars: p.maxFieldChars,
          maxDataChars: p.maxDataChars,
          maxAttempts: p.maxAttempts,
        },
        scope,
        { runId: ctx.run.id, nodeId: ctx.node.id, workflowId: ctx.run.workflowId },
      );
      const deliverable = p.saveAs
        ? saveDeliverable(env.dataDir, p.saveAs, g.text ?? JSON.stringify(g.data, null, 2), g.text !== undefined ? 'md' : 'json').path
        : undefined;
      return { g, deliverable };
    });
    if (suspended(r)) return r;
    const { g, deliverable } = r;
    return {
      output: {
        ...(g.text !== undefined ? { text: g.text } : {}),
        ...(g.data !== undefined ? { data: g.data } : {}),
        ...(g.branch ? { branch: g.branch } : {}),
        model: g.model,
        inputTokens: g.inputTokens,
        outputTokens: g.outputTokens,
        costUsd: g.costUsd,
        calls: g.calls,
        ...(deliverable ? { deliverable } : {}),
        request: storedRequest(g.request),
      },
      ...(g.branch ? { branch: g.branch } : {}),
    };
  },
});
