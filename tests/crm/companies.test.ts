import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core/core';
import { openTestCore } from '../helpers';

let core: Core;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ core, cleanup } = await openTestCore());
});
afterEach(async () => cleanup());

describe('companies and their contacts', () => {
  it('companies.list counts live contacts, searches name or domain, picks one by id; contacts.list filters by companyId', async () => {
    const ada = await core.call('contacts.create', { email: 'ada@acme.test', firstName: 'Ada', companyName: 'Acme' });
    const bob = await core.call('contacts.create', { email: 'bob@acme.test', companyName: 'Acme', stage: 'customer' });
    const cy = await core.call('contacts.create', { email: 'cy@acme.test', companyName: 'Acme' });
    const dee = await core.call('contacts.create', { email: 'dee@globex.test', companyName: 'Globex' });
    await core.call('contacts.create', { email: 'eve@gmail.com' }); // no company
    await core.call('contacts.delete', { id: cy.id });
    const acmeId = ada.companyId!;
    expect(bob.companyId).toBe(acmeId);
    expect(dee.companyId).not.toBe(acmeId);

    const all = await core.call('companies.list', {});
    expect(all.total).toBe(2);
    expect(all.rows.map((r) => [r.name, r.domain, r.contacts])).toEqual([
      ['Acme', 'acme.test', 2], // the deleted contact is not counted
      ['Globex', 'globex.test', 1],
    ]);
    expect((await core.call('companies.list', { search: 'globex.t' })).rows.map((r) => r.name)).toEqual(['Globex']);
    const one = await core.call('companies.list', { id: acmeId });
    expect(one).toEqual({ total: 1, rows: [{ id: acmeId, name: 'Acme', domain: 'acme.test', contacts: 2 }] });
    // id and search together: both must hold
    expect((await core.call('companies.list', { id: acmeId, search: 'globex' })).total).toBe(0);
    expect((await core.call('companies.list', { id: 99999 })).total).toBe(0);

    // The company's live contacts, and the same number companies.list gives.
    const list = await core.call('contacts.list', { companyId: acmeId, sort: { field: 'email', dir: 'asc' } });
    expect(list.total).toBe(2);
    expect(list.rows.map((r) => r.email)).toEqual(['ada@acme.test', 'bob@acme.test']);
    // combined with a filter and a search
    const customers = await core.call('contacts.list', { companyId: acmeId, filter: { conditions: [{ kind: 'field', field: 'stage', op: 'eq', value: 'customer' }] } });
    expect(customers.rows.map((r) => r.id)).toEqual([bob.id]);
    expect((await core.call('contacts.list', { companyId: acmeId, search: 'ada' })).rows.map((r) => r.id)).toEqual([ada.id]);
    // deleted ones of the company
    expect((await core.call('contacts.list', { companyId: acmeId, deleted: true })).rows.map((r) => r.id)).toEqual([cy.id]);
    expect((await core.call('contacts.list', { companyId: 99999 })).total).toBe(0);
    await expect(core.call('contacts.list', { companyId: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
