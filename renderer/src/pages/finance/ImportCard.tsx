/**
 * A bank or card CSV into the P&L, from the window: choose the source (a named account) and the
 * file; the column mapping step shows the file's columns and first rows with the mapping the
 * source remembers (or the one guessed from the header), editable; Check is a dry run, Import
 * imports and the source remembers the mapping. The result names every bad row by its line.
 * The steps are CsvImport.tsx's, shared with the affiliate commission import.
 */
import { useId } from 'react';
import type { FinanceImportResult, FinanceMapping, OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { Card, ErrorPanel } from '../../components/ui';
import { invalidate } from '../../data/query';
import { ColumnSelect, ImportOutcome, MappingSection, NumberFormats, SourceAndFile, useCsvImport, type CsvFile } from './CsvImport';
import { EMPTY_FORM, formOf, mappingOf, type MappingForm } from './model';

type Sources = OpOutput<'finance.sources.list'>['sources'];

const COLUMN_FIELDS: { key: keyof MappingForm; label: string; optional?: boolean; when?: MappingForm['amountMode'] }[] = [
  { key: 'date', label: 'Date' },
  { key: 'amount', label: 'Amount (money out negative)', when: 'signed' },
  { key: 'debit', label: 'Money out', optional: true, when: 'split' },
  { key: 'credit', label: 'Money in', optional: true, when: 'split' },
  { key: 'description', label: 'Description' },
  { key: 'description2', label: 'More description', optional: true },
  { key: 'account', label: 'Account', optional: true },
  { key: 'currency', label: 'Currency', optional: true },
];

const guess = (source: string, f: CsvFile) => call('finance.import', { source, csv: f.text, file: f.name, dryRun: true });
const send = async (source: string, f: CsvFile, mapping: FinanceMapping, dryRun: boolean) => {
  const r = await call('finance.import', { source, csv: f.text, file: f.name, mapping, dryRun });
  if (!dryRun) invalidate('finance.pnl', 'finance.sources.list', 'finance.transactions.list', 'finance.categories.list');
  return r;
};

export function ImportCard({ sources }: { sources: Sources }) {
  const uid = useId();
  const imp = useCsvImport<MappingForm, FinanceMapping, FinanceImportResult>({ sources, empty: EMPTY_FORM, formOf, mappingOf, guess, send });
  const { form, set } = imp;
  return (
    <Card title="Import a bank or card CSV" id="finance-import">
      <SourceAndFile uid={uid} imp={imp} label="Source (the account the file comes from)" placeholder="e.g. Business checking" testId="finance" sources={sources} />
      {!imp.file ? <p className="hint">Export the statement from your bank or card as CSV. Rows already imported (this file again, or an overlapping export) are skipped.</p> : null}
      <MappingSection uid={uid} imp={imp} testId="finance">
        <fieldset className="fin-field">
          <legend>Amounts</legend>
          <label className="fin-radio">
            <input type="radio" name={`${uid}-mode`} checked={form.amountMode === 'signed'} onChange={() => set('amountMode', 'signed')} /> One column, signed
          </label>
          <label className="fin-radio">
            <input type="radio" name={`${uid}-mode`} checked={form.amountMode === 'split'} onChange={() => set('amountMode', 'split')} /> Money out and money in
          </label>
        </fieldset>
        {COLUMN_FIELDS.filter((f) => !f.when || f.when === form.amountMode).map((f) => (
          <ColumnSelect key={f.key} id={`${uid}-col-${f.key}`} label={f.label} optional={f.optional} header={imp.preview?.header ?? []} value={form[f.key] as string} problem={imp.problem(f.key)} onChange={(v) => set(f.key, v as never)} />
        ))}
        <NumberFormats uid={uid} dateFormat={form.dateFormat} decimal={form.decimal} onDateFormat={(v) => set('dateFormat', v)} onDecimal={(v) => set('decimal', v)} />
        <label className="fin-check">
          <input type="checkbox" checked={form.negate} onChange={(e) => set('negate', e.target.checked)} /> Purchases are positive numbers (a card statement): flip the signs
        </label>
      </MappingSection>
      {imp.error ? <ErrorPanel what="The file was not imported" error={imp.error} /> : null}
      {imp.result ? <ImportResult r={imp.result} /> : null}
    </Card>
  );
}

function ImportResult({ r }: { r: FinanceImportResult }) {
  return (
    <ImportOutcome testId="finance" dryRun={r.dryRun} invalid={r.invalid} invalidCount={r.invalidCount}>
      {r.dryRun ? 'Check only, nothing imported: ' : ''}
      {r.dryRun ? `${r.imported} of ${r.rows} rows would be imported` : `Imported ${r.imported} of ${r.rows} rows into “${r.source}”`}
      {r.duplicates ? `; ${r.duplicates} already imported before` : ''}
      {r.invalidCount ? `; ${r.invalidCount} row${r.invalidCount === 1 ? '' : 's'} with errors, left out` : ''}
      {r.categorized ? `; ${r.categorized} categorised by your rules` : ''}
      {r.firstDate && r.lastDate ? ` (${r.firstDate} to ${r.lastDate})` : ''}.
    </ImportOutcome>
  );
}
