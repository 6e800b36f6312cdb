/**
 * Lead-scoring rules (thresholds, fit, behaviour, decay), edited with a form (ScoringForm.tsx) or as JSON,
 * checked here with the contract's schema (errors name the field), saved with
 * scoring.rules.set (which re-scores every contact), or imported from a .json file.
 */
import { useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import { ScoringConfig, issuesOf, type ApiIssue, type OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi } from '../../api/hooks';
import { ErrorPanel, Loading } from '../../components/ui';
import { plural } from './format';
import { NotSaved, ScoringForm } from './ScoringForm';

type Config = OpOutput<'scoring.rules.get'>;
type SetResult = OpOutput<'scoring.rules.set'>;

/** Parse and check the editor's text: the config, or the problems naming where they are. */
export function checkRules(text: string): { config: Config } | { issues: ApiIssue[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? (() => {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      return `line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
    })() : 'JSON';
    return { issues: [{ path: where, message: `not valid JSON: ${msg}` }] };
  }
  const r = ScoringConfig.safeParse(json);
  return r.success ? { config: r.data } : { issues: issuesOf(r.error) };
}

export function ScoringRules({ onSaved }: { onSaved: () => void }) {
  const q = useApi('scoring.rules.get', {});
  const ids = useId();
  const [text, setText] = useState<string | null>(null);
  const [issues, setIssues] = useState<ApiIssue[]>([]);
  const [saved, setSaved] = useState<SetResult | null>(null);
  const [loadedFile, setLoadedFile] = useState<string | null>(null);
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const fileRef = useRef<HTMLInputElement>(null);
  const save = useAction((config: Config) => call('scoring.rules.set', { config }));

  const pretty = q.data ? JSON.stringify(q.data, null, 2) : '';
  useEffect(() => {
    if (q.data && text === null) setText(JSON.stringify(q.data, null, 2));
  }, [q.data, text]);

  if (q.error) return <ErrorPanel what="Could not load the scoring rules" error={q.error} onRetry={q.reload} />;
  if (!q.data || text === null) return <Loading label="Loading the scoring rules…" />;
  const cfg = q.data;
  const dirty = text !== pretty;

  const onSave = async () => {
    setSaved(null);
    save.clearError();
    const r = checkRules(text);
    if ('issues' in r) {
      setIssues(r.issues);
      return;
    }
    setIssues([]);
    const res = await save.run(r.config);
    if (res) {
      setSaved(res);
      setLoadedFile(null);
      q.setData(() => res.config);
      setText(JSON.stringify(res.config, null, 2));
      onSaved();
    }
  };
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    e.target.value = '';
    if (!f) return;
    const body = await f.text();
    setSaved(null);
    setLoadedFile(f.name);
    setText(body);
    const r = checkRules(body);
    setIssues('issues' in r ? r.issues : []);
  };
  const shownIssues = issues.length ? issues : (save.error?.issues ?? []);

  return (
    <div className="stack">
      <section className="card" aria-labelledby={`${ids}-now`}>
        <div className="card-head">
          <h2 id={`${ids}-now`}>Scoring rules</h2>
          <div className="card-actions sr-modes" role="group" aria-label="Edit the rules as">
            <button type="button" className="btn" aria-pressed={mode === 'form'} onClick={() => setMode('form')}>
              Form
            </button>
            <button type="button" className="btn" aria-pressed={mode === 'json'} onClick={() => setMode('json')}>
              JSON
            </button>
          </div>
        </div>
        {saved ? (
          <p className="success" role="status" data-testid="rescored">
            Saved. Re-scored {plural(saved.rescored, 'contact')}: {plural(saved.changed, 'score')} changed, {saved.crossed.toLocaleString()} crossed a threshold ({saved.durationMs.toLocaleString()} ms).
          </p>
        ) : null}
        {mode === 'form' ? (
          <ScoringForm
            key={JSON.stringify(cfg)}
            config={cfg}
            onSaved={(res) => {
              setSaved(res);
              q.setData(() => res.config);
              setText(JSON.stringify(res.config, null, 2));
              onSaved();
            }}
          />
        ) : null}
      </section>

      {mode === 'json' ? (
      <section className="card" aria-labelledby={`${ids}-edit`}>
        <div className="card-head">
          <h2 id={`${ids}-edit`}>Edit as JSON</h2>
          <div className="card-actions">
            <input ref={fileRef} id={`${ids}-file`} type="file" accept=".json,application/json" className="visually-hidden" onChange={(e) => void onFile(e)} />
            <button type="button" className="btn" onClick={() => fileRef.current?.click()}>
              Import .json file…
            </button>
          </div>
        </div>
        <p className="hint" id={`${ids}-hint`}>
          Thresholds, <code>fit</code> rules (a field or tag condition), <code>behavior</code> rules (an event, points, repeatable, cap, withinDays) and{' '}
          <code>decay</code>. Saving checks everything first, then re-scores every contact.
          {loadedFile ? <> Loaded from <strong>{loadedFile}</strong>: review, then save.</> : null}
        </p>
        <label htmlFor={`${ids}-json`} className="visually-hidden">
          Scoring rules (JSON)
        </label>
        <textarea
          id={`${ids}-json`}
          className="sr-json"
          spellCheck={false}
          value={text}
          rows={18}
          aria-invalid={shownIssues.length > 0}
          aria-describedby={`${ids}-hint${shownIssues.length ? ` ${ids}-errors` : ''}`}
          onChange={(e) => {
            setText(e.target.value);
            setSaved(null);
          }}
        />
        {shownIssues.length ? (
          <NotSaved issues={shownIssues} className="sr-errors" id={`${ids}-errors`} />
        ) : save.error ? (
          <ErrorPanel what="Could not save the rules" error={save.error} />
        ) : null}
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={() => void onSave()} disabled={save.pending}>
            {save.pending ? 'Saving and re-scoring…' : 'Save and re-score'}
          </button>
          <button
            type="button"
            className="btn"
            disabled={!dirty || save.pending}
            onClick={() => {
              setText(pretty);
              setIssues([]);
              setLoadedFile(null);
              save.clearError();
            }}
          >
            Discard changes
          </button>
        </div>
      </section>
      ) : null}
    </div>
  );
}
