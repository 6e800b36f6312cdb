// The deal forms' view-model (renderer/src/pages/pipeline/model.ts): typed amounts, and the New
// deal / Edit deal inputs checked with the contract's schemas, problems named by field.
import { describe, expect, it } from 'vitest';
import { checkEdit, checkNewDeal, contactLabel, emailOf, parseAmount } from '../renderer/src/pages/pipeline/model';

describe('deal forms', () => {
  it('reads typed amounts, and refuses what is not one', () => {
    expect(parseAmount('1200')).toBe(1200);
    expect(parseAmount(' 1 200 ')).toBe(1200);
    expect(parseAmount('1,200.50')).toBe(1200.5);
    expect(parseAmount('12,5')).toBe(12.5);
    expect(parseAmount('.5')).toBe(0.5);
    expect(parseAmount('-5')).toBe(-5);
    for (const bad of ['', 'abc', '$100', '12 thousand', '1e3', '1.2.3', '1,20,0']) expect(parseAmount(bad)).toBeNull();
  });

  it('reads the contact field', () => {
    expect(emailOf('Ada Lovelace <Ada@Acme.test>')).toBe('ada@acme.test');
    expect(emailOf(' ada@acme.test ')).toBe('ada@acme.test');
    expect(emailOf('  ')).toBeNull();
    expect(contactLabel({ firstName: 'Ada', lastName: null, email: 'ada@acme.test' })).toBe('Ada <ada@acme.test>');
    expect(contactLabel({ firstName: null, lastName: null, email: 'x@y.test' })).toBe('x@y.test');
  });

  it('checks a new deal by field with the contract messages', () => {
    const form = { title: 'Audit', value: '1,200', currency: 'USD', stage: 'qualification', closeDate: '2030-03-31' };
    expect(checkNewDeal(form, 7)).toEqual({ ok: true, input: { title: 'Audit', value: 1200, currency: 'USD', stage: 'qualification', closeDate: '2030-03-31', contactId: 7 } });
    expect(checkNewDeal({ ...form, value: '' }, null)).toMatchObject({ ok: true, input: { value: 0 } });
    const bad = checkNewDeal({ title: ' ', value: 'abc', currency: 'US', stage: 'Bad Stage', closeDate: '' }, null);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'title: give the deal a title',
      'value: use a number such as 1200 (no currency sign)',
      'stage: give a stage id of the pipeline such as proposal (or won, lost)',
      'currency: use a 3-letter currency code such as USD',
    ]);
    const negative = checkNewDeal({ ...form, value: '-5' }, null);
    expect(negative.ok ? [] : negative.issues).toEqual([{ path: 'value', message: 'use 0 or more' }]);
  });

  it('sends only what changed in the panel, and names bad fields', () => {
    const was = { title: 'Audit', value: 1200, closeDate: '2030-03-31' };
    expect(checkEdit(3, { title: 'Audit', value: '1200', closeDate: '2030-03-31' }, was)).toEqual({ ok: true, input: { id: 3 }, changed: false });
    expect(checkEdit(3, { title: 'Audit', value: '2500', closeDate: '' }, was)).toEqual({ ok: true, input: { id: 3, value: 2500, closeDate: null }, changed: true });
    const bad = checkEdit(3, { title: '  x', value: '-1', closeDate: '2030-03-31' }, was);
    expect(bad.ok ? [] : bad.issues).toEqual([{ path: 'value', message: 'use 0 or more' }]);
    const nan = checkEdit(3, { title: ' ', value: 'ten', closeDate: '2030-03-31' }, was);
    expect(nan.ok ? [] : nan.issues.map((i) => i.path)).toEqual(['value', 'title']);
  });
});
