import { z } from 'zod';
import { Duration, durationMs } from '../../../../shared/contract/workflow';
import { defineNode } from '../registry';
import { ex } from './util';

/**
 * Ask the person: creates an approval item (title, payload, confidence, reason)
 * and waits. Branches: approved (output.payload is the edited payload when one
 * was given), rejected, expired. `onTimeout` picks the branch when the timeout
 * passes without a decision (default "expired").
 */
export default defineNode({
  type: 'approval',
  description: 'Wait for a human decision: approved / rejected / expired.',
  params: z
    .object({
      title: z.string().min(1, 'give a title'),
      payload: z.unknown().optional(),
      confidence: ex(z.number().min(0).max(1)).optional(),
      reason: z.string().optional(),
      timeout: ex(Duration).optional(),
      onTimeout: z.enum(['expired', 'approved', 'rejected']).default('expired'),
    })
    .strict(),
  branches: ['approved', 'rejected', 'expired'],
  run(ctx) {
    const p = ctx.params;
    const r = ctx.resume;
    if (r?.kind === 'approval') {
      const branch = r.status === 'expired' ? p.onTimeout : r.status;
      return {
        output: { decision: r.status, approvalId: r.approvalId, payload: r.payload, reason: r.reason, decidedBy: r.decidedBy, decidedAt: r.decidedAt },
        branch,
      };
    }
    const until = p.timeout !== undefined ? ctx.now() + durationMs(Duration.parse(p.timeout)) : undefined;
    const confidence = typeof p.confidence === 'number' ? p.confidence : undefined;
    return ctx.suspend({
      approval: {
        title: String(p.title),
        payload: p.payload === undefined ? ctx.input : p.payload,
        ...(confidence !== undefined ? { confidence } : {}),
        ...(p.reason ? { reason: String(p.reason) } : {}),
      },
      ...(until !== undefined ? { until } : {}),
      waitingFor: 'approval',
    });
  },
});
