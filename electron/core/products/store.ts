/**
 * The products store: every SQL statement of the products domain (products
 * and grants) behind typed functions over a connection, so the same code runs
 * on the main thread (operations, routes) and in a Bree worker (nodes).
 */
import { randomBytes } from 'node:crypto';
import { ApiError, type Grant, type Product, type ProductInput, type ProductModule, type ProductUpsell } from '../../../shared/api';
import { amountText } from '../billing/money';
import type { Sqlite } from '../db/open';

export interface ProductRow {
  id: string;
  name: string;
  access: 'license' | 'link';
  price_ids: string;
  modules: string;
  upsell: string | null;
  link_days: number;
  created_at: string;
  updated_at: string;
}

export interface GrantRow {
  id: number;
  product_id: string;
  contact_id: number | null;
  email: string;
  source: 'stripe' | 'csv' | 'manual';
  sale_id: string;
  customer_id: string | null;
  subscription_id: string | null;
  amount_minor: number | null;
  currency: string | null;
  license_key: string | null;
  status: 'active' | 'revoked';
  granted_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
  released: number;
  drip_completed_at: number | null;
  upsell_sent_at: number | null;
  import_id: string | null;
  created_at: string;
}

/** A product as code uses it (JSON columns parsed). */
export interface ProductValue {
  id: string;
  name: string;
  access: 'license' | 'link';
  priceIds: string[];
  modules: ProductModule[];
  upsell: ProductUpsell | null;
  linkDays: number;
  createdAt: string;
  updatedAt: string;
}

const parse = <T>(s: string | null, fallback: T): T => {
  if (s === null) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
};

