/**
 * The parts of a CSV import with a column mapping, shared by the bank/card import (ImportCard) and
 * the affiliate network's commission import (affiliate/AffiliateTab): choose the source (which
 * remembers its mapping) and the file; the mapping starts from the source's remembered one, else
 * from the one the server guesses from the header (a dry run), editable; Check is a dry run,
 * Import imports. `testId` prefixes the test ids: `<testId>-file`, `-mapping`, `-mapping-from`,
 * `-import-result`, `-import-invalid`.
 */
import { useCallback, useMemo, useRef, useState, type ReactNode } from 'react';
import { DATE_FORMATS } from '../../../../shared/api';
import { useAction } from '../../api/hooks';
import { csvPreview } from './model';

export interface CsvFile {
  name: string;
  text: string;
}
type Missing<F> = { field: keyof F; message: string }[];

/** The import's state: source, file, mapping form (and where it came from), missing columns, the last result. */
export function useCsvImport<F extends object, M, R>(o: {
  sources: readonly { name: string; mapping?: M | null }[];
  empty: F;
  formOf: (m: M, header: string[]) => F;
  mappingOf: (f: F) => { mapping: M } | { missing: Missing<F> };
  /** A dry run without a mapping: the mapping the server would use (the source's, or guessed from the header). */
  guess: (source: string, file: CsvFile) => Promise<{ mapping: M; mappingFrom: string }>;
  send: (source: string, file: CsvFile, mapping: M, dryRun: boolean) => Promise<R>;
}) {
  const { sources, empty, formOf, mappingOf, guess, send } = o;
  const [source, setSource] = useState('');
  const [file, setFile] = useState<CsvFile | null>(null);
  const [form, setForm] = useState<F>(empty);
  const [formFrom, setFormFrom] = useState<'source' | 'header' | 'none'>('none');
  const [missing, setMissing] = useState<Missing<F>>([]);
  const [result, setResult] = useState<R | null>(null);
  const preview = useMemo(() => (file ? csvPreview(file.text) : null), [file]);
  // The form is started once per file and source: a later start (or an edit by hand) wins over a dry run still on its way.
  const started = useRef<{ seq: number; source: string | null; edits: number }>({ seq: 0, source: null, edits: 0 });

  const startForm = useCallback(
    async (src: string, f: CsvFile) => {
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
        const dry = await guess(src.trim() || 'Imported', f);
        if (stale()) return;
        setForm(formOf(dry.mapping, header));
        // The server knew the source's mapping even if this page's list of sources had not arrived yet.
        setFormFrom(dry.mappingFrom === 'source' ? 'source' : 'header');
      } catch {
        if (stale()) return;
        setForm({ ...empty });
        setFormFrom('none');
      }
    },
    [sources, formOf, guess, empty],
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
        return send(source.trim(), file, m.mapping, dryRun);
      },
      [file, form, source, mappingOf, send],
    ),
  );

  const sourceOk = source.trim().length > 0;
  return {
    source,
    sourceName: sources.find((s) => s.name.toLowerCase() === source.trim().toLowerCase())?.name ?? source.trim(),
    setSource,
    file,
    preview,
    form,
    formFrom,
    result,
    sourceOk,
    pending: run.pending,
    error: run.error,
    problem: (k: keyof F) => missing.find((m) => m.field === k)?.message,
    set: <K extends keyof F>(k: K, v: F[K]) => {
      started.current.edits++;
      setForm((f) => ({ ...f, [k]: v }));
    },
    /** The source field lost focus: a new source starts the mapping again. */
    sourceDone: () => {
      if (file && sourceOk && source.trim().toLowerCase() !== started.current.source) void startForm(source, file);
    },
    chooseFile: async (f: File) => {
      const next = { name: f.name, text: await f.text() };
      setFile(next);
      await startForm(source, next);
    },
    go: async (dryRun: boolean) => {
      setResult(null);
      const r = await run.run(dryRun);
      if (r) setResult(r);
    },
  };
}
/** What the shared parts read of an import (nothing of its form's shape). */
export interface ImportView {
  source: string;
  /** The source as it is stored (its own capitals), or as typed when new. */
  sourceName: string;
  setSource: (s: string) => void;
  sourceDone: () => void;
  chooseFile: (f: File) => Promise<void>;
  file: CsvFile | null;
  preview: { header: string[]; rows: string[][] } | null;
  formFrom: 'source' | 'header' | 'none';
  sourceOk: boolean;
  pending: boolean;
  go: (dryRun: boolean) => Promise<void>;
}

