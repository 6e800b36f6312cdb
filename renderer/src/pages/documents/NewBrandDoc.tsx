/** A new brand document: its path (checked as you type with the contract's DocPath rule), the usual ones offered, then its Markdown. */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { call } from '../../api/client';
import { useAction } from '../../api/hooks';
import { ErrorPanel } from '../../components/ui';
import { MarkdownEditor } from './Rendered';
import { USUAL_BRAND_DOCS, newDraftDirty, newPathProblem, starterText, useNewDraft } from './model';

export function NewBrandDoc({ existing, onCreated, onCancel }: { existing: string[]; onCreated: (path: string) => void; onCancel: () => void }) {
  const { draft, set, reset } = useNewDraft();
  const path = draft.path;
  const setPath = (p: string) => set({ path: p });
  const [tried, setTried] = useState(false);
  const ids = { title: useId(), path: useId(), help: useId(), error: useId() };
  const pathRef = useRef<HTMLInputElement>(null);
  useEffect(() => pathRef.current?.focus(), []);

  const problem = newPathProblem(path, existing);
  const showProblem = problem !== null && (tried || path !== 'brand/');
  const missing = USUAL_BRAND_DOCS.filter((p) => !existing.includes(p));
  const body = draft.text ?? starterText(problem ? '' : path);

  const create = useAction(async () => {
    await call('docs.put', { path, content: body });
    reset();
    onCreated(path);
  });
  function submit(e?: FormEvent) {
    e?.preventDefault();
    setTried(true);
    if (problem) {
      pathRef.current?.focus();
      return;
    }
    void create.run();
  }

  return (
    <section className="card docs-doc" aria-labelledby={ids.title} data-testid="new-doc">
      <div className="docs-doc-head">
        <h2 id={ids.title} className="docs-title">
          New brand document
        </h2>
      </div>
      <form className="docs-form" onSubmit={submit} noValidate>
        <label htmlFor={ids.path}>Path</label>
        <input
          id={ids.path}
          ref={pathRef}
          value={path}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={showProblem ? true : undefined}
          aria-describedby={`${ids.help}${showProblem ? ` ${ids.error}` : ''}`}
          onChange={(e) => setPath(e.target.value.trim())}
        />
        <p id={ids.help} className="hint">
          In your data folder under <code>workspace/</code>. Brand documents are <code>brand/&lt;name&gt;.md</code>; they go into every AI prompt in the order positioning, messaging, voice and tone, personas, guidelines, then the others alphabetically.
        </p>
        {showProblem ? (
          <p id={ids.error} className="field-error" role="alert" data-testid="path-error">
            {problem}
          </p>
        ) : null}
        {missing.length ? (
          <div className="docs-suggest">
            <span className="docs-label" id={`${ids.title}-s`}>
              Not written yet:
            </span>
            <ul aria-labelledby={`${ids.title}-s`}>
              {missing.map((p) => (
                <li key={p}>
                  <button type="button" className="btn btn-link" aria-pressed={path === p} onClick={() => setPath(p)}>
                    {p}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <MarkdownEditor
          path={problem ? 'brand/new.md' : path}
          text={body}
          onChange={(t) => set({ text: t })}
          onSave={() => submit()}
        />
        {create.error ? <ErrorPanel what={`Could not create ${path}`} error={create.error} onRetry={() => submit()} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={create.pending || (tried && problem !== null)}>
            {create.pending ? 'Creating…' : 'Create'}
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => {
              reset();
              onCancel();
            }}
          >
            {newDraftDirty(draft) ? 'Discard and cancel' : 'Cancel'}
          </button>
          {problem && tried ? <span className="muted">Fix the path to create the document.</span> : null}
        </div>
      </form>
    </section>
  );
}
