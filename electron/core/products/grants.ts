/**
 * Grants made on the main thread (by hand, CSV imports) and revocations from
 * the API: the grant, its contact and its access.* event in one transaction,
 * announced after the commit (crm/publish.ts).
 */
import { randomUUID } from 'node:crypto';
import { lazyRequire } from '../lazy';
import { ApiError, EMAIL_RE, normaliseEmail, type ImportMapping, type ImportResult } from '../../../shared/api';
import type { Core } from '../core';
import { afterCommit } from '../crm/publish';
import { newPending, storeOf, type CrmStore, type Pending } from '../crm/store';
import { emailDomain, isFreeMail } from '../crm/util';
import { grantEventData, grantRow, insertGrant, productByIdOrName, productRow, revokeGrant, type GrantRow, type ProductValue } from './store';

// Loaded on first use: a CSV import or export, not the start (docs/bench.md, "Memory and start").
const papa = lazyRequire<typeof import('papaparse')>('papaparse');

/** The live contact of an e-mail: found, else created (source "product"). */
function contactFor(crm: CrmStore, p: Pending, email: string, name: string | null, reason: 'import' | 'manual'): number {
  const had = crm.byEmail(email);
  if (had) return had.id;
  const [first, ...rest] = (name ?? '').trim().split(/\s+/);
  const domain = emailDomain(email);
  const w = crm.write(
    p,
    { fields: { email, firstName: first ? first.slice(0, 200) : null, lastName: rest.length ? rest.join(' ').slice(0, 200) : null, source: 'product' }, companyDomain: isFreeMail(domain) ? undefined : domain },
    { mode: 'create', reason, existing: null },
  );
  return w.id;
}

export function grantByHand(core: Core, i: { productId: string; email: string; saleId?: string | undefined; name?: string | undefined }): { row: GrantRow; created: boolean } {
  const product = productRow(core.db, i.productId);
  if (!product) throw new ApiError('not_found', `No product ${i.productId} (see products.list).`, [{ path: 'productId', message: 'no such product' }]);
  const email = normaliseEmail(i.email);
  const crm = storeOf(core);
  const p = newPending();
  const r = core.db.transaction(() => {
    const contactId = contactFor(crm, p, email, i.name ?? null, 'manual');
    const r = insertGrant(core.db, { product, contactId, email, source: 'manual', saleId: i.saleId ?? `manual:${randomUUID()}`, at: core.now() });
    if (r.created) crm.recordEvent(p, 'access.granted', contactId, new Date(core.now()).toISOString(), grantEventData(core.db, r.row));
    return r;
  })();
  afterCommit(core, p);
  core.bus.emit('products.changed', { productId: product.id });
  return r;
}

export function revokeByHand(core: Core, id: number, reason: string): GrantRow {
  const crm = storeOf(core);
  const p = newPending();
  core.db.transaction(() => {
    const g = grantRow(core.db, id);
    if (!g) throw new ApiError('not_found', `No grant ${id} (see products.grants.list).`);
    if (revokeGrant(core.db, id, reason, core.now()) && g.contact_id !== null) crm.recordEvent(p, 'access.revoked', g.contact_id, new Date(core.now()).toISOString(), { ...grantEventData(core.db, g), reason });
  })();
  afterCommit(core, p);
  const g = grantRow(core.db, id) as GrantRow;
  core.bus.emit('products.changed', { productId: g.product_id });
  return g;
}

const TRUE = /^(1|true|yes|y|refunded|refund|chargeback|canceled|cancelled)$/i;

/**
 * Sales exported from another platform (Gumroad, Podia, Teachable …): one
 * grant per row's product and sale id, never twice (an earlier import or the
 * same sale id again: counted as duplicates). Rows that cannot be granted are
 * named by line (the header is line 1) and field; the good rows are granted in
 * one transaction; a dry run writes nothing. Events carry importId: workflows
 * on access.granted skip them unless their trigger includes imported rows.
 */
