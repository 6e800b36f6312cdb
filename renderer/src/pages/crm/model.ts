/** The Contacts page's view-model (no DOM): its views, what its address says, the tab keyboard. */

import { nextTab } from '../../components/tabs';

export const VIEWS = [
  { id: 'list', label: 'All contacts' },
  { id: 'companies', label: 'Companies' },
  { id: 'segments', label: 'Segments' },
  { id: 'scoring', label: 'Scoring rules' },
] as const;
export type View = (typeof VIEWS)[number]['id'];

/** A positive whole number from the address, or null (missing, 0, negative, a fraction, text). */
export function positive(v: string | null): number | null {
  const n = Number(v);
  return v !== null && Number.isInteger(n) && n > 0 ? n : null;
}

export interface ContactsAddress {
  /** The open contact. */
  id: number | null;
  segmentId: number | null;
  companyId: number | null;
  /** The view the address asks for (an unknown one: the list). */
  view: View;
  /** The view shown: an open contact shows the list's panel whatever the view. */
  shown: View;
  /** The segment being edited: an id, 'new', or null. */
  editing: number | 'new' | null;
}

/** `#/contacts?…`: `id`, `segment`, `company`, `view`, `seg` (an id or `new`). */
export function readAddress(get: (key: string) => string | null): ContactsAddress {
  const id = positive(get('id'));
  const raw = get('view');
  const view: View = VIEWS.some((v) => v.id === raw) ? (raw as View) : 'list';
  const seg = get('seg');
  return { id, segmentId: positive(get('segment')), companyId: positive(get('company')), view, shown: id !== null ? 'list' : view, editing: seg === 'new' ? 'new' : positive(seg) };
}

/** The tab a key moves to from `shown` (arrows wrap, Home, End), or null for any other key. */
export function tabKeyTarget(shown: View, key: string): View | null {
  return nextTab(
    VIEWS.map((v) => v.id),
    shown,
    key,
  );
}

/** The per-contact cap's period in words: "in the last 24 hours" for one day, "in the last N days" otherwise. */
export function capPeriod(days: number): string {
  return days <= 1 ? 'in the last 24 hours' : `in the last ${days} days`;
}
