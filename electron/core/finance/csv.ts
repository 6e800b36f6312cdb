/**
 * Reading bank, card and payment exports (docs/finance.md, "Import"): papaparse
 * splits the CSV (any delimiter, quoted fields, a BOM); a mapping says which
 * column holds the date, the amount (or debit and credit), the description, the
 * account and the currency. Each row becomes a transaction or an error naming
 * its line in the file (the header is line 1; a quoted field spanning lines
 * counts its lines) and what is wrong.
 */
import { lazyRequire } from '../lazy';
import { ApiError, FinanceMapping, type FinanceMapping as Mapping } from '../../../shared/api';
import { minorDigits } from '../billing/money';

// Loaded on first use: a CSV import or export, not the start (docs/bench.md, "Memory and start").
const papa = lazyRequire<typeof import('papaparse')>('papaparse');

/** Header name (lower case, letters and digits only) -> what it holds, for the guessed mapping. */
const GUESS: Record<string, keyof Mapping | 'description2'> = {
  date: 'date', bookingdate: 'date', transactiondate: 'date', posteddate: 'date', postingdate: 'date', valuedate: 'date', datum: 'date', buchungstag: 'date', completeddate: 'date', day: 'date',
  amount: 'amount', betrag: 'amount', transactionamount: 'amount', value: 'amount', gross: 'amount', montant: 'amount', importe: 'amount',
  debit: 'debit', withdrawal: 'debit', withdrawals: 'debit', moneyout: 'debit', paidout: 'debit', soll: 'debit', debitamount: 'debit',
  credit: 'credit', deposit: 'credit', deposits: 'credit', moneyin: 'credit', paidin: 'credit', haben: 'credit', creditamount: 'credit',
  description: 'description', payee: 'description', merchant: 'description', name: 'description', counterparty: 'description', beguenstigter: 'description', details: 'description', narrative: 'description', text: 'description', libelle: 'description',
  memo: 'description2', purpose: 'description2', reference: 'description2', verwendungszweck: 'description2', notes: 'description2',
  account: 'account', accountname: 'account', iban: 'account', card: 'account', accountnumber: 'account', konto: 'account',
  currency: 'currency', ccy: 'currency', currencycode: 'currency', waehrung: 'currency', devise: 'currency',
};

const norm = (h: string) =>
  h
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/[^a-z0-9]/g, '');

/** A mapping guessed from the header names, or null (with what is missing) when the date, amount or description is not found. */
export function guessMapping(header: string[]): { mapping: Mapping | null; missing: string[] } {
  const found: Partial<Record<keyof Mapping | 'description2', string>> = {};
  for (const h of header) {
    const k = GUESS[norm(h)];
    if (k && !found[k]) found[k] = h;
  }
  const missing: string[] = [];
  if (!found.date) missing.push('date');
  if (!found.amount && !found.debit && !found.credit) missing.push('amount (or debit and credit)');
  if (!found.description && !found.description2) missing.push('description');
  if (missing.length) return { mapping: null, missing };
  const description = [found.description, found.description2].filter((x): x is string => !!x);
  const m = FinanceMapping.parse({
    date: found.date,
    ...(found.amount ? { amount: found.amount } : { ...(found.debit ? { debit: found.debit } : {}), ...(found.credit ? { credit: found.credit } : {}) }),
    description: description.length === 1 ? description[0] : description,
    ...(found.account ? { account: found.account } : {}),
    ...(found.currency ? { currency: found.currency } : {}),
  });
  return { mapping: m, missing: [] };
}

export interface CsvRows {
  header: string[];
  /** Data rows with their first line in the file (blank lines skipped). */
  rows: { line: number; cells: string[] }[];
}

