/**
 * `baton billing reconcile|status|kpi|invoices` as child processes of the BUILT
 * app (a private copy), against the local Stripe-compatible server: a missing
 * or wrong key exits non-zero naming STRIPE_SECRET_KEY with nothing stored; a
 * good key imports, and the commands show what was mirrored.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBuiltApp, runBaton, type BuiltApp } from '../support/built-app';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { tempDir } from '../helpers';

const KEY = ['sk', 'test', `cli${process.pid}abcdefgh`].join('_');
let app: BuiltApp;
let stripe: FakeStripe;
const tmp = tempDir('baton-billing-cli-');

beforeAll(async () => {
  app = copyBuiltApp('billing-cli');
  stripe = await startFakeStripe({ key: KEY });
  const prod = stripe.product({ name: 'Retainer' });
  const price = stripe.price({ product: prod.id, unitAmount: 30000 });
  const cu = stripe.customer({ email: 'ada@analytical.test', name: 'Ada' });
  const sub = stripe.subscription({ customer: cu.id, price: price.id });
  stripe.invoice({ customer: cu.id, subscription: sub.id, amount: 30000 });
}, 180_000);
afterAll(async () => {
  await stripe.close();
  app.remove();
  tmp.cleanup();
});

describe('baton billing', () => {
  it('reconcile without a key, then with a wrong one: exit 1 naming STRIPE_SECRET_KEY, nothing stored; with the key: imported', async () => {
    const data = join(tmp.dir, 'd');
    const set = await runBaton(app.bin, ['--data', data, 'settings', 'set', 'billing.apiUrl', JSON.stringify(stripe.url)]);
    expect(set.code, set.stderr).toBe(0);
    const none = await runBaton(app.bin, ['--data', data, 'billing', 'reconcile']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^baton: Stripe is not connected: no secret STRIPE_SECRET_KEY\. .*baton secrets set STRIPE_SECRET_KEY/);
    const wrong = await runBaton(app.bin, ['--data', data, '--json', 'billing', 'reconcile'], { BATON_SECRET_STRIPE_SECRET_KEY: 'sk_test_notTheKey0000' });
    expect(wrong.code).toBe(1);
    const err = JSON.parse(wrong.stderr) as { error: { code: string; message: string } };
    expect(err.error.code).toBe('unavailable');
    expect(err.error.message).toContain('Stripe refused the key in STRIPE_SECRET_KEY');
    expect(wrong.stderr).not.toContain('notTheKey0000');
    const db = new Database(join(data, 'baton.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT (SELECT COUNT(*) FROM billing_customers) + (SELECT COUNT(*) FROM billing_invoices) + (SELECT COUNT(*) FROM contacts) AS n').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }

    const ok = await runBaton(app.bin, ['--data', data, 'billing', 'reconcile'], { BATON_SECRET_STRIPE_SECRET_KEY: KEY });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^First import: 5 objects in [\d.]+ s \(1 customers, 1 products, 1 prices, 1 subscriptions, 1 invoices, 0 charges\)\./);
    const status = await runBaton(app.bin, ['--data', data, 'billing', 'status'], { BATON_SECRET_STRIPE_SECRET_KEY: KEY });
    expect(status.stdout).toContain('Stripe key (STRIPE_SECRET_KEY): stored (test)');
    expect(status.stdout).toContain('Webhook signing secret (STRIPE_WEBHOOK_SECRET): not stored');
    expect(status.stdout).toContain('/hooks/stripe');
    expect(status.stdout).not.toContain(KEY);
    const kpi = await runBaton(app.bin, ['--data', data, 'billing', 'kpi']);
    expect(kpi.stdout).toContain('USD: MRR 300.00');
    const inv = await runBaton(app.bin, ['--data', data, 'billing', 'invoices', '--status', 'open']);
    expect(inv.stdout).toMatch(/^in_\w+ {2}open {2}300\.00 USD {2}ada@analytical\.test {2}https:\/\/invoice\.stripe\.com\//);
  }, 120_000);
});
