import { z } from 'zod';
import { Duration, durationMs, NodeId } from '../../../../shared/contract/workflow';
import { reviseUntilPass, type GenerateResult, type PreparedRequest, type ReviewResult } from '../generate';
import { aiSettings } from '../env';
import { nodeAiEnv, runAi, suspended } from '../node-support';
import { saveDeliverable } from '../workspace';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { AI_STEP_TIMEOUT_MS } from '../../engine/pool-limits';

interface ReviewState {
  draft: { text?: string; data?: unknown };
  review: ReviewResult;
  revisions: number;
  costUsd: number;
  notes: string[];
}

/**
 * Check the draft of an ai.generate node (`from`) against a checklist:
 * { pass, issues[], confidence 0..1 }. A failing draft is regenerated with the
 * issues as corrections, up to `maxRevisions` times. Passing with confidence >=
 * the threshold (param, else setting ai.confidenceThreshold, default 0.7)
 * continues unattended on "approved". Otherwise an approval item is created
 * with the draft, the review notes, the confidence and the cost: approve (or
 * edit the draft, then approve) -> "approved" with the final draft; reject ->
 * "rejected"; no decision before `timeout` -> `onTimeout` (default "expired").
 */
export default defineNode({
  type: 'ai.review',
  timeoutMs: AI_STEP_TIMEOUT_MS,
  description: 'Review an AI draft against a checklist; revise, then continue or ask for approval.',
  params: z
    .object({
      from: NodeId,
      checklist: z.array(z.string().min(1)).min(1, 'give at least one checklist item').max(40),
      instructions: z.string().optional(),
      maxRevisions: z.number().int().min(0).max(5).default(2),
      threshold: ex(z.number().min(0).max(1)).optional(),
      model: z.string().min(1).optional(),
      maxTokens: z.number().int().min(1).max(128_000).optional(),
      /** Untrusted context shown to the reviewer (e.g. the contact the email is for). */
      context: z.record(z.string(), z.unknown()).optional(),
      approvalTitle: z.string().min(1).optional(),
      timeout: ex(Duration).optional(),
      onTimeout: z.enum(['expired', 'approved', 'rejected']).default('expired'),
      /** Save the final (approved) draft as a versioned deliverable. */
      saveAs: z.string().min(1).max(80).optional(),
    })
    .strict(),
  paramSpec: { opaque: ['checklist', 'instructions'] },
  branches: ['approved', 'rejected', 'expired'],
  async run(ctx) {
    const p = ctx.params;
    const res = ctx.resume;
    const finish = (draft: { text?: string; data?: unknown }, extra: Record<string, unknown>, branch: string) => {
      const deliverable =
        branch === 'approved' && p.saveAs
          ? saveDeliverable(nodeAiEnv(ctx).dataDir, p.saveAs, draft.text ?? JSON.stringify(draft.data, null, 2), draft.text !== undefined ? 'md' : 'json').path
          : undefined;
      return { output: { ...draft, ...extra, ...(deliverable ? { deliverable } : {}) }, branch };
    };

    if (res?.kind === 'approval') {
      const st = ctx.state as ReviewState;
      const edited = (res.payload as { draft?: { text?: string; data?: unknown } | string } | null)?.draft;
      const draft = edited === undefined ? st.draft : typeof edited === 'string' ? { text: edited } : edited;
      const branch = res.status === 'expired' ? p.onTimeout : res.status;
      return finish(
        draft,
        {
          decision: res.status,
          edited: JSON.stringify(draft) !== JSON.stringify(st.draft),
          decidedBy: res.decidedBy,
          decidedAt: res.decidedAt,
          reason: res.reason,
          review: { pass: st.review.pass, issues: st.review.issues, confidence: st.review.confidence },
          revisions: st.revisions,
          costUsd: st.costUsd,
          unattended: false,
        },
        branch,
      );
    }

    const source = ctx.steps()[p.from] as (Partial<GenerateResult> & { request?: PreparedRequest }) | undefined;
    if (!source || !source.request) {
      throw new NodeError(`ai.review: node "${p.from}" has no ai.generate output in this run; put ai.review after the ai.generate node it reviews`, { retryable: false, code: 'bad_param' });
    }
    const r = await runAi(ctx, async (env) => {
      const threshold = typeof p.threshold === 'number' ? p.threshold : aiSettings(env).confidenceThreshold;
      const out = await reviseUntilPass(env, {
        request: source.request!,
        draft: source as GenerateResult,
        review: { checklist: p.checklist, instructions: p.instructions, model: p.model, maxTokens: p.maxTokens },
        maxRevisions: p.maxRevisions,
        threshold,
        ids: { runId: ctx.run.id, nodeId: ctx.node.id, workflowId: ctx.run.workflowId },
        ...(p.context ? { context: p.context } : {}),
      });
      return { out, threshold };
    });
    if (suspended(r)) return r;
    const { out, threshold } = r;
    const draft = { ...(out.draft.text !== undefined ? { text: out.draft.text } : {}), ...(out.draft.data !== undefined ? { data: out.draft.data } : {}) };
    const costUsd = Math.round(((source.costUsd ?? 0) + out.costUsd) * 1e6) / 1e6;
    const review = { pass: out.review.pass, issues: out.review.issues, confidence: out.review.confidence };
    if (out.outcome === 'pass') {
      return finish(draft, { decision: 'auto', review, revisions: out.revisions, costUsd, unattended: true }, 'approved');
    }
    const state: ReviewState = { draft, review: out.review, revisions: out.revisions, costUsd, notes: out.notes };
    const reason = out.review.pass
      ? `Confidence ${out.review.confidence} is below the threshold ${threshold}.`
      : `The draft still fails the checklist after ${out.revisions} revision(s): ${out.review.issues.join('; ')}`;
    return ctx.suspend({
      approval: {
        title: p.approvalTitle ?? `Review AI draft (${ctx.node.id})`,
        payload: { draft, reviewNotes: out.review.issues, confidence: out.review.confidence, costUsd, revisions: out.revisions, checklist: p.checklist, history: out.notes },
        confidence: out.review.confidence,
        reason,
      },
      ...(p.timeout !== undefined ? { until: ctx.now() + durationMs(Duration.parse(p.timeout)) } : {}),
      state,
      waitingFor: 'approval',
    });
  },
});
