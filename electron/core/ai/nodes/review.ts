import { z } from 'zod';
import { Duration, durationMs, NodeId } from '../../../../shared/contract/workflow';
import { reviewDraft, reviseUntilPass, type GenerateResult, type PreparedRequest, type ReviewResult } from '../generate';
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
 *
 * `data` instead of `from` reviews anything (quoted as untrusted data), with
 * no revision. `approval: false` creates no approval item: a failing review,
 * or one below the threshold, goes on "rejected" with the review in the
 * output (pass, issues, confidence, evidence), for the workflow to act on.
 */
export default defineNode({
  type: 'ai.review',
  timeoutMs: AI_STEP_TIMEOUT_MS,
  description: 'Review an AI draft (or any data) against a checklist; revise, then continue or ask for approval (or not, with approval: false).',
  params: z
    .object({
      /** The ai.generate node whose draft is reviewed (and revised). */
      from: NodeId.optional(),
      /** Or anything to review, quoted as untrusted data; nothing is revised. */
      data: ex(z.record(z.string(), z.unknown())).optional(),
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
      /** false: no approval item; a draft that fails (or passes below the threshold) goes on "rejected". */
      approval: z.boolean().default(true),
    })
    .strict(),
  paramSpec: { opaque: ['checklist', 'instructions'] },
  branches: ['approved', 'rejected', 'expired'],
  validate(p, report) {
    if (p.from === undefined && p.data === undefined) report('from', 'give "from" (the ai.generate node whose draft is reviewed) or "data" (anything to review)');
    if (p.from !== undefined && p.data !== undefined) report('data', 'give "from" or "data", not both: "from" reviews and revises a draft, "data" reviews anything as it is');
  },
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

    if (p.from === undefined) {
      // Anything to review, as it is: one review, no revision.
      const data = (typeof p.data === 'object' && p.data !== null ? p.data : {}) as Record<string, unknown>;
      const r = await runAi(ctx, async (env) => {
        const threshold = typeof p.threshold === 'number' ? p.threshold : aiSettings(env).confidenceThreshold;
        const review = await reviewDraft(env, { checklist: p.checklist, instructions: p.instructions, model: p.model, maxTokens: p.maxTokens }, data, { runId: ctx.run.id, nodeId: ctx.node.id, workflowId: ctx.run.workflowId }, p.context);
        return { review, threshold };
      });
      if (suspended(r)) return r;
      const { review: rv, threshold } = r;
      const review = { pass: rv.pass, issues: rv.issues, confidence: rv.confidence, ...(rv.evidence !== undefined ? { evidence: rv.evidence } : {}) };
      const ok = rv.pass && rv.confidence >= threshold;
      if (ok || !p.approval) return { output: { data, decision: ok ? 'auto' : 'failed', review, threshold, revisions: 0, costUsd: rv.costUsd, unattended: true }, branch: ok ? 'approved' : 'rejected' };
      const reason = rv.pass ? `Confidence ${rv.confidence} is below the threshold ${threshold}.` : `The data fails the checklist: ${rv.issues.join('; ')}`;
      const state: ReviewState = { draft: { data }, review: rv, revisions: 0, costUsd: rv.costUsd, notes: [] };
      return ctx.suspend({
        approval: {
          title: p.approvalTitle ?? `Review (${ctx.node.id})`,
          payload: { draft: { data }, reviewNotes: rv.issues, confidence: rv.confidence, costUsd: rv.costUsd, revisions: 0, checklist: p.checklist, history: [] },
          confidence: rv.confidence,
          reason,
        },
        ...(p.timeout !== undefined ? { until: ctx.now() + durationMs(Duration.parse(p.timeout)) } : {}),
        state,
        waitingFor: 'approval',
      });
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
    const review = { pass: out.review.pass, issues: out.review.issues, confidence: out.review.confidence, ...(out.review.evidence !== undefined ? { evidence: out.review.evidence } : {}) };
    if (out.outcome === 'pass') {
      return finish(draft, { decision: 'auto', review, revisions: out.revisions, costUsd, unattended: true }, 'approved');
    }
    if (!p.approval) return finish(draft, { decision: 'failed', review, threshold, revisions: out.revisions, costUsd, unattended: true }, 'rejected');
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
