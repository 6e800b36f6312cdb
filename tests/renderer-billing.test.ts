/** The Billing page's pure helpers: money, the invoice filter from the address, status badges and dates, the reconcile line. */
import { describe, expect, it } from 'vitest';
import { countOf, fmtMoney, INVOICE_FILTERS, invoiceDate, invoiceFilterOf, invoiceStatus, reconcileText, subscriptionBadge, subscriptionEnd } from '../renderer/src/pages/billing/model';

describe('billing page model', () => {
  it('formats money in the currency, and keeps a code the browser does not know', () => {
    expect(fmtMoney(1234.5, 'EUR', 'en-GB')).toBe('€1,234.50');
    expect(fmtMoney(12, 'not-a-currency', 'en-GB')).toBe('12.00 not-a-currency');
    expect(countOf(1, 'client')).toBe('1 client');
    expect(countOf(0, 'invoice')).toBe('0 invoices');
  });

  it('reads the invoice filter from the address, ignoring one it does not know', () => {
    expect(invoiceFilterOf('failed')).toBe('failed');
    expect(invoiceFilterOf('void')).toBe('void');
    expect(invoiceFilterOf('bogus')).toBeUndefined();
    expect(invoiceFilterOf('')).toBeUndefined();
    expect(invoiceFilterOf(undefined)).toBeUndefined();
    expect(INVOICE_FILTERS[0]).toEqual({ value: '', label: 'All invoices' });
    expect(new Set(INVOICE_FILTERS.map((f) => f.label)).size).toBe(INVOICE_FILTERS.length);
  });

  it('names a failed payment until the invoice is paid or voided, and a paid one that had failed as recovered', () => {
    expect(invoiceStatus({ status: 'open', failedAt: '2026-12-01T00:00:00Z', attemptCount: 3 })).toEqual({ className: 'badge badge-danger', text: 'payment failed (3×)', recovered: false });
    expect(invoiceStatus({ status: 'paid', failedAt: '2026-12-01T00:00:00Z', attemptCount: 2 })).toEqual({ className: 'badge badge-ok', text: 'paid', recovered: true });
    expect(invoiceStatus({ status: 'void', failedAt: '2026-12-01T00:00:00Z', attemptCount: 1 })).toMatchObject({ text: 'void', recovered: false });
    expect(invoiceStatus({ status: 'weird', failedAt: null, attemptCount: 0 }).className).toBe('badge badge-neutral');
    expect(subscriptionBadge('past_due')).toEqual({ className: 'badge badge-warn', text: 'past due' });
    expect(subscriptionBadge('incomplete').className).toBe('badge badge-neutral');
  });

  it('dates: paid, due or made; ended, ends or renews', () => {
    expect(invoiceDate({ paidAt: '2026-12-07T12:00:00Z', dueDate: '2026-12-10T12:00:00Z', created: '2026-12-01T12:00:00Z' }, 'en-GB')).toBe('paid 7 Dec 2026');
    expect(invoiceDate({ paidAt: null, dueDate: '2026-12-10T12:00:00Z', created: '2026-12-01T12:00:00Z' }, 'en-GB')).toBe('due 10 Dec 2026');
    expect(invoiceDate({ paidAt: null, dueDate: null, created: '2026-12-01T12:00:00Z' }, 'en-GB')).toBe('1 Dec 2026');
    expect(subscriptionEnd({ endedAt: '2026-11-02T12:00:00Z', cancelAt: null, currentPeriodEnd: null }, 'en-GB')).toBe('ended 2 Nov 2026');
    expect(subscriptionEnd({ endedAt: null, cancelAt: '2027-01-02T12:00:00Z', currentPeriodEnd: '2026-12-31T12:00:00Z' }, 'en-GB')).toBe('ends 2 Jan 2027');
    expect(subscriptionEnd({ endedAt: null, cancelAt: null, currentPeriodEnd: null })).toBe('–');
  });

  it('says what a reconcile did', () => {
    expect(reconcileText({ baseline: true, objects: 12, counts: { events: 0 }, recorded: 0 } as never)).toBe('Imported 12 objects from Stripe (history: no workflow starts for it).');
    expect(reconcileText({ baseline: false, objects: 3, counts: { events: 2 }, recorded: 1 } as never)).toBe('Reconciled 3 objects from Stripe; 2 missed event(s) applied, 1 event(s) for workflows.');
  });
});
