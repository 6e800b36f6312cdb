/**
 * The products domain (docs/products.md): products sold (linked to Stripe
 * prices mirrored by billing), the access a purchase grants (license keys,
 * signed magic links), revocation, CSV imports of sales made elsewhere, and
 * the nodes access.grant, access.revoke and product.drip.
 */
import { ApiError, PRODUCT_LINK_KEY, productsEventTypes, productsOps, ProductInput } from '../../../shared/api';
import type { HandlerMap } from '../api/types';
import type { Core, Service } from '../core';
import { defineDomain } from '../domain';
import { grantByHand, importSales, revokeByHand } from './grants';
import { accessUrl, ensureLinkKey, keyBytes, LinkKeyMissing } from './links';
import { PRODUCTS_NODES } from './nodes';
import { ACCESS_LIMITS, accessRoute, verifyLicense, verifyRoute, VERIFY_LIMITS } from './routes';
import { allProducts, deleteProduct, grantRow, listGrants, productRow, saveProduct, toGrant, toProduct } from './store';

function productsHandlers(core: Core): HandlerMap<keyof typeof productsOps> {
  const one = (id: string) => {
    const p = productRow(core.db, id);
    if (!p) throw new ApiError('not_found', `No product ${id} (see products.list).`);
    return p;
  };
  return {
    'products.list': () => ({ products: allProducts(core.db).map((p) => toProduct(core.db, p)) }),
    'products.get': (i) => toProduct(core.db, one(i.id)),
    'products.save': (i) => {
      const v = ProductInput.parse(i.product);
      const warnings = core.db.transaction(() => saveProduct(core.db, v))();
      core.bus.emit('products.changed', { productId: v.id });
      return { product: toProduct(core.db, one(v.id)), warnings };
    },
    'products.delete': (i) => {
      core.db.transaction(() => deleteProduct(core.db, i.id))();
      core.bus.emit('products.changed', { productId: i.id });
      return { ok: true as const };
    },
    'products.grants.list': (i) => listGrants(core.db, i),
    'products.grants.create': (i) => {
      const r = grantByHand(core, i);
      return { grant: toGrant(core.db, r.row), created: r.created };
    },
    'products.grants.revoke': (i) => toGrant(core.db, revokeByHand(core, i.id, i.reason)),
    'products.grants.link': async (i) => {
      const g = grantRow(core.db, i.id);
      if (!g) throw new ApiError('not_found', `No grant ${i.id} (see products.grants.list).`);
      if (g.status !== 'active') throw new ApiError('conflict', `The grant ${i.id} is revoked (${g.revoke_reason ?? 'no reason'}): its links do not work.`);
      await ensureLinkKey(core.secrets);
      const key = keyBytes(await core.secrets.get(PRODUCT_LINK_KEY));
      if (!key) throw new ApiError('unavailable', new LinkKeyMissing().message);
      const l = accessUrl(core.db, key, g.id, core.now(), productRow(core.db, g.product_id)?.linkDays ?? 30);
      return { url: l.url, expiresAt: new Date(l.expiresAt).toISOString() };
    },
    'products.import': (i) => importSales(core, i),
    'products.license.verify': (i) => verifyLicense(core, i.key, i.productId),
  };
}

/** On a serving host: make the magic link signing key when it is missing and secrets can be stored. */
function keyService(core: Core): Service {
  return {
    name: 'products-link-key',
    async start() {
      try {
        if (await ensureLinkKey(core.secrets)) return;
        core.log.info(`products: no signing key for magic links and secrets are read-only here; set ${PRODUCT_LINK_KEY}`);
      } catch (e) {
        core.log.warn('products: could not make the magic link signing key', { error: e as Error });
      }
    },
    stop() {},
  };
}

export const productsDomain = defineDomain({
  id: 'products',
  description: 'Products and access: a purchase (Stripe or a CSV of sales) grants a license key or signed magic links, modules drip by e-mail over days, refunds and cancellations revoke, an upsell follows the drip.',
  ops: productsOps,
  events: productsEventTypes,
  nodes: PRODUCTS_NODES,
  requires: ['engine', 'crm', 'sales', 'billing'],
  create(core) {
    return {
      handlers: productsHandlers(core),
      routes: { access: { handler: accessRoute(core), limits: ACCESS_LIMITS }, 'license/verify': { handler: verifyRoute(core), limits: VERIFY_LIMITS } },
      services: [keyService(core)],
    };
  },
});
