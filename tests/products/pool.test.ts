/**
 * The products nodes on the engine's Bree workers (the built files, as `baton
 * serve` runs them), with real timers and a real SMTP server: access.grant
 * grants in a worker, product.drip sends module 1 at once and module 2 when
 * its timer is due (seconds, by a fractional day offset), then waits for
 * module 3 (a day away) and wakes at once when the grant is revoked from the
 * API: branch "revoked", nothing more sent.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { EnvSecretStore } from '../../electron/core/secrets';
import { openTestCore } from '../helpers';
import { startSmtp } from '../support/smtp';

const built = resolve(__dirname, '../../out/main/jobs/dispatcher.js');
let install = '';
let jobsDir = '';

beforeAll(() => {
  if (!existsSync(built)) throw new Error('Build first (npx electron-vite build): this test runs the built worker files');
  install = join(mkdtempSync(join(tmpdir(), 'baton-products-pool-')), 'app');
  cpSync(resolve(__dirname, '../../out'), join(install, 'out'), { recursive: true });
  symlinkSync(resolve(__dirname, '../../node_modules'), join(install, 'node_modules'), 'dir');
  jobsDir = join(install, 'out', 'main', 'jobs');
});
afterAll(() => {
  if (install) rmSync(resolve(install, '..'), { recursive: true, force: true });
});

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('products nodes on the worker pool', () => {
  it('grant and drip run in a worker; a revoke wakes the waiting drip at once', { timeout: 180_000 }, async () => {
    const smtp = await startSmtp();
    const secrets = new EnvSecretStore({ BATON_SECRET_PRODUCT_LINK_KEY: ['pool', String(process.pid), 'z'.repeat(32)].join('-') }, 'tests');
    const t = await openTestCore({ host: 'server', secrets });
    const { core } = t;
    const engine = engineOf(core);
    engine.poolOptions = { jobsDir, workers: 1 };
    try {
      for (const [key, value] of Object.entries({ 'email.smtp.host': '127.0.0.1', 'email.smtp.port': smtp.port, 'email.from': 'owner@solo.test' })) await core.call('settings.set', { key, value });
      await core.call('products.save', {
        product: {
          id: 'kit',
          name: 'Starter kit',
          access: 'link',
          modules: [
            { title: 'Part 1', afterDays: 0 },
            { title: 'Part 2', afterDays: 0.00003 },
            { title: 'Part 3', afterDays: 1 },
          ],
        },
      });
      const c = await core.call('contacts.create', { email: 'buyer@pool.test' });
      await core.call('workflows.import', {
        definition: {
          id: 'deliver',
          name: 'Deliver',
          trigger: { type: 'manual' },
          nodes: [
            { id: 'grant', type: 'access.grant', params: { productId: 'kit', saleId: 'order-1', contactId: c.id } },
            { id: 'drip', type: 'product.drip', params: { grantId: '=steps.grant.grantId' } },
          ],
          edges: [{ from: 'grant', to: 'drip', branch: 'granted' }],
        },
      });
      await engine.start('pool');
      expect(engine.mode).toBe('pool');
      const t0 = Date.now();
      const { runId } = await core.call('runs.start', { workflow: 'deliver', input: {} });
      const msgs = await smtp.waitFor(2, 90_000);
      expect(msgs.map((m) => m.parsed.subject)).toEqual(['Starter kit: Part 1', 'Starter kit: Part 2']);
      // Part 2 waited for its timer (0.00003 days is about 2.6 s).
      const grant = (await core.call('products.grants.list', {})).rows[0]!;
      // (the Date header has whole seconds: at least 1.6 s after the grant.)
      expect(msgs[1]!.parsed.date!.getTime() - Date.parse(grant.grantedAt)).toBeGreaterThanOrEqual(1000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
      await until('the drip to wait for part 3', async () => (await core.call('runs.get', { id: runId })).steps.some((s) => s.nodeId === 'drip' && s.status === 'waiting' && String(s.waitingFor).startsWith('module 3 of 3')));
      await core.call('products.grants.revoke', { id: grant.id, reason: 'refund' });
      await until('the run to finish', async () => ['succeeded', 'failed'].includes((await core.call('runs.get', { id: runId })).status), 30_000);
      const run = await core.call('runs.get', { id: runId });
      expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
      expect(run.steps.find((s) => s.nodeId === 'drip')).toMatchObject({ branch: 'revoked', output: expect.objectContaining({ revoked: true, released: 2 }) });
      expect(smtp.messages).toHaveLength(2);
    } finally {
      await engine.stop();
      await t.cleanup();
      await smtp.close();
    }
  });
});