/** Split the CSV: the first non-blank row is the header. */
export function readCsv(text: string): CsvRows {
  const parsed = papa().parse<string[]>(text.replace(/^\uFEFF/, ''), { header: false, skipEmptyLines: false });
  let line = 1;
  let header: string[] | null = null;
  const rows: CsvRows['rows'] = [];
  for (const cells of parsed.data) {
    const at = line;
    let nl = 0;
    for (const c of cells) for (let i = c.indexOf('\n'); i !== -1; i = c.indexOf('\n', i + 1)) nl++;
    line += 1 + nl;
    if (cells.length === 0 || (cells.length === 1 && cells[0]!.trim() === '')) continue;
    if (!header) {
      header = cells.map((h) => h.trim());
      continue;
    }
    rows.push({ line: at, cells });
  }
  if (!header) throw new ApiError('invalid_input', 'csv: the file has no header row (the first line must name the columns)', [{ path: 'csv', message: 'no header row' }]);
  return { header, rows };
}

/** Every column the mapping names must be in the header; an ApiError naming each one that is not. */
export function checkMapping(m: Mapping, header: string[]): void {
  const cols: [string, string][] = [['date', m.date], ['description', ''], ['amount', m.amount ?? ''], ['debit', m.debit ?? ''], ['credit', m.credit ?? ''], ['account', m.account ?? ''], ['currency', m.currency ?? '']];
  const descs = Array.isArray(m.description) ? m.description : [m.description];
  const issues: { path: string; message: string }[] = [];
  for (const [field, col] of cols) if (col && !header.includes(col)) issues.push({ path: `mapping.${field}`, message: `column "${col}" is not in the header (columns: ${header.join(', ')})` });
  descs.forEach((d, i) => {
    if (!header.includes(d)) issues.push({ path: `mapping.description${descs.length > 1 ? `.${i}` : ''}`, message: `column "${d}" is not in the header (columns: ${header.join(', ')})` });
  });
  if (issues.length) throw new ApiError('invalid_input', `Cannot import: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}. Nothing was imported.`, issues);
}

const DATE_RE = {
  iso: /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$/,
  compact: /^(\d{4})(\d{2})(\d{2})$/,
  dmyDot: /^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?:[ T].*)?$/,
  slash: /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?:[ T].*)?$/,
  dash: /^(\d{1,2})-(\d{1,2})-(\d{2}|\d{4})(?:[ T].*)?$/,
};

const year = (y: string) => (y.length === 2 ? 2000 + Number(y) : Number(y));
function ymd(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 2200) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return dt.toISOString().slice(0, 10);
}

/**
 * "auto": pick the format from the values. Day/month order of slashed dates comes
 * from the file: a first part above 12 means DD/MM, a second part above 12 MM/DD;
 * when every date fits both, the import is refused asking for the format.
 */
export function resolveDateFormat(values: string[], fmt: Mapping['dateFormat']): Mapping['dateFormat'] {
  if (fmt !== 'auto') return fmt;
  let dayFirst = false;
  let monthFirst = false;
  let sawSlash = false;
  for (const v of values) {
    const s = v.trim();
    const m = DATE_RE.slash.exec(s) ?? DATE_RE.dash.exec(s);
    if (!m) continue;
    sawSlash = true;
    if (Number(m[1]) > 12) dayFirst = true;
    if (Number(m[2]) > 12) monthFirst = true;
  }
  if (!sawSlash) return 'auto';
  if (dayFirst && !monthFirst) return values.some((v) => DATE_RE.dash.test(v.trim())) ? 'DD-MM-YYYY' : 'DD/MM/YYYY';
  if (monthFirst && !dayFirst) return 'MM/DD/YYYY';
  throw new ApiError(
    'invalid_input',
    `mapping.dateFormat: the dates (such as "${values.find((v) => DATE_RE.slash.test(v.trim()) || DATE_RE.dash.test(v.trim()))}") could be day/month or month/day; give the date format: DD/MM/YYYY or MM/DD/YYYY. Nothing was imported.`,
    [{ path: 'mapping.dateFormat', message: 'ambiguous day/month order' }],
  );
}

