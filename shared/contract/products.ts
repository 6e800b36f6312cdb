/**
 * Products and access (docs/products.md): products sold (linked to Stripe
 * prices), the access a purchase grants (a license key or signed magic links),
 * modules released by e-mail over days (drip), an upsell after the drip,
 * revocation on refund or cancellation, and CSV imports of sales made
 * elsewhere.
 */
import { z } from 'zod';
import { Empty, eventType, Ok, op } from './base';

/** The secret that signs magic links (made per install where secrets can be stored). */
export const PRODUCT_LINK_KEY = 'PRODUCT_LINK_KEY';
/** Public routes: the magic link page and the license check. */
export const ACCESS_PATH = '/access';
export const LICENSE_VERIFY_PATH = '/license/verify';

const Slug = z
  .string()
  .min(1, 'give the product an id such as course-seo')
  .max(64, 'at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes, such as course-seo');
const PriceId = z.string().regex(/^price_[A-Za-z0-9]+$/, 'use a Stripe price id such as price_1Nx… (Billing lists the mirrored prices)');
const HttpUrl = z
  .string()
  .max(2000)
  .refine((u) => /^https?:\/\/[^\s]+$/i.test(u), { error: 'use an http(s) address such as https://example.com/module-1' });

export const ProductModule = z
  .object({
    title: z.string().min(1, 'give the module a title').max(200),
    /** Days after the purchase the module is released (0: at once; fractions allowed, 0.5 = 12 hours). */
    afterDays: z.number({ error: 'give afterDays as a number of days (0 = at once)' }).min(0, 'afterDays cannot be negative').max(3650, 'at most 3650 days'),
    /** Where the module's content is (the magic link redirects there). */
    url: HttpUrl.optional(),
    /** A short text shown in the e-mail and on the access page. */
    note: z.string().max(2000).optional(),
  })
  .strict();
export type ProductModule = z.infer<typeof ProductModule>;

export const ProductUpsell = z
  .object({
    /** Days after the last module was released. */
    afterDays: z.number({ error: 'give afterDays as a number of days' }).min(0, 'afterDays cannot be negative').max(3650, 'at most 3650 days'),
    subject: z.string().min(1, 'give the upsell e-mail a subject').max(300),
    /** Liquid, as other e-mails (contact, vars.product, vars.offer_url). */
    html: z.string().min(1, 'give the upsell e-mail a body').max(20_000),
    url: HttpUrl.optional(),
    /** Not sent to buyers who already have this product. */
    productId: Slug.optional(),
  })
  .strict();
export type ProductUpsell = z.infer<typeof ProductUpsell>;

export const ProductInput = z
  .object({
    id: Slug,
    name: z.string().trim().min(1, 'give the product a name').max(200),
    access: z.enum(['license', 'link'], { error: 'use "license" (a license key) or "link" (signed magic links)' }),
    priceIds: z.array(PriceId).max(50).default([]),
    modules: z.array(ProductModule).max(100, 'at most 100 modules').default([]),
    upsell: ProductUpsell.nullable().default(null),
    /** Days a magic link stays valid. */
    linkDays: z.number().int('give whole days').min(1, 'at least 1 day').max(3650).default(30),
  })
  .strict()
  .superRefine((p, c) => {
    const seen = new Set<string>();
    p.priceIds.forEach((id, i) => {
      if (seen.has(id)) c.addIssue({ code: 'custom', path: ['priceIds', i], message: `${id} is listed twice` });
      seen.add(id);
    });
  });
export type ProductInput = z.input<typeof ProductInput>;

