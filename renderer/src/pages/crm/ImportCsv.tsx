/** Import contacts from a CSV file: valid rows import, invalid ones are listed with their line and why. */
import { useId, useRef, useState, type ChangeEvent } from 'react';
import type { OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction } from '../../api/hooks';
import { ErrorPanel, formatBytes } from '../../components/ui';
import { plural } from './format';

type Report = OpOutput<'contacts.import'>;

export function ImportCsv({ onImported, onClose }: { onImported: () => void; onClose: () => void }) {
  const ids = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<{ name: string; size: number } | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const act = useAction((csv: string) => call('contacts.import', { csv }));

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    e.target.value = '';
    if (!f) return;
    setFile({ name: f.name, size: f.size });
    setReport(null);
    const r = await act.run(await f.text());
    if (r) {
      setReport(r);
      onImported();
    }
  };

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
        existing e-mails are updated, not duplicated.
      </p>
      <div className="form-actions">
        <label htmlFor={`${ids}-file`} className="visually-hidden">
          CSV file to import
        </label>
        <input ref={fileRef} id={`${ids}-file`} type="file" accept=".csv,text/csv" className="visually-hidden" onChange={(e) => void onFile(e)} />
        <button type="button" className="btn btn-primary" onClick={() => fileRef.current?.click()} disabled={act.pending}>
          {act.pending ? 'Importing…' : 'Choose a CSV file…'}
        </button>
        {file ? (
          <span className="muted">
            {file.name} ({formatBytes(file.size)})
          </span>
        ) : null}
      </div>
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
      <p className="muted">
        Columns used:{' '}
        {Object.entries(r.mapping)
          .map(([col, field]) => `${col} → ${field}`)
          .join(', ') || 'none'}
      </p>
    </div>
  );
}
