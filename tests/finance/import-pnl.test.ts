/**
 * Finance through the real core on a temp SQLite file: a bank CSV imported
 * (bad rows with their lines, good rows once, the mapping remembered for the
 * source), category rules, income from a real billing reconcile (the real
 * `stripe` client against the local Stripe-compatible server), and the
 * monthly P&L and profit per client computed from the stored rows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { billingRig, type BillingRig } from '../billing/rig';

let rig: BillingRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

// A European bank export: ";" separated, day-first dates, decimal commas, debit and credit columns.
const BANK_MARCH = [
  'Buchungstag;Verwendungszweck;Soll;Haben;Konto',
  '03.03.2026;ADOBE *CREATIVE CLOUD;59,99;;Business',
  '05.03.2026;Client transfer ACME;;1.500,00;Business',
  '07.03.2026;Coworking Space Rent;250,00;;Business',
  'not a date;Broken row;10,00;;Business',
  '09.03.2026;Ads for Ada;120,50;;Business',
  '12.03.2026;Amount missing;;;Business',
].join('\n');

// The next month's export overlaps the last two days of March (the coworking rent and the ads again).
const BANK_APRIL = [
  'Buchungstag;Verwendungszweck;Soll;Haben;Konto',
  '07.03.2026;Coworking Space Rent;250,00;;Business',
  '09.03.2026;Ads for Ada;120,50;;Business',
  '02.04.2026;ADOBE *CREATIVE CLOUD;59,99;;Business',
  '15.04.2026;Own transfer to savings;1.000,00;;Business',
].join('\n');

const MAPPING = { date: 'Buchungstag', debit: 'Soll', credit: 'Haben', description: 'Verwendungszweck', account: 'Konto', dateFormat: 'DD.MM.YYYY', decimal: ',' } as const;

describe('finance: bank CSV import and the P&L', () => {
  it('imports good rows once, names bad rows by line, remembers the mapping, and computes the P&L from the stored rows', async () => {
    rig = await billingRig({ start: Date.parse('2026-05-04T10:00:00Z'), settings: { 'finance.currency': 'EUR', 'finance.taxRate': 25 } });
    const { core, stripe: s } = rig;

    // Income from billing: a client pays 400 EUR in March (100 of it refunded).
    const prod = s.product({ name: 'Retainer' });
    s.price({ product: prod.id, unitAmount: 40000, currency: 'eur' });
    const cu = s.customer({ email: 'ada@analytical.test', name: 'Ada Lovelace' });
    s.clock.now = Math.floor(Date.parse('2026-03-10T12:00:00Z') / 1000);
    const ch = s.charge({ customer: cu.id, amount: 40000, currency: 'eur' });
    s.refund(ch.id, 10000);
    s.clock.now = Math.floor(rig.clock.now / 1000);
    await core.call('billing.reconcile', {});
    const ada = (await core.call('contacts.list', { search: 'ada@analytical.test' })).rows[0]!;
    // The customer's contact got its company from the e-mail domain: the company is the client.
    expect(ada.companyId).toBeTruthy();
    const client = `company:${ada.companyId}`;

    // A rule before the import: it categorises the new rows.
    await core.call('finance.rules.add', { contains: 'adobe', category: 'Software', kind: 'expense' });

    // No mapping remembered and a header it cannot read: a clear error, nothing stored.
    await expect(core.call('finance.import', { source: 'Mystery', csv: 'Col1;Col2;Col3\n03.03.2026;x;1,00\n', currency: 'EUR' })).rejects.toThrow(/mapping: the source "Mystery" has no remembered column mapping/);
    expect((await core.call('finance.transactions.list', {})).total).toBe(0);

    const first = await core.call('finance.import', { source: 'Sparkasse', csv: BANK_MARCH, mapping: MAPPING, currency: 'EUR' });
    expect(first).toMatchObject({ mappingFrom: 'input', rows: 6, imported: 4, duplicates: 0, invalidCount: 2, categorized: 1, firstDate: '2026-03-03', lastDate: '2026-03-09' });
    expect(first.invalid.map((e) => e.line)).toEqual([5, 7]);
    expect(first.invalid[0]!.reason).toMatch(/not a date/);

    // The same file again: nothing new.
    const again = await core.call('finance.import', { source: 'Sparkasse', csv: BANK_MARCH });
    expect(again).toMatchObject({ mappingFrom: 'source', imported: 0, duplicates: 4, invalidCount: 2 });

    // The next export, without a mapping: the remembered one is used, the overlap is found.
    const april = await core.call('finance.import', { source: 'sparkasse', csv: BANK_APRIL });
    expect(april).toMatchObject({ mappingFrom: 'source', rows: 4, imported: 2, duplicates: 2, invalidCount: 0, categorized: 1 });
    const sources = (await core.call('finance.sources.list', {})).sources;
    expect(sources).toEqual([expect.objectContaining({ name: 'Sparkasse', currency: 'EUR', transactions: 6, mapping: expect.objectContaining({ date: 'Buchungstag', debit: 'Soll', decimal: ',' }) })]);

    // Rules added later categorise what is there (categorized: the rows any rule categorises now); a transfer category is
    // left out of the P&L; a tagged expense counts for the client.
    expect((await core.call('finance.rules.add', { contains: 'coworking', category: 'Rent', kind: 'expense' })).categorized).toBe(3);
    expect((await core.call('finance.rules.add', { contains: 'own transfer', category: 'Transfers', kind: 'excluded' })).categorized).toBe(4);
    expect((await core.call('finance.rules.add', { contains: 'client transfer', category: 'Client payments', kind: 'income' })).categorized).toBe(5);
    expect((await core.call('finance.rules.add', { contains: 'ads for ada', category: 'Advertising', kind: 'expense', client })).categorized).toBe(6);

    const listed = await core.call('finance.transactions.list', { from: '2026-03-01', to: '2026-03-31' });
    expect(listed.rows.map((r) => [r.date, r.amount, r.category, r.client])).toEqual([
      ['2026-03-09', -120.5, 'Advertising', client],
      ['2026-03-07', -250, 'Rent', null],
      ['2026-03-05', 1500, 'Client payments', null],
      ['2026-03-03', -59.99, 'Software', null],
    ]);

    const p = await core.call('finance.pnl', { from: '2026-03', to: '2026-04' });
    expect(p.currency).toBe('EUR');
    expect(p.taxRate).toBe(25);
    const march = p.months.find((m) => m.month === '2026-03')!;
    // Income: 300 from billing (400 - 100 refunded) + 1,500 imported; expenses 59.99 + 250 + 120.50.
    expect(march).toMatchObject({ billing: 300, imported: 1500, income: 1800, expenses: 430.49, ai: 0 });
    expect(march.profit).toBeCloseTo(1369.51, 2);
    expect(march.taxSetAside).toBeCloseTo(342.38, 2);
    const aprilLine = p.months.find((m) => m.month === '2026-04')!;
    // The own transfer is excluded: only the Adobe subscription.
    expect(aprilLine).toMatchObject({ income: 0, expenses: 59.99, taxSetAside: 0 });
    expect(p.excluded).toBe(-1000); // signed: money out of the business account
    expect(p.totals.expenses).toBeCloseTo(490.48, 2);
    expect(p.categories).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ category: 'Software', kind: 'expense', amount: 119.98, transactions: 2 }),
        expect.objectContaining({ category: 'Rent', kind: 'expense', amount: 250, transactions: 1 }),
      ]),
    );
    // Profit per client: its billing income minus the expense tagged to it.
    expect(p.clients.find((c) => c.client === client)).toMatchObject({ income: 300, expenses: 120.5, profit: 179.5 });

    // Money in other currencies (a USD card, and a CHF account: one below, one above EUR) is listed apart, not converted.
    await core.call('finance.import', { source: 'US card', csv: 'Date,Description,Amount\n2026-03-05,Figma,-15.00\n2026-04-02,Refund,5.00\n', currency: 'USD' });
    await core.call('finance.import', { source: 'Swiss account', csv: 'Date,Description,Amount\n2026-03-07,Client CH,200.00\n', currency: 'CHF' });
    const withOthers = await core.call('finance.pnl', { from: '2026-03', to: '2026-04' });
    expect(withOthers.otherCurrencies).toEqual([
      { currency: 'CHF', transactions: 1, income: 200, expenses: 0 },
      { currency: 'USD', transactions: 2, income: 5, expenses: 15 },
    ]);
    expect(withOthers.totals).toEqual(p.totals);

    // The CSV export carries the same figures.
    const csv = await core.call('finance.export', { from: '2026-03', to: '2026-04', what: 'months' });
    expect(csv.rows).toBe(3); // two months and the total
    const lines = csv.csv.trim().split('\n');
    expect(lines[1]!.split(',').slice(0, 5)).toEqual(['2026-03', '1800', '300', '1500', '430.49']);
    expect(lines[3]!.split(',')[0]).toBe('Total');
  });

  it('a CSV whose mapping names a missing column is refused whole, naming the column', async () => {
    rig = await billingRig();
    await expect(
      rig.core.call('finance.import', { source: 'Card', csv: 'Date,Text,Value\n2026-01-02,Coffee,-3.50\n', mapping: { date: 'Date', amount: 'Amount', description: 'Text' } }),
    ).rejects.toThrow(/Amount/);
    expect((await rig.core.call('finance.transactions.list', {})).total).toBe(0);
    expect((await rig.core.call('finance.sources.list', {})).sources).toEqual([]);
  });
});
