/**
 * A sequence's definition as a form (steps, window, cap, exits, goal, re-enrollment) or as JSON,
 * checked with the contract's SequenceDef as you type; the server's refusals (unknown template
 * tokens) are shown on the field they name.
 */
import { useId, useMemo, useState } from 'react';
import { EXIT_EVENTS, type ApiError, type SequenceDef } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { Field } from '../../components/Field';
import { ErrorPanel } from '../../components/ui';
import { check, emptyDraft, fromDef, issuesAt, newStep, parseJson, toDef, type Draft, type Issue, type StepDraft } from './model';

export function SequenceEditor({
  initial,
  onSaved,
  onCancel,
  onDelete,
  takenIds = [],
}: {
  initial: SequenceDef | null;
  /** Ids that exist already: a new sequence may not take one (save would replace it). */
  takenIds?: string[];
  onSaved: (def: SequenceDef) => void;
  onCancel?: () => void;
  onDelete?: () => void;
}) {
  const creating = initial === null;
  const [draft, setDraft] = useState<Draft>(() => (initial ? fromDef(initial) : emptyDraft()));
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [json, setJson] = useState('');
  const [serverIssues, setServerIssues] = useState<Issue[]>([]);
  const [saved, setSaved] = useState(false);
  const [touched, setTouched] = useState(!creating);

  const jsonParsed = useMemo(() => (mode === 'json' ? parseJson(json) : null), [mode, json]);
  const value = mode === 'json' ? (jsonParsed?.ok ? jsonParsed.value : undefined) : toDef(draft);
  const checked = useMemo(() => (value === undefined ? null : check(value)), [value]);
  const typedId = value && typeof value === 'object' && 'id' in value ? String((value as { id: unknown }).id) : '';
  const taken = creating && takenIds.includes(typedId) ? [{ path: 'id', message: `there is a sequence “${typedId}” already: open it to change it, or pick another id` }] : [];
  const clientIssues = [...(checked && !checked.ok ? checked.issues : []), ...taken];
  const shownIssues = touched ? clientIssues : [];
  const issues = [...shownIssues, ...serverIssues];

  const [pending, setPending] = useState(false);
  const [apiError, setApiError] = useState<ApiError | null>(null);

  const edit = (fn: (d: Draft) => Draft) => {
    setDraft(fn);
    setTouched(true);
    setServerIssues([]);
    setSaved(false);
    setApiError(null);
  };
  const setStep = (i: number, patch: Partial<StepDraft>) => edit((d) => ({ ...d, steps: d.steps.map((s, n) => (n === i ? { ...s, ...patch } : s)) }));
  const moveStep = (i: number, by: number) =>
    edit((d) => {
      const steps = [...d.steps];
      const [s] = steps.splice(i, 1);
      steps.splice(i + by, 0, s!);
      return { ...d, steps };
    });

  const switchMode = (next: 'form' | 'json') => {
    if (next === mode) return;
    if (next === 'json') {
      setJson(JSON.stringify(toDef(draft), null, 2));
      setMode('json');
      return;
    }
    // Back to the form: only from JSON the schema accepts (else the form could not show it).
    if (checked?.ok) {
      setDraft(fromDef(checked.def));
      setMode('form');
    }
  };

  const onSave = async () => {
    setTouched(true);
    if (!checked?.ok || taken.length) return;
    setPending(true);
    setApiError(null);
    try {
      const r = await call('sequences.save', checked.def);
      setSaved(true);
      setServerIssues([]);
      if (mode === 'form') setDraft(fromDef(r.definition));
      onSaved(r.definition);
    } catch (e) {
      const err = toApiError(e);
      setApiError(err);
      // Refusals with field paths (unknown template tokens) go on the fields until the next edit.
      setServerIssues((err.issues ?? []).map((i) => ({ path: i.path, message: i.message })));
    } finally {
      setPending(false);
    }
  };

  const ids = useId();
  const f = (name: string) => `${ids}-${name}`;
  const stepCount = draft.steps.length;

  return (
    <form
      className="seq-editor"
      aria-label={creating ? 'New sequence' : `Edit ${initial.name}`}
      data-testid="seq-editor"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void onSave();
      }}
    >
      <div className="seq-modes" role="group" aria-label="Edit as">
        <button type="button" className="btn btn-quiet" aria-pressed={mode === 'form'} onClick={() => switchMode('form')} disabled={mode === 'json' && !checked?.ok}>
          Form
        </button>
        <button type="button" className="btn btn-quiet" aria-pressed={mode === 'json'} onClick={() => switchMode('json')}>
          JSON
        </button>
      </div>

      {mode === 'json' ? (
        <div className="seq-field">
          <label htmlFor={f('json')}>Definition (JSON)</label>
          <textarea
            id={f('json')}
            className="code-input seq-json"
            spellCheck={false}
            rows={22}
            value={json}
            aria-invalid={issues.length > 0 || jsonParsed?.ok === false ? true : undefined}
            aria-describedby={f('json-help')}
            onChange={(e) => {
              setJson(e.target.value);
              setTouched(true);
              setServerIssues([]);
              setSaved(false);
              setApiError(null);
            }}
          />
          <div id={f('json-help')} aria-live="polite">
            {jsonParsed?.ok === false ? (
              <p className="field-error">Not JSON yet: {jsonParsed.message}</p>
            ) : issues.length ? (
              <ul className="seq-issues" data-testid="seq-issues">
                {issues.map((i) => (
                  <li key={i.path + i.message} className="field-error">
                    <code>{i.path}</code>: {i.message}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="hint">The shape is docs/sequences.md&apos;s; it is checked as you type.</p>
            )}
          </div>
        </div>
      ) : (
        <>
          <div className="form-row">
            <Field className="seq-field" id={f('id')} label="Id" path="id" issues={issues} hint={creating ? 'Lower-case letters, digits and -; cannot be changed later.' : 'The id cannot be changed.'}>
              {(p) => <input {...p} value={draft.id} readOnly={!creating} onChange={(e) => edit((d) => ({ ...d, id: e.target.value }))} autoComplete="off" spellCheck={false} />}
            </Field>
            <Field className="seq-field" id={f('name')} label="Name" path="name" issues={issues}>
              {(p) => <input {...p} value={draft.name} onChange={(e) => edit((d) => ({ ...d, name: e.target.value }))} autoComplete="off" />}
            </Field>
          </div>

          <fieldset className="seq-fieldset">
            <legend>Steps</legend>
            {issuesAt(issues, 'steps')
              .filter((i) => i.path === 'steps')
              .map((i) => (
                <p key={i.message} className="field-error">
                  <code>steps</code>: {i.message}
                </p>
              ))}
            <ol className="seq-steps">
              {draft.steps.map((s, i) => (
                <li key={s.key} className="seq-step" data-testid="seq-step">
                  <div className="seq-step-head">
                    <span className="seq-step-no" aria-hidden="true">
                      {i + 1}
                    </span>
                    <label className="seq-inline" htmlFor={f(`type-${s.key}`)}>
                      Step {i + 1} type
                    </label>
                    <select id={f(`type-${s.key}`)} value={s.type} onChange={(e) => setStep(i, { type: e.target.value as StepDraft['type'], duration: s.duration || '2d' })}>
                      <option value="email">E-mail</option>
                      <option value="wait">Wait</option>
                      <option value="task">Task</option>
                    </select>
                    <span className="seq-step-tools">
                      <button type="button" className="btn btn-quiet" aria-label={`Move step ${i + 1} up`} disabled={i === 0} onClick={() => moveStep(i, -1)}>
                        ↑
                      </button>
                      <button type="button" className="btn btn-quiet" aria-label={`Move step ${i + 1} down`} disabled={i === stepCount - 1} onClick={() => moveStep(i, 1)}>
                        ↓
                      </button>
                      <button type="button" className="btn btn-quiet" aria-label={`Remove step ${i + 1}`} onClick={() => edit((d) => ({ ...d, steps: d.steps.filter((_, n) => n !== i) }))}>
                        Remove
                      </button>
                    </span>
                  </div>
                  {issuesAt(issues, `steps.${i}`)
                    .filter((x) => x.path === `steps.${i}` || x.path === `steps.${i}.type`)
                    .map((x) => (
                      <p key={x.path + x.message} className="field-error">
                        <code>{x.path}</code>: {x.message}
                      </p>
                    ))}
                  {s.type === 'email' ? (
                    <>
                      <Field className="seq-field" id={f(`subject-${s.key}`)} label={`Step ${i + 1} subject`} path={`steps.${i}.subject`} issues={issues}>
                        {(p) => <input {...p} value={s.subject} onChange={(e) => setStep(i, { subject: e.target.value })} autoComplete="off" placeholder='Welcome {{ contact.first_name | default: "there" }}' />}
                      </Field>
                      <Field className="seq-field" id={f(`text-${s.key}`)} label={`Step ${i + 1} text`} path={`steps.${i}.text`} issues={issues} hint="Liquid, plain text. Give text, HTML or both.">
                        {(p) => <textarea {...p} className="code-input" rows={4} value={s.text} onChange={(e) => setStep(i, { text: e.target.value })} />}
                      </Field>
                      <Field className="seq-field" id={f(`html-${s.key}`)} label={`Step ${i + 1} HTML`} path={`steps.${i}.html`} issues={issues} hint="Liquid; output is HTML-escaped. Optional.">
                        {(p) => <textarea {...p} className="code-input" rows={3} value={s.html} onChange={(e) => setStep(i, { html: e.target.value })} />}
                      </Field>
                    </>
                  ) : s.type === 'wait' ? (
                    <Field className="seq-field" id={f(`duration-${s.key}`)} label={`Step ${i + 1} wait`} path={`steps.${i}.duration`} issues={issues} hint="e.g. 2d, 12h, 30m, 1w">
                      {(p) => <input {...p} className="seq-short" value={s.duration} onChange={(e) => setStep(i, { duration: e.target.value })} autoComplete="off" />}
                    </Field>
                  ) : (
                    <Field className="seq-field" id={f(`title-${s.key}`)} label={`Step ${i + 1} task title`} path={`steps.${i}.title`} issues={issues} hint="A task for you, e.g. Call {{name}}">
                      {(p) => <input {...p} value={s.title} onChange={(e) => setStep(i, { title: e.target.value })} autoComplete="off" />}
                    </Field>
                  )}
                </li>
              ))}
            </ol>
            <div className="row-actions">
              <span className="muted">Add a step:</span>
              <button type="button" className="btn" onClick={() => edit((d) => ({ ...d, steps: [...d.steps, newStep('email')] }))}>
                + E-mail
              </button>
              <button type="button" className="btn" onClick={() => edit((d) => ({ ...d, steps: [...d.steps, newStep('wait')] }))}>
                + Wait
              </button>
              <button type="button" className="btn" onClick={() => edit((d) => ({ ...d, steps: [...d.steps, newStep('task')] }))}>
                + Task
              </button>
            </div>
          </fieldset>

          <fieldset className="seq-fieldset">
            <legend>Sending</legend>
            <div className="seq-grid">
              <Field className="seq-field" id={f('start')} label="Window opens" path="window.start" issues={issues}>
                {(p) => <input {...p} className="seq-short" value={draft.start} onChange={(e) => edit((d) => ({ ...d, start: e.target.value }))} placeholder="09:00" />}
              </Field>
              <Field className="seq-field" id={f('end')} label="Window closes" path="window.end" issues={issues}>
                {(p) => <input {...p} className="seq-short" value={draft.end} onChange={(e) => edit((d) => ({ ...d, end: e.target.value }))} placeholder="17:00" />}
              </Field>
              <Field className="seq-field" id={f('tz')} label="Time zone" path="window.timeZone" issues={issues} hint="When the contact has none; empty: the email.timeZone setting.">
                {(p) => <input {...p} value={draft.timeZone} onChange={(e) => edit((d) => ({ ...d, timeZone: e.target.value }))} placeholder="Europe/Berlin" autoComplete="off" />}
              </Field>
              <Field className="seq-field" id={f('cap')} label="Daily cap" path="dailyCap" issues={issues} hint="E-mails per rolling 24 h; more wait.">
                {(p) => <input {...p} className="seq-short" inputMode="numeric" value={draft.dailyCap} onChange={(e) => edit((d) => ({ ...d, dailyCap: e.target.value }))} />}
              </Field>
            </div>
            <label className="seq-check">
              <input type="checkbox" checked={draft.weekdaysOnly} onChange={(e) => edit((d) => ({ ...d, weekdaysOnly: e.target.checked }))} /> Weekdays only
            </label>
            <label className="seq-check">
              <input type="checkbox" checked={draft.enabled} onChange={(e) => edit((d) => ({ ...d, enabled: e.target.checked }))} /> Enabled (due steps run)
            </label>
          </fieldset>

          <fieldset className="seq-fieldset">
            <legend>Ending</legend>
            <p className="hint seq-legend-hint">An event on the contact ends the enrollment.</p>
            <div className="seq-checks" role="group" aria-label="Exit events">
              {[...new Set([...EXIT_EVENTS, ...draft.exitOn])].map((ev) => (
                <label key={ev} className="seq-check">
                  <input
                    type="checkbox"
                    checked={draft.exitOn.includes(ev)}
                    onChange={(e) => edit((d) => ({ ...d, exitOn: e.target.checked ? [...d.exitOn, ev] : d.exitOn.filter((x) => x !== ev) }))}
                  />{' '}
                  <code>{ev}</code>
                </label>
              ))}
            </div>
            <AddExitEvent onAdd={(ev) => edit((d) => (d.exitOn.includes(ev) ? d : { ...d, exitOn: [...d.exitOn, ev] }))} />
            <div className="seq-grid">
              <Field className="seq-field" id={f('goal')} label="Goal event" path="goal" issues={issues} hint="e.g. purchase: ends the enrollment as completed. Empty: no goal.">
                {(p) => <input {...p} value={draft.goal} onChange={(e) => edit((d) => ({ ...d, goal: e.target.value }))} autoComplete="off" />}
              </Field>
              <Field className="seq-field" id={f('policy')} label="Re-enrollment" path="reenroll.policy" issues={issues}>
                {(p) => (
                  <select {...p} value={draft.policy} onChange={(e) => edit((d) => ({ ...d, policy: e.target.value as Draft['policy'] }))}>
                    <option value="never">Never: a contact goes through once</option>
                    <option value="after_exit">After the last enrollment ended</option>
                  </select>
                )}
              </Field>
              {draft.policy === 'after_exit' ? (
                <Field className="seq-field" id={f('after')} label="Days after it ended" path="reenroll.afterDays" issues={issues}>
                  {(p) => <input {...p} className="seq-short" inputMode="numeric" value={draft.afterDays} onChange={(e) => edit((d) => ({ ...d, afterDays: e.target.value }))} />}
                </Field>
              ) : null}
            </div>
          </fieldset>
          {issues.length ? (
            <div className="seq-issue-summary" aria-live="polite" data-testid="seq-issues">
              <strong>
                {issues.length} problem{issues.length === 1 ? '' : 's'} to fix:
              </strong>{' '}
              {issues.map((i) => i.path).join(', ')}
            </div>
          ) : null}
        </>
      )}

      {apiError && !apiError.issues?.length ? <ErrorPanel what="Could not save the sequence" error={apiError} /> : null}
      {apiError?.issues?.length ? (
        <p className="field-error" role="alert" data-testid="seq-save-error">
          {apiError.message}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={pending || (touched && (!checked?.ok || taken.length > 0))}>
          {pending ? 'Saving…' : creating ? 'Create sequence' : 'Save'}
        </button>
        {onCancel ? (
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
        {saved ? (
          <span className="success" role="status">
            Saved.
          </span>
        ) : null}
        {onDelete ? (
          <button type="button" className="btn btn-quiet seq-delete" onClick={onDelete}>
            Delete sequence…
          </button>
        ) : null}
      </div>
    </form>
  );
}

function AddExitEvent({ onAdd }: { onAdd: (ev: string) => void }) {
  const [v, setV] = useState('');
  const id = useId();
  const add = () => {
    if (v.trim()) onAdd(v.trim());
    setV('');
  };
  return (
    <div className="seq-add-exit">
      <label htmlFor={id}>Another exit event</label>
      <div className="row-actions">
        <input
          id={id}
          value={v}
          placeholder="e.g. demo.requested"
          onChange={(e) => setV(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button type="button" className="btn" onClick={add} disabled={!v.trim()}>
          Add
        </button>
      </div>
    </div>
  );
}