/** A date as YYYY-MM-DD, or a message saying why not. */
export function parseDate(raw: string, fmt: Mapping['dateFormat']): string | { error: string } {
  const s = raw.trim();
  if (!s) return { error: 'the date is empty' };
  let out: string | null = null;
  let m: RegExpExecArray | null;
  if ((fmt === 'auto' || fmt === 'YYYY-MM-DD') && (m = DATE_RE.iso.exec(s))) out = ymd(Number(m[1]), Number(m[2]), Number(m[3]));
  else if ((fmt === 'auto' || fmt === 'YYYYMMDD') && (m = DATE_RE.compact.exec(s))) out = ymd(Number(m[1]), Number(m[2]), Number(m[3]));
  else if ((fmt === 'auto' || fmt === 'DD.MM.YYYY') && (m = DATE_RE.dmyDot.exec(s))) out = ymd(year(m[3]!), Number(m[2]), Number(m[1]));
  else if (fmt === 'DD/MM/YYYY' && (m = DATE_RE.slash.exec(s))) out = ymd(year(m[3]!), Number(m[2]), Number(m[1]));
  else if (fmt === 'MM/DD/YYYY' && (m = DATE_RE.slash.exec(s))) out = ymd(year(m[3]!), Number(m[1]), Number(m[2]));
  else if (fmt === 'DD-MM-YYYY' && (m = DATE_RE.dash.exec(s))) out = ymd(year(m[3]!), Number(m[2]), Number(m[1]));
  else if (fmt === 'auto' && (m = DATE_RE.dash.exec(s) ?? DATE_RE.slash.exec(s))) out = ymd(year(m[3]!), Number(m[2]), Number(m[1]));
  else return { error: `"${s.slice(0, 40)}" is not a date${fmt === 'auto' ? '' : ` in the format ${fmt}`}` };
  return out ?? { error: `"${s.slice(0, 40)}" is not a real date` };
}

/**
 * An amount in minor units of the currency, or a message. Accepts "1,234.56",
 * "1.234,56", "-12.50", "(12.50)", "12.50-", "€ 12,50", "+3". An empty cell is
 * null (debit/credit pairs leave one empty).
 */
export function parseAmount(raw: string, decimal: Mapping['decimal'], currency: string): number | null | { error: string } {
  let s = raw.trim().replace(/[\s\u00a0\u202f']/g, '');
  if (!s || s === '-') return null;
  let neg = false;
  if (/^\(.*\)$/.test(s)) {
    neg = true;
    s = s.slice(1, -1);
  }
  if (s.endsWith('-')) {
    neg = !neg;
    s = s.slice(0, -1);
  }
  s = s.replace(/^[^\d+\-.,]+|[^\d.,]+$/g, ''); // currency symbols or codes around the number
  if (s.startsWith('-')) {
    neg = !neg;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  if (!/^[\d.,]+$/.test(s) || !/\d/.test(s)) return { error: `"${raw.trim().slice(0, 40)}" is not an amount` };
  let sep = decimal;
  if (sep === 'auto') {
    const lastDot = s.lastIndexOf('.');
    const lastComma = s.lastIndexOf(',');
    if (lastDot >= 0 && lastComma >= 0) sep = lastDot > lastComma ? '.' : ',';
    else if (lastComma >= 0) sep = /,\d{1,2}$/.test(s) && (s.match(/,/g) ?? []).length === 1 ? ',' : '.';
    else sep = '.';
  }
  const thousands = sep === '.' ? ',' : '.';
  const parts = s.split(thousands).join('').split(sep);
  if (parts.length > 2) return { error: `"${raw.trim().slice(0, 40)}" is not an amount (more than one decimal separator "${sep}")` };
  const [whole, frac = ''] = parts as [string, string?];
  const digits = minorDigits(currency);
  if (frac.length > digits) return { error: `"${raw.trim().slice(0, 40)}" has more decimals than ${currency} has (${digits})` };
  const minor = Number(whole || '0') * 10 ** digits + Number((frac + '000').slice(0, digits) || '0');
  if (!Number.isSafeInteger(minor)) return { error: `"${raw.trim().slice(0, 40)}" is too large` };
  return neg ? -minor : minor;
}
