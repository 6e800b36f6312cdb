/**
 * Products through the API on a real core: CSV sales import (papaparse,
 * column mapping, bad rows by line, dry run, re-import grants nothing twice),
 * product validation naming the field, manual grants and revocation, and a
 * canceled Stripe subscription revoking through the product-revoke-cancel
 * template.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api';
import { engineOf } from '../../electron/core/engine';
import { openTestCore } from '../helpers';
import { productsRig, type ProductsRig } from './rig';

let rig: ProductsRig | null = null;
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
  await cleanup?.();
  cleanup = null;
});

const CSV = [
  'Order ID,Buyer Email,Item,Buyer Name,Refunded',
  'G-1,ada@buyer.test,SEO course,Ada Lovelace,false',
  'G-2,grace@buyer.test,seo-course,,',
  'G-3,not-an-email,SEO course,,',
  ',bob@buyer.test,SEO course,,',
  'G-5,carl@buyer.test,Unknown thing,,',
  'G-6,dora@buyer.test,SEO course,,yes',
  '',
].join('\n');

async function core() {
  const t = await openTestCore();
  cleanup = t.cleanup;
  await t.core.call('products.save', { product: { id: 'seo-course', name: 'SEO course', access: 'link', modules: [{ title: 'Intro', afterDays: 0 }] } });
  return t.core;
}

describe('products: import, validation, manual grants', () => {
  it('a CSV of sales: dry run, then bad rows named by line and field, good rows granted once; a second import grants nothing', async () => {
    const c = await core();
    const mapping = { email: 'Buyer Email', saleId: 'Order ID', product: 'Item', name: 'Buyer Name', refunded: 'Refunded' };
    const dry = await c.call('products.import', { csv: CSV, mapping, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, rows: 6, granted: 2, duplicates: 0, skipped: 1 });
    expect((await c.call('products.grants.list', {})).total).toBe(0);
    const first = await c.call('products.import', { csv: CSV, mapping });
    expect(first).toMatchObject({ dryRun: false, rows: 6, granted: 2, duplicates: 0, skipped: 1 });
    expect(first.errors).toEqual([
      { line: 4, field: 'Buyer Email', message: '"not-an-email" is not an e-mail address' },
      { line: 5, field: 'Order ID', message: expect.stringContaining('the sale id is empty') },
      { line: 6, field: 'Item', message: 'no product "Unknown thing": use a product id or name from the Products page' },
    ]);
    const again = await c.call('products.import', { csv: CSV, mapping });
    expect(again).toMatchObject({ granted: 0, duplicates: 2, importId: null });
    const rows = (await c.call('products.grants.list', {})).rows;
    expect(rows.map((g) => [g.email, g.saleId, g.source]).sort()).toEqual([
      ['ada@buyer.test', 'G-1', 'csv'],
      ['grace@buyer.test', 'G-2', 'csv'],
    ]);
    // Contacts made for the buyers; one access.granted each, marked as imported.
    const ev = c.db.prepare(`SELECT json_extract(data, '$.importId') AS importId FROM events WHERE type = 'access.granted'`).all() as { importId: string }[];
    expect(ev.map((e) => e.importId)).toEqual([first.importId, first.importId]);
    expect((await c.call('contacts.list', { search: 'ada@buyer.test' })).rows[0]).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
  });

  it('bad input names the field and the fix, and stores nothing', async () => {
    const c = await core();
    const err = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e as ApiError;
      }
      throw new Error('expected an error');
    };
    const missing = await err(c.call('products.import', { csv: 'a,b\n1,2', mapping: { email: 'E-mail', saleId: 'a' }, productId: 'seo-course' }));
    expect(missing.message).toBe('The CSV has no column "E-mail" (mapping.email). Its columns: a, b.');
    const noProduct = await err(c.call('products.import', { csv: 'a,b\n1,2', mapping: { email: 'a', saleId: 'b' } }));
    expect(noProduct.issues).toEqual([expect.objectContaining({ path: 'productId', message: 'give productId, or map a product column (mapping.product)' })]);
    const bad = await err(c.call('products.save', { product: { id: 'Bad Id', name: '', access: 'pdf', priceIds: ['prod_1'], modules: [{ title: 'x', afterDays: -1 }] } as never }));
    expect(bad.code).toBe('invalid_input');
    expect(Object.fromEntries((bad.issues ?? []).map((i) => [i.path, i.message]))).toMatchObject({
      'product.id': 'use lower-case letters, digits and dashes, such as course-seo',
      'product.name': 'give the product a name',
      'product.access': 'use "license" (a license key) or "link" (signed magic links)',
      'product.priceIds.0': 'use a Stripe price id such as price_1Nx… (Billing lists the mirrored prices)',
      'product.modules.0.afterDays': 'afterDays cannot be negative',
    });
    expect((await c.call('products.list', {})).products.map((p) => p.id)).toEqual(['seo-course']);
    const w = await c.call('products.save', { product: { id: 'kit', name: 'Kit', access: 'license', priceIds: ['price_unknown1'] } });
    expect(w.warnings).toEqual([expect.stringContaining('The Stripe price price_unknown1 is not in the billing mirror yet')]);
  });

  it('a grant by hand: once per sale id; revoked with its reason; a product with grants cannot be deleted', async () => {
    const c = await core();
    const a = await c.call('products.grants.create', { productId: 'seo-course', email: 'Gift@Buyer.test', saleId: 'gift-1' });
    expect(a).toMatchObject({ created: true, grant: { email: 'gift@buyer.test', source: 'manual', status: 'active', licenseKey: null } });
    expect((await c.call('products.grants.create', { productId: 'seo-course', email: 'gift@buyer.test', saleId: 'gift-1' })).created).toBe(false);
    const r = await c.call('products.grants.revoke', { id: a.grant.id, reason: 'chargeback' });
    expect(r).toMatchObject({ status: 'revoked', revokeReason: 'chargeback' });
    await expect(c.call('products.grants.link', { id: a.grant.id })).rejects.toThrow(/revoked \(chargeback\)/);
    await expect(c.call('products.delete', { id: 'seo-course' })).rejects.toThrow(/has 1 grant\(s\): it cannot be deleted/);
  });

  it('a canceled subscription revokes the access its payment granted (product-revoke-cancel)', async () => {
    rig = await productsRig();
    const { core: c, stripe } = rig;
    const prod = stripe.product({ name: 'Membership' });
    const price = stripe.price({ product: prod.id, unitAmount: 2900 });
    const cu = stripe.customer({ email: 'member@buyer.test', name: 'Mia Member' });
    const sub = stripe.subscription({ customer: cu.id, price: price.id });
    await c.call('billing.reconcile', {});
    await c.call('products.save', { product: { id: 'membership', name: 'Membership', access: 'link', priceIds: [price.id] } });
    await c.call('templates.install', { ids: ['product-delivery', 'product-revoke-cancel'], enable: true });
    // A subscription invoice without lines: the subscription's price says which product.
    const inv = stripe.invoice({ customer: cu.id, subscription: sub.id, amount: 2900 });
    rig.advance(60_000);
    await rig.deliver(stripe.pay(inv.id));
    await engineOf(c).drain();
    expect((await c.call('products.grants.list', {})).rows).toEqual([expect.objectContaining({ productId: 'membership', status: 'active' })]);
    expect((await rig.smtp.waitFor(1))[0]!.parsed.subject).toBe('Your access to Membership');
    // Next month's renewal: the same grant, no second welcome.
    rig.advance(30 * 86_400_000);
    const renewal = stripe.invoice({ customer: cu.id, subscription: sub.id, amount: 2900 });
    await rig.deliver(stripe.pay(renewal.id));
    await engineOf(c).drain();
    expect((await c.call('products.grants.list', {})).total).toBe(1);
    const runs = (await c.call('runs.list', { workflow: 'product-delivery' })).runs;
    expect(runs).toHaveLength(2);
    const second = await c.call('runs.get', { id: runs.find((r) => r.id !== runs[runs.length - 1]!.id)!.id });
    expect([second.steps[0]!.branch, second.steps[0]!.output]).toEqual(['existing', expect.objectContaining({ created: false })]);
    expect(rig.smtp.messages).toHaveLength(1);
    rig.advance(60_000);
    await rig.deliver(stripe.updateSubscription(sub.id, { status: 'canceled' }));
    await engineOf(c).drain();
    expect((await c.call('products.grants.list', {})).rows).toEqual([expect.objectContaining({ status: 'revoked', revokeReason: 'subscription canceled' })]);
  });
});
