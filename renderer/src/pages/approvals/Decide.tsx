/** The decision editors: reject with a reason, edit the draft then approve. */
import { useId, useMemo, useState, type FormEvent, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { Approval } from '../../../../shared/api';
import { changes, describePayload, getAt, setAt } from './model';
import { EditDiff, Preview } from './Preview';
export function RejectForm({ onCancel, onReject }: { onCancel: () => void; onReject: (reason: string) => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!reason.trim()) {
      setError('Give a reason: the workflow and its history keep it.');
      return;
    }
    onReject(reason.trim());
  };
  const keys = (e: ReactKeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
    } else if (e.key === 'Enter' && !e.shiftKey) submit(e as unknown as FormEvent);
  };
  return (
    <form className="ap-form" onSubmit={submit} aria-label="Reject">
      <label htmlFor={id}>Reason for rejecting</label>
      <textarea id={id} rows={3} value={reason} autoFocus maxLength={2000} onChange={(e) => setReason(e.target.value)} onKeyDown={keys} aria-invalid={error ? true : undefined} aria-describedby={`${id}-hint`} />
      <p id={`${id}-hint`} className={error ? 'field-error' : 'hint'}>
        {error ?? 'Enter rejects, Shift+Enter adds a line, Esc cancels.'}
      </p>
      <div className="form-actions">
        <button type="submit" className="btn btn-danger">
          Reject
        </button>
        <button type="button" className="btn btn-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function EditForm({ a, onCancel, onApprove }: { a: Approval; onCancel: () => void; onApprove: (payload: unknown) => void }) {
  const d = useMemo(() => describePayload(a.payload), [a.payload]);
  const fields = d.fields;
  const [values, setValues] = useState<string[]>(() => (fields ?? []).map((f) => String(getAt(a.payload, f.path) ?? '')));
  const [json, setJson] = useState(() => JSON.stringify(a.payload, null, 2));
  const id = useId();
  const parsed = useMemo((): { ok: true; value: unknown } | { ok: false; error: string } => {
    if (fields) return { ok: true, value: fields.reduce<unknown>((acc, f, i) => setAt(acc, f.path, values[i] ?? ''), a.payload) };
    try {
      return { ok: true, value: JSON.parse(json) as unknown };
    } catch (e) {
      return { ok: false, error: `Not valid JSON: ${(e as Error).message}` };
    }
  }, [fields, values, json, a.payload]);
  const changed = parsed.ok && changes(a.payload, parsed.value).length > 0;
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (parsed.ok) onApprove(parsed.value);
  };
  const keys = (e: ReactKeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit(e as unknown as FormEvent);
  };
  return (
    <form className="ap-form" onSubmit={submit} aria-label="Edit, then approve" onKeyDown={keys}>
      {fields ? (
        fields.map((f, i) => (
          <div className="ap-field" key={f.path.join('.')}>
            <label htmlFor={`${id}-${i}`}>{f.label}</label>
            {f.multiline ? (
              <textarea id={`${id}-${i}`} rows={6} value={values[i]} autoFocus={i === fields.length - 1} onChange={(e) => setValues((v) => v.map((x, j) => (j === i ? e.target.value : x)))} />
            ) : (
              <input id={`${id}-${i}`} type="text" value={values[i]} onChange={(e) => setValues((v) => v.map((x, j) => (j === i ? e.target.value : x)))} />
            )}
          </div>
        ))
      ) : (
        <div className="ap-field">
          <label htmlFor={`${id}-json`}>Payload (JSON)</label>
          <textarea id={`${id}-json`} className="ap-json" rows={14} value={json} autoFocus spellCheck={false} onChange={(e) => setJson(e.target.value)} aria-invalid={parsed.ok ? undefined : true} aria-describedby={`${id}-err`} />
          <p id={`${id}-err`} className={parsed.ok ? 'hint' : 'field-error'}>
            {parsed.ok ? 'Edit the data the next steps receive.' : parsed.error}
          </p>
        </div>
      )}
      <p className="hint">Ctrl+Enter approves with your edits, Esc cancels.</p>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={!parsed.ok}>
          {changed ? 'Approve with edits' : 'Approve unchanged'}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {parsed.ok ? <EditDiff before={a.payload} after={parsed.value} label="Your edits" /> : null}
      {parsed.ok && changed ? (
        <section className="ap-section" aria-labelledby={`${id}-pv`}>
          <h3 id={`${id}-pv`}>Preview with your edits</h3>
          <Preview preview={describePayload(parsed.value).preview} />
        </section>
      ) : null}
    </form>
  );
}
