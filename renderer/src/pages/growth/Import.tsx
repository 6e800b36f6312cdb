/**
 * Imports of the growth engines (growth.import): a CSV export is read in the window, previewed
 * (the mapping Baton would use, remembered or guessed), and when required fields have no column
 * the person maps them (the mapping dialog) before importing. The result says what was
 * imported, updated and skipped, with the reasons of skipped rows.
 */
import { useId, useState } from 'react';
import { IMPORT_KINDS, type GrowthImportKind, type OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { Card } from '../../components/ui';

const KIND_LABEL: Record<GrowthImportKind, string> = {
  'seo.keywords': 'SEO: keywords (Semrush, Ahrefs, Search Console)',
  'seo.ranks': 'SEO: rank snapshots',
  'seo.serp': 'SEO: top pages of the results (SERP)',
  'links.backlinks': 'Links: backlinks (ours or a competitor’s)',
  'campaigns.memories': 'Campaigns: past campaigns',
  'content.trends': 'Trends: series or search-interest export',
};

type Preview = OpOutput<'growth.import.preview'>;
type Result = OpOutput<'growth.import'>;

export function ImportCard({ onImported }: { onImported: () => void }) {
  const id = useId();
  const [kind, setKind] = useState<GrowthImportKind>('seo.keywords');
  const [csv, setCsv] = useState<{ name: string; text: string } | null>(null);
  const [owner, setOwner] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [result, setResult] = useState<Result | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setPreview(null);
    setResult(null);
    setProblem(null);
    setMapping({});
  };
  const readFile = async (f: File | undefined) => {
    reset();
    if (!f) return setCsv(null);
    const text = await f.text();
    setCsv({ name: f.name, text });
    setBusy(true);
    try {
      const p = await call('growth.import.preview', { kind, csv: text });
      setPreview(p);
      setMapping(p.mapping);
    } catch (e) {
      setProblem(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };
  const missing = preview ? preview.fields.filter((f) => f.required && !mapping[f.name]).map((f) => f.name) : [];
  const doImport = async () => {
    if (!csv) return;
    setBusy(true);
    setProblem(null);
    setResult(null);
    try {
      const unmapped = preview?.missing.length ? mapping : undefined;
      const r = await call('growth.import', { kind, csv: csv.text, ...(unmapped ? { mapping: unmapped } : {}), ...(kind === 'links.backlinks' && owner.trim() ? { owner: owner.trim() } : {}) });
      setResult(r);
      setPreview(null);
      onImported();
    } catch (e) {
      const err = toApiError(e);
      setProblem(err.issues?.length ? `${err.message} (${err.issues.map((i) => i.path).join(', ')})` : err.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Import an export" id="growth-import">
      <div className="growth-import-form">
        <div className="growth-field">
          <label htmlFor={`${id}-kind`}>What it holds</label>
          <select
            id={`${id}-kind`}
            className="control growth-select"
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as GrowthImportKind);
              setCsv(null);
              reset();
            }}
          >
            {IMPORT_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABEL[k]}
              </option>
            ))}
          </select>
        </div>
        {kind === 'links.backlinks' ? (
          <div className="growth-field">
            <label htmlFor={`${id}-owner`}>Whose backlinks</label>
            <input id={`${id}-owner`} className="control" value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="empty: ours; else the competitor's domain" />
          </div>
        ) : null}
        <div className="growth-field">
          <label htmlFor={`${id}-file`}>CSV file</label>
          <input key={kind} id={`${id}-file`} className="control" type="file" accept=".csv,text/csv,text/plain" onChange={(e) => void readFile(e.target.files?.[0])} />
        </div>
      </div>
      {preview ? (
        <div className="growth-preview" data-testid="import-preview">
          <p>
            {preview.rows.toLocaleString()} {preview.rows === 1 ? 'row' : 'rows'} in <strong>{csv?.name}</strong>; {preview.remembered ? 'the mapping remembered for these columns' : 'columns recognised'}:
          </p>
          {preview.missing.length ? (
            <div role="group" aria-labelledby={`${id}-map-title`} className="growth-mapping" data-testid="import-mapping">
              <p id={`${id}-map-title`} className="notice">
                No column found for {preview.missing.join(', ')}. Choose the column that holds each ({preview.headers.length} columns in the file).
              </p>
              {preview.fields.map((f) => (
                <div className="growth-field" key={f.name}>
                  <label htmlFor={`${id}-map-${f.name}`}>
                    {f.name}
                    {f.required ? ' (required)' : ''} <span className="muted">{f.description}</span>
                  </label>
                  <select id={`${id}-map-${f.name}`} className="control growth-select" value={mapping[f.name] ?? ''} onChange={(e) => setMapping((m) => ({ ...m, [f.name]: e.target.value }))}>
                    <option value="">(none)</option>
                    {preview.headers.map((h) => (
                      <option key={h} value={h}>
                        {h}
                      </option>
                    ))}
                  </select>
                </div>
              ))}
            </div>
          ) : (
            <ul className="growth-mapped">
              {Object.entries(preview.mapping).map(([field, col]) => (
                <li key={field}>
                  {field} ← <code>{col}</code>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
      <div className="form-actions">
        <button type="button" className="btn btn-primary" disabled={!csv || busy || missing.length > 0} onClick={() => void doImport()}>
          {busy ? 'Importing…' : 'Import'}
        </button>
        {missing.length && preview ? <span className="muted">Map {missing.join(', ')} first.</span> : null}
      </div>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      {result ? (
        <div className="success growth-result" role="status" data-testid="import-result">
          <p>
            {result.rows.toLocaleString()} {result.rows === 1 ? 'row' : 'rows'}: {result.imported.toLocaleString()} imported, {result.updated.toLocaleString()} updated, {result.skipped.toLocaleString()} skipped ({(result.ms / 1000).toFixed(1)} s).
          </p>
          {result.problems.length ? (
            <ul>
              {result.problems.map((p) => (
                <li key={p.row}>
                  Row {p.row}: {p.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}
