import { z } from 'zod';
import { PRODUCT_LINK_KEY } from '../../../../shared/api';
import { defineNode, NodeError } from '../../engine/registry';
import { ex } from '../../engine/nodes/util';
import { accessUrl, keyBytes, LinkKeyMissing } from '../links';
import { grantEventData, grantRow, insertGrant, productRow, productsForPrices, type GrantRow } from '../store';

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * Grant a product for a sale (docs/products.md): on payment.succeeded, the
 * products whose Stripe prices the invoice bills (or `productId`), once per
 * (product, sale): a redelivered webhook or a second run grants nothing twice.
 * Output: the grant, its license key (access "license") and a signed magic
 * link to its access page, for the welcome e-mail. Branch "granted" for a new
 * grant; "existing" when the sale (or, for a subscription's renewal invoice,
 * the subscription) was granted before: nothing new, no second welcome.
 * A run started by a CSV import that asked for the drip (input source "csv"
 * and grantId) delivers that imported grant: branch "granted", no new grant.
 */
export default defineNode({
  type: 'access.grant',
  description: 'Grant a product to a buyer (license key or signed magic link), once per sale; by the payment\'s Stripe prices or a product id.',
  params: z
    .object({
      /** The product; default: the products sold through the payment's prices (input.priceIds). */
      productId: ex(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use a product id such as course-seo')).optional(),
      /** The sale; default: input.saleId (a Checkout payment's payment intent), else the Stripe invoice (input.invoiceId). */
      saleId: ex(z.string().min(1)).optional(),
      /** The buyer; default: input.contactId (the run's contact). */
      contactId: ex(z.number().int().positive()).optional(),
      /** Stripe prices paid; default: input.priceIds. */
      priceIds: ex(z.array(z.string())).optional(),
    })
    .strict(),
  branches: ['granted', 'existing', 'none'],
  refs(params, env, report) {
    if (typeof params.productId === 'string' && !params.productId.startsWith('=') && !productRow(env.db, params.productId)) report('params.productId', `there is no product ${params.productId} (Products lists them)`);
  },
  async run(ctx) {
    const p = ctx.params;
    const input = obj(ctx.run.input);
    const saleId = String(p.saleId ?? input.saleId ?? input.invoiceId ?? '');
    if (!saleId) throw new NodeError('access.grant: no sale id: give saleId (e.g. "=input.invoiceId")', { retryable: false, code: 'bad_param' });
    const contactId = Number(p.contactId ?? input.contactId ?? ctx.run.subject);
    if (!Number.isInteger(contactId) || contactId <= 0) throw new NodeError('access.grant: no buyer: give contactId (e.g. "=input.contactId")', { retryable: false, code: 'bad_param' });
    const contact = ctx.db.prepare('SELECT email FROM contacts WHERE id = ?').get(contactId) as { email: string } | undefined;
    if (!contact) throw new NodeError(`access.grant: there is no contact ${contactId}`, { retryable: false, code: 'no_contact' });
    let priceIds = Array.isArray(p.priceIds) ? p.priceIds.map(String) : Array.isArray(input.priceIds) ? (input.priceIds as unknown[]).map(String) : [];
    const subscriptionId = typeof input.subscriptionId === 'string' ? input.subscriptionId : null;
    if (!priceIds.length && subscriptionId) {
      const s = ctx.db.prepare('SELECT price_id FROM billing_subscriptions WHERE id = ?').get(subscriptionId) as { price_id: string | null } | undefined;
      if (s?.price_id) priceIds = [s.price_id];
    }
    // An imported sale whose import asked to start its delivery (products.import startDrip): the run
    // names the grant the import made; it is delivered like a live sale's new grant (once: one run per grant).
    const imported = input.source === 'csv' && typeof input.grantId === 'number' ? grantRow(ctx.db, input.grantId) : undefined;
    if (imported && imported.source === 'csv' && (!p.productId || p.productId === imported.product_id)) {
      const product = productRow(ctx.db, imported.product_id);
      if (!product) return { output: { granted: false, reason: `the product ${imported.product_id} was deleted` }, branch: 'none' };
      if (imported.status !== 'active') return { output: { granted: false, grantId: imported.id, reason: `the imported grant ${imported.id} is revoked (${imported.revoke_reason ?? 'no reason'})` }, branch: 'none' };
      const key = keyBytes(await ctx.secrets.get(PRODUCT_LINK_KEY));
      if (!key) throw new NodeError(`access.grant: ${new LinkKeyMissing().message}`, { retryable: false, code: 'no_link_key' });
      const link = accessUrl(ctx.db, key, imported.id, ctx.now(), product.linkDays);
      return {
        output: {
          granted: true,
          created: false,
          imported: true,
          grantId: imported.id,
          grantIds: [imported.id],
          productId: product.id,
          productName: product.name,
          access: product.access,
          status: imported.status,
          licenseKey: imported.license_key,
          accessUrl: link.url,
          expiresAt: new Date(link.expiresAt).toISOString(),
          modules: product.modules.length,
          contactId,
          email: contact.email,
        },
        branch: 'granted',
      };
    }
    const products = p.productId ? [productRow(ctx.db, String(p.productId))].filter((x) => x !== undefined) : productsForPrices(ctx.db, priceIds);
    if (p.productId && !products.length) throw new NodeError(`access.grant: there is no product ${String(p.productId)} (Products lists them)`, { retryable: false, code: 'no_product' });
    const product = products[0];
    if (!product) return { output: { granted: false, reason: `no product is sold through ${priceIds.length ? priceIds.join(', ') : 'this payment (it names no price)'}` }, branch: 'none' };
    if (products.length > 1) ctx.log.warn('access.grant: several products match the payment; granting each', { products: products.map((x) => x.id) });
    const key = keyBytes(await ctx.secrets.get(PRODUCT_LINK_KEY));
    if (!key) throw new NodeError(`access.grant: ${new LinkKeyMissing().message}`, { retryable: false, code: 'no_link_key' });
    const { value } = ctx.once('access.grant', () =>
      products.map((pr) => {
        // A subscription's renewal: its grant is already there (a new one comes only with a new subscription).
        const renewal = subscriptionId ? (ctx.db.prepare(`SELECT id FROM product_grants WHERE product_id = ? AND subscription_id = ? AND status = 'active' ORDER BY id LIMIT 1`).get(pr.id, subscriptionId) as { id: number } | undefined) : undefined;
        if (renewal) return { id: renewal.id, created: false };
        const r = insertGrant(ctx.db, {
          product: pr,
          contactId,
          email: contact.email,
          source: 'stripe',
          saleId,
          customerId: typeof input.customerId === 'string' ? input.customerId : null,
          subscriptionId,
          amountMinor: typeof input.amountMinor === 'number' ? input.amountMinor : null,
          currency: typeof input.currency === 'string' ? input.currency : null,
          at: ctx.now(),
        });
        return { id: r.row.id, created: r.created };
      }),
    );
    const rows = value.map((v) => ({ ...v, row: grantRow(ctx.db, v.id) as GrantRow }));
    for (const v of rows) if (v.created) ctx.publish({ type: 'access.granted', data: grantEventData(ctx.db, v.row), subject: { type: 'contact', id: String(contactId) } });
    if (rows.some((v) => v.created)) ctx.env.emit('products.changed', { productId: product.id });
    const first = rows[0]!;
    const link = accessUrl(ctx.db, key, first.id, ctx.now(), product.linkDays);
    return {
      output: {
        granted: true,
        created: first.created,
        grantId: first.id,
        grantIds: rows.map((r) => r.id),
        productId: product.id,
        productName: product.name,
        access: product.access,
        status: first.row.status,
        licenseKey: first.row.license_key,
        accessUrl: link.url,
        expiresAt: new Date(link.expiresAt).toISOString(),
        modules: product.modules.length,
        contactId,
        email: contact.email,
      },
      branch: first.created ? 'granted' : 'existing',
    };
  },
});
