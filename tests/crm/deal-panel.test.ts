// The deal panel: a deal edited (title, value, expected close date), moved (recorded as
// deal.stage_changed), its notes and its activity; a hand-made task; tasks due before a time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import type { ApiError } from '../../shared/api';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
const changed: number[] = [];
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
  changed.length = 0;
  core.bus.on('crm.deal.changed', (p) => changed.push(p.id));
});
afterEach(async () => cleanup());

const err = (p: Promise<unknown>) => p.then(() => { throw new Error('expected an error'); }, (e: unknown) => e as ApiError);

describe('deal panel', () => {
  it('creates, edits and moves a deal; notes and activity come with it', async () => {
    const ada = await core.call('contacts.create', { email: 'ada@acme.test', firstName: 'Ada', companyName: 'Acme' });
    const d = await core.call('deals.create', { contactId: ada.id, title: 'Audit', value: 1200, closeDate: '2030-03-31' });
    expect(d).toMatchObject({ title: 'Audit', value: 1200, closeDate: '2030-03-31', stage: 'qualification' });
    expect(changed).toEqual([d.id]);

    const edited = await core.call('deals.update', { id: d.id, title: 'Audit + retainer', value: 2500, closeDate: '2030-04-15' });
    expect(edited).toMatchObject({ title: 'Audit + retainer', value: 2500, closeDate: '2030-04-15', stage: 'qualification' });
    // Only what is given changes; null clears the date.
    expect(await core.call('deals.update', { id: d.id, closeDate: null })).toMatchObject({ title: 'Audit + retainer', value: 2500, closeDate: null });

    await core.call('deals.update', { id: d.id, stage: 'proposal' });
    await core.call('deals.notes.add', { dealId: d.id, text: 'Asked for a discount.' });
    await core.call('deals.notes.add', { dealId: d.id, text: 'Call on Monday.' });
    const got = await core.call('deals.get', { id: d.id });
    expect(got.deal).toMatchObject({ id: d.id, stage: 'proposal', contactName: 'Ada', companyName: 'Acme', daysInStage: 0 });
    expect(got.notes.map((n) => n.text)).toEqual(['Asked for a discount.', 'Call on Monday.']);
    expect(got.activity.map((e) => e.type)).toEqual(['deal.stage_changed', 'deal.opened']);
    expect(got.activity[0]!.data).toMatchObject({ dealId: d.id, from: 'qualification', to: 'proposal', via: 'api' });

    await core.call('deals.update', { id: d.id, stage: 'won' });
    expect((await core.call('deals.get', { id: d.id })).activity.map((e) => e.type)).toEqual(['deal.won', 'deal.stage_changed', 'deal.opened']);
    expect(changed.filter((x) => x === d.id).length).toBeGreaterThanOrEqual(6);
  });

  it('refuses bad edits by field, and changes nothing', async () => {
    const d = await core.call('deals.create', { title: 'X', value: 10 });
    expect((await err(core.call('deals.update', { id: d.id, value: -1 }))).issues?.[0]?.path).toBe('value');
    expect((await err(core.call('deals.update', { id: d.id, closeDate: '31/03/2030' }))).issues?.[0]?.path).toBe('closeDate');
    expect((await err(core.call('deals.update', { id: d.id, title: '  ' }))).issues?.[0]?.path).toBe('title');
    expect((await err(core.call('deals.notes.add', { dealId: d.id, text: ' ' }))).issues?.[0]?.path).toBe('text');
    expect((await err(core.call('deals.notes.add', { dealId: 999, text: 'x' }))).code).toBe('not_found');
    expect((await err(core.call('deals.get', { id: 999 }))).code).toBe('not_found');
    expect(await core.call('deals.get', { id: d.id })).toMatchObject({ deal: { title: 'X', value: 10, closeDate: null }, notes: [], activity: [] });
  });

  it('adds tasks by hand and lists those due before a time', async () => {
    const ada = await core.call('contacts.create', { email: 'ada@acme.test' });
    const d = await core.call('deals.create', { contactId: ada.id, title: 'Audit' });
    const pushed: number[] = [];
    core.bus.on('sales.task.changed', (p) => pushed.push(p.id));
    const soon = await core.call('tasks.create', { title: 'Send the offer', dealId: d.id, dueAt: '2020-01-01T09:00:00Z' });
    expect(soon).toMatchObject({ title: 'Send the offer', dealId: d.id, contactId: ada.id, dealTitle: 'Audit', source: 'you', status: 'open', dueAt: '2020-01-01T09:00:00.000Z' });
    const later = await core.call('tasks.create', { title: 'Check in', contactId: ada.id, dueAt: '2099-01-01T09:00:00Z' });
    await core.call('tasks.create', { title: 'Someday' });
    expect(pushed).toEqual([soon.id, later.id, expect.any(Number)]);
    expect((await core.call('tasks.list', { status: 'open', dueBefore: new Date().toISOString() })).tasks.map((t) => t.title)).toEqual(['Send the offer']);
    expect((await core.call('tasks.list', { status: 'open' })).tasks.map((t) => t.title)).toEqual(['Send the offer', 'Check in', 'Someday']);
    expect((await core.call('tasks.list', { dealId: d.id })).tasks.map((t) => t.title)).toEqual(['Send the offer']);
    expect((await err(core.call('tasks.create', { title: 'x', contactId: 999 }))).code).toBe('not_found');
    expect((await err(core.call('tasks.create', { title: ' ' }))).issues?.[0]?.path).toBe('title');
  });
});
