import { z } from 'zod';
import { NETWORK_STEP_TIMEOUT_MS } from '../../engine/pool-limits';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { BillingError, explain, requireKey, stripeClient } from '../stripe';

/**
 * Suspend a client's subscription in Stripe: pause its collection
 * (`pause_collection`, behavior "void" by default: no invoices, no charges)
 * — what access systems read as "suspended" — exactly once per run (the
 * outbox key is Stripe's Idempotency-Key). With `approval: "always"` (the
 * default) the operator decides first; "rejected" and "expired" pause nothing.
 * The mirror follows from Stripe's customer.subscription.updated webhook (or
 * the next reconcile).
 */
export default defineNode({
  type: 'billing.subscription.pause',
  timeoutMs: NETWORK_STEP_TIMEOUT_MS,
  description: "Pause a Stripe subscription's collection (suspend the client), after the operator's approval by default.",
  params: z
    .object({
      subscriptionId: ex(z.string().regex(/^sub_[A-Za-z0-9]+$/, 'use a Stripe subscription id such as sub_1Nx… (e.g. "=input.subscriptionId")')),
      behavior: z.enum(['void', 'keep_as_draft', 'mark_uncollectible']).default('void'),
      approval: z.enum(['always', 'never']).default('always'),
      reason: z.string().max(500).optional(),
    })
    .strict(),
  branches: ['paused', 'rejected'],
  async run(ctx) {
    const p = ctx.params;
    const id = String(p.subscriptionId ?? '');
    if (!/^sub_[A-Za-z0-9]+$/.test(id)) throw new NodeError(`billing.subscription.pause: subscriptionId is not a Stripe subscription id (${JSON.stringify(id)}); the invoice may not belong to a subscription`, { retryable: false, code: 'bad_param' });
    const r = ctx.resume;
    if (r?.kind === 'approval') {
      if (r.status !== 'approved') return { output: { paused: false, decision: r.status, reason: r.reason }, branch: 'rejected' };
    } else if (p.approval === 'always') {
      const row = ctx.db.prepare('SELECT s.status, cu.email, cu.name FROM billing_subscriptions s LEFT JOIN billing_customers cu ON cu.id = s.customer_id WHERE s.id = ?').get(id) as { status: string; email: string | null; name: string | null } | undefined;
      return ctx.suspend({
        approval: {
          title: `Suspend ${row?.name ?? row?.email ?? 'the client'}: pause subscription ${id} in Stripe?`,
          payload: { subscriptionId: id, behavior: p.behavior, client: row?.email ?? null, status: row?.status ?? null },
          reason: p.reason ?? 'The client did not pay after the final notice.',
        },
        waitingFor: 'approval',
      });
    }
    let failure: NodeError | undefined;
    const out = await ctx.outbox('billing.subscription.pause', { subscriptionId: id, behavior: p.behavior }, async (key) => {
      try {
        const stripe = await stripeClient(ctx.env, await requireKey(ctx), { timeoutMs: 20_000, retries: 0 });
        const s = await stripe.subscriptions.update(id, { pause_collection: { behavior: p.behavior } }, { idempotencyKey: `baton-${key}` });
        return { ok: true, value: { status: s.status, pauseCollection: s.pause_collection?.behavior ?? null } };
      } catch (e) {
        const err = e instanceof BillingError ? e : explain(e, `pausing subscription ${id}`);
        failure = new NodeError(err.message, { retryable: err.retryable, code: `stripe_${err.kind}` });
        throw failure;
      }
    }).catch((e: unknown) => {
      throw failure ?? e;
    });
    return { output: { paused: true, subscriptionId: id, ...out.value, replayed: out.replayed }, branch: 'paused' };
  },
});
