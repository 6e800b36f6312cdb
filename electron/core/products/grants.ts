/**
 * Grants made on the main thread (by hand, CSV imports) and revocations from
 * the API: the grant, its contact and its access.* event in one transaction,
 * announced after the commit (crm/publish.ts).
 */
import { randomUUID } from 'node:crypto';
import { lazyRequire } from '../lazy';
import { ApiError, EMAIL_RE, normaliseEmail, type ImportDrip, type ImportMapping, type ImportResult } from '../../../shared/api';
import type { Core } from '../core';
import { afterCommit } from '../crm/publish';
import { engineOf } from '../engine';
import { loadDefinition } from '../engine/compile';
import type { Sqlite } from '../db/open';
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

/**
 * The delivery workflows an imported sale can start (docs/products.md): the
 * enabled workflows on payment.succeeded that grant (access.grant) and drip
 * (product.drip), as the product-delivery template does.
 */
export function deliveryWorkflows(db: Sqlite): { id: string; name: string; version: number }[] {
  const rows = db
    .prepare(`SELECT id, name, current_version AS version FROM workflows WHERE enabled = 1 AND trigger_type = 'event' AND trigger_key = 'payment.succeeded' ORDER BY name, id`)
    .all() as { id: string; name: string; version: number }[];
  return rows.filter((w) => {
    const types = new Set(loadDefinition(db, w.id, w.version).nodes.map((n) => n.type));
    return types.has('access.grant') && types.has('product.drip');
  });
}

const sales = (n: number) => `${n.toLocaleString('en-US')} sale${n === 1 ? '' : 's'}`;
const days = (d: number) => `${Number(d.toFixed(2))} day${d === 1 ? '' : 's'}`;

/** What the import starts, in one sentence (the dialog shows it before anything is written). */
function dripPlan(db: Sqlite, startDrip: boolean, fresh: { product: ProductValue }[]): Omit<ImportDrip, 'started'> {
  const workflows = deliveryWorkflows(db);
  const wf = workflows.map((w) => ({ id: w.id, name: w.name }));
  if (!startDrip) return { requested: false, workflows: wf, summary: 'Nothing will be e-mailed: the buyers get license keys and links, and no drip starts (tick "Start the drip" to deliver these sales like live ones).' };
  if (!workflows.length) return { requested: true, workflows: wf, summary: 'No drip can start: no enabled workflow delivers products (install and enable the template product-delivery, then import again, or import without "Start the drip").' };
  if (!fresh.length) return { requested: true, workflows: wf, summary: 'No drip will start: this import grants no new sale.' };
  const per = new Map<string, { product: ProductValue; n: number }>();
  for (const g of fresh) per.set(g.product.id, { product: g.product, n: (per.get(g.product.id)?.n ?? 0) + 1 });
  const what = [...per.values()].map(({ product: p, n }) => {
    const last = p.modules.reduce((m, x) => Math.max(m, x.afterDays), 0);
    const mods = p.modules.length ? `${p.modules.length} module e-mail${p.modules.length === 1 ? '' : 's'}${last > 0 ? ` over ${days(last)}` : ''}` : 'no module e-mails';
    return `${p.name}: ${sales(n)}, the access e-mail, ${mods}${p.upsell ? ', then its upsell' : ''}`;
  });
  return { requested: true, workflows: wf, summary: `This import will start ${workflows.map((w) => `"${w.name}"`).join(' and ')} for ${sales(fresh.length)}, as for a live sale (${what.join('; ')}).` };
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
export function importSales(core: Core, i: { csv: string; mapping: ImportMapping; productId?: string | undefined; dryRun: boolean; startDrip?: boolean | undefined }): ImportResult {
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
  const fresh = good.filter((g) => !exists.get(g.product.id, g.saleId));
  const duplicates = good.length - fresh.length;
  const startDrip = i.startDrip === true;
  const plan = dripPlan(core.db, startDrip, fresh);
  if (i.dryRun) return { dryRun: true, importId: null, rows: total, granted: fresh.length, duplicates, skipped, errors, drip: { ...plan, started: 0 } };
  // Asked to start the drip and nothing can: refused before anything is written (not a silent "granted, no e-mail").
  if (startDrip && fresh.length && !plan.workflows.length) throw new ApiError('invalid_input', `startDrip: ${plan.summary}`, [{ path: 'startDrip', message: 'no enabled workflow delivers products' }]);
  const importId = randomUUID();
  const crm = storeOf(core);
  const p = newPending();
  const engine = engineOf(core);
  let granted = 0;
  let started = 0;
  // The engine store's transaction (IMMEDIATE, on the same connection): the runs' run.updated go out after the commit.
  engine.store.tx(() => {
    for (const g of good) {
      const contactId = contactFor(crm, p, g.email, g.name, 'import');
      const r = insertGrant(core.db, { product: g.product, contactId, email: g.email, source: 'csv', saleId: g.saleId, importId, at: core.now() });
      if (!r.created) continue;
      granted++;
      crm.recordEvent(p, 'access.granted', contactId, new Date(core.now()).toISOString(), grantEventData(core.db, r.row));
      if (!startDrip) continue;
      // The delivery of a live sale, in the same transaction as the grant: a grant never loses its drip, and never gets two.
      for (const w of plan.workflows) {
        const run = engine.store.startRunTx({
          workflow: w.id,
          input: {
            contactId,
            email: g.email,
            name: g.name,
            customerId: null,
            invoiceId: null,
            subscriptionId: null,
            saleId: g.saleId,
            priceIds: g.product.priceIds,
            grantId: r.row.id,
            productId: g.product.id,
            source: 'csv',
            importId,
          },
          trigger: { type: 'api', detail: { source: 'products.import', importId, grantId: r.row.id } },
          idempotencyKey: `products.import:${r.row.id}:${w.id}`,
          subject: String(contactId),
        });
        if (!run.deduplicated) started++;
      }
    }
  });
  afterCommit(core, p);
  if (started) engine.wake();
  if (granted) core.bus.emit('products.changed', { productId: null });
  return { dryRun: false, importId: granted ? importId : null, rows: total, granted, duplicates, skipped, errors, drip: { ...plan, started } };
}
