/** The Contacts page's view-model: what its address opens and how the view tabs move with the keyboard. */
import { describe, expect, it } from 'vitest';
import { capPeriod, positive, readAddress, tabKeyTarget } from '../renderer/src/pages/crm/model';

const addr = (q: string) => {
  const p = new URLSearchParams(q);
  return readAddress((k) => p.get(k));
};

describe('contacts address', () => {
  it('only positive whole numbers are ids', () => {
    expect([positive('7'), positive('0'), positive('-3'), positive('1.5'), positive('abc'), positive(''), positive(null)]).toEqual([7, null, null, null, null, null, null]);
  });
  it('the list by default; an unknown view is the list', () => {
    expect(addr('')).toEqual({ id: null, segmentId: null, companyId: null, view: 'list', shown: 'list', editing: null });
    expect(addr('view=nope').view).toBe('list');
  });
  it('filters, views and the segment editor', () => {
    expect(addr('segment=4&company=9')).toMatchObject({ segmentId: 4, companyId: 9, shown: 'list' });
    expect(addr('view=segments&seg=new')).toMatchObject({ view: 'segments', shown: 'segments', editing: 'new' });
    expect(addr('view=segments&seg=12').editing).toBe(12);
    expect(addr('view=segments&seg=x').editing).toBeNull();
  });
  it('an open contact shows the list panel whatever the view', () => {
    expect(addr('view=scoring&id=3')).toMatchObject({ id: 3, view: 'scoring', shown: 'list' });
  });
});

describe('view tabs keyboard', () => {
  it('arrows wrap, Home and End jump, other keys do nothing', () => {
    expect(tabKeyTarget('list', 'ArrowRight')).toBe('companies');
    expect(tabKeyTarget('list', 'ArrowLeft')).toBe('scoring');
    expect(tabKeyTarget('scoring', 'ArrowRight')).toBe('list');
    expect(tabKeyTarget('segments', 'Home')).toBe('list');
    expect(tabKeyTarget('companies', 'End')).toBe('scoring');
    expect(tabKeyTarget('list', 'a')).toBeNull();
  });
});

describe('per-contact cap wording', () => {
  it('names the cap period the setting gives, not always a day', () => {
    expect(capPeriod(1)).toBe('in the last 24 hours');
    expect(capPeriod(7)).toBe('in the last 7 days');
  });
});
