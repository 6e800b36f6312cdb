import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { listDeals } from '../../electron/core/crm/deals';
import type { ApiError } from '../../shared/api';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
});
afterEach(async () => cleanup());

const err = (p: Promise<unknown>) => p.then(() => { throw new Error('expected an error'); }, (e: unknown) => e as ApiError);
const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

describe('deals.list', () => {
  it('lists deals by stage and open/closed with the contact, company, totals and days in stage', async () => {
    const ada = await core.call('contacts.create', { email: 'ada@acme.test', firstName: 'Ada', lastName: 'Lovelace', companyName: 'Acme' });
    const bob = await core.call('contacts.create', { email: 'bob@gmail.com' });
    const d1 = await core.call('deals.create', { contactId: ada.id, title: 'Audit', value: 1200, openedAt: ago(10) });
    const d2 = await core.call('deals.create', { contactId: bob.id, title: 'Coaching', value: 300, currency: 'EUR', openedAt: ago(3) });
    const d3 = await core.call('deals.create', { title: 'No contact', stage: 'proposal', value: 50 });
    await core.call('deals.create', { contactId: bob.id, title: 'Closed', stage: 'won', value: 999 });

    const q = await core.call('deals.list', { stage: 'qualification', open: true });
    expect(q.total).toBe(2);
    expect(q.rows.map((r) => r.id)).toEqual([d2.id, d1.id]); // newest first
    expect(q.values).toEqual([{ currency: 'EUR', value: 300 }, { currency: 'USD', value: 1200 }]);
    const a = q.rows.find((r) => r.id === d1.id)!;
    expect(a).toMatchObject({ title: 'Audit', contactId: ada.id, contactName: 'Ada Lovelace', contactEmail: 'ada@acme.test', companyName: 'Acme', value: 1200, currency: 'USD' });
    expect(a.daysInStage).toBe(10); // never moved: counted from when it was opened
    const b = q.rows.find((r) => r.id === d2.id)!;
    expect(b).toMatchObject({ contactName: null, contactEmail: 'bob@gmail.com', companyName: null, daysInStage: 3 });
    expect((await core.call('deals.list', { stage: 'proposal' })).rows.map((r) => [r.id, r.contactName, r.contactEmail])).toEqual([[d3.id, null, null]]);

    expect((await core.call('deals.list', { open: false })).rows.map((r) => r.title)).toEqual(['Closed']);
    expect((await core.call('deals.list', {})).total).toBe(4);
    expect((await core.call('deals.list', { contactId: bob.id })).total).toBe(2);
    const page = await core.call('deals.list', { limit: 2, offset: 2 });
    expect(page.total).toBe(4);
    expect(page.rows).toHaveLength(2);

    // The stale-deal scan keeps the clock where it is (from openedAt, not from when the row was written).
    await core.call('pipeline.scan', {});
    expect((await core.call('deals.list', { stage: 'qualification', open: true })).rows.find((r) => r.id === d1.id)!.daysInStage).toBe(10);

    // Moving a deal restarts its stage clock.
    await core.call('deals.update', { id: d1.id, stage: 'proposal' });
    const moved = (await core.call('deals.list', { stage: 'proposal' })).rows.find((r) => r.id === d1.id)!;
    expect(moved.daysInStage).toBe(0);
    expect(Date.now() - Date.parse(moved.stageEnteredAt)).toBeLessThan(60_000);
    expect((await core.call('deals.list', { stage: 'qualification', open: true })).total).toBe(1);
    // A deal moved with a past time counts from then.
    await core.call('deals.update', { id: d2.id, stage: 'negotiation', at: ago(5) });
    expect(listDeals(core, { stage: 'negotiation', offset: 0, limit: 10 }).rows[0]!.daysInStage).toBe(5);
  });

  it('refuses bad input with a message naming the field', async () => {
    const e = await err(core.call('deals.list', { limit: 0 }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/limit/);
    const e2 = await err(core.call('deals.list', { stage: '' }));
    expect(e2.message).toMatch(/stage/);
  });
});
