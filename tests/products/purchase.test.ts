/**
 * Products on real events: a Stripe payment webhook (signed with the stripe
 * package's helper, over real HTTP) for a product's price -> the
 * product-delivery template grants access once (a redelivery grants nothing)
 * -> the welcome e-mail and module 1 arrive over real SMTP -> later modules by
 * the engine's durable timers -> a full refund (product-revoke-refund) revokes:
 * the license check and the magic link fail at once, no more drip e-mail.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { startServer } from '../../electron/server';
import { DAY, productsRig, type ProductsRig } from './rig';

let rig: ProductsRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

async function setup(r: ProductsRig, opts: { upsell?: boolean } = {}) {
  const s = r.stripe;
  const prod = s.product({ name: 'SEO course' });
  const price = s.price({ product: prod.id, unitAmount: 19900, interval: null });
  const cu = s.customer({ email: 'ada@buyer.test', name: 'Ada Lovelace' });
  await r.core.call('billing.reconcile', {});
  const saved = await r.core.call('products.save', {
    product: {
      id: 'seo-course',
      name: 'SEO course',
      access: 'license',
      priceIds: [price.id],
      modules: [
        { title: 'Module 1: keywords', afterDays: 0, url: 'https://course.test/m1' },
        { title: 'Module 2: content', afterDays: 2, url: 'https://course.test/m2' },
        { title: 'Module 3: links', afterDays: 4, note: 'The last one.' },
      ],
      upsell: opts.upsell ? { afterDays: 3, subject: 'Next step: the SEO masterclass', html: '<p>Hi {{ contact.first_name }}, you finished {{ vars.product }}. <a href="{{ vars.offer_url }}">See the masterclass</a></p>', url: 'https://course.test/master' } : null,
    },
  });
  expect(saved.warnings).toEqual([]);
  expect(saved.product.prices).toEqual([{ id: price.id, product: 'SEO course', amountText: '199.00 USD' }]);
  const inst = await r.core.call('templates.install', { ids: ['product-delivery', 'product-revoke-refund'], enable: true });
  expect(inst.installed.map((x) => x.enabled)).toEqual([true, true]);
  return { cu, price };
}

/** The buyer pays: charge.succeeded and invoice.paid delivered (the paid invoice bills the product's price). */
async function buy(r: ProductsRig, cu: { id: string }, price: { id: string }) {
  const inv = r.stripe.invoice({ customer: cu.id, price: price.id, amount: 19900 });
  r.advance(60_000);
  const paid = r.stripe.pay(inv.id);
  expect((await r.deliver(r.stripe.lastEvent('charge.succeeded'))).status).toBe(200);
  expect((await r.deliver(paid)).body).toMatchObject({ recorded: 1 });
  const charge = (r.stripe.lastEvent('charge.succeeded').data.object as { id: string }).id;
  return { inv, paid, charge };
}

