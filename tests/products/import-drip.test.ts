/**
 * Imported sales and the drip (docs/products.md, "Starting the drip for
 * imported sales"): a real CSV import (papaparse, the column mapping) starts
 * nothing by default — no run, no e-mail — and says so; with startDrip the
 * dry run names the delivery workflow it will start and for how many sales,
 * the import starts one run of it per new grant (in the grant's transaction),
 * which delivers the imported grant like a live sale: the access e-mail with
 * the license key, module 1 at once, module 2 by the engine's durable timer,
 * over real SMTP, and no second (Stripe) grant. A re-import starts nothing;
 * startDrip without an enabled delivery workflow is refused, nothing stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api';
import { engineOf } from '../../electron/core/engine';
import { DAY, productsRig, type ProductsRig } from './rig';

let rig: ProductsRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const mapping = { email: 'Buyer Email', saleId: 'Order ID', name: 'Buyer Name' };
const csv = (...rows: string[]) => ['Order ID,Buyer Email,Buyer Name', ...rows, ''].join('\n');

async function setup(r: ProductsRig) {
  await r.core.call('products.save', {
    product: {
      id: 'seo-course',
      name: 'SEO course',
      access: 'license',
      modules: [
        { title: 'Module 1: keywords', afterDays: 0, url: 'https://course.test/m1' },
        { title: 'Module 2: content', afterDays: 2, url: 'https://course.test/m2' },
      ],
    },
  });
  await r.core.call('templates.install', { ids: ['product-delivery'], enable: true });
}

const deliveryRuns = (r: ProductsRig) => r.core.db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE workflow_id = 'product-delivery'`).get() as { n: number };

describe('products: imported sales start the drip only when the import asks', () => {
  it('off by default: grants, no run, no e-mail, and the answer says so', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    await setup(rig);
    const dry = await core.call('products.import', { csv: csv('G-1,ada@buyer.test,Ada Lovelace'), mapping, productId: 'seo-course', dryRun: true });
    expect(dry.drip).toMatchObject({ requested: false, started: 0, workflows: [{ id: 'product-delivery' }] });
    expect(dry.drip.summary).toMatch(/^Nothing will be e-mailed/);
    const r = await core.call('products.import', { csv: csv('G-1,ada@buyer.test,Ada Lovelace'), mapping, productId: 'seo-course' });
    expect(r).toMatchObject({ granted: 1, drip: { requested: false, started: 0 } });
    await engineOf(core).drain();
    rig.advance(3 * DAY);
    await engineOf(core).drain();
    expect(deliveryRuns(rig)).toEqual({ n: 0 });
    expect(smtp.messages).toHaveLength(0);
  });

  it('startDrip: the dry run names what will start; the import delivers each new sale like a live one, once', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    const engine = engineOf(core);
    await setup(rig);
    const file = csv('G-1,ada@buyer.test,Ada Lovelace', 'G-2,grace@buyer.test,Grace Hopper', 'G-3,not-mail,Bad Row');
    const dry = await core.call('products.import', { csv: file, mapping, productId: 'seo-course', dryRun: true, startDrip: true });
    expect(dry).toMatchObject({ granted: 2, drip: { requested: true, started: 0 } });
    expect(dry.drip.summary).toBe('This import will start "Products: grant access, drip the modules, then the upsell" for 2 sales, as for a live sale (SEO course: 2 sales, the access e-mail, 2 module e-mails over 2 days).');
    expect(deliveryRuns(rig)).toEqual({ n: 0 });

    const r = await core.call('products.import', { csv: file, mapping, productId: 'seo-course', startDrip: true });
    expect(r).toMatchObject({ granted: 2, errors: [{ line: 4 }], drip: { requested: true, started: 2 } });
    await engine.drain();
    const mails = await smtp.waitFor(4);
    const grants = (await core.call('products.grants.list', {})).rows;
    // Only the imported grants: the delivery made no second (Stripe) grant.
    expect(grants.map((g) => [g.email, g.source, g.saleId]).sort()).toEqual([
      ['ada@buyer.test', 'csv', 'G-1'],
      ['grace@buyer.test', 'csv', 'G-2'],
    ]);
    for (const g of grants) {
      const mine = mails.filter((m) => m.to[0] === g.email).map((m) => m.parsed);
      expect(mine.map((m) => m.subject)).toEqual(['Your access to SEO course', 'SEO course: Module 1: keywords']);
      expect(mine[0]!.text).toContain(g.licenseKey!);
    }
    // Module 2 by the durable timer, two days after the import.
    rig.advance(DAY);
    await engine.drain();
    expect(smtp.messages).toHaveLength(4);
    rig.advance(DAY);
    await engine.drain();
    expect((await smtp.waitFor(6)).slice(4).map((m) => m.parsed.subject)).toEqual(['SEO course: Module 2: content', 'SEO course: Module 2: content']);
    expect((await core.call('products.grants.list', {})).rows.map((g) => g.released)).toEqual([2, 2]);
    const runs = (await core.call('runs.list', { workflow: 'product-delivery' })).runs;
    expect(runs.map((x) => x.status)).toEqual(['succeeded', 'succeeded']);

    // The same file again: nothing granted, nothing started, nothing sent.
    const again = await core.call('products.import', { csv: file, mapping, productId: 'seo-course', startDrip: true });
    expect(again).toMatchObject({ granted: 0, duplicates: 2, drip: { started: 0 } });
    expect(again.drip.summary).toBe('No drip will start: this import grants no new sale.');
    rig.advance(DAY);
    await engine.drain();
    expect(deliveryRuns(rig)).toEqual({ n: 2 });
    expect(smtp.messages).toHaveLength(6);
  });

  it('startDrip without an enabled delivery workflow: refused naming startDrip, nothing stored', async () => {
    rig = await productsRig();
    const { core } = rig;
    await setup(rig);
    await core.call('workflows.disable', { id: 'product-delivery' });
    const dry = await core.call('products.import', { csv: csv('G-1,ada@buyer.test,Ada'), mapping, productId: 'seo-course', dryRun: true, startDrip: true });
    expect(dry.drip).toMatchObject({ requested: true, workflows: [] });
    expect(dry.drip.summary).toMatch(/^No drip can start: no enabled workflow delivers products/);
    const err = await core.call('products.import', { csv: csv('G-1,ada@buyer.test,Ada'), mapping, productId: 'seo-course', startDrip: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'invalid_input', issues: [{ path: 'startDrip' }] });
    expect((err as ApiError).message).toContain('product-delivery');
    expect((await core.call('products.grants.list', {})).total).toBe(0);
    expect(core.db.prepare(`SELECT COUNT(*) AS n FROM contacts`).get()).toEqual({ n: 0 });
  });
});
