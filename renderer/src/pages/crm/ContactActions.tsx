/** The contact detail's actions: Edit (the form), Delete with Undo, Merge a duplicate into this contact. */
import { useEffect, useId, useState, type ReactNode } from 'react';
import type { Contact } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi } from '../../api/hooks';
import { ErrorPanel, formatTime } from '../../components/ui';
import { ContactForm } from './ContactForm';
import { personName } from './format';
import './contact-edit.css';

type Mode = 'none' | 'edit' | 'delete' | 'merge';

export function ContactActions({ contact, onChanged }: { contact: Contact; onChanged: () => void }) {
  const [mode, setMode] = useState<Mode>('none');
  const [status, setStatus] = useState<string | null>(null);
  const [undoUntil, setUndoUntil] = useState<string | null>(null);
  const del = useAction((id: number) => call('contacts.delete', { id }));
  const restore = useAction((id: number) => call('contacts.restore', { id }));
  const deleted = Boolean(contact.deletedAt);
  const merged = contact.mergedInto !== null;

  const doDelete = async () => {
    const r = await del.run(contact.id);
    if (!r) return;
    setMode('none');
    setUndoUntil(r.restorableUntil);
    setStatus(null);
    onChanged();
  };
  const doRestore = async () => {
    const r = await restore.run(contact.id);
    if (!r) return;
    setUndoUntil(null);
    setStatus(`${personName(r)} is back.`);
    onChanged();
  };
  const until = undoUntil;

  return (
    <div className="ca">
      {!deleted ? (
        <div className="ca-bar" role="group" aria-label="Contact actions">
          <button type="button" className="btn" aria-expanded={mode === 'edit'} onClick={() => setMode(mode === 'edit' ? 'none' : 'edit')}>
            Edit
          </button>
          <button type="button" className="btn" aria-expanded={mode === 'merge'} onClick={() => setMode(mode === 'merge' ? 'none' : 'merge')}>
            Merge a duplicate into this contact
          </button>
          <button type="button" className="btn btn-danger" aria-expanded={mode === 'delete'} onClick={() => setMode(mode === 'delete' ? 'none' : 'delete')}>
            Delete
          </button>
        </div>
      ) : null}
      <p className="success ca-status" role="status" aria-live="polite">
        {status}
      </p>
      {deleted && !merged ? (
        <div className="ca-undo" role="region" aria-label="Deleted contact">
          <span>
            This contact was deleted on {formatTime(contact.deletedAt ?? '')}
            {until ? ` — you can undo this until ${formatTime(until)}` : ' and can be restored within the undo window'}.
          </span>
          <button type="button" className="btn" onClick={() => void doRestore()} disabled={restore.pending}>
            {undoUntil ? 'Undo' : 'Restore'}
          </button>
        </div>
      ) : null}
      {restore.error ? <ErrorPanel what="Could not restore the contact" error={restore.error} onRetry={() => void doRestore()} /> : null}
      {mode === 'edit' && !deleted ? (
        <ContactForm
          initial={contact}
          onCancel={() => setMode('none')}
          onSaved={(c) => {
            setMode('none');
            setStatus(`Saved ${personName(c)}.`);
            onChanged();
          }}
        />
      ) : null}
      {mode === 'delete' && !deleted ? (
        <div className="card ca-confirm" role="alertdialog" aria-labelledby="ca-del-title" aria-describedby="ca-del-desc">
          <h3 id="ca-del-title">Delete {personName(contact)}?</h3>
          <p id="ca-del-desc" className="muted">
            The contact leaves the lists and segments. You can undo this for a while (the undo window), after that it is deleted for good.
          </p>
          {del.error ? <ErrorPanel what="Could not delete the contact" error={del.error} onRetry={() => void doDelete()} /> : null}
          <div className="form-actions">
            <AutoFocusButton className="btn btn-danger" onClick={() => void doDelete()} disabled={del.pending}>
              {del.pending ? 'Deleting…' : 'Yes, delete'}
            </AutoFocusButton>
            <button type="button" className="btn btn-quiet" onClick={() => setMode('none')}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {mode === 'merge' && !deleted ? (
        <MergePanel
          target={contact}
          onCancel={() => setMode('none')}
          onMerged={(source, result) => {
            setMode('none');
            setStatus(`Merged ${source.email} into ${result.email}: its activity, deals and tags are now here.`);
            onChanged();
          }}
        />
      ) : null}
    </div>
  );
}

function AutoFocusButton({ className, onClick, disabled, children }: { className: string; onClick: () => void; disabled?: boolean; children: ReactNode }) {
  const [el, setEl] = useState<HTMLButtonElement | null>(null);
  useEffect(() => el?.focus(), [el]);
  return (
    <button type="button" ref={setEl} className={className} onClick={onClick} disabled={disabled}>
      {children}
    </button>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function MergePanel({ target, onCancel, onMerged }: { target: Contact; onCancel: () => void; onMerged: (source: Contact, result: Contact) => void }) {
  const ids = useId();
  const [text, setText] = useState('');
  const search = useDebounced(text.trim(), 250);
  const [chosen, setChosen] = useState<Contact | null>(null);
  const [input, setInput] = useState<HTMLInputElement | null>(null);
  useEffect(() => input?.focus(), [input]);
  const merge = useAction((source: Contact) => call('contacts.merge', { targetId: target.id, sourceId: source.id }));
  const doMerge = async () => {
    if (!chosen) return;
    const r = await merge.run(chosen);
    if (r) onMerged(chosen, r);
  };

  return (
    <section className="card ca-merge" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>Merge a duplicate into {personName(target)}</h3>
      <p className="muted">
        The duplicate&apos;s activity and deals move here, tags are united, empty fields are filled from it; the duplicate is kept as a merged (deleted) row.
      </p>
      <div className="cf-field">
        <label htmlFor={`${ids}-q`}>Find the duplicate (e-mail or name)</label>
        <input id={`${ids}-q`} type="search" value={text} autoComplete="off" ref={setInput}
          onChange={(e) => {
            setText(e.target.value);
            setChosen(null);
          }}
        />
      </div>
      {search ? <MergeResults search={search} targetId={target.id} name={`${ids}-pick`} chosen={chosen} onChoose={setChosen} /> : null}
      {chosen ? (
        <p className="notice" role="status">
          Merge <strong>{chosen.email}</strong> into <strong>{target.email}</strong>? {chosen.email} will no longer be a live contact; this cannot be undone.
        </p>
      ) : null}
      {merge.error ? <ErrorPanel what="Could not merge the contacts" error={merge.error} onRetry={() => void doMerge()} /> : null}
      <div className="form-actions">
        <button type="button" className="btn btn-primary" disabled={!chosen || merge.pending} onClick={() => void doMerge()}>
          {merge.pending ? 'Merging…' : chosen ? `Merge ${chosen.email} into this contact` : 'Merge'}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </section>
  );
}

function MergeResults({ search, targetId, name, chosen, onChoose }: { search: string; targetId: number; name: string; chosen: Contact | null; onChoose: (c: Contact) => void }) {
  const q = useApi('contacts.list', { search, limit: 10 });
  const rows = (q.data?.rows ?? []).filter((c) => c.id !== targetId);
  if (q.error) return <ErrorPanel what="Could not search contacts" error={q.error} onRetry={q.reload} />;
  if (!q.data) return <p className="muted">Searching…</p>;
  if (rows.length === 0) return <p className="muted">No other contact matches “{search}”.</p>;
  return (
    <fieldset className="ca-results">
      <legend>Matching contacts</legend>
      {rows.map((c) => (
        <label key={c.id} className="ca-result">
          <input type="radio" name={name} checked={chosen?.id === c.id} onChange={() => onChoose(c)} />
          <span>
            <strong>{personName(c)}</strong> <span className="muted">{c.email}</span>
            {c.tags.length ? <span className="muted"> · {c.tags.join(', ')}</span> : null}
          </span>
        </label>
      ))}
    </fieldset>
  );
}
