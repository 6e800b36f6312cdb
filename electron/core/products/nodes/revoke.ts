import { z } from 'zod';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { grantEventData, grantRow, revokeGrant, type GrantRow } from '../store';
import { grantsOfCharge } from '../revoke';

/**
 * Revoke access (docs/products.md): the grant's license key and magic links
 * fail at once and its drip stops. Which grants: `grantId`; or those of a
 * refunded Stripe charge (`chargeId`, charge.refunded: the paid invoice of that
 * charge); or of a canceled subscription (`subscriptionId`); or a contact's
 * (`contactId`, optionally one `productId`). The reason is stored.
 */
export default defineNode({
  type: 'access.revoke',
  description: 'Revoke product access (a grant, a refunded charge\'s, a canceled subscription\'s or a contact\'s), with the reason stored.',
  params: z
    .object({
      grantId: ex(z.number().int().positive()).optional(),
      chargeId: ex(z.string().regex(/^(ch|py)_[A-Za-z0-9]+$/, 'use a Stripe charge id such as ch_1Nx… (e.g. "=input.chargeId")')).optional(),
      subscriptionId: ex(z.string().regex(/^sub_[A-Za-z0-9]+$/, 'use a Stripe subscription id such as sub_1Nx… (e.g. "=input.subscriptionId")')).optional(),
      contactId: ex(z.number().int().positive()).optional(),
      productId: ex(z.string()).optional(),
      reason: z.string().min(1, 'say why (stored with the grant), e.g. "refund"').max(500),
    })
    .strict()
    .refine((p) => p.grantId !== undefined || p.chargeId !== undefined || p.subscriptionId !== undefined || p.contactId !== undefined, {
      error: 'give grantId, chargeId, subscriptionId or contactId',
      path: ['grantId'],
    }),
  branches: ['revoked', 'none'],
  run(ctx) {
    const p = ctx.params;
    const reason = String(p.reason);
    const { value } = ctx.once('access.revoke', () => {
      let ids: number[];
      if (p.grantId !== undefined) {
        const g = grantRow(ctx.db, Number(p.grantId));
        if (!g) throw new NodeError(`access.revoke: there is no grant ${String(p.grantId)}`, { retryable: false, code: 'no_grant' });
        ids = [g.id];
      } else if (p.chargeId !== undefined) {
        ids = grantsOfCharge(ctx.db, String(p.chargeId));
      } else if (p.subscriptionId !== undefined) {
        ids = (ctx.db.prepare(`SELECT id FROM product_grants WHERE subscription_id = ? AND status = 'active'`).all(String(p.subscriptionId)) as { id: number }[]).map((r) => r.id);
      } else {
        const rows = ctx.db.prepare(`SELECT id, product_id FROM product_grants WHERE contact_id = ? AND status = 'active'`).all(Number(p.contactId)) as { id: number; product_id: string }[];
        ids = rows.filter((r) => p.productId === undefined || r.product_id === String(p.productId)).map((r) => r.id);
      }
      return ids.filter((id) => revokeGrant(ctx.db, id, reason, ctx.now()));
    });
    const rows = value.map((id) => grantRow(ctx.db, id) as GrantRow);
    for (const g of rows) ctx.publish({ type: 'access.revoked', data: { ...grantEventData(ctx.db, g), reason }, ...(g.contact_id !== null ? { subject: { type: 'contact', id: String(g.contact_id) } } : {}) });
    if (rows.length) ctx.env.emit('products.changed', { productId: null });
    if (!rows.length) return { output: { revoked: 0, grantIds: [], reason }, branch: 'none' };
    return { output: { revoked: rows.length, grantIds: rows.map((g) => g.id), products: [...new Set(rows.map((g) => g.product_id))], reason }, branch: 'revoked' };
  },
});
