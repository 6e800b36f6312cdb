/**
 * Pure helpers of the Finance page's Affiliate tab (no DOM): the days of the page's month
 * range, and the column-mapping step of a commission CSV (the form's values from and to an
 * AffiliateMapping).
 */
import type { AffiliateMapping } from '../../../../../shared/api';

/** The days of a month range: the first of `from` to the last of `to`. */
export function daysOf(range: { from: string; to: string }): { from: string; to: string } {
  const [y, m] = range.to.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${range.from}-01`, to: `${range.to}-${String(last).padStart(2, '0')}` };
}

export const AFF_COLUMNS = ['date', 'commission', 'status', 'subId', 'transactionId', 'program', 'url', 'sale', 'currency'] as const;
export type AffColumn = (typeof AFF_COLUMNS)[number];

/** The mapping step's form: a column name per field ('' = none). */
export type AffMappingForm = Record<AffColumn, string> & { dateFormat: AffiliateMapping['dateFormat']; decimal: AffiliateMapping['decimal'] };

export const EMPTY_AFF_FORM: AffMappingForm = { date: '', commission: '', status: '', subId: '', transactionId: '', program: '', url: '', sale: '', currency: '', dateFormat: 'auto', decimal: 'auto' };

/** A mapping (remembered, guessed) as the form shows it; columns not in `header` are dropped. */
export function affFormOf(m: AffiliateMapping | null | undefined, header: string[]): AffMappingForm {
  if (!m) return { ...EMPTY_AFF_FORM };
  const f: AffMappingForm = { ...EMPTY_AFF_FORM, dateFormat: m.dateFormat, decimal: m.decimal };
  for (const k of AFF_COLUMNS) {
    const c = m[k];
    f[k] = c !== undefined && header.includes(c) ? c : '';
  }
  return f;
}

/** The form as the mapping affiliate.import takes, or what is missing (naming the field). */
export function affMappingOf(f: AffMappingForm): { mapping: AffiliateMapping } | { missing: { field: AffColumn; message: string }[] } {
  const missing: { field: AffColumn; message: string }[] = [];
  if (!f.date) missing.push({ field: 'date', message: 'choose the column with the date' });
  if (!f.commission) missing.push({ field: 'commission', message: 'choose the column with the commission (what you earn, not the sale)' });
  if (missing.length) return { missing };
  const mapping: AffiliateMapping = { date: f.date, commission: f.commission, dateFormat: f.dateFormat, decimal: f.decimal };
  for (const k of AFF_COLUMNS) if (k !== 'date' && k !== 'commission' && f[k]) mapping[k] = f[k];
  return { mapping };
}

/** EPC, ROI and money as the table shows them. */
export function fmtEpc(n: number | null, currency: string): string {
  if (n === null) return '–';
  try {
    return n.toLocaleString(undefined, { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
  } catch {
    return `${n.toFixed(2)} ${currency}`;
  }
}
export const fmtPct = (n: number | null) => (n === null ? '–' : `${n.toLocaleString(undefined, { maximumFractionDigits: 1 })}%`);
