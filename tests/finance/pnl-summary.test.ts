/**
 * The P&L reads whole months from the monthly summary (finance_monthly), kept by
 * FinanceStore.write in the same transaction as every write of a transaction. On a real core
 * (SQLite file), after imports, re-imports and overlapping exports, rules added and deleted
 * (re-categorising), manual edits (one refused and rolled back) and deletes: the summary equals
 * the GROUP BY of the raw rows, and finance.pnl equals the P&L summed over the raw rows; the
 * migration's backfill builds the same summary; a write outside FinanceStore.write is refused.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { pnl } from '../../electron/core/finance/pnl';
import { financeStoreOf } from '../../electron/core/finance/store';
import { openTestCore } from '../helpers';

let t: Awaited<ReturnType<typeof openTestCore>> | null = null;
afterEach(async () => {
  await t?.cleanup();
  t = null;
});

const CSV = (rows: string[]) => ['Date,Description,Amount,Currency', ...rows].join('\n');
const JAN = CSV([
  '2025-01-03,ADOBE CREATIVE CLOUD,-59.99,USD',
  '2025-01-05,Acme Corp retainer,1500.00,USD',
  '2025-01-05,Acme Corp retainer,1500.00,USD',
  '2025-01-09,Coffee,-4.50,USD',
  '2025-01-20,Refund from AWS,12.00,USD',
  '2025-01-21,AWS EMEA,-80.00,USD',
  '2025-01-28,Berlin hotel,-210.00,EUR',
  '2025-01-30,Stripe payout,900.00,USD',
  '2025-01-31,Zero fee line,0.00,USD',
]);
// Overlaps January's last days, adds February and March.
const FEB = CSV([
  '2025-01-30,Stripe payout,900.00,USD',
  '2025-01-31,Zero fee line,0.00,USD',
  '2025-02-02,ADOBE CREATIVE CLOUD,-59.99,USD',
  '2025-02-14,Globex project,2400.00,USD',
  '2025-02-15,AWS EMEA,-81.20,USD',
  '2025-02-20,Client dinner,-95.00,GBP',
  '2025-03-01,Acme Corp retainer,1500.00,USD',
]);

/** The summary must be exactly the GROUP BY of the rows. */
function rawSummary(core: Core) {
  return core.db
    .prepare(
      `SELECT currency, substr(date, 1, 7) AS month, COALESCE(category, '') AS category, COALESCE(client, '') AS client, amount > 0 AS positive, SUM(amount) AS amount, COUNT(*) AS n
       FROM finance_transactions GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
    )
    .all();
}
const summary = (core: Core) => core.db.prepare('SELECT currency, month, category, client, positive, amount, n FROM finance_monthly ORDER BY 1, 2, 3, 4, 5').all();

async function expectConsistent(core: Core, what: string) {
  expect(summary(core), what).toEqual(rawSummary(core));
  for (const currency of ['USD', 'EUR', 'GBP']) {
    // finance.pnl (whole months: the summary) against the same P&L summed over the raw rows (a range of days).
    const fromSummary = await core.call('finance.pnl', { from: '2025-01', to: '2025-03', currency });
    const fromRows = pnl(core, { from: '2025-01', to: '2025-03', currency, days: { from: '2025-01-01', to: '2025-03-31' } });
    expect(fromSummary, `${what} (${currency})`).toEqual(fromRows);
  }
}

describe('the P&L summary', () => {
  it('always equals the raw rows: imports, re-imports, rule changes, edits and deletes', async () => {
    t = await openTestCore();
    const { core } = t;
    core.setSetting('finance.currency', 'USD');
    const acme = await core.call('contacts.create', { email: 'ada@acme.test', companyDomain: 'acme.test' });
    const client = `company:${acme.companyId}`;
    await core.call('finance.rules.add', { contains: 'adobe', category: 'Software', kind: 'expense' });
    await core.call('finance.rules.add', { contains: 'Acme Corp', category: 'Retainers', kind: 'income', client });
    await core.call('finance.rules.add', { contains: 'Stripe payout', category: 'Transfers', kind: 'excluded' });

    const first = await core.call('finance.import', { source: 'Checking', csv: JAN });
    expect(first.imported).toBe(9);
    await expectConsistent(core, 'after the first import');
    const p = await core.call('finance.pnl', { from: '2025-01', to: '2025-03' });
    expect(p.months[0]).toMatchObject({ month: '2025-01', imported: 3012, expenses: 144.49 });
    expect(p.otherCurrencies).toEqual([{ currency: 'EUR', transactions: 1, income: 0, expenses: 210 }]);
    expect(p.excluded).toBe(900);

    // The same file again adds nothing; an overlapping export adds its new rows only.
    expect((await core.call('finance.import', { source: 'Checking', csv: JAN })).imported).toBe(0);
    expect((await core.call('finance.import', { source: 'Checking', csv: FEB })).imported).toBe(5);
    await expectConsistent(core, 'after re-imports');

    // Rules change: rows move between categories and clients.
    const aws = await core.call('finance.rules.add', { contains: 'AWS', category: 'Hosting', kind: 'expense', position: 1 });
    await core.call('finance.rules.add', { contains: 'Globex', category: 'Projects', kind: 'income', client });
    await expectConsistent(core, 'after rules were added');
    expect((await core.call('finance.pnl', { from: '2025-01', to: '2025-03' })).categories.find((c) => c.category === 'Hosting')).toMatchObject({ transactions: 3 });
    await core.call('finance.rules.delete', { id: aws.rule.id });
    await expectConsistent(core, 'after a rule was deleted');
    await core.call('finance.categories.set', { name: 'Software', kind: 'excluded' });
    await expectConsistent(core, 'after a category changed its kind');

    // Manual edits; one naming a missing row is refused and changes nothing.
    const list = await core.call('finance.transactions.list', { from: '2025-01-01', to: '2025-03-31', limit: 100 });
    const coffee = list.rows.find((r) => r.description === 'Coffee')!;
    const hotel = list.rows.find((r) => r.description === 'Berlin hotel')!;
    await core.call('finance.categories.set', { name: 'Travel', kind: 'expense' });
    await core.call('finance.transactions.update', { ids: [coffee.id, hotel.id], category: 'Travel', client });
    await expectConsistent(core, 'after a manual edit');
    const before = summary(core);
    await expect(core.call('finance.transactions.update', { ids: [coffee.id, 999_999], category: null })).rejects.toThrow(/ids: no transaction 999999 \(nothing was changed\)/);
    expect(summary(core)).toEqual(before);
    await core.call('finance.transactions.update', { ids: [coffee.id], category: null, client: null });
    await expectConsistent(core, 'after a category and client were cleared');

    // Deletes, through the one write path.
    const st = financeStoreOf(core);
    st.write(() => {
      expect(st.deleteTransaction(coffee.id)).toBe(true);
      expect(st.deleteTransaction(hotel.id)).toBe(true);
      expect(st.deleteTransaction(999_999)).toBe(false);
    });
    await expectConsistent(core, 'after deletes');
    // A write that throws leaves rows and summary as they were.
    const rows = rawSummary(core);
    expect(() =>
      st.write(() => {
        st.deleteTransaction(list.rows.find((r) => r.description === 'Globex project')!.id);
        throw new Error('stop');
      }),
    ).toThrow('stop');
    expect(rawSummary(core)).toEqual(rows);
    await expectConsistent(core, 'after a write that failed');
    // No write outside it.
    expect(() => st.deleteTransaction(list.rows[0]!.id)).toThrow(/only change inside FinanceStore\.write/);

    // The migration's backfill builds the same summary from the rows.
    const migration = readFileSync(join(resolve(import.meta.dirname, '../..'), 'resources/migrations/0028_finance_monthly.sql'), 'utf8').split('--> statement-breakpoint');
    const kept = summary(core);
    core.db.exec('DELETE FROM finance_monthly');
    core.db.exec(migration[migration.length - 1]!);
    expect(summary(core)).toEqual(kept);
  }, 120_000);
});
