/** The Finance page's pure helpers for the Affiliate tab (the months' days, the commission mapping step) and the rule form's client picker. */
import { describe, expect, it } from 'vitest';
import { AffiliateMapping, affiliateOps, ClientKey } from '../shared/api';
import { affFormOf, affMappingOf, daysOf, EMPTY_AFF_FORM, EMPTY_PROGRAM_FORM, programFormOf, programInput } from '../renderer/src/pages/finance/affiliate/model';
import { clientOptions } from '../renderer/src/pages/finance/model';

describe('the Affiliate tab', () => {
  it('reads the page\'s months as days, the last day of the month included', () => {
    expect(daysOf({ from: '2025-03', to: '2026-02' })).toEqual({ from: '2025-03-01', to: '2026-02-28' });
    expect(daysOf({ from: '2024-02', to: '2024-02' })).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(daysOf({ from: '2026-01', to: '2026-12' }).to).toBe('2026-12-31');
  });

  it('names the missing columns, builds a mapping the contract accepts, and shows a remembered one without the columns this file lacks', () => {
    const missing = affMappingOf(EMPTY_AFF_FORM);
    expect('missing' in missing && missing.missing.map((m) => m.field)).toEqual(['date', 'commission']);
    const ok = affMappingOf({ ...EMPTY_AFF_FORM, date: 'When', commission: 'Earned', subId: 'Ref', status: 'State', decimal: ',' });
    expect(ok).toEqual({ mapping: { date: 'When', commission: 'Earned', subId: 'Ref', status: 'State', dateFormat: 'auto', decimal: ',' } });
    expect(AffiliateMapping.safeParse('mapping' in ok ? ok.mapping : null).success).toBe(true);
    const remembered = AffiliateMapping.parse({ date: 'Date', commission: 'Payout', url: 'Landing page', currency: 'Currency' });
    const form = affFormOf(remembered, ['Date', 'Payout', 'Landing page']);
    expect(form).toMatchObject({ date: 'Date', commission: 'Payout', url: 'Landing page', currency: '' });
    expect(affMappingOf(form)).toEqual({ mapping: { date: 'Date', commission: 'Payout', url: 'Landing page', dateFormat: 'auto', decimal: 'auto' } });
  });
});

describe('the client picker of the category rule form', () => {
  const companies = [
    { id: 3, name: 'Acme', domain: 'acme.test' },
    { id: 4, name: null, domain: 'nameless.test' },
  ];
  const contacts = [
    { id: 7, email: 'ada@acme.test', firstName: 'Ada', lastName: 'Lovelace', companyName: 'Acme' },
    { id: 8, email: 'solo@example.com', firstName: null, lastName: null, companyName: null },
  ];

  it('offers companies then contacts as the client keys finance takes, each told apart', () => {
    const o = clientOptions(companies, contacts);
    expect(o).toEqual([
      { value: 'company:3', label: 'Acme (acme.test)', group: 'Companies' },
      { value: 'company:4', label: 'nameless.test', group: 'Companies' },
      { value: 'contact:7', label: 'Ada Lovelace <ada@acme.test>, Acme', group: 'Contacts' },
      { value: 'contact:8', label: 'solo@example.com', group: 'Contacts' },
    ]);
    for (const x of o) expect(ClientKey.safeParse(x.value).success, x.value).toBe(true);
  });

  it('keeps the chosen client when a new search does not list it', () => {
    const o = clientOptions([], contacts.slice(1), { value: 'company:3', label: 'Acme (acme.test)' });
    expect(o[0]).toEqual({ value: 'company:3', label: 'Acme (acme.test)', group: 'Companies' });
    expect(clientOptions(companies, [], { value: 'company:3', label: 'old label' }).filter((x) => x.value === 'company:3')).toHaveLength(1);
  });

  it('sends a new program without its empty fields, and an edited one with emptied fields as null (cleared), as the contract takes them', () => {
    const add = programInput({ ...EMPTY_PROGRAM_FORM, name: ' Acme ', network: 'Awin' }, null);
    expect(add).toEqual({ name: 'Acme', network: 'Awin' });
    const form = programFormOf({ id: 4, name: 'Acme', network: 'Awin', commission: null, cookieDays: 30, subIdParam: 'clickref', payoutMatch: null, notes: null, links: 2 });
    expect(form).toEqual({ ...EMPTY_PROGRAM_FORM, name: 'Acme', network: 'Awin', cookieDays: '30', subIdParam: 'clickref' });
    const edit = programInput({ ...form, network: '', cookieDays: '45' }, 4);
    expect(edit).toEqual({ id: 4, name: 'Acme', network: null, commission: null, cookieDays: 45, subIdParam: 'clickref', payoutMatch: null });
    expect(affiliateOps['affiliate.programs.save'].input.safeParse(edit).success).toBe(true);
  });
});
