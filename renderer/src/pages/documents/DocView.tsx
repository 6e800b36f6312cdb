/** One document: read it, and for a brand document edit it (Markdown with a live preview, Save / Cancel, unsaved edits kept). */
import { useEffect, useId, useRef, useState } from 'react';
import type { DocInfo } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { ErrorPanel, Loading, formatBytes, formatTime } from '../../components/ui';
import { FileHistory, hasHistory } from './History';
import { MarkdownEditor, Rendered } from './Rendered';
import { inPrompt, isDirty, useDrafts, versionOf, type Draft } from './model';

const KIND_LABEL: Record<DocInfo['kind'], string> = { brand: 'Brand document', deliverable: 'Deliverable', other: 'Workspace file' };

function kindOf(path: string): DocInfo['kind'] {
  return path.startsWith('brand/') ? 'brand' : path.startsWith('deliverables/') ? 'deliverable' : 'other';
}

export function DocView({
  path,
  info,
  editing,
  setEditing,
  onClose,
}: {
  path: string;
  info: DocInfo | undefined;
  editing: boolean;
  setEditing: (on: boolean) => void;
  onClose: () => void;
}) {
  const doc = useApi('docs.get', { path });
  useEvent('docs.changed', (p) => {
    if (p.path === path) doc.reload();
  });
  const draft = useDrafts((s) => s.drafts[path]);
  const dropDraft = useDrafts((s) => s.drop);
  const [saved, setSaved] = useState(false);
  const titleId = useId();
  const editRef = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(editing);
  useEffect(() => {
    if (wasEditing.current && !editing) editRef.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  // One column (a phone): once it has loaded, bring the opened document into view instead of leaving it below the lists.
  const sectionRef = useRef<HTMLElement>(null);
  const loaded = !!doc.data;
  const scrolled = useRef(false);
  useEffect(() => {
    if (!loaded || scrolled.current) return;
    scrolled.current = true;
    if (window.matchMedia('(max-width: 860px)').matches) sectionRef.current?.scrollIntoView({ block: 'start' });
  }, [loaded]);

  const kind = doc.data?.kind ?? info?.kind ?? kindOf(path);
  const editable = kind === 'brand';

  if (doc.error && !doc.data) {
    if (doc.error.code === 'not_found') {
      return (
        <div className="docs-pick" role="status">
          <p>
            <strong>No document {path}</strong> in the workspace: it was removed or renamed.
          </p>
          <button type="button" className="btn" onClick={onClose}>
            Back to the list
          </button>
        </div>
      );
    }
    return <ErrorPanel what={`Could not open ${path}`} error={doc.error} onRetry={doc.reload} />;
  }
  if (!doc.data) return <Loading label={`Opening ${path}…`} />;
  const d = doc.data;
  const version = kind === 'deliverable' ? versionOf(path) : null;

  return (
    <>
      <section ref={sectionRef} className="card docs-doc" aria-labelledby={titleId} data-testid="doc-view">
        <div className="docs-doc-head">
          <div>
            <h2 id={titleId} className="docs-title">
              {path}
            </h2>
            <p className="docs-meta">
              {KIND_LABEL[kind]}
              {version !== null ? ` · version ${version}` : ''} · {formatBytes(d.size)} · updated <time dateTime={d.updatedAt}>{formatTime(d.updatedAt)}</time>
            </p>
          </div>
          {editable && !editing ? (
            <button
              ref={editRef}
              type="button"
              className="btn btn-primary"
              onClick={() => {
                setSaved(false);
                setEditing(true);
              }}
            >
              Edit
            </button>
          ) : null}
        </div>
        {doc.error ? <ErrorPanel what={`Could not refresh ${path}`} error={doc.error} onRetry={doc.reload} /> : null}
        {editable && editing ? (
          <Editor
            path={path}
            content={d.content}
            onSaved={(next) => {
              doc.setData(() => next);
              setSaved(true);
              setEditing(false);
            }}
            onLeave={() => setEditing(false)}
          />
        ) : (
          <>
            {saved ? (
              <p className="success docs-saved" role="status">
                Saved to workspace/{path}.
              </p>
            ) : null}
            {editable && isDirty(draft) ? (
              <div className="notice docs-notice" role="status">
                <span>You have unsaved changes to this document.</span>
                <span className="row-actions">
                  <button type="button" className="btn" onClick={() => setEditing(true)}>
                    Continue editing
                  </button>
                  <button type="button" className="btn btn-quiet" onClick={() => dropDraft(path)}>
                    Discard them
                  </button>
                </span>
              </div>
            ) : null}
            {kind === 'deliverable' ? (
              <p className="hint docs-hint">Read-only: deliverables are versioned and never overwritten; a new version is saved as a new file.</p>
            ) : kind === 'brand' && !inPrompt(path) ? (
              <p className="hint docs-hint">Not used in AI prompts: only Markdown files directly in brand/ are.</p>
            ) : kind === 'other' ? (
              <p className="hint docs-hint">Read-only here: edit it in the data folder&apos;s workspace/ with any text editor.</p>
            ) : null}
            <div className="docs-body" data-testid="doc-body">
              <Rendered path={path} content={d.content} />
            </div>
          </>
        )}
      </section>
      {hasHistory(path) ? <FileHistory path={path} /> : null}
    </>
  );
}

function Editor({ path, content, onSaved, onLeave }: { path: string; content: string; onSaved: (doc: DocInfo & { content: string }) => void; onLeave: () => void }) {
  const stored = useDrafts((s) => s.drafts[path]);
  const setDraft = useDrafts((s) => s.set);
  const dropDraft = useDrafts((s) => s.drop);
  const draft: Draft = stored && isDirty(stored) ? stored : { text: content, base: content };
  const dirty = isDirty(draft);
  const changedMeanwhile = dirty && draft.base !== content;
  const [confirming, setConfirming] = useState(false);
  const keepRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) keepRef.current?.focus();
  }, [confirming]);

  const save = useAction(async () => {
    const text = draft.text;
    const info = await call('docs.put', { path, content: text });
    dropDraft(path);
    onSaved({ ...info, content: text });
  });
  const cancel = () => {
    if (dirty) setConfirming(true);
    else {
      dropDraft(path);
      onLeave();
    }
  };

  return (
    <form
      className="docs-form"
      aria-label={`Edit ${path}`}
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      {changedMeanwhile ? (
        <div className="notice docs-notice" role="alert">
          <span>{path} changed since you started editing (another window, a workflow or a text editor). Saving replaces that version with yours.</span>
          <button type="button" className="btn" onClick={() => dropDraft(path)}>
            Load the latest and drop my changes
          </button>
        </div>
      ) : null}
      <MarkdownEditor
        path={path}
        text={draft.text}
        autoFocus
        onChange={(text) => {
          setConfirming(false);
          setDraft(path, { text, base: draft.base });
        }}
        onSave={() => void save.run()}
        onEscape={cancel}
      />
      {save.error ? <ErrorPanel what={`Could not save ${path}`} error={save.error} onRetry={() => void save.run()} /> : null}
      {confirming ? (
        <div className="notice docs-notice" role="alert">
          <span>Discard your changes to {path}?</span>
          <span className="row-actions">
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => {
                dropDraft(path);
                onLeave();
              }}
            >
              Discard changes
            </button>
            <button ref={keepRef} type="button" className="btn" onClick={() => setConfirming(false)}>
              Keep editing
            </button>
          </span>
        </div>
      ) : (
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={save.pending || !dirty}>
            {save.pending ? 'Saving…' : 'Save'}
          </button>
          <button type="button" className="btn" onClick={cancel}>
            Cancel
          </button>
          <span className="muted">{dirty ? 'Unsaved changes' : 'No changes yet'}</span>
        </div>
      )}
    </form>
  );
}
