/** The setup's data step: demo data, or a CSV checked first and then imported. */
import { useState, type ChangeEvent } from 'react';
import type { ApiError, ImportPreview, ImportReport } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi } from '../../api/hooks';
import { ErrorPanel } from '../../components/ui';
import { ImportWorkflows } from '../crm/ImportCsv';
import { importable, previewText, reportText, seededText } from './model';

export function DataToLookAt() {
  const contacts = useApi('contacts.list', { limit: 1 });
  const [report, setReport] = useState<ImportReport | null>(null);
  const [preview, setPreview] = useState<{ name: string; csv: string; p: ImportPreview } | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const seed = useAction(async () => {
    const r = await call('demo.seed', { contacts: 1000 });
    contacts.reload();
    return r;
  });
  const [seeded, setSeeded] = useState<string | null>(null);
  // The file is checked first (which workflows the import would start), then imported on a click.
  async function checkFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setFailure(null);
    setReport(null);
    setPreview(null);
    try {
      const csv = await file.text();
      setPreview({ name: file.name, csv, p: await call('contacts.import.preview', { csv, file: file.name }) });
    } catch (err) {
      setFailure(err as ApiError);
    }
  }
  async function importChecked() {
    if (!preview) return;
    setFailure(null);
    try {
      setReport(await call('contacts.import', { csv: preview.csv, file: preview.name }));
      setPreview(null);
      contacts.reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  }
  const total = contacts.data?.total ?? 0;
  return (
    <>
      <p>
        {total > 0 ? (
          <span data-testid="setup-contacts">You have {total.toLocaleString()} contacts.</span>
        ) : (
          'Your CRM is empty. Load a demo business to try Baton, or import your contacts from a CSV file (a header row with email, first_name, last_name, company…).'
        )}
      </p>
      <div className="setup-choices">
        <div className="setup-choice">
          <h3>Demo business</h3>
          <p className="hint">1,000 contacts, their companies, a year of activity and open deals. Needs an empty CRM.</p>
          <button
            type="button"
            className="btn btn-primary"
            disabled={seed.pending || total > 0}
            onClick={async () => {
              const r = await seed.run();
              if (r) setSeeded(seededText(r));
            }}
          >
            {seed.pending ? 'Loading…' : 'Load demo data'}
          </button>
          {seeded ? (
            <p className="success" role="status">
              {seeded}
            </p>
          ) : null}
          {seed.error ? <ErrorPanel what="Could not load the demo data" error={seed.error} /> : null}
        </div>
        <div className="setup-choice">
          <h3>Your contacts</h3>
          <p className="hint">Rows with a bad e-mail are listed with their line; the others are imported. Importing the same file twice creates nothing new.</p>
          <label className="btn file-btn">
            Import a CSV file
            <input type="file" accept=".csv,text/csv" onChange={(e) => void checkFile(e)} />
          </label>
          {preview ? (
            <div role="status" className="setup-report" data-testid="setup-import-preview">
              <p>{previewText(preview.name, preview.p)}</p>
              <ImportWorkflows plan={preview.p.workflows} />
              <button type="button" className="btn btn-primary" onClick={() => void importChecked()} disabled={importable(preview.p) === 0}>
                Import {importable(preview.p).toLocaleString()} rows
              </button>
            </div>
          ) : null}
          {report ? (
            <div role="status" className="setup-report">
              <p className="success">{reportText(report)}</p>
              <ImportWorkflows plan={report.workflows} testId="import-report-workflows" />
              {report.invalid.length ? (
                <ul>
                  {report.invalid.slice(0, 10).map((r) => (
                    <li key={r.line}>
                      Line {r.line}: {r.reason}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}
          {failure ? <ErrorPanel what="Could not import the file" error={failure} /> : null}
        </div>
      </div>
    </>
  );
}
