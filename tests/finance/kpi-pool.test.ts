/**
 * kpi.read on the engine's Bree workers (the built files, as `baton serve`
 * runs them): the node reads the CRM, billing, finance and engine tables from
 * a worker thread's own connection and gets the numbers the main thread's
 * operations give and the stored rows hold.
 */
import { describe, expect, it } from 'vitest';
import { engineOf } from '../../electron/core/engine';
import { openTestCore } from '../helpers';
import { builtPool, until } from '../support/pool';

const pool = builtPool('baton-kpi-pool-');

describe('kpi.read on the worker pool', () => {
  it('reads in a worker thread what the operations read in the main thread', { timeout: 90_000 }, async () => {
    const t = await openTestCore({ host: 'server' });
    const engine = engineOf(t.core);
    engine.poolOptions = { jobsDir: pool.jobsDir, workers: 1 };
    await engine.start('pool');
    expect(engine.mode).toBe('pool');
    const { core } = t;
    try {
      await core.call('contacts.create', { email: 'pool1@example.com' });
      await core.call('contacts.create', { email: 'pool2@example.com' });
      await core.call('contacts.create', { email: 'pool3@example.com' });
      // A bank export with money in and out this week, in the books' currency (the setting finance.currency,
      // read by the worker too); the kpis read the same UTC days as the dashboard.
      await core.call('settings.set', { key: 'finance.currency', value: 'EUR' });
      const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
      const csv = `Date,Description,Amount\n${day(1)},Client ACME retainer,1200.00\n${day(2)},Hosting,-45.50\n${day(3)},Design tools,-19.99\n`;
      expect((await core.call('finance.import', { source: 'Checking', csv, mapping: { date: 'Date', description: 'Description', amount: 'Amount' }, currency: 'EUR' })).imported).toBe(3);
      const KPIS = ['newLeads', 'income', 'expenses', 'profit', 'runsFailed', 'pendingApprovals'] as const;
      await core.call('workflows.import', {
        definition: { id: 'read-kpis', name: 'Read KPIs', trigger: { type: 'manual' }, nodes: [{ id: 'read', type: 'kpi.read', params: { period: 'last7Days', timeZone: 'UTC', kpis: [...KPIS] } }], edges: [] },
      });
      const expected = await core.call('kpi.summary', { period: 'last7Days', timeZone: 'UTC', kpis: [...KPIS] });
      const { runId } = await core.call('runs.start', { workflow: 'read-kpis', input: {} });
      await until('the run to finish', async () => ['succeeded', 'failed'].includes((await core.call('runs.get', { id: runId })).status));
      const run = await core.call('runs.get', { id: runId });
      expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
      const out = run.steps.find((s) => s.nodeId === 'read')!.output as typeof expected;
      expect(out.range).toEqual(expected.range);
      // What the worker read is what the stored rows hold.
      const sum = (sql: string) => (core.db.prepare(sql).get(out.range.from, out.range.to) as { n: number }).n;
      const byId = Object.fromEntries(out.kpis.map((k) => [k.id, k.value]));
      expect(byId.newLeads).toBe(sum(`SELECT COALESCE(SUM(value), 0) AS n FROM kpi_daily WHERE metric = 'reached_lead' AND day BETWEEN ? AND ?`));
      expect(byId.newLeads).toBeGreaterThanOrEqual(3);
      expect(byId.income).toBe(sum(`SELECT COALESCE(SUM(amount), 0) / 100.0 AS n FROM finance_transactions WHERE amount > 0 AND currency = 'EUR' AND date BETWEEN ? AND ?`));
      expect(byId.income).toBe(1200);
      expect(byId.expenses).toBeCloseTo(65.49, 2);
      expect(byId.profit).toBeCloseTo(1200 - 65.49, 2);
      expect(byId.pendingApprovals).toBe(0);
      // The run that read them is still running when it reads: every tile reads the same as the main thread.
      expect(out.kpis.map((k) => [k.id, k.value, k.previous])).toEqual(expected.kpis.map((k) => [k.id, k.value, k.previous]));
    } finally {
      await t.cleanup();
    }
  });
});
