/**
 * finance.import (docs/finance.md, "Import"): a source's CSV into
 * finance_transactions in ONE transaction — every good row once (a row whose
 * hash is already stored is a duplicate and adds nothing), every bad row
 * reported with its line and why, the rules applied to the new rows, the
 * mapping remembered for the source. A failure writes nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ApiError, FinanceMapping, type FinanceImportResult, type FinanceMapping as Mapping, type OpInput } from '../../../shared/api';
import type { StoredMapping } from '../db/schema/finance';
import type { ThreadEnv } from '../env';
import { checkMapping, guessMapping, parseAmount, parseDate, readCsv, resolveDateFormat } from './csv';
import { matchRule } from './rules';
import { financeStoreOf } from './store';

const MAX_REPORTED = 1000;

export function financeCurrency(env: Pick<ThreadEnv, 'setting'>): string {
  const c = env.setting<string | null>('finance.currency', null);
  return typeof c === 'string' && /^[A-Za-z]{3}$/.test(c) ? c.toUpperCase() : 'USD';
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

export function importTransactions(env: ThreadEnv, input: OpInput<'finance.import'>): FinanceImportResult {
  const st = financeStoreOf(env);
  const { header, rows } = readCsv(input.csv);
  const known = st.source(input.source);
  let mapping: Mapping;
  let mappingFrom: FinanceImportResult['mappingFrom'];
  if (input.mapping) {
    mapping = FinanceMapping.parse(input.mapping);
    mappingFrom = 'input';
  } else if (known && known.mapping !== null) {
    mapping = FinanceMapping.parse(st.sourceMapping(known));
    mappingFrom = 'source';
  } else {
    const g = guessMapping(header);
    if (!g.mapping) {
      throw new ApiError(
        'invalid_input',
        `mapping: the source "${input.source}" has no remembered column mapping and the header does not say which column holds the ${g.missing.join(', ')} (columns: ${header.join(', ')}). Give the mapping once, e.g. --map '{"date":"${header[0] ?? 'Date'}","amount":"…","description":"…"}'; it is remembered for the source. Nothing was imported.`,
        g.missing.map((m) => ({ path: `mapping.${m.split(' ')[0]}`, message: 'no column found' })),
      );
    }
    mapping = g.mapping;
    mappingFrom = 'header';
  }
  checkMapping(mapping, header);
  const col = (name: string | undefined) => (name === undefined ? -1 : header.indexOf(name));
  const iDate = col(mapping.date);
  const iAmount = col(mapping.amount);
  const iDebit = col(mapping.debit);
  const iCredit = col(mapping.credit);
  const iAccount = col(mapping.account);
  const iCurrency = col(mapping.currency);
  const iDesc = (Array.isArray(mapping.description) ? mapping.description : [mapping.description]).map((d) => header.indexOf(d));
  const dateFormat = resolveDateFormat(
    rows.map((r) => r.cells[iDate] ?? ''),
    mapping.dateFormat,
  );
  const currencyDefault = (input.currency ?? known?.currency ?? financeCurrency(env)).toUpperCase();
  const accountDefault = input.source.trim();

  const invalid: { line: number; reason: string }[] = [];
  let invalidCount = 0;
  const bad = (line: number, reason: string) => {
    invalidCount++;
    if (invalid.length < MAX_REPORTED) invalid.push({ line, reason });
  };
  const occurrences = new Map<string, number>();
  const good: { line: number; date: string; amount: number; currency: string; description: string; account: string; hash: string }[] = [];
  for (const { line, cells } of rows) {
    if (cells.length !== header.length) {
      bad(line, `the row has ${cells.length} columns but the header has ${header.length}${cells.length > header.length ? ' (an unquoted separator in a field?)' : ''}`);
      continue;
    }
    if (cells.some((c) => c.includes('\uFFFD'))) {
      bad(line, 'the row contains bytes that are not valid UTF-8 (export the file as UTF-8 and import it again)');
      continue;
    }
    const problems: string[] = [];
    const date = parseDate(cells[iDate] ?? '', dateFormat);
    if (typeof date !== 'string') problems.push(`date (column "${mapping.date}"): ${date.error}`);
    let currency = currencyDefault;
    if (iCurrency >= 0) {
      const c = (cells[iCurrency] ?? '').trim().toUpperCase();
      if (c && !/^[A-Z]{3}$/.test(c)) problems.push(`currency (column "${mapping.currency}"): "${c.slice(0, 20)}" is not a 3-letter currency code`);
      else if (c) currency = c;
    }
    let amount: number | null = null;
    const amountOf = (idx: number, field: string, column: string | undefined): number | null => {
      if (idx < 0) return null;
      const a = parseAmount(cells[idx] ?? '', mapping.decimal, currency);
      if (a !== null && typeof a === 'object') {
        problems.push(`${field} (column "${column}"): ${a.error}`);
        return null;
      }
      return a;
    };
    if (iAmount >= 0) {
      amount = amountOf(iAmount, 'amount', mapping.amount);
      if (amount === null && !problems.some((p) => p.startsWith('amount'))) problems.push(`amount (column "${mapping.amount}"): the amount is empty`);
    } else {
      const debit = amountOf(iDebit, 'debit', mapping.debit);
      const credit = amountOf(iCredit, 'credit', mapping.credit);
      if (debit === null && credit === null && !problems.some((p) => p.startsWith('debit') || p.startsWith('credit'))) problems.push('amount: both debit and credit are empty');
      else amount = (credit ?? 0) - Math.abs(debit ?? 0);
    }
    const description = squash(iDesc.map((i) => cells[i] ?? '').filter((x) => x.trim()).join(' · '));
    if (!description) problems.push(`description (column ${iDesc.map((i) => `"${header[i]}"`).join(', ')}): empty`);
    if (problems.length || typeof date !== 'string' || amount === null) {
      bad(line, problems.join('; '));
      continue;
    }
    if (mapping.negate) amount = -amount;
    const account = iAccount >= 0 ? squash(cells[iAccount] ?? '') || accountDefault : accountDefault;
    const tuple = `${date}|${amount}|${currency}|${description.toLowerCase()}|${account.toLowerCase()}`;
    const n = (occurrences.get(tuple) ?? 0) + 1;
    occurrences.set(tuple, n);
    const hash = createHash('sha256').update(`${tuple}|#${n}`).digest('hex');
    good.push({ line, date, amount, currency, description: description.slice(0, 1000), account: account.slice(0, 200), hash });
  }

  const stored: StoredMapping = { ...mapping, description: Array.isArray(mapping.description) ? mapping.description : [mapping.description] };
  const rules = st.rules();
  const at = new Date(env.now()).toISOString();
  const importId = input.dryRun ? null : `fi_${randomUUID()}`;
  let imported = 0;
  let duplicates = 0;
  let categorized = 0;
  const dates = good.map((g) => g.date).sort();
  const run = () => {
    const sourceId = input.dryRun ? (known?.id ?? 0) : st.saveSource(input.source, stored, input.currency ?? null, at);
    for (const g of good) {
      if (input.dryRun) {
        if (st.hasHash(g.hash)) duplicates++;
        else imported++;
        continue;
      }
      const rule = matchRule(rules, g.description);
      if (st.insert({ sourceId, importId: importId!, ...g, category: rule?.category ?? null, client: rule?.client ?? null })) {
        imported++;
        if (rule) categorized++;
      } else duplicates++;
    }
    if (!input.dryRun) st.recordImport({ id: importId!, sourceId, file: input.file ?? null, rows: rows.length, imported, duplicates, invalid: invalidCount, errors: invalid });
  };
  if (input.dryRun) run();
  else st.write(run);
  return {
    importId,
    source: known?.name ?? input.source.trim(),
    mapping: FinanceMapping.parse({ ...mapping, dateFormat: mapping.dateFormat }),
    mappingFrom,
    rows: rows.length,
    imported,
    duplicates,
    invalidCount,
    invalid,
    categorized,
    firstDate: dates[0] ?? null,
    lastDate: dates[dates.length - 1] ?? null,
    dryRun: input.dryRun ?? false,
  };
}
