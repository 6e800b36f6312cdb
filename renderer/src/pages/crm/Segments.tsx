/**
 * Segments: saved filters over fields, tags, score, stage and event history, with live
 * counts. The list (count, what it matches, Show contacts, Edit, Delete with a question
 * first) and the editor: a form for the common cases or the filter as JSON, both checked
 * with the contract as you type (each problem names its field, e.g. conditions.0.withinDays),
 * and a live count of the contacts the filter matches now.
 */
import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { FIELD_OPS, type ApiError, type ApiIssue, type OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { hashWith } from '../../api/nav';
import { Field } from '../../components/Field';
import { EmptyState, ErrorPanel, Loading } from '../../components/ui';
import { STAGE_LABEL, formatDay, plural } from './format';
import { useDebouncedCall } from './useDebounced';
import { EnrollSegment } from './EnrollSegment';
import {
  EVENT_TYPES,
  FIELDS,
  FIELD_CHOICES,
  LIST_OPS,
  NO_VALUE_OPS,
  PRESETS,
  checkSegment,
  describeCondition,
  describeFilter,
  emptyDraft,
  filterJson,
  fromFilter,
  issuesAt,
  newCondition,
  opLabel,
  parseJson,
  toFilter,
  validFilter,
  type CondDraft,
  type FieldOp,
  type SegmentDraft,
} from './segmentModel';

type Segment = OpOutput<'segments.list'>['segments'][number];

export function Segments({
  editing,
  onEdit,
  onShowContacts,
}: {
  /** The segment open in the editor (from the address): an id, 'new', or none. */
  editing: number | 'new' | null;
  onEdit: (id: number | 'new' | null) => void;
  onShowContacts: (id: number) => void;
}) {
  const q = useApi('segments.list', {});
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [enrolling, setEnrolling] = useState<number | null>(null);

  // Counts are live: contacts, events and scores change them (debounced: an import changes many).
  const soon = useDebouncedCall(q.reload, 800);
  useEvent('crm.contact.changed', soon);
  useEvent('crm.contacts.imported', soon);
  useEvent('crm.scoring.changed', soon);
  useEvent('crm.event.recorded', soon);

  const segments = q.data?.segments ?? [];

  // Back from the editor, or a row deleted: focus lands on the list's heading (not lost on the body).
  const listHeading = useRef<HTMLHeadingElement>(null);
  const wasEditing = useRef(editing !== null);
  useEffect(() => {
    if (wasEditing.current && editing === null) listHeading.current?.focus();
    wasEditing.current = editing !== null;
  }, [editing]);

  if (editing !== null) {
    const current = editing === 'new' ? null : (segments.find((s) => s.id === editing) ?? null);
    if (editing !== 'new' && !current) {
      if (q.error) return <ErrorPanel what="Could not load the segments" error={q.error} onRetry={q.reload} />;
      if (!q.data) return <Loading label="Loading the segment…" />;
      return (
        <section className="card" aria-labelledby="seg-missing">
          <h2 id="seg-missing">There is no segment {editing}</h2>
          <p className="muted">It may have been deleted.</p>
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => onEdit(null)}>
              ← All segments
            </button>
          </div>
        </section>
      );
    }
    return (
      <SegmentEditor
        key={current ? `${current.id}-${current.updatedAt}` : 'new'}
        initial={current}
        takenNames={segments.filter((s) => s.id !== current?.id).map((s) => s.name)}
        onCancel={() => onEdit(null)}
        onSaved={(s) => {
          q.setData((old) => (old ? { segments: [...old.segments.filter((x) => x.id !== s.id), s].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) } : old));
          setNotice(`Saved “${s.name}”: ${plural(s.count, 'contact')} now.`);
          onEdit(null);
          q.reload();
        }}
        onDeleted={(s) => {
          q.setData((old) => (old ? { segments: old.segments.filter((x) => x.id !== s.id) } : old));
          setNotice(`Deleted “${s.name}”.`);
          onEdit(null);
        }}
        onShowContacts={onShowContacts}
      />
    );
  }

  return (
    <section className="card" aria-labelledby="seg-list-title">
      <div className="card-head">
        <h2 id="seg-list-title" ref={listHeading} tabIndex={-1}>
          Segments
        </h2>
        <div className="card-actions">
          <button type="button" className="btn btn-primary" onClick={() => onEdit('new')}>
            New segment
          </button>
        </div>
      </div>
      <p className="hint">Saved filters over fields, tags, score, stage and activity. Counts are live: they follow new contacts, activity and re-scoring.</p>
      {notice ? (
        <p className="success seg-notice" role="status" data-testid="segment-notice">
          {notice}
        </p>
      ) : null}
      {q.error && !q.data ? (
        <ErrorPanel what="Could not load the segments" error={q.error} onRetry={q.reload} />
      ) : !q.data ? (
        <Loading label="Loading segments…" />
      ) : segments.length === 0 ? (
        <EmptyState title="No segments yet" icon="◎">
          <p>
            A segment is a saved filter, e.g. <em>clicked in the last 30 days</em> or <em>no activity for 30 days</em>. Its count stays live and the contacts list can
            show just its contacts.
          </p>
          <button type="button" className="btn btn-primary seg-empty-cta" onClick={() => onEdit('new')}>
            Create the first segment
          </button>
        </EmptyState>
      ) : (
        <>
          {q.error ? <ErrorPanel what="Could not refresh the counts" error={q.error} onRetry={q.reload} /> : null}
          <table className="table seg-table" aria-label="Segments">
            <thead>
              <tr>
                <th scope="col">Segment</th>
                <th scope="col">Matches</th>
                <th scope="col" className="num">
                  Contacts
                </th>
                <th scope="col">Changed</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {segments.map((s) => (
                <SegmentRow
                  key={s.id}
                  s={s}
                  confirming={confirming === s.id}
                  onConfirm={(on) => {
                    setConfirming(on ? s.id : null);
                    if (on) setEnrolling(null);
                  }}
                  enrolling={enrolling === s.id}
                  onEnroll={(on) => {
                    setEnrolling(on ? s.id : null);
                    if (on) setConfirming(null);
                  }}
                  onEnrolled={(message) => {
                    setEnrolling(null);
                    setNotice(message);
                    listHeading.current?.focus();
                  }}
                  onEdit={() => onEdit(s.id)}
                  onShowContacts={() => onShowContacts(s.id)}
                  onDeleted={() => {
                    setConfirming(null);
                    q.setData((old) => (old ? { segments: old.segments.filter((x) => x.id !== s.id) } : old));
                    setNotice(`Deleted “${s.name}”.`);
                    listHeading.current?.focus();
                  }}
                />
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function SegmentRow({
  s,
  confirming,
  onConfirm,
  onEdit,
  onShowContacts,
  onDeleted,
  enrolling,
  onEnroll,
  onEnrolled,
}: {
  s: Segment;
  confirming: boolean;
  onConfirm: (on: boolean) => void;
  enrolling: boolean;
  onEnroll: (on: boolean) => void;
  onEnrolled: (message: string) => void;
  onEdit: () => void;
  onShowContacts: () => void;
  onDeleted: () => void;
}) {
  return (
    <>
      <tr data-segment-id={s.id} data-testid="segment-row">
        <td>
          <div className="seg-name">
            <button type="button" className="btn-link" onClick={onEdit} aria-label={`Edit ${s.name}`}>
              <strong>{s.name}</strong>
            </button>
            {s.description ? <span className="muted seg-desc">{s.description}</span> : null}
          </div>
        </td>
        <td className="seg-summary">{describeFilter(s.filter)}</td>
        <td className="num" data-testid="segment-count">
          {s.count.toLocaleString()}
        </td>
        <td className="seg-when">{formatDay(s.updatedAt)}</td>
        <td className="seg-actions">
          <a
            className="btn btn-small"
            href={hashWith('contacts', { segment: s.id })}
            aria-label={`Show the contacts of ${s.name}`}
            onClick={(e) => {
              e.preventDefault();
              onShowContacts();
            }}
          >
            Show contacts
          </a>
          <button type="button" className="btn btn-small" aria-expanded={enrolling} onClick={() => onEnroll(!enrolling)} aria-label={`Enroll in a sequence… (the contacts of ${s.name})`}>
            Enroll in a sequence…
          </button>
          <button type="button" className="btn btn-small" onClick={onEdit} aria-label={`Edit segment ${s.name}`}>
            Edit
          </button>
          <button type="button" className="btn btn-small btn-quiet" aria-expanded={confirming} onClick={() => onConfirm(!confirming)} aria-label={`Delete segment ${s.name}…`}>
            Delete…
          </button>
        </td>
      </tr>
      {enrolling ? (
        <tr className="seg-confirm-row">
          <td colSpan={5}>
            <EnrollSegment segment={s} onCancel={() => onEnroll(false)} onDone={onEnrolled} />
          </td>
        </tr>
      ) : null}
      {confirming ? (
        <tr className="seg-confirm-row">
          <td colSpan={5}>
            <ConfirmDelete segment={s} onCancel={() => onConfirm(false)} onDeleted={onDeleted} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** "Delete “X”?" with Delete / Keep it; the error stays beside it with a Retry. */
function ConfirmDelete({ segment, onCancel, onDeleted }: { segment: Segment; onCancel: () => void; onDeleted: () => void }) {
  const ids = useId();
  const del = useAction(() => call('segments.delete', { id: segment.id }));
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => keep.current?.focus(), []);
  const run = async () => {
    const r = await del.run();
    if (r) onDeleted();
  };
  return (
    <div className="notice seg-confirm" role="alertdialog" aria-labelledby={`${ids}-t`} aria-describedby={`${ids}-d`} data-testid="segment-confirm-delete">
      <p id={`${ids}-t`}>
        <strong>Delete the segment “{segment.name}”?</strong>
      </p>
      <p id={`${ids}-d`}>The contacts in it ({segment.count.toLocaleString()} now) stay as they are; only the saved filter goes. This cannot be undone.</p>
      {del.error ? <ErrorPanel what="Could not delete the segment" error={del.error} onRetry={() => void run()} /> : null}
      <div className="row-actions">
        <button type="button" className="btn btn-danger" disabled={del.pending} onClick={() => void run()}>
          {del.pending ? 'Deleting…' : 'Delete'}
        </button>
        <button ref={keep} type="button" className="btn" onClick={onCancel} onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
          Keep it
        </button>
      </div>
    </div>
  );
}

/** The live count for a filter while editing (debounced; answers for an older filter are dropped). */
function useCount(filter: unknown | null) {
  const key = filter === null ? null : JSON.stringify(filter);
  const [state, setState] = useState<{ key: string | null; count: number | null; error: ApiError | null }>({ key: null, count: null, error: null });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    if (key === null) return;
    let live = true;
    const t = setTimeout(() => {
      call('segments.count', { filter: JSON.parse(key) as never }).then(
        (r) => live && setState({ key, count: r.count, error: null }),
        (e: unknown) => live && setState({ key, count: null, error: toApiError(e) }),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [key, nonce]);
  return { ...state, fresh: state.key === key, retry: () => setNonce((n) => n + 1) };
}

function SegmentEditor({
  initial,
  takenNames,
  onSaved,
  onCancel,
  onDeleted,
  onShowContacts,
}: {
  initial: Segment | null;
  takenNames: string[];
  onSaved: (s: Segment) => void;
  onCancel: () => void;
  onDeleted: (s: Segment) => void;
  onShowContacts: (id: number) => void;
}) {
  const creating = initial === null;
  const [draft, setDraft] = useState<SegmentDraft>(() => (initial ? fromFilter(initial.filter, initial.name, initial.description ?? '') : emptyDraft()));
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [json, setJson] = useState('');
  const [touched, setTouched] = useState(!creating);
  const [serverIssues, setServerIssues] = useState<ApiIssue[]>([]);
  const [apiError, setApiError] = useState<ApiError | null>(null);
  const [pending, setPending] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [toAdd, setToAdd] = useState('clicked30');
  const ids = useId();
  const f = (n: string) => `${ids}-${n}`;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus({ preventScroll: true }), []);

  const jsonParsed = useMemo(() => (mode === 'json' ? parseJson(json) : null), [mode, json]);
  const filterValue: unknown = mode === 'json' ? (jsonParsed?.ok ? jsonParsed.value : undefined) : toFilter(draft);
  const checked = useMemo(() => (filterValue === undefined ? null : checkSegment({ name: draft.name, description: draft.description, filter: filterValue })), [filterValue, draft.name, draft.description]);
  const clash = takenNames.includes(draft.name.trim()) ? [{ path: 'name', message: `there is a segment “${draft.name.trim()}” already: pick another name` }] : [];
  const clientIssues = [...(checked && !checked.ok ? checked.issues : []), ...clash];
  const issues = [...(touched ? clientIssues : []), ...serverIssues];
  const filterIssues = clientIssues.filter((i) => i.path !== 'name' && i.path !== 'description');
  // The count preview asks the API only for a filter the contract accepts.
  const previewFilter = filterValue !== undefined && filterIssues.length === 0 ? validFilter(filterValue) : null;
  const count = useCount(previewFilter);

  const edited = () => {
    setTouched(true);
    setServerIssues([]);
    setApiError(null);
  };
  const edit = (fn: (d: SegmentDraft) => SegmentDraft) => {
    setDraft(fn);
    edited();
  };
  const setCond = (i: number, next: CondDraft) => edit((d) => ({ ...d, conditions: d.conditions.map((c, n) => (n === i ? next : c)) }));

  const switchMode = (next: 'form' | 'json') => {
    if (next === mode) return;
    if (next === 'json') {
      setJson(filterJson(toFilter(draft)));
      setMode('json');
      return;
    }
    const ok = validFilter(filterValue);
    if (ok) {
      setDraft((d) => fromFilter(ok, d.name, d.description));
      setMode('form');
    }
  };

  const save = async () => {
    setTouched(true);
    if (!checked?.ok || clash.length) return;
    setPending(true);
    setApiError(null);
    try {
      const s = await call('segments.save', { ...(initial ? { id: initial.id } : {}), name: checked.name, description: checked.description, filter: checked.filter });
      onSaved(s);
    } catch (e) {
      const err = toApiError(e);
      setApiError(err);
      setServerIssues((err.issues ?? []).map((i) => ({ path: i.path.replace(/^filter\./, ''), message: i.message })));
    } finally {
      setPending(false);
    }
  };

  const addCondition = () => {
    const preset = PRESETS.find((p) => p.id === toAdd);
    const kind = toAdd as 'field' | 'tag' | 'event' | 'inactive';
    const c = preset ? preset.make() : newCondition(kind);
    edit((d) => ({ ...d, conditions: [...d.conditions, c] }));
    // Focus the new row's first control.
    setTimeout(() => document.getElementById(f(`c-${c.key}-first`))?.focus(), 0);
  };

  const jsonBroken = mode === 'json' && jsonParsed?.ok === false;

  return (
    <form
      className="card seg-editor"
      aria-labelledby={f('title')}
      data-testid="segment-editor"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="card-head">
        <h2 id={f('title')} ref={heading} tabIndex={-1}>
          {creating ? 'New segment' : `Edit “${initial.name}”`}
        </h2>
        <div className="card-actions">
          <button type="button" className="btn-link" onClick={onCancel}>
            ← All segments
          </button>
        </div>
      </div>

      <div className="form-row">
        <Field className="seg-field" id={f('name')} label="Name" path="name" issues={issues}>
          {(p) => <input {...p} value={draft.name} onChange={(e) => edit((d) => ({ ...d, name: e.target.value }))} autoComplete="off" placeholder="e.g. Engaged leads" />}
        </Field>
        <Field className="seg-field" id={f('desc')} label="Description (optional)" path="description" issues={issues}>
          {(p) => <input {...p} value={draft.description} onChange={(e) => edit((d) => ({ ...d, description: e.target.value }))} autoComplete="off" />}
        </Field>
      </div>

      <div className="seg-bar">
        <div className="seg-modes" role="group" aria-label="Edit the filter as">
          <button type="button" className="btn btn-small" aria-pressed={mode === 'form'} onClick={() => switchMode('form')} disabled={mode === 'json' && !validFilter(filterValue)} title={mode === 'json' && !validFilter(filterValue) ? 'Fix the JSON first' : undefined}>
            Form
          </button>
          <button type="button" className="btn btn-small" aria-pressed={mode === 'json'} onClick={() => switchMode('json')}>
            JSON
          </button>
        </div>
        <Preview count={count} valid={previewFilter !== null} />
      </div>

      {mode === 'json' ? (
        <div className="seg-field">
          <label htmlFor={f('json')}>Filter (JSON)</label>
          <textarea
            id={f('json')}
            className="sr-json seg-json"
            spellCheck={false}
            rows={16}
            value={json}
            aria-invalid={jsonBroken || filterIssues.length > 0 ? true : undefined}
            aria-describedby={f('json-help')}
            onChange={(e) => {
              setJson(e.target.value);
              edited();
            }}
          />
          <div id={f('json-help')} aria-live="polite">
            {jsonBroken && jsonParsed && !jsonParsed.ok ? (
              <p className="field-error" data-testid="segment-json-error">
                Not JSON yet: {jsonParsed.message}
              </p>
            ) : issues.filter((i) => i.path !== 'name' && i.path !== 'description').length ? (
              <ul className="seg-issues" data-testid="segment-issues">
                {issues
                  .filter((i) => i.path !== 'name' && i.path !== 'description')
                  .map((i) => (
                    <li key={i.path + i.message} className="field-error">
                      <code>{i.path}</code>: {i.message}
                    </li>
                  ))}
              </ul>
            ) : (
              <p className="hint">
                <code>{'{ "match": "all" | "any", "conditions": [...] }'}</code> with conditions of kind <code>field</code>, <code>tag</code>, <code>event</code> (with{' '}
                <code>where</code> on the event&apos;s data) and <code>inactive</code>; see docs/crm.md. Checked as you type.
              </p>
            )}
          </div>
        </div>
      ) : (
        <fieldset className="seg-fieldset">
          <legend>Conditions</legend>
          <div className="seg-match">
            <label htmlFor={f('match')}>Contacts must match</label>
            <select id={f('match')} className="seg-select" value={draft.match} onChange={(e) => edit((d) => ({ ...d, match: e.target.value as 'all' | 'any' }))}>
              <option value="all">all of the conditions (and)</option>
              <option value="any">any of the conditions (or)</option>
            </select>
          </div>
          {issuesAt(issues, 'conditions')
            .filter((i) => i.path === 'conditions' || i.path === 'match')
            .map((i) => (
              <p key={i.message} className="field-error">
                <code>{i.path}</code>: {i.message}
              </p>
            ))}
          {draft.conditions.length === 0 ? (
            <p className="muted seg-none">No conditions: the segment holds every contact. Add one below.</p>
          ) : (
            <ol className="seg-conds" aria-label="Conditions">
              {draft.conditions.map((c, i) => (
                <li key={c.key} className="seg-cond" data-testid="segment-condition">
                  <ConditionRow c={c} i={i} f={f} issues={issues} onChange={(next) => setCond(i, next)} />
                  <button
                    type="button"
                    className="btn btn-small btn-quiet seg-remove"
                    aria-label={`Remove condition ${i + 1}`}
                    onClick={() => edit((d) => ({ ...d, conditions: d.conditions.filter((_, n) => n !== i) }))}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ol>
          )}
          <div className="seg-add">
            <label htmlFor={f('add')}>Add a condition</label>
            <div className="row-actions">
              <select id={f('add')} className="seg-select" value={toAdd} onChange={(e) => setToAdd(e.target.value)}>
                <optgroup label="Common">
                  {PRESETS.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.label}
                    </option>
                  ))}
                </optgroup>
                <optgroup label="Blank">
                  <option value="field">A field (score, stage, e-mail, custom …)</option>
                  <option value="tag">A tag</option>
                  <option value="event">An activity (e-mail, page, form, purchase …)</option>
                  <option value="inactive">No activity for some days</option>
                </optgroup>
              </select>
              <button type="button" className="btn" onClick={addCondition} disabled={draft.conditions.length >= 50}>
                Add
              </button>
            </div>
          </div>
        </fieldset>
      )}

      {apiError && !apiError.issues?.length ? <ErrorPanel what="Could not save the segment" error={apiError} onRetry={() => void save()} /> : null}
      {apiError?.issues?.length ? (
        <p className="field-error" role="alert" data-testid="segment-save-error">
          {apiError.message}
        </p>
      ) : null}
      {touched && issues.length && mode === 'form' ? (
        <p className="field-error seg-summary-issues" aria-live="polite">
          {plural(issues.length, 'problem')} to fix: {issues.map((i) => i.path).join(', ')}
        </p>
      ) : null}

      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={pending || (touched && (!checked?.ok || clash.length > 0))}>
          {pending ? 'Saving…' : creating ? 'Create segment' : 'Save'}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        {initial ? (
          <>
            <a
              className="btn btn-quiet"
              href={hashWith('contacts', { segment: initial.id })}
              onClick={(e) => {
                e.preventDefault();
                onShowContacts(initial.id);
              }}
            >
              Show its contacts
            </a>
            <button type="button" className="btn btn-quiet seg-delete" aria-expanded={confirming} onClick={() => setConfirming((v) => !v)}>
              Delete segment…
            </button>
          </>
        ) : null}
      </div>
      {confirming && initial ? <ConfirmDelete segment={initial} onCancel={() => setConfirming(false)} onDeleted={() => onDeleted(initial)} /> : null}
    </form>
  );
}

function Preview({ count, valid }: { count: ReturnType<typeof useCount>; valid: boolean }) {
  let body: ReactNode;
  if (!valid) body = <span className="muted">Count: fix the filter first</span>;
  else if (count.error && count.fresh)
    body = (
      <span className="field-error">
        Could not count: {count.error.message}{' '}
        <button type="button" className="btn-link" onClick={count.retry}>
          Retry
        </button>
      </span>
    );
  else if (count.count === null) body = <span className="muted">Counting…</span>;
  else
    body = (
      <span>
        <strong>{count.count.toLocaleString()}</strong> {count.count === 1 ? 'contact matches' : 'contacts match'} now{count.fresh ? '' : ' (counting…)'}
      </span>
    );
  return (
    <p className="seg-preview" aria-live="polite" data-testid="segment-preview" data-count={valid && count.fresh && count.count !== null ? count.count : ''}>
      {body}
    </p>
  );
}


const KIND_LABEL = { field: 'Field', tag: 'Tag', event: 'Activity', inactive: 'No activity', raw: 'Advanced' } as const;

function ConditionRow({ c, i, f, issues, onChange }: { c: CondDraft; i: number; f: (n: string) => string; issues: ApiIssue[]; onChange: (c: CondDraft) => void }) {
  const p = `conditions.${i}`;
  const id = (n: string) => f(`c-${c.key}-${n}`);
  const n = i + 1;
  const rowIssues = issuesAt(issues, p).filter((x) => x.path === p || x.path === `${p}.kind`);
  let body: ReactNode;
  switch (c.kind) {
    case 'field': {
      const custom = c.field.startsWith('custom.');
      const choices = FIELD_CHOICES[c.field];
      const noValue = NO_VALUE_OPS.includes(c.op);
      const list = LIST_OPS.includes(c.op);
      body = (
        <>
          <Field className="seg-field" id={id('first')} label={<Cond n={n}>field</Cond>} path={`${p}.field`} issues={custom ? [] : issues}>
            {(q) => (
              <select {...q} className="seg-select" value={custom ? 'custom.' : c.field} onChange={(e) => onChange({ ...c, field: e.target.value === 'custom.' ? 'custom.' : e.target.value })}>
                {FIELDS.map((x) => (
                  <option key={x} value={x}>
                    {x}
                  </option>
                ))}
                <option value="custom.">custom field …</option>
              </select>
            )}
          </Field>
          {custom ? (
            <Field className="seg-field" id={id('custom')} label={<Cond n={n}>custom field name</Cond>} path={`${p}.field`} issues={issues}>
              {(q) => <input {...q} className="seg-short" value={c.field.slice(7)} onChange={(e) => onChange({ ...c, field: `custom.${e.target.value.trim()}` })} placeholder="plan" autoComplete="off" />}
            </Field>
          ) : null}
          <Field className="seg-field" id={id('op')} label={<Cond n={n}>operator</Cond>} path={`${p}.op`} issues={issues}>
            {(q) => (
              <select {...q} className="seg-select" value={c.op} onChange={(e) => onChange({ ...c, op: e.target.value as FieldOp })}>
                {FIELD_OPS.map((o) => (
                  <option key={o} value={o}>
                    {opLabel(o)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {noValue ? null : (
            <Field className="seg-field seg-grow" id={id('value')} label={<Cond n={n}>value</Cond>} path={`${p}.value`} issues={issues} hint={list ? 'Separate values with commas.' : undefined}>
              {(q) =>
                choices && !list ? (
                  <select {...q} className="seg-select" value={c.value} onChange={(e) => onChange({ ...c, value: e.target.value })}>
                    {choices.includes(c.value) ? null : <option value={c.value}>{c.value || 'choose…'}</option>}
                    {choices.map((x) => (
                      <option key={x} value={x}>
                        {c.field === 'stage' ? STAGE_LABEL[x as keyof typeof STAGE_LABEL] : x}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    {...q}
                    value={c.value}
                    inputMode={c.field === 'score' ? 'numeric' : undefined}
                    onChange={(e) => onChange({ ...c, value: e.target.value })}
                    autoComplete="off"
                    placeholder={c.field === 'score' ? '50' : c.field === 'createdAt' || c.field === 'lastActivityAt' ? '2025-01-31' : list ? 'a, b, c' : ''}
                  />
                )
              }
            </Field>
          )}
        </>
      );
      break;
    }
    case 'tag':
      body = (
        <>
          <Field className="seg-field" id={id('first')} label={`Condition ${n}`} path={`${p}.op`} issues={issues}>
            {(q) => (
              <select {...q} className="seg-select" value={c.op} onChange={(e) => onChange({ ...c, op: e.target.value as 'has' | 'has_not' })}>
                <option value="has">has the tag</option>
                <option value="has_not">does not have the tag</option>
              </select>
            )}
          </Field>
          <Field className="seg-field seg-grow" id={id('tag')} label={<Cond n={n}>tag</Cond>} path={`${p}.tag`} issues={issues}>
            {(q) => <input {...q} value={c.tag} onChange={(e) => onChange({ ...c, tag: e.target.value })} autoComplete="off" placeholder="vip" />}
          </Field>
        </>
      );
      break;
    case 'event':
      body = (
        <>
          <Field className="seg-field" id={id('first')} label={`Condition ${n}`} path={`${p}.op`} issues={issues}>
            {(q) => (
              <select {...q} className="seg-select" value={c.op} onChange={(e) => onChange({ ...c, op: e.target.value as 'did' | 'did_not' })}>
                <option value="did">did</option>
                <option value="did_not">did not</option>
              </select>
            )}
          </Field>
          <Field className="seg-field" id={id('type')} label={<Cond n={n}>activity</Cond>} path={`${p}.type`} issues={issues}>
            {(q) => (
              <select {...q} className="seg-select" value={c.type} onChange={(e) => onChange({ ...c, type: e.target.value })}>
                {EVENT_TYPES.map((x) => (
                  <option key={x} value={x}>
                    {x}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field className="seg-field" id={id('within')} label={<Cond n={n}>in the last … days</Cond>} path={`${p}.withinDays`} issues={issues} hint="Empty: ever.">
            {(q) => <input {...q} className="seg-short" inputMode="numeric" value={c.withinDays} onChange={(e) => onChange({ ...c, withinDays: e.target.value })} autoComplete="off" />}
          </Field>
          <Field className="seg-field" id={id('min')} label={<Cond n={n}>at least … times</Cond>} path={`${p}.minCount`} issues={issues}>
            {(q) => <input {...q} className="seg-short" inputMode="numeric" value={c.minCount} onChange={(e) => onChange({ ...c, minCount: e.target.value })} autoComplete="off" />}
          </Field>
        </>
      );
      break;
    case 'inactive':
      body = (
        <Field className="seg-field" id={id('first')} label={<Cond n={n}>no activity for … days</Cond>} path={`${p}.days`} issues={issues}>
          {(q) => <input {...q} className="seg-short" inputMode="numeric" value={c.days} onChange={(e) => onChange({ ...c, days: e.target.value })} autoComplete="off" />}
        </Field>
      );
      break;
    case 'raw':
      body = (
        <div className="seg-field seg-grow">
          <span className="seg-raw-label">Condition {n}</span>
          <p className="seg-raw">
            <code>{describeCondition(c.condition)}</code>
          </p>
          <p className="hint">The form cannot show all of this condition (e.g. a data condition or a typed value): change it in the JSON view.</p>
        </div>
      );
      break;
  }
  return (
    <div className="seg-cond-body" data-kind={c.kind}>
      <span className="seg-kind crm-chip" aria-hidden="true">
        {KIND_LABEL[c.kind]}
      </span>
      <div className="seg-cond-fields">{body}</div>
      {rowIssues.map((x) => (
        <p key={x.path + x.message} className="field-error seg-row-issue">
          <code>{x.path}</code>: {x.message}
        </p>
      ))}
    </div>
  );
}

/** "Condition 2 value" for screen readers, "value" on screen (the row shows which condition). */
function Cond({ n, children }: { n: number; children: ReactNode }) {
  return (
    <>
      <span className="visually-hidden">Condition {n} </span>
      <span className="seg-cap">{children}</span>
    </>
  );
}