/** The source (with the known ones offered) and the CSV file; `children` go between them. */
export function SourceAndFile({ uid, imp, label, placeholder, testId, sources, children }: { uid: string; imp: ImportView; label: string; placeholder: string; testId: string; sources: readonly { id: number | string; name: string }[]; children?: ReactNode }) {
  return (
    <div className="fin-import-head">
      <div className="fin-field">
        <label htmlFor={`${uid}-source`}>{label}</label>
        <input className="control" id={`${uid}-source`} list={`${uid}-sources`} value={imp.source} placeholder={placeholder} autoComplete="off" onChange={(e) => imp.setSource(e.target.value)} onBlur={imp.sourceDone} />
        <datalist id={`${uid}-sources`}>
          {sources.map((s) => (
            <option key={s.id} value={s.name} />
          ))}
        </datalist>
      </div>
      {children}
      <div className="fin-field">
        <label htmlFor={`${uid}-file`}>CSV file</label>
        <input className="control"
          id={`${uid}-file`}
          type="file"
          accept=".csv,text/csv,text/plain"
          data-testid={`${testId}-file`}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void imp.chooseFile(f);
          }}
        />
      </div>
    </div>
  );
}

/** One mapping field: which column of the file holds it. */
export function ColumnSelect({ id, label, optional, header, value, problem, onChange }: { id: string; label: string; optional?: boolean | undefined; header: string[]; value: string; problem: string | undefined; onChange: (v: string) => void }) {
  return (
    <div className="fin-field">
      <label htmlFor={id}>{label}</label>
      <select className="control" id={id} value={value} aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${id}-err` : undefined} onChange={(e) => onChange(e.target.value)}>
        <option value="">{optional ? '(none)' : 'Choose a column…'}</option>
        {header.map((h) => (
          <option key={h} value={h}>
            {h}
          </option>
        ))}
      </select>
      {problem ? (
        <p id={`${id}-err`} className="field-error" data-testid="field-error">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

type DateFormat = (typeof DATE_FORMATS)[number];
type Decimal = 'auto' | '.' | ',';

/** The date format and the decimal separator of the file's numbers. */
export function NumberFormats({ uid, dateFormat, decimal, onDateFormat, onDecimal }: { uid: string; dateFormat: DateFormat; decimal: Decimal; onDateFormat: (v: DateFormat) => void; onDecimal: (v: Decimal) => void }) {
  return (
    <>
      <div className="fin-field">
        <label htmlFor={`${uid}-datefmt`}>Date format</label>
        <select className="control" id={`${uid}-datefmt`} value={dateFormat} onChange={(e) => onDateFormat(e.target.value as DateFormat)}>
          {DATE_FORMATS.map((d) => (
            <option key={d} value={d}>
              {d === 'auto' ? 'Recognise' : d}
            </option>
          ))}
        </select>
      </div>
      <div className="fin-field">
        <label htmlFor={`${uid}-decimal`}>Decimal separator</label>
        <select className="control" id={`${uid}-decimal`} value={decimal} onChange={(e) => onDecimal(e.target.value as Decimal)}>
          <option value="auto">Recognise</option>
          <option value=".">1,234.56</option>
          <option value=",">1.234,56</option>
        </select>
      </div>
    </>
  );
}

/** The mapping step: where the mapping came from, the fields (`children`), the file's first rows, Check and Import. */
export function MappingSection({ uid, imp, testId, children }: { uid: string; imp: ImportView; testId: string; children: ReactNode }) {
  const { file, preview } = imp;
  if (!file || !preview) return null;
  return (
    <section className="fin-mapping" aria-labelledby={`${uid}-map`} data-testid={`${testId}-mapping`}>
      <h3 id={`${uid}-map`}>Which column holds what</h3>
      <p className="hint" data-testid={`${testId}-mapping-from`}>
        {imp.formFrom === 'source'
          ? `The mapping remembered for “${imp.sourceName}”. Change it if this export differs.`
          : imp.formFrom === 'header'
            ? 'Guessed from the column names. Check it; the source remembers it after the import.'
            : 'Choose the columns; the source remembers them after the import.'}
      </p>
      {preview.header.length === 0 ? <p className="field-error">The file has no header row: the first line must name the columns.</p> : null}
      <div className="fin-mapping-grid">{children}</div>
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
        <button type="button" className="btn" disabled={imp.pending || !imp.sourceOk} onClick={() => void imp.go(true)}>
          Check
        </button>
        <button type="button" className="btn btn-primary" disabled={imp.pending || !imp.sourceOk} onClick={() => void imp.go(false)}>
          {imp.pending ? 'Working…' : 'Import'}
        </button>
        {!imp.sourceOk ? <span className="hint">Name the source first.</span> : null}
      </div>
    </section>
  );
}

/** What an import (or a check) did, with the rows it left out by line. */
export function ImportOutcome({ testId, dryRun, invalid, invalidCount, children }: { testId: string; dryRun: boolean; invalid: { line: number; reason: string }[]; invalidCount: number; children: ReactNode }) {
  return (
    <div className="fin-result" role="status" data-testid={`${testId}-import-result`} data-dry-run={dryRun ? 'true' : 'false'}>
        <p className={invalidCount ? 'notice' : 'success'}>{children}</p>
        {invalid.length ? (
          <ul className="fin-invalid" aria-label="Rows with errors" data-testid={`${testId}-import-invalid`}>
            {invalid.map((i) => (
              <li key={i.line}>
                <strong>Line {i.line}:</strong> {i.reason}
              </li>
            ))}
            {invalidCount > invalid.length ? <li className="muted">and {invalidCount - invalid.length} more</li> : null}
          </ul>
        ) : null}
    </div>
  );
}
