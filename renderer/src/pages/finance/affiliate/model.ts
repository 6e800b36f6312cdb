/**
 * Pure helpers of the Finance page's Affiliate tab (no DOM): the days of the page's month
 * range, and the column-mapping step of a commission CSV (the form's values from and to an
 * AffiliateMapping).
 */
import type { AffiliateMapping, AffiliateProgram, OpInput } from '../../../../../shared/api';

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

/** The program form: text per field. */
export type ProgramForm = { name: string; network: string; commission: string; cookieDays: string; subIdParam: string; payoutMatch: string };
export const EMPTY_PROGRAM_FORM: ProgramForm = { name: '', network: '', commission: '', cookieDays: '', subIdParam: '', payoutMatch: '' };

/** A stored program as the form shows it (for editing). */
export function programFormOf(p: AffiliateProgram): ProgramForm {
  return { name: p.name, network: p.network ?? '', commission: p.commission ?? '', cookieDays: p.cookieDays === null ? '' : String(p.cookieDays), subIdParam: p.subIdParam ?? '', payoutMatch: p.payoutMatch ?? '' };
}

/**
 * The form as affiliate.programs.save takes it. A new program leaves empty fields out; an edit
 * (`id`) sends an emptied field as null, so it is cleared instead of kept.
 */
export function programInput(f: ProgramForm, id: number | null): OpInput<'affiliate.programs.save'> {
  const text = (v: string) => (v.trim() ? v.trim() : id === null ? undefined : null);
  const cookie = f.cookieDays.trim() ? Number(f.cookieDays) : id === null ? undefined : null;
  const out: OpInput<'affiliate.programs.save'> = { ...(id === null ? {} : { id }), name: f.name.trim() };
  const fields = { network: text(f.network), commission: text(f.commission), cookieDays: cookie, subIdParam: text(f.subIdParam), payoutMatch: text(f.payoutMatch) };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
