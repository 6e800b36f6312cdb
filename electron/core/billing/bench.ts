/**
 * The billing benchmark driver, built as out/main/billing-bench.js and called by
 * bench/billing.mjs (`npm run bench`): the first reconcile of an account of
 * 50,000 Stripe objects (customers, subscriptions, invoices, charges) served by
 * the local Stripe-compatible server in a child process (Stripe is remote: its
 * work is not on Baton's thread), read with the real `stripe` client into a real
 * core (contacts linked, one transaction per page of 100), then a second
 * reconcile that finds nothing new.
 *
 * `node billing-bench.js --fake-stripe <customers> <key>` is that child: it
 * seeds the server and prints its URL and object count.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeStripe } from '../../../tests/support/fake-stripe';
import { openBaton } from '../index';
import { EnvSecretStore } from '../secrets';
import { reconcile } from './reconcile';

export interface BillingBenchResult {
  objects: number;
  seconds: number;
  perSec: number;
  contacts: number;
  /** A second reconcile: nothing new since the first. */
  againMs: number;
  rssMb: number;
}

/** Objects per customer in the seeded account: the customer, a subscription, 2 invoices, 2 charges. */
const PER_CUSTOMER = 6;

export async function runBillingBench(opts: { quick?: boolean; objects?: number } = {}): Promise<BillingBenchResult> {
  const target = opts.objects ?? (opts.quick ? 5_000 : 50_000);
  const customers = Math.ceil(target / PER_CUSTOMER);
  const key = 'sk_test_benchBenchBench0001';
  const child = fork(fileURLToPath(import.meta.url), ['--fake-stripe', String(customers), key], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const info = await new Promise<{ url: string; objects: number }>((ok, no) => {
    child.once('message', (m) => ok(m as { url: string; objects: number }));
    child.once('exit', (code) => no(new Error(`the fake Stripe server exited (${code})`)));
  });
  const dir = mkdtempSync(join(tmpdir(), 'baton-billing-bench-'));
  const core = await openBaton({ dataDir: dir, host: 'cli', secrets: new EnvSecretStore({ BATON_SECRET_STRIPE_SECRET_KEY: key }, 'bench'), logLevel: 'warn' });
  try {
    core.setSetting('billing.apiUrl', info.url);
    const t0 = performance.now();
    const r = await reconcile(core);
    const seconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await reconcile(core);
    const againMs = performance.now() - t1;
    const contacts = (core.db.prepare('SELECT COUNT(*) AS n FROM contacts').get() as { n: number }).n;
    return { objects: r.objects, seconds, perSec: r.objects / seconds, contacts, againMs, rssMb: process.memoryUsage().rss / 1024 / 1024 };
  } finally {
    await core.close();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

// The child: serve a seeded account until killed.
if (process.argv[2] === '--fake-stripe' && process.send) {
  const customers = Number(process.argv[3]);
  const stripe = await startFakeStripe({ key: process.argv[4] ?? 'sk_test_benchBenchBench0001' });
  const objects = stripe.seed({ customers });
  process.send({ url: stripe.url, objects });
}
