import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/*
 * Products and access (docs/products.md): what a buyer gets (a license key or
 * signed magic links to modules released over days), and the grants made by a
 * purchase (a Stripe payment, a CSV of sales, or by hand), revocable.
 */

/** A product sold: its Stripe prices, how access is given, its modules (drip) and upsell. */
export const products = sqliteTable('products', {
  /** A short slug chosen by the operator ("course-seo"). */
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** license | link */
  access: text('access').notNull(),
  /** JSON array of Stripe price ids whose payment grants this product. */
  priceIds: text('price_ids').notNull().default('[]'),
  /** JSON array of modules { title, afterDays, url, note }. */
  modules: text('modules').notNull().default('[]'),
  /** JSON { afterDays, subject, html, url } or null. */
  upsell: text('upsell'),
  /** Days a magic link stays valid after it is sent. */
  linkDays: integer('link_days').notNull().default(30),
  createdAt: text('created_at').notNull().default(now),
  updatedAt: text('updated_at').notNull().default(now),
});

/** One buyer's access to one product, from one sale: granted once per (product, source, sale). */
export const productGrants = sqliteTable(
  'product_grants',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    productId: text('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'restrict' }),
    contactId: integer('contact_id'),
    email: text('email').notNull(),
    /** stripe | csv | manual */
    source: text('source').notNull(),
    /** The sale: Stripe invoice id, the CSV's order id, or a manual reference. */
    saleId: text('sale_id').notNull(),
    /** Stripe customer and subscription of the sale (revocation on refund or cancel). */
    customerId: text('customer_id'),
    subscriptionId: text('subscription_id'),
    amountMinor: integer('amount_minor'),
    currency: text('currency'),
    /** The license key (products with access "license"), stored in full so it can be sent again. */
    licenseKey: text('license_key'),
    /** active | revoked */
    status: text('status').notNull().default('active'),
    /** Epoch ms. */
    grantedAt: integer('granted_at').notNull(),
    revokedAt: integer('revoked_at'),
    revokeReason: text('revoke_reason'),
    /** Modules released by the drip so far, and when the drip finished (epoch ms). */
    released: integer('released').notNull().default(0),
    dripCompletedAt: integer('drip_completed_at'),
    upsellSentAt: integer('upsell_sent_at'),
    /** The CSV import that made it (events carry importId). */
    importId: text('import_id'),
    createdAt: text('created_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('product_grants_sale').on(t.productId, t.source, t.saleId),
    uniqueIndex('product_grants_license').on(t.licenseKey),
    index('product_grants_contact').on(t.contactId),
    index('product_grants_customer').on(t.customerId),
    index('product_grants_subscription').on(t.subscriptionId),
  ],
);
