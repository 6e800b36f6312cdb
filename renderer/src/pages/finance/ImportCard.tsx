/**
 * A bank or card CSV into the P&L, from the window: choose the source (a named account) and the
 * file; the column mapping step shows the file's columns and first rows with the mapping the
 * source remembers (or the one guessed from the header), editable; Check is a dry run, Import
 * imports and the source remembers the mapping. The result names every bad row by its line.
 */
import { useCallback, useId, useMemo, useRef, useState } from 'react';
import type { FinanceImportResult, OpOutput } from '../../../../shared/api';
import { DATE_FORMATS } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction } from '../../api/hooks';
import { Card, ErrorPanel } from '../../components/ui';
import { invalidate } from '../../data/query';
import { EMPTY_FORM, csvPreview, formOf, mappingOf, type MappingForm } from './model';

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

export function ImportCard({ sources }: { sources: Sources }) {
  const uid = useId();
  const [source, setSource] = useState('');
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [form, setForm] = useState<MappingForm>(EMPTY_FORM);
  const [formFrom, setFormFrom] = useState<'source' | 'header' | 'none'>('none');
  const [missing, setMissing] = useState<{ field: keyof MappingForm; message: string }[]>([]);
  const [result, setResult] = useState<FinanceImportResult | null>(null);
  const preview = useMemo(() => (file ? csvPreview(file.text) : null), [file]);
  const known = sources.find((s) => s.name.toLowerCase() === source.trim().toLowerCase()) ?? null;
  // The form is started once per file and source: a later start (or an edit by hand) wins over a dry run still on its way.
  const started = useRef<{ seq: number; source: string | null; edits: number }>({ seq: 0, source: null, edits: 0 });

  /** The mapping to start from: the source's remembered one, else the one guessed from the header (a dry run). */
  const startForm = useCallback(
    async (src: string, f: { name: string; text: string }) => {
      const header = csvPreview(f.text).header;
      const seq = ++started.current.seq;
      started.current.source = src.trim().toLowerCase();
      const edits = started.current.edits;
      const stale = () => seq !== started.current.seq || edits !== started.current.edits;
      const remembered = sources.find((s) => s.name.toLowerCase() === src.trim().toLowerCase())?.mapping;
      setResult(null);
      setMissing([]);
      if (remembered) {
        setForm(formOf(remembered, header));
        setFormFrom('source');
        return;
      }
      try {
        const dry = await call('finance.import', { source: src.trim() || 'Imported', csv: f.text, file: f.name, dryRun: true });
        if (stale()) return;
        setForm(formOf(dry.mapping, header));
        // The server knew the source's mapping even if this page's list of sources had not arrived yet.
        setFormFrom(dry.mappingFrom === 'source' ? 'source' : 'header');
      } catch {
        if (stale()) return;
        setForm({ ...EMPTY_FORM });
        setFormFrom('none');
      }
    },
    [sources],
  );

  const run = useAction(
    useCallback(
      async (dryRun: boolean) => {
        if (!file) return null;
        const m = mappingOf(form);
        if ('missing' in m) {
          setMissing(m.missing);
          return null;
        }
        setMissing([]);
        const r = await call('finance.import', { source: source.trim(), csv: file.text, file: file.name, mapping: m.mapping, dryRun });
        if (!dryRun) invalidate('finance.pnl', 'finance.sources.list', 'finance.transactions.list', 'finance.categories.list');
        return r;
      },
      [file, form, source],
    ),
  );

  const go = async (dryRun: boolean) => {
    setResult(null);
    const r = await run.run(dryRun);
    if (r) setResult(r);
  };

  const set = <K extends keyof MappingForm>(k: K, v: MappingForm[K]) => {
    started.current.edits++;
    setForm((f) => ({ ...f, [k]: v }));
  };
  const problem = (k: keyof MappingForm) => missing.find((m) => m.field === k)?.message;
  const sourceOk = source.trim().length > 0;

  return (
    <Card title="Import a bank or card CSV" id="finance-import">
      <div className="fin-import-head">
        <div className="fin-field">
          <label htmlFor={`${uid}-source`}>Source (the account the file comes from)</label>
          <input
            id={`${uid}-source`}
            list={`${uid}-sources`}
            value={source}
            placeholder="e.g. Business checking"
            autoComplete="off"
            onChange={(e) => setSource(e.target.value)}
            onBlur={() => file && sourceOk && source.trim().toLowerCase() !== started.current.source && void startForm(source, file)}
          />
          <datalist id={`${uid}-sources`}>
            {sources.map((s) => (
              <option key={s.id} value={s.name} />
            ))}
          </datalist>
        </div>
        <div className="fin-field">
          <label htmlFor={`${uid}-file`}>CSV file</label>
          <input
            id={`${uid}-file`}
            type="file"
            accept=".csv,text/csv,text/plain"
            data-testid="finance-file"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (!f) return;
              const next = { name: f.name, text: await f.text() };
              setFile(next);
              await startForm(source, next);
            }}
          />
        </div>
      </div>
      {!file ? <p className="hint">Export the statement from your bank or card as CSV. Rows already imported (this file again, or an overlapping export) are skipped.</p> : null}
      {file && preview ? (
        <section className="fin-mapping" aria-labelledby={`${uid}-map`} data-testid="finance-mapping">
          <h3 id={`${uid}-map`}>Which column holds what</h3>
          <p className="hint" data-testid="finance-mapping-from">
            {formFrom === 'source'
              ? `The mapping remembered for “${known?.name ?? source.trim()}”. Change it if this export differs.`
              : formFrom === 'header'
                ? 'Guessed from the column names. Check it; the source remembers it after the import.'
                : 'Choose the columns; the source remembers them after the import.'}
          </p>
          {preview.header.length === 0 ? <p className="field-error">The file has no header row: the first line must name the columns.</p> : null}
          <div className="fin-mapping-grid">
            <fieldset className="fin-field">
              <legend>Amounts</legend>
              <label className="fin-radio">
                <input type="radio" name={`${uid}-mode`} checked={form.amountMode === 'signed'} onChange={() => set('amountMode', 'signed')} /> One column, signed
              </label>
              <label className="fin-radio">
                <input type="radio" name={`${uid}-mode`} checked={form.amountMode === 'split'} onChange={() => set('amountMode', 'split')} /> Money out and money in
              </label>
            </fieldset>
            {COLUMN_FIELDS.filter((f) => !f.when || f.when === form.amountMode).map((f) => {
              const id = `${uid}-col-${f.key}`;
              const msg = problem(f.key);
              return (
                <div className="fin-field" key={f.key}>
                  <label htmlFor={id}>{f.label}</label>
                  <select id={id} value={form[f.key] as string} aria-invalid={msg ? true : undefined} aria-describedby={msg ? `${id}-err` : undefined} onChange={(e) => set(f.key, e.target.value as never)}>
                    <option value="">{f.optional ? '(none)' : 'Choose a column…'}</option>
                    {preview.header.map((h) => (
                      <option key={h} value={h}>
                        {h}
                      </option>
                    ))}
                  </select>
                  {msg ? (
                    <p id={`${id}-err`} className="field-error" data-testid="field-error">
                      {msg}
                    </p>
                  ) : null}
                </div>
              );
            })}
            <div className="fin-field">
              <label htmlFor={`${uid}-datefmt`}>Date format</label>
              <select id={`${uid}-datefmt`} value={form.dateFormat} onChange={(e) => set('dateFormat', e.target.value as MappingForm['dateFormat'])}>
                {DATE_FORMATS.map((d) => (
                  <option key={d} value={d}>
                    {d === 'auto' ? 'Recognise' : d}
                  </option>
                ))}
              </select>
            </div>
            <div className="fin-field">
              <label htmlFor={`${uid}-decimal`}>Decimal separator</label>
              <select id={`${uid}-decimal`} value={form.decimal} onChange={(e) => set('decimal', e.target.value as MappingForm['decimal'])}>
                <option value="auto">Recognise</option>
                <option value=".">1,234.56</option>
                <option value=",">1.234,56</option>
              </select>
            </div>
            <label className="fin-check">
              <input type="checkbox" checked={form.negate} onChange={(e) => set('negate', e.target.checked)} /> Purchases are positive numbers (a card statement): flip the signs
            </label>
          </div>
          {preview.rows.length ? (
            <div className="table-wrap fin-sample">
              <table className="table" aria-label={`The first rows of ${file.name}`}>
                <thead>
                  <tr>
                    {preview.header.map((h, i) => (
                      <th key={i} scope="col">
                        {h}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {preview.rows.map((r, i) => (
                    <tr key={i}>
                      {preview.header.map((_h, j) => (
                        <td key={j}>{r[j] ?? ''}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <div className="form-actions">
            <button type="button" className="btn" disabled={run.pending || !sourceOk} onClick={() => void go(true)}>
              Check
            </button>
            <button type="button" className="btn btn-primary" disabled={run.pending || !sourceOk} onClick={() => void go(false)}>
              {run.pending ? 'Working…' : 'Import'}
            </button>
            {!sourceOk ? <span className="hint">Name the source first.</span> : null}
          </div>
        </section>
      ) : null}
      {run.error ? <ErrorPanel what="The file was not imported" error={run.error} /> : null}
      {result ? <ImportResult r={result} /> : null}
    </Card>
  );
}

function ImportResult({ r }: { r: FinanceImportResult }) {
  return (
    <div className="fin-result" role="status" data-testid="finance-import-result" data-dry-run={r.dryRun ? 'true' : 'false'}>
      <p className={r.invalidCount ? 'notice' : 'success'}>
        {r.dryRun ? 'Check only, nothing imported: ' : ''}
        {r.dryRun ? `${r.imported} of ${r.rows} rows would be imported` : `Imported ${r.imported} of ${r.rows} rows into “${r.source}”`}
        {r.duplicates ? `; ${r.duplicates} already imported before` : ''}
        {r.invalidCount ? `; ${r.invalidCount} row${r.invalidCount === 1 ? '' : 's'} with errors, left out` : ''}
        {r.categorized ? `; ${r.categorized} categorised by your rules` : ''}
        {r.firstDate && r.lastDate ? ` (${r.firstDate} to ${r.lastDate})` : ''}.
      </p>
      {r.invalid.length ? (
        <ul className="fin-invalid" aria-label="Rows with errors" data-testid="finance-import-invalid">
          {r.invalid.map((i) => (
            <li key={i.line}>
              <strong>Line {i.line}:</strong> {i.reason}
            </li>
          ))}
          {r.invalidCount > r.invalid.length ? <li className="muted">and {r.invalidCount - r.invalid.length} more</li> : null}
        </ul>
      ) : null}
    </div>
  );
}
