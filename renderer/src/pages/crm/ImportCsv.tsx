/**
 * Import contacts from a CSV file: first a check of the file (new and existing e-mails, invalid
 * rows, and which enabled workflows the import would start), then the import: valid rows import,
 * invalid ones are listed with their line and why.
 */
import { useId, useRef, useState, type ChangeEvent } from 'react';
import type { ImportPlan, OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction } from '../../api/hooks';
import { ErrorPanel, formatBytes } from '../../components/ui';
import { plural } from './format';

type Report = OpOutput<'contacts.import'>;
type Preview = OpOutput<'contacts.import.preview'>;

/** What workflows an import starts (and which ones it does not start for imported rows), as the core says it. */
export function ImportWorkflows({ plan, testId = 'import-workflows' }: { plan: ImportPlan; testId?: string }) {
  return (
    <p className={plan.start.length ? 'import-workflows warning' : 'import-workflows muted'} data-testid={testId}>
      {plan.summary}
    </p>
  );
}

export function ImportCsv({ onImported, onClose }: { onImported: () => void; onClose: () => void }) {
  const ids = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<{ name: string; size: number; text: string } | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const check = useAction((csv: string, name: string) => call('contacts.import.preview', { csv, file: name }));
  const act = useAction((csv: string, name: string) => call('contacts.import', { csv, file: name }));

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    e.target.value = '';
    if (!f) return;
    const text = await f.text();
    setFile({ name: f.name, size: f.size, text });
    setReport(null);
    setPreview(null);
    act.clearError();
    const p = await check.run(text, f.name);
    if (p) setPreview(p);
  };
  const onImport = async () => {
    if (!file) return;
    const r = await act.run(file.text, file.name);
    if (r) {
      setReport(r);
      setPreview(null);
      onImported();
    }
  };
  const busy = check.pending || act.pending;

  return (
    <section className="card import-card" aria-labelledby={`${ids}-h`}>
      <div className="card-head">
        <h2 id={`${ids}-h`}>Import contacts from CSV</h2>
        <div className="card-actions">
          <button type="button" className="btn btn-quiet" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      <p className="hint">
        A header row, then one contact per line. Columns are matched by name (<code>email</code>, <code>first_name</code>, <code>company</code>, <code>tags</code>…);
        existing e-mails are updated, not duplicated. The file is checked first: you see which workflows the import would start before anything is written.
      </p>
      <div className="form-actions">
        <label htmlFor={`${ids}-file`} className="visually-hidden">
          CSV file to import
        </label>
        <input ref={fileRef} id={`${ids}-file`} type="file" accept=".csv,text/csv" className="visually-hidden" onChange={(e) => void onFile(e)} />
        <button type="button" className={preview ? 'btn' : 'btn btn-primary'} onClick={() => fileRef.current?.click()} disabled={busy}>
          {check.pending ? 'Checking…' : file ? 'Choose another file…' : 'Choose a CSV file…'}
        </button>
        {file ? (
          <span className="muted">
            {file.name} ({formatBytes(file.size)})
          </span>
        ) : null}
      </div>
      {check.pending ? (
        <p className="loading" role="status">
          <span className="spinner" aria-hidden="true" /> Checking {file?.name}…
        </p>
      ) : null}
      {check.error ? <ErrorPanel what={`Could not read ${file?.name ?? 'the file'}`} error={check.error} /> : null}
      {preview ? (
        <div className="import-preview" role="status" data-testid="import-preview">
          <p>
            <strong>
              {plural(preview.create, 'new contact')}, {plural(preview.update, 'existing one')}
            </strong>{' '}
            <span className="muted">
              (updated where something differs){preview.invalidCount ? `, ${plural(preview.invalidCount, 'invalid row')} skipped` : ''} — {plural(preview.rows, 'row')} in the file.
            </span>
          </p>
          <ImportWorkflows plan={preview.workflows} />
          <div className="form-actions">
            <button type="button" className="btn btn-primary" onClick={() => void onImport()} disabled={busy || preview.create + preview.update === 0}>
              {act.pending ? 'Importing…' : `Import ${plural(preview.create + preview.update, 'row')}`}
            </button>
          </div>
        </div>
      ) : null}
      {act.pending ? (
        <p className="loading" role="status">
          <span className="spinner" aria-hidden="true" /> Importing {file?.name}…
        </p>
      ) : null}
      {act.error ? <ErrorPanel what={`Could not import ${file?.name ?? 'the file'}`} error={act.error} /> : null}
      {report ? <ImportReportView report={report} /> : null}
    </section>
  );
}

function ImportReportView({ report: r }: { report: Report }) {
  return (
    <div className="import-report" role="status" data-testid="import-report">
      <p>
        <strong>
          Imported {plural(r.rows - r.invalidCount, 'row')} of {plural(r.rows, 'row')}
        </strong>{' '}
        <span className="muted">in {(r.durationMs / 1000).toFixed(1)} s</span>
      </p>
      <dl className="facts facts-inline">
        <div>
          <dt>Created</dt>
          <dd data-testid="import-created">{r.created.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd data-testid="import-updated">{r.updated.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Unchanged</dt>
          <dd data-testid="import-unchanged">{r.unchanged.toLocaleString()}</dd>
        </div>
        <div>
          <dt>New companies</dt>
          <dd>{r.companiesCreated.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Invalid</dt>
          <dd data-testid="import-invalid">{r.invalidCount.toLocaleString()}</dd>
        </div>
      </dl>
      {r.invalid.length ? (
        <>
          <h3 className="sr-sub">Rows not imported</h3>
          <table className="table" aria-label="Rows not imported">
            <thead>
              <tr>
                <th scope="col" className="num">
                  Line
                </th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {r.invalid.map((x) => (
                <tr key={x.line}>
                  <td className="num">{x.line}</td>
                  <td>{x.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {r.invalidCount > r.invalid.length ? <p className="muted">…and {plural(r.invalidCount - r.invalid.length, 'more row')} (the first {r.invalid.length} are listed).</p> : null}
        </>
      ) : null}
      <ImportWorkflows plan={r.workflows} testId="import-report-workflows" />
      <p className="muted">
        Columns used:{' '}
        {Object.entries(r.mapping)
          .map(([col, field]) => `${col} → ${field}`)
          .join(', ') || 'none'}
      </p>
    </div>
  );
}