export function productValue(r: ProductRow): ProductValue {
  return {
    id: r.id,
    name: r.name,
    access: r.access,
    priceIds: parse<string[]>(r.price_ids, []),
    modules: parse<ProductModule[]>(r.modules, []),
    upsell: parse<ProductUpsell | null>(r.upsell, null),
    linkDays: r.link_days,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function productRow(db: Sqlite, id: string): ProductValue | undefined {
  const r = db.prepare('SELECT * FROM products WHERE id = ?').get(id) as ProductRow | undefined;
  return r ? productValue(r) : undefined;
}

export function allProducts(db: Sqlite): ProductValue[] {
  return (db.prepare('SELECT * FROM products ORDER BY name, id').all() as ProductRow[]).map(productValue);
}

/** Products sold through any of these Stripe prices (their ids, sorted). */
export function productsForPrices(db: Sqlite, priceIds: readonly string[]): ProductValue[] {
  if (!priceIds.length) return [];
  const want = new Set(priceIds);
  return allProducts(db)
    .filter((p) => p.priceIds.some((id) => want.has(id)))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** A product by its id or (case-insensitive) name: what a CSV's product column may hold. */
export function productByIdOrName(db: Sqlite, v: string): ProductValue | undefined {
  const t = v.trim();
  const r = (db.prepare('SELECT * FROM products WHERE id = ?').get(t.toLowerCase()) ?? db.prepare('SELECT * FROM products WHERE lower(name) = lower(?)').get(t)) as ProductRow | undefined;
  return r ? productValue(r) : undefined;
}

export function toProduct(db: Sqlite, p: ProductValue): Product {
  const counts = db.prepare(`SELECT COALESCE(SUM(status = 'active'), 0) AS active, COALESCE(SUM(status = 'revoked'), 0) AS revoked FROM product_grants WHERE product_id = ?`).get(p.id) as { active: number; revoked: number };
  const price = db.prepare('SELECT pr.id, pr.currency, pr.unit_amount, pd.name AS product FROM billing_prices pr LEFT JOIN billing_products pd ON pd.id = pr.product_id WHERE pr.id = ?');
  return {
    ...p,
    prices: p.priceIds.map((id) => {
      const r = price.get(id) as { id: string; currency: string; unit_amount: number | null; product: string | null } | undefined;
      return { id, product: r?.product ?? null, amountText: r && r.unit_amount !== null ? amountText(r.unit_amount, r.currency) : null };
    }),
    grants: { active: counts.active, revoked: counts.revoked },
  };
}

/** Create or replace a product; returns warnings (prices not in the billing mirror). */
export function saveProduct(db: Sqlite, p: ProductInput & { priceIds: string[]; modules: ProductModule[]; upsell: ProductUpsell | null; linkDays: number }): string[] {
  const warnings: string[] = [];
  const known = db.prepare('SELECT 1 FROM billing_prices WHERE id = ?');
  for (const id of p.priceIds) if (!known.get(id)) warnings.push(`The Stripe price ${id} is not in the billing mirror yet: check the id, or reconcile Billing (npx baton billing reconcile).`);
  const other = db.prepare('SELECT id, price_ids FROM products WHERE id != ?').all(p.id) as { id: string; price_ids: string }[];
  for (const o of other) for (const id of parse<string[]>(o.price_ids, [])) if (p.priceIds.includes(id)) warnings.push(`The Stripe price ${id} also grants the product ${o.id}: a payment for it grants both.`);
  if (p.upsell?.productId && p.upsell.productId !== p.id && !productRow(db, p.upsell.productId)) warnings.push(`The upsell's product ${p.upsell.productId} does not exist yet.`);
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO products (id, name, access, price_ids, modules, upsell, link_days, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET name = excluded.name, access = excluded.access, price_ids = excluded.price_ids, modules = excluded.modules,
       upsell = excluded.upsell, link_days = excluded.link_days, updated_at = excluded.updated_at`,
  ).run(p.id, p.name, p.access, JSON.stringify(p.priceIds), JSON.stringify(p.modules), p.upsell ? JSON.stringify(p.upsell) : null, p.linkDays, now, now);
  return warnings;
}

export function deleteProduct(db: Sqlite, id: string): void {
  if (!productRow(db, id)) throw new ApiError('not_found', `No product ${id} (see products.list).`);
  const n = (db.prepare('SELECT COUNT(*) AS n FROM product_grants WHERE product_id = ?').get(id) as { n: number }).n;
  if (n > 0) throw new ApiError('conflict', `The product ${id} has ${n} grant(s): it cannot be deleted. Revoke the grants (they are kept as a record) and remove its prices so it grants nothing new.`);
  db.prepare('DELETE FROM products WHERE id = ?').run(id);
}

/* ---------- grants ---------- */

export function grantRow(db: Sqlite, id: number): GrantRow | undefined {
  return db.prepare('SELECT * FROM product_grants WHERE id = ?').get(id) as GrantRow | undefined;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toGrant(db: Sqlite, g: GrantRow): Grant {
  const p = productRow(db, g.product_id);
  return {
    id: g.id,
    productId: g.product_id,
    productName: p?.name ?? g.product_id,
    contactId: g.contact_id,
    email: g.email,
    source: g.source,
    saleId: g.sale_id,
    status: g.status,
    licenseKey: g.license_key,
    grantedAt: new Date(g.granted_at).toISOString(),
    revokedAt: iso(g.revoked_at),
    revokeReason: g.revoke_reason,
    released: g.released,
    modules: p?.modules.length ?? 0,
    dripCompletedAt: iso(g.drip_completed_at),
    upsellSentAt: iso(g.upsell_sent_at),
  };
}

/** A license key: 4 groups of 5 characters from an alphabet without look-alikes (about 95 bits). */
export function newLicenseKey(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(20);
  let s = '';
  for (let i = 0; i < 20; i++) s += alphabet[(bytes[i] as number) % 32];
  return `${s.slice(0, 5)}-${s.slice(5, 10)}-${s.slice(10, 15)}-${s.slice(15, 20)}`;
}

export interface NewGrant {
  product: ProductValue;
  contactId: number | null;
  email: string;
  source: GrantRow['source'];
  saleId: string;
  customerId?: string | null;
  subscriptionId?: string | null;
  amountMinor?: number | null;
  currency?: string | null;
  importId?: string | null;
  at: number;
}

/**
 * The grant of a sale: made once per (product, source, sale id); a second call
 * (a redelivered webhook, a re-imported CSV) returns the existing one with
 * `created: false`. The caller owns the transaction.
 */
export function insertGrant(db: Sqlite, g: NewGrant): { row: GrantRow; created: boolean } {
  const had = db.prepare('SELECT * FROM product_grants WHERE product_id = ? AND source = ? AND sale_id = ?').get(g.product.id, g.source, g.saleId) as GrantRow | undefined;
  if (had) return { row: had, created: false };
  const key = g.product.access === 'license' ? newLicenseKey() : null;
  const r = db
    .prepare(
      `INSERT INTO product_grants (product_id, contact_id, email, source, sale_id, customer_id, subscription_id, amount_minor, currency, license_key, status, granted_at, import_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)`,
    )
    .run(g.product.id, g.contactId, g.email, g.source, g.saleId, g.customerId ?? null, g.subscriptionId ?? null, g.amountMinor ?? null, g.currency ?? null, key, g.at, g.importId ?? null);
  return { row: grantRow(db, Number(r.lastInsertRowid)) as GrantRow, created: true };
}

/** Revoke a grant (once: a revoked grant keeps its first reason). Returns whether it changed. */
export function revokeGrant(db: Sqlite, id: number, reason: string, at: number): boolean {
  return db.prepare(`UPDATE product_grants SET status = 'revoked', revoked_at = ?, revoke_reason = ? WHERE id = ? AND status = 'active'`).run(at, reason.slice(0, 500), id).changes > 0;
}

/** The data of access.* events for a grant. */
export function grantEventData(db: Sqlite, g: GrantRow): Record<string, unknown> {
  return {
    grantId: g.id,
    productId: g.product_id,
    productName: productRow(db, g.product_id)?.name ?? g.product_id,
    contactId: g.contact_id,
    email: g.email,
    source: g.source,
    saleId: g.sale_id,
    ...(g.import_id ? { importId: g.import_id } : {}),
  };
}

export function listGrants(db: Sqlite, q: { productId?: string | undefined; status?: string | undefined; search?: string | undefined; limit: number; offset: number }): { total: number; rows: Grant[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.productId) {
    where.push('product_id = ?');
    args.push(q.productId);
  }
  if (q.status) {
    where.push('status = ?');
    args.push(q.status);
  }
  if (q.search) {
    where.push("(email LIKE ? ESCAPE '\\' OR sale_id LIKE ? ESCAPE '\\' OR license_key = ?)");
    const like = `%${q.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    args.push(like, like, q.search.trim().toUpperCase());
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM product_grants ${w}`).get(...args) as { n: number }).n;
  const rows = db.prepare(`SELECT * FROM product_grants ${w} ORDER BY granted_at DESC, id DESC LIMIT ? OFFSET ?`).all(...args, q.limit, q.offset) as GrantRow[];
  return { total, rows: rows.map((g) => toGrant(db, g)) };
}

/** The grant of a license key, if any. */
export function grantByLicense(db: Sqlite, key: string): GrantRow | undefined {
  return db.prepare('SELECT * FROM product_grants WHERE license_key = ?').get(key.trim().toUpperCase()) as GrantRow | undefined;
}
