/**
 * Pure helpers of the Finance page (no DOM): the month range, money, and the column-mapping
 * step of a CSV import (the file's header and first rows, the form's values from and to a
 * FinanceMapping), and the client picker's options (CRM companies and contacts as client keys).
 */
import Papa from 'papaparse';
import type { FinanceMapping } from '../../../../shared/api';

/** 'YYYY-MM' of a date (UTC), `back` months earlier. */
export function monthOf(d: Date, back = 0): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1));
  return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The default range: the last 12 months, this one included. */
export function defaultRange(now: Date): { from: string; to: string } {
  return { from: monthOf(now, 11), to: monthOf(now) };
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
/** A range from the address (`from`, `to`), or the default when absent or wrong. */
export function rangeFrom(q: Record<string, string>, now: Date): { from: string; to: string } {
  const d = defaultRange(now);
  const from = q.from && MONTH.test(q.from) ? q.from : d.from;
  const to = q.to && MONTH.test(q.to) ? q.to : d.to;
  return from <= to ? { from, to } : d;
}

export function fmtMoney(n: number, currency: string): string {
  try {
    return n.toLocaleString(undefined, { style: 'currency', currency, maximumFractionDigits: 2 });
  } catch {
    return `${n.toFixed(2)} ${currency}`;
  }
}

/** '2026-03' -> 'Mar 2026'. */
export function monthLabel(m: string): string {
  const [y, mo] = m.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, mo - 1, 1)).toLocaleDateString(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** The first rows of a CSV as the import reads it (the first non-blank row is the header). */
export function csvPreview(text: string, rows = 3): { header: string[]; rows: string[][] } {
  // papaparse's preview counts blank lines too: read a few more and drop those here (not the whole file).
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { header: false, skipEmptyLines: false, preview: rows + 50 });
  const [head, ...rest] = parsed.data.filter((cells) => !(cells.length === 0 || (cells.length === 1 && cells[0]!.trim() === '')));
  return { header: (head ?? []).map((h) => h.trim()), rows: rest.slice(0, rows) };
}

/** The mapping step's form: every field a column name ('' = none). */
export interface MappingForm {
  date: string;
  amountMode: 'signed' | 'split';
  amount: string;
  debit: string;
  credit: string;
  description: string;
  description2: string;
  account: string;
  currency: string;
  dateFormat: FinanceMapping['dateFormat'];
  decimal: FinanceMapping['decimal'];
  negate: boolean;
}

export const EMPTY_FORM: MappingForm = { date: '', amountMode: 'signed', amount: '', debit: '', credit: '', description: '', description2: '', account: '', currency: '', dateFormat: 'auto', decimal: 'auto', negate: false };

/** A mapping (remembered, guessed) as the form shows it; columns not in `header` are dropped. */
export function formOf(m: FinanceMapping | null | undefined, header: string[]): MappingForm {
  if (!m) return { ...EMPTY_FORM };
  const has = (c: string | undefined) => (c !== undefined && header.includes(c) ? c : '');
  const desc = Array.isArray(m.description) ? m.description : [m.description];
  return {
    date: has(m.date),
    amountMode: m.amount === undefined && (m.debit !== undefined || m.credit !== undefined) ? 'split' : 'signed',
    amount: has(m.amount),
    debit: has(m.debit),
    credit: has(m.credit),
    description: has(desc[0]),
    description2: has(desc[1]),
    account: has(m.account),
    currency: has(m.currency),
    dateFormat: m.dateFormat,
    decimal: m.decimal,
    negate: m.negate,
  };
}

/** The form as the mapping finance.import takes, or what is missing (naming the field). */
export function mappingOf(f: MappingForm): { mapping: FinanceMapping } | { missing: { field: keyof MappingForm; message: string }[] } {
  const missing: { field: keyof MappingForm; message: string }[] = [];
  if (!f.date) missing.push({ field: 'date', message: 'choose the column with the date' });
  if (!f.description) missing.push({ field: 'description', message: 'choose the column with the description (payee, purpose)' });
  if (f.amountMode === 'signed' && !f.amount) missing.push({ field: 'amount', message: 'choose the column with the amount' });
  if (f.amountMode === 'split' && !f.debit && !f.credit) missing.push({ field: 'debit', message: 'choose the money-out and/or money-in column' });
  if (missing.length) return { missing };
  const description = f.description2 && f.description2 !== f.description ? [f.description, f.description2] : f.description;
  const mapping: FinanceMapping = { date: f.date, description, dateFormat: f.dateFormat, decimal: f.decimal, negate: f.negate };
  if (f.amountMode === 'signed') mapping.amount = f.amount;
  else {
    if (f.debit) mapping.debit = f.debit;
    if (f.credit) mapping.credit = f.credit;
  }
  if (f.account) mapping.account = f.account;
  if (f.currency) mapping.currency = f.currency;
  return { mapping };
}

/* ---- the client picker (companies and contacts as client keys) ---- */

export interface ClientOption {
  value: string;
  label: string;
  group: 'Companies' | 'Contacts';
}

interface CompanyLike {
  id: number;
  name: string | null;
  domain: string | null;
}
interface ContactLike {
  id: number;
  email: string;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
}

export function companyLabel(c: CompanyLike): string {
  const name = c.name?.trim() || c.domain || `Company ${c.id}`;
  return c.domain && c.name?.trim() ? `${name} (${c.domain})` : name;
}

export function contactLabel(c: ContactLike): string {
  const name = [c.firstName, c.lastName].filter((x) => x && x.trim()).join(' ');
  return `${name ? `${name} <${c.email}>` : c.email}${c.companyName ? `, ${c.companyName}` : ''}`;
}

export function clientOptions(companies: readonly CompanyLike[], contacts: readonly ContactLike[], chosen?: { value: string; label: string } | null): ClientOption[] {
  const out: ClientOption[] = [
    ...companies.map((c): ClientOption => ({ value: `company:${c.id}`, label: companyLabel(c), group: 'Companies' })),
    ...contacts.map((c): ClientOption => ({ value: `contact:${c.id}`, label: contactLabel(c), group: 'Contacts' })),
  ];
  if (chosen && chosen.value && !out.some((o) => o.value === chosen.value)) out.unshift({ value: chosen.value, label: chosen.label, group: chosen.value.startsWith('company:') ? 'Companies' : 'Contacts' });
  return out;
}
