/** The draft as its recipient would see it, the AI review details, and the diff of edits. */
import { diffWordsWithSpace } from 'diff';
import { useMemo } from 'react';
import { changes, formatConfidence, formatUsd, type AiInfo, type Preview as PreviewModel } from './model';
import { Markdown, SafeHtml } from './SafeHtml';

export function Preview({ preview }: { preview: PreviewModel }) {
  switch (preview.kind) {
    case 'email':
      return (
        <div className="pv pv-email" data-testid="preview" data-kind="email">
          <dl className="pv-email-head">
            <div>
              <dt>To</dt>
              <dd>{preview.to ?? <span className="muted">(set when sent)</span>}</dd>
            </div>
            <div>
              <dt>Subject</dt>
              <dd className="pv-subject">{preview.subject}</dd>
            </div>
          </dl>
          {preview.html !== null ? <SafeHtml html={preview.html} /> : <div className="pv-text">{preview.text}</div>}
        </div>
      );
    case 'post':
      return (
        <div className="pv pv-post" data-testid="preview" data-kind="post">
          <div className="pv-post-title">{preview.title}</div>
          {preview.status ? <p className="muted pv-post-status">Will be published as: {preview.status}</p> : null}
          {preview.format === 'html' ? <SafeHtml html={preview.body} /> : <Markdown text={preview.body} />}
        </div>
      );
    case 'text':
      return (
        <div className="pv pv-textdoc" data-testid="preview" data-kind="text">
          <Markdown text={preview.text} />
        </div>
      );
    case 'data':
      return (
        <div className="pv pv-data" data-testid="preview" data-kind="data">
          <DataView value={preview.value} />
        </div>
      );
  }
}

function DataView({ value, depth = 0 }: { value: unknown; depth?: number }) {
  if (value === null || value === undefined) return <span className="muted">{value === null ? 'null' : '(nothing)'}</span>;
  if (typeof value === 'string') return <span className="pv-str">{value}</span>;
  if (typeof value !== 'object') return <code>{JSON.stringify(value)}</code>;
  if (depth > 3) return <pre className="pv-json">{JSON.stringify(value, null, 2)}</pre>;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i + 1), v] as const) : Object.entries(value as Record<string, unknown>);
  if (!entries.length) return <span className="muted">{Array.isArray(value) ? '(empty list)' : '(empty)'}</span>;
  return (
    <dl className="kv">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>
            <DataView value={v} depth={depth + 1} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function AiPanel({ ai }: { ai: AiInfo }) {
  return (
    <section className="ap-section" aria-labelledby="ap-ai-title">
      <h3 id="ap-ai-title">AI review</h3>
      <dl className="ap-meta">
        <div>
          <dt>Confidence</dt>
          <dd data-testid="ai-confidence">{formatConfidence(ai.confidence)}</dd>
        </div>
        <div>
          <dt>Usage cost</dt>
          <dd data-testid="ai-cost">{formatUsd(ai.costUsd)}</dd>
        </div>
        {ai.revisions !== null ? (
          <div>
            <dt>Revisions</dt>
            <dd>{ai.revisions}</dd>
          </div>
        ) : null}
      </dl>
      <h4 className="ap-sub">Reviewer notes</h4>
      {ai.reviewNotes.length ? (
        <ul className="ap-notes" data-testid="review-notes">
          {ai.reviewNotes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      ) : (
        <p className="muted">The review found no issues.</p>
      )}
      {ai.checklist.length ? (
        <details className="ap-checklist">
          <summary>Checklist ({ai.checklist.length})</summary>
          <ul>
            {ai.checklist.map((c, i) => (
              <li key={i}>{c}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

/** Word diff of every field an edit changed. */
export function EditDiff({ before, after, label = 'Edits' }: { before: unknown; after: unknown; label?: string }) {
  const list = useMemo(() => changes(before, after), [before, after]);
  if (!list.length) return null;
  return (
    <section className="ap-section" aria-label={label} data-testid="edit-diff">
      <h3>{label}</h3>
      {list.map((c) => (
        <div key={c.path} className="diff-field">
          <div className="diff-path">
            <code>{c.path}</code>
            {c.before === null ? ' (added)' : c.after === null ? ' (removed)' : ''}
          </div>
          <div className="diff-body">
            {diffWordsWithSpace(c.before ?? '', c.after ?? '').map((part, i) =>
              part.added ? (
                <ins key={i}>{part.value}</ins>
              ) : part.removed ? (
                <del key={i}>{part.value}</del>
              ) : (
                <span key={i}>{part.value}</span>
              ),
            )}
          </div>
        </div>
      ))}
    </section>
  );
}