export function importSales(core: Core, i: { csv: string; mapping: ImportMapping; productId?: string | undefined; dryRun: boolean }): ImportResult {
  const parsed = papa().parse<string[]>(i.csv.replace(/^\uFEFF/, ''), { header: false, skipEmptyLines: false });
  const rows = parsed.data;
  const header = (rows[0] ?? []).map((h) => String(h).trim());
  const errors: ImportResult['errors'] = [];
  const col = (field: keyof ImportMapping): number => {
    const name = i.mapping[field];
    if (name === undefined) return -1;
    const idx = header.findIndex((h) => h.toLowerCase() === name.trim().toLowerCase());
    if (idx < 0) throw new ApiError('invalid_input', `The CSV has no column "${name}" (mapping.${field}). Its columns: ${header.join(', ') || '(none)'}.`, [{ path: `mapping.${field}`, message: `no column "${name}"` }]);
    return idx;
  };
  const cEmail = col('email');
  const cSale = col('saleId');
  const cProduct = col('product');
  const cName = col('name');
  const cRefunded = col('refunded');
  const fixed = i.productId !== undefined ? productRow(core.db, i.productId) : undefined;
  if (i.productId !== undefined && !fixed) throw new ApiError('invalid_input', `No product ${i.productId}: create it on the Products page first (or map a product column).`, [{ path: 'productId', message: 'no such product' }]);

  const good: { line: number; product: ProductValue; email: string; saleId: string; name: string | null }[] = [];
  let skipped = 0;
  const seen = new Set<string>();
  let total = 0;
  rows.slice(1).forEach((cells, n) => {
    const line = n + 2;
    if (cells.every((c) => String(c).trim() === '')) return;
    total++;
    const cell = (c: number) => (c >= 0 ? String(cells[c] ?? '').trim() : '');
    if (cRefunded >= 0 && TRUE.test(cell(cRefunded))) {
      skipped++;
      return;
    }
    const email = normaliseEmail(cell(cEmail));
    if (!email || !EMAIL_RE.test(email) || email.length > 254) return void errors.push({ line, field: i.mapping.email, message: email ? `"${email}" is not an e-mail address` : 'the e-mail is empty' });
    const saleId = cell(cSale);
    if (!saleId) return void errors.push({ line, field: i.mapping.saleId, message: 'the sale id is empty: every row needs its order id (so a re-import grants nothing twice)' });
    if (saleId.length > 200) return void errors.push({ line, field: i.mapping.saleId, message: 'the sale id is longer than 200 characters' });
    let product = fixed;
    if (cProduct >= 0 && cell(cProduct)) {
      product = productByIdOrName(core.db, cell(cProduct));
      if (!product) return void errors.push({ line, field: i.mapping.product as string, message: `no product "${cell(cProduct)}": use a product id or name from the Products page` });
    }
    if (!product) return void errors.push({ line, field: i.mapping.product ?? 'productId', message: 'no product for this row: fill the product column or give productId' });
    const k = `${product.id}\u0000${saleId}`;
    if (seen.has(k)) return void errors.push({ line, field: i.mapping.saleId, message: `the sale ${saleId} of ${product.id} is on an earlier line of this file` });
    seen.add(k);
    good.push({ line, product, email, saleId, name: cName >= 0 ? cell(cName) || null : null });
  });

  const exists = core.db.prepare(`SELECT 1 FROM product_grants WHERE product_id = ? AND source = 'csv' AND sale_id = ?`);
  const duplicates = good.filter((g) => exists.get(g.product.id, g.saleId)).length;
  if (i.dryRun) return { dryRun: true, importId: null, rows: total, granted: good.length - duplicates, duplicates, skipped, errors };
  const importId = randomUUID();
  const crm = storeOf(core);
  const p = newPending();
  let granted = 0;
  core.db.transaction(() => {
    for (const g of good) {
      const contactId = contactFor(crm, p, g.email, g.name, 'import');
      const r = insertGrant(core.db, { product: g.product, contactId, email: g.email, source: 'csv', saleId: g.saleId, importId, at: core.now() });
      if (!r.created) continue;
      granted++;
      crm.recordEvent(p, 'access.granted', contactId, new Date(core.now()).toISOString(), grantEventData(core.db, r.row));
    }
  })();
  afterCommit(core, p);
  if (granted) core.bus.emit('products.changed', { productId: null });
  return { dryRun: false, importId: granted ? importId : null, rows: total, granted, duplicates, skipped, errors };
}