const verify = async (r: ProductsRig, body: unknown) => {
  const res = await fetch(r.url('/license/verify'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('products: purchase -> grant -> drip -> refund', () => {
  it('grants once per sale, drips by the timers, and a refund revokes license, links and drip at once', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    const engine = engineOf(core);
    const { cu, price } = await setup(rig);
    const { paid, charge } = await buy(rig, cu, price);
    // Stripe redelivers the same event: nothing is granted twice.
    expect((await rig.deliver(paid)).status).toBe(200);
    await engine.drain();

    const grants = await core.call('products.grants.list', {});
    expect(grants.total).toBe(1);
    const g = grants.rows[0]!;
    expect(g).toMatchObject({ productId: 'seo-course', email: 'ada@buyer.test', source: 'stripe', status: 'active', released: 1, modules: 3 });
    expect(g.licenseKey).toMatch(/^[A-Z2-9]{5}(-[A-Z2-9]{5}){3}$/);

    const [welcome, m1] = await smtp.waitFor(2);
    expect(welcome!.to).toEqual(['ada@buyer.test']);
    expect(welcome!.parsed.subject).toBe('Your access to SEO course');
    expect(welcome!.parsed.text).toContain(g.licenseKey!);
    expect(m1!.parsed.subject).toBe('SEO course: Module 1: keywords');
    const link = /(http:\/\/[^\s"<>]+\/access\/[A-Za-z0-9._-]+)\/1\b/.exec(m1!.parsed.text ?? '')?.[1];
    expect(link, m1!.parsed.text).toBeTruthy();

    // The license key and the magic link work, over real HTTP.
    expect(await verify(rig, { key: g.licenseKey!.toLowerCase(), productId: 'seo-course' })).toEqual({ status: 200, body: { valid: true, reason: null, productId: 'seo-course', grantedAt: g.grantedAt } });
    expect((await verify(rig, { key: g.licenseKey, productId: 'other' })).body).toMatchObject({ valid: false, reason: 'wrong_product' });
    expect((await verify(rig, { key: 'AAAAA-BBBBB-CCCCC-DDDDD' })).body).toMatchObject({ valid: false, reason: 'unknown' });
    expect(await verify(rig, { nokey: 1 })).toEqual({ status: 400, body: { error: expect.stringContaining('give "key"') } });
    const pageRes = await fetch(link!);
    expect(pageRes.status).toBe(200);
    const html = await pageRes.text();
    expect(html).toContain('Module 1: keywords');
    expect(html).toContain('Module 2: content (from 2026-03-04)');
    const open1 = await fetch(`${link}/1`, { redirect: 'manual' });
    expect([open1.status, open1.headers.get('location')]).toEqual([302, 'https://course.test/m1']);
    expect((await fetch(`${link}/2`, { redirect: 'manual' })).status).toBe(403);
    const tampered = link!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetch(tampered)).status).toBe(404);

    // Day 1: nothing; day 2: module 2 (the durable timer).
    rig.advance(DAY);
    await engine.drain();
    expect(smtp.messages).toHaveLength(2);
    rig.advance(DAY);
    await engine.drain();
    expect((await smtp.waitFor(3))[2]!.parsed.subject).toBe('SEO course: Module 2: content');
    expect((await fetch(`${link}/2`, { redirect: 'manual' })).status).toBe(302);

    // A full refund: access revoked (reason stored), the key and the link fail at once, no more modules.
    rig.advance(60_000);
    expect((await rig.deliver(rig.stripe.refund(charge))).body).toMatchObject({ recorded: 1 });
    await engine.drain();
    const after = (await core.call('products.grants.list', {})).rows[0]!;
    expect(after).toMatchObject({ status: 'revoked', revokeReason: 'refund', released: 2 });
    expect((await verify(rig, { key: g.licenseKey })).body).toMatchObject({ valid: false, reason: 'revoked' });
    expect((await fetch(link!)).status).toBe(403);
    expect((await fetch(`${link}/1`, { redirect: 'manual' })).status).toBe(403);
    rig.advance(10 * DAY);
    await engine.drain();
    expect(smtp.messages).toHaveLength(3);
    const runs = (await core.call('runs.list', { workflow: 'product-delivery' })).runs;
    expect(runs).toHaveLength(1);
    const run = await core.call('runs.get', { id: runs[0]!.id });
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.nodeId === 'drip')!.output).toMatchObject({ revoked: true, released: 2 });
    const types = (core.db.prepare(`SELECT type FROM events WHERE type LIKE 'access.%' OR type LIKE 'product.%' ORDER BY id`).all() as { type: string }[]).map((r) => r.type);
    expect(types).toEqual(['access.granted', 'product.module_released', 'product.module_released', 'access.revoked']);
  });

  it('a buyer who completes the drip gets the upsell after its delay, in the send window, once', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    const engine = engineOf(core);
    const { cu, price } = await setup(rig, { upsell: true });
    await buy(rig, cu, price);
    await engine.drain();
    await smtp.waitFor(2);
    for (let d = 0; d < 4; d++) {
      rig.advance(DAY);
      await engine.drain();
    }
    // Day 4 (Friday): module 3; the drip is complete.
    expect((await smtp.waitFor(4)).map((m) => m.parsed.subject).slice(2)).toEqual(['SEO course: Module 2: content', 'SEO course: Module 3: links']);
    const g = (await core.call('products.grants.list', {})).rows[0]!;
    expect(g.dripCompletedAt).not.toBeNull();
    expect(g.upsellSentAt).toBeNull();
    // 3 days later is Monday 10:00 (in the window): the upsell, with an unsubscribe link (an offer is marketing).
    rig.advance(3 * DAY);
    await engine.drain();
    const up = (await smtp.waitFor(5))[4]!;
    expect(up.parsed.subject).toBe('Next step: the SEO masterclass');
    expect(up.parsed.html).toContain('https://course.test/master');
    expect(up.header('list-unsubscribe')).not.toBe('');
    // Module 1's link (sent on day 0, valid 30 days) has expired 37 days later; a fresh one works.
    const link1 = /(http:\/\/[^\s"<>]+\/access\/[A-Za-z0-9._-]+)\/1\b/.exec(smtp.messages[1]!.parsed.text ?? '')![1]!;
    expect((await fetch(link1)).status).toBe(200);
    rig.advance(30 * DAY);
    await engine.drain();
    expect(smtp.messages).toHaveLength(5);
    expect((await core.call('products.grants.list', {})).rows[0]!.upsellSentAt).not.toBeNull();
    const expired = await fetch(link1);
    expect([expired.status, await expired.text()]).toEqual([410, expect.stringContaining('This link has expired')]);
    const fresh = await core.call('products.grants.link', { id: g.id });
    expect((await fetch(`${fresh.url}/3`)).status).toBe(200);
  });

  it('no upsell to a buyer who already has the offered product', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    const engine = engineOf(core);
    const { cu, price } = await setup(rig, { upsell: true });
    const { id, name, access, priceIds, modules, upsell, linkDays } = await core.call('products.get', { id: 'seo-course' });
    await core.call('products.save', { product: { id: 'masterclass', name: 'Masterclass', access: 'link' } });
    await core.call('products.save', { product: { id, name, access, priceIds, modules, linkDays, upsell: { ...upsell!, productId: 'masterclass' } } });
    await core.call('products.grants.create', { productId: 'masterclass', email: 'ada@buyer.test', saleId: 'earlier' });
    await buy(rig, cu, price);
    for (let d = 0; d < 10; d++) {
      await engine.drain();
      rig.advance(DAY);
    }
    await engine.drain();
    expect(smtp.messages.map((m) => m.parsed.subject)).toEqual(['Your access to SEO course', 'SEO course: Module 1: keywords', 'SEO course: Module 2: content', 'SEO course: Module 3: links']);
    const run = (await core.call('runs.list', { workflow: 'product-delivery' })).runs[0]!;
    expect((await core.call('runs.get', { id: run.id })).steps.find((s) => s.nodeId === 'drip')!.output).toMatchObject({ upsell: { sent: false, reason: 'already has masterclass' } });
  });

  it('a suppressed buyer gets access but no e-mail: the drip still releases (sent: false) and the key works', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    const { cu, price } = await setup(rig);
    await core.call('email.suppressions.add', { email: 'ada@buyer.test', reason: 'manual' });
    await buy(rig, cu, price);
    for (let d = 0; d < 5; d++) {
      await engineOf(core).drain();
      rig.advance(DAY);
    }
    await engineOf(core).drain();
    expect(smtp.messages).toHaveLength(0);
    const g = (await core.call('products.grants.list', {})).rows[0]!;
    expect(g).toMatchObject({ status: 'active', released: 3 });
    expect((await verify(rig, { key: g.licenseKey })).body).toMatchObject({ valid: true });
    const sent = core.db.prepare(`SELECT json_extract(data, '$.sent') AS sent FROM events WHERE type = 'product.module_released'`).all() as { sent: number }[];
    expect(sent.map((r) => r.sent)).toEqual([0, 0, 0]);
  });

  it('a payment for a price no product uses grants nothing', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    const { cu } = await setup(rig);
    const other = rig.stripe.price({ product: rig.stripe.product({ name: 'Consulting' }).id, unitAmount: 5000, interval: null });
    await buy(rig, cu, other);
    await engineOf(core).drain();
    expect((await core.call('products.grants.list', {})).total).toBe(0);
    const run = (await core.call('runs.list', { workflow: 'product-delivery' })).runs[0]!;
    const steps = (await core.call('runs.get', { id: run.id })).steps;
    expect(steps.find((s) => s.nodeId === 'grant')!.output).toMatchObject({ granted: false, reason: `no product is sold through ${other.id}` });
    expect(steps.filter((s) => s.status === 'succeeded').map((s) => s.nodeId)).toEqual(['grant']);
    expect(smtp.messages).toHaveLength(0);
  });
});

