/** Small formatting helpers shared by the Contacts and Pipeline pages. */
import type { Contact, Stage } from '../../../../shared/api';

export const STAGE_LABEL: Record<Stage, string> = {
  subscriber: 'Subscriber',
  lead: 'Lead',
  mql: 'MQL',
  sql: 'SQL',
  opportunity: 'Opportunity',
  customer: 'Customer',
  churned: 'Churned',
};

export function personName(c: Pick<Contact, 'firstName' | 'lastName' | 'email'>): string {
  return [c.firstName, c.lastName].filter(Boolean).join(' ') || c.email;
}

export function formatMoney(value: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: 0 }).format(value);
  } catch {
    return `${value.toLocaleString()} ${currency}`;
  }
}

export function formatDay(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

export const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** "1–100 of 523" for a page of a list. */
export function pageRange(offset: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return `0 of ${total.toLocaleString()}`;
  return `${(offset + 1).toLocaleString()}–${(offset + shown).toLocaleString()} of ${total.toLocaleString()}`;
}