export const Product = z.object({
  id: z.string(),
  name: z.string(),
  access: z.enum(['license', 'link']),
  priceIds: z.array(z.string()),
  modules: z.array(ProductModule),
  upsell: ProductUpsell.nullable(),
  linkDays: z.number().int(),
  /** Prices with their names from the billing mirror (null: not mirrored yet). */
  prices: z.array(z.object({ id: z.string(), product: z.string().nullable(), amountText: z.string().nullable() })),
  grants: z.object({ active: z.number().int(), revoked: z.number().int() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Product = z.infer<typeof Product>;

export const Grant = z.object({
  id: z.number().int(),
  productId: z.string(),
  productName: z.string(),
  contactId: z.number().int().nullable(),
  email: z.string(),
  source: z.enum(['stripe', 'csv', 'manual']),
  saleId: z.string(),
  status: z.enum(['active', 'revoked']),
  /** The license key (products with access "license"). */
  licenseKey: z.string().nullable(),
  grantedAt: z.string(),
  revokedAt: z.string().nullable(),
  revokeReason: z.string().nullable(),
  released: z.number().int(),
  modules: z.number().int(),
  dripCompletedAt: z.string().nullable(),
  upsellSentAt: z.string().nullable(),
});
export type Grant = z.infer<typeof Grant>;

export const ImportMapping = z
  .object({
    /** CSV column with the buyer's e-mail. */
    email: z.string().min(1, 'name the column with the buyer\'s e-mail'),
    /** CSV column with the order / sale id (what makes a re-import grant nothing twice). */
    saleId: z.string().min(1, 'name the column with the order or sale id'),
    /** CSV column with the product (its Baton id or name); or give productId for the whole file. */
    product: z.string().optional(),
    name: z.string().optional(),
    /** CSV column with a refund flag ("true", "yes", "refunded"): such rows are skipped. */
    refunded: z.string().optional(),
  })
  .strict();
export type ImportMapping = z.infer<typeof ImportMapping>;

/**
 * What a sales import starts (docs/products.md, "Starting the drip for imported sales"): nothing
 * unless the import asks for it (startDrip), then a run of each enabled delivery workflow per new grant.
 */
export const ImportDrip = z.object({
  /** Whether this import starts the drip (its startDrip). */
  requested: z.boolean(),
  /** One sentence for the import dialog and the CLI: what will start (or why nothing will). */
  summary: z.string(),
  /** The enabled delivery workflows (on payment.succeeded, with access.grant and product.drip) a grant starts. */
  workflows: z.array(z.object({ id: z.string(), name: z.string() })),
  /** Runs started (0 for a dry run or when startDrip is off). */
  started: z.number().int(),
});
export type ImportDrip = z.infer<typeof ImportDrip>;

export const ImportResult = z.object({
  dryRun: z.boolean(),
  importId: z.string().nullable(),
  rows: z.number().int(),
  granted: z.number().int(),
  /** Sales granted before (an earlier import or webhook): nothing granted again. */
  duplicates: z.number().int(),
  skipped: z.number().int(),
  errors: z.array(z.object({ line: z.number().int(), field: z.string(), message: z.string() })),
  drip: ImportDrip,
});
export type ImportResult = z.infer<typeof ImportResult>;

export const VerifyResult = z.object({
  valid: z.boolean(),
  /** Why not: unknown | revoked | wrong_product. */
  reason: z.string().nullable(),
  productId: z.string().nullable(),
  grantedAt: z.string().nullable(),
});
export type VerifyResult = z.infer<typeof VerifyResult>;

const Page = { limit: z.number().int().min(1).max(500).default(50), offset: z.number().int().min(0).default(0) };

export const productsOps = {
  'products.list': op('The products sold, with their Stripe prices, modules and how many grants they have.', Empty, z.object({ products: z.array(Product) })),
  'products.get': op('One product.', z.object({ id: Slug }).strict(), Product),
  'products.save': op(
    'Create or replace a product (name, Stripe prices, access kind, modules with their day offsets, upsell).',
    z.object({ product: ProductInput }).strict(),
    z.object({ product: Product, warnings: z.array(z.string()) }),
  ),
  'products.delete': op('Delete a product that has no grants (revoke and keep them instead otherwise).', z.object({ id: Slug }).strict(), Ok),
  'products.grants.list': op(
    'Grants (who has access to what), newest first.',
    z.object({ productId: Slug.optional(), status: z.enum(['active', 'revoked']).optional(), search: z.string().max(200).optional(), ...Page }).strict(),
    z.object({ total: z.number().int(), rows: z.array(Grant) }),
  ),
  'products.grants.create': op(
    'Grant a product by hand (a gift, a sale Baton did not see); once per sale id.',
    z.object({ productId: Slug, email: z.email({ error: 'give the buyer\'s e-mail address' }), saleId: z.string().min(1).max(200).optional(), name: z.string().max(200).optional() }).strict(),
    z.object({ grant: Grant, created: z.boolean() }),
  ),
  'products.grants.revoke': op(
    'Revoke a grant: its license key and magic links stop working at once and its drip stops.',
    z.object({ id: z.number().int().positive(), reason: z.string().trim().min(1, 'say why (e.g. refund, chargeback, abuse)').max(500) }).strict(),
    Grant,
  ),
  'products.grants.link': op(
    'A fresh signed magic link to a grant\'s access page (to send again).',
    z.object({ id: z.number().int().positive() }).strict(),
    z.object({ url: z.string(), expiresAt: z.string() }),
  ),
  'products.import': op(
    'Import sales from another platform (CSV, columns mapped): one grant per sale and product, never twice; bad rows are named by line. dryRun checks without writing.',
    z
      .object({
        csv: z.string().min(1, 'give the CSV text').max(20_000_000, 'at most 20 MB per import'),
        mapping: ImportMapping,
        /** The product of every row (instead of a product column). */
        productId: Slug.optional(),
        dryRun: z.boolean().default(false),
        /**
         * Start each new grant's delivery like a live sale (the enabled delivery workflows: the
         * access e-mail, the modules over days, the upsell). Default false: an import e-mails nobody.
         */
        startDrip: z.boolean().default(false),
      })
      .strict()
      .refine((i) => i.productId !== undefined || i.mapping.product !== undefined, { error: 'give productId, or map a product column (mapping.product)', path: ['productId'] }),
    ImportResult,
  ),
  'products.license.verify': op('Check a license key (as the public route does).', z.object({ key: z.string().min(1).max(200), productId: Slug.optional() }).strict(), VerifyResult),
} as const;

export const productsEvents = {
  /** Products or grants changed: the page reloads. */
  'products.changed': z.object({ productId: z.string().nullable() }),
} as const;

const GrantData = z
  .object({
    grantId: z.number().int(),
    productId: z.string(),
    productName: z.string(),
    contactId: z.number().int().nullable(),
    email: z.string(),
    source: z.string(),
    saleId: z.string(),
  })
  .passthrough();

export const productsEventTypes = {
  'access.granted': eventType('A buyer was given access to a product (a Stripe payment, a CSV import or by hand); once per sale and product.', GrantData, 'contact'),
  'access.revoked': eventType('A grant was revoked (refund, cancellation, by hand): its license key and links stop working.', GrantData.extend({ reason: z.string() }), 'contact'),
  'product.module_released': eventType('The drip released a module of a product to a buyer.', GrantData.extend({ module: z.number().int(), title: z.string() }), 'contact'),
  'product.drip_completed': eventType('The drip released the last module of a product to a buyer.', GrantData.extend({ modules: z.number().int() }), 'contact'),
} as const;