describe('products: drip as marketing', () => {
  it('kind "marketing" honours the per-contact frequency cap: the third module of the day waits for the next day', async () => {
    rig = await productsRig();
    const { core, smtp } = rig;
    const engine = engineOf(core);
    await core.call('settings.set', { key: 'email.frequencyCap', value: 2 });
    await core.call('products.save', { product: { id: 'tips', name: 'Tips', access: 'link', modules: [1, 2, 3].map((n) => ({ title: `Tip ${n}`, afterDays: 0 })) } });
    const c = await core.call('contacts.create', { email: 'reader@buyer.test' });
    await core.call('workflows.import', {
      definition: {
        id: 'tips',
        name: 'Tips',
        trigger: { type: 'manual' },
        nodes: [
          { id: 'grant', type: 'access.grant', params: { productId: 'tips', saleId: 'T-1', contactId: c.id } },
          { id: 'drip', type: 'product.drip', params: { grantId: '=steps.grant.grantId', kind: 'marketing' } },
        ],
        edges: [{ from: 'grant', to: 'drip', branch: 'granted' }],
      },
    });
    const { runId } = await core.call('runs.start', { workflow: 'tips', input: {} });
    await engine.drain();
    expect((await smtp.waitFor(2)).map((m) => m.parsed.subject)).toEqual(['Tips: Tip 1', 'Tips: Tip 2']);
    expect(smtp.messages[0]!.header('list-unsubscribe')).not.toBe('');
    const waiting = (await core.call('runs.get', { id: runId })).steps.find((s) => s.nodeId === 'drip')!;
    expect([waiting.status, waiting.waitingFor]).toEqual(['waiting', expect.stringContaining('frequency cap: module 3')]);
    rig.advance(DAY + 60_000);
    await engine.drain();
    expect((await smtp.waitFor(3))[2]!.parsed.subject).toBe('Tips: Tip 3');
    expect((await core.call('runs.get', { id: runId })).status).toBe('succeeded');
  });
});

describe('products: public routes', () => {
  it('the license check is rate limited per address (429 with Retry-After), and refuses other methods and bodies', async () => {
    rig = await productsRig();
    // Visitors reach Baton through a tunnel or proxy on this machine: told apart by X-Forwarded-For (trustProxy).
    const proxied = await startServer(rig.core, { port: 0, closeCore: false, trustProxy: true });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    try {
      const guess = async (ip: string, i: number) => {
        const res = await fetch(new URL('license/verify', proxied.url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ key: `GUESS-${i}` }) });
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
        await res.arrayBuffer();
        return res.status;
      };
      for (let i = 0; i < 12; i++) statuses.push(await guess('203.0.113.7', i));
      // Another visitor has a budget of its own.
      expect(await guess('198.51.100.9', 99)).toBe(200);
    } finally {
      await proxied.close();
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const get = await fetch(rig.url('/access/not-a-token'));
    expect(get.status).toBe(404);
    expect(await get.text()).toContain('This link is not valid');
    const xml = await fetch(rig.url('/license/verify'), { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<key/>' });
    expect(xml.status).toBe(415);
  });
});
