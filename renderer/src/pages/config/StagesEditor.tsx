/** The pipeline's stages (name, order, time limit, entry events, task) and the auto-create settings, checked with the contract as you type. */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ApiError } from '../../../../shared/api';
import { call } from '../../api/client';
import { useApi } from '../../api/hooks';
import { ErrorPanel, Loading, SaveActions } from '../../components/ui';
import { checkPipeline, issuesAt, messageAt, moveItem, newStage, pipelineDraft, slugify, type Issue, type PipelineDraft, type StageDraft } from './model';
import './config.css';

/** `dealsKey` changes when deals moved on the board: the open-deal counts are loaded again. */
export function StagesEditor({ onSaved, onClose, dealsKey = '' }: { onSaved: () => void; onClose: () => void; dealsKey?: string }) {
  const cfg = useApi('pipeline.get', {});
  const [draft, setDraft] = useState<PipelineDraft | null>(null);
  const [openDeals, setOpenDeals] = useState<Record<string, number>>({});
  const [blocked, setBlocked] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [pending, setPending] = useState(false);
  const [touched, setTouched] = useState(false);
  const focusNext = useRef<string | null>(null);
  const id = useId();

  useEffect(() => {
    if (cfg.data && !draft) setDraft(pipelineDraft(cfg.data));
  }, [cfg.data, draft]);
  // Open deals per stage: a stage that holds some cannot be removed here.
  useEffect(() => {
    if (!cfg.data) return;
    let live = true;
    void Promise.all(cfg.data.stages.map((s) => call('deals.list', { stage: s.id, open: true, limit: 1 }).then((r) => [s.id, r.total] as const))).then(
      (pairs) => live && setOpenDeals(Object.fromEntries(pairs)),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [cfg.data, dealsKey]);
  useEffect(() => {
    if (!focusNext.current) return;
    document.querySelector<HTMLElement>(`[data-focus-key="${focusNext.current}"]`)?.focus();
    focusNext.current = null;
  });

  if (cfg.error && !cfg.data) return <ErrorPanel what="Could not load the pipeline configuration" error={cfg.error} onRetry={cfg.reload} />;
  if (!draft) return <Loading label="Loading the pipeline configuration…" />;

  const checked = checkPipeline(draft);
  const issues: Issue[] = checked.ok ? [] : checked.issues;
  const show = touched ? issues : [];
  const edit = (next: PipelineDraft) => {
    setDraft(next);
    setSaved(false);
    setBlocked(null);
    setTouched(true);
  };
  const editStage = (i: number, patch: Partial<StageDraft>) => edit({ ...draft, stages: draft.stages.map((s, j) => (j === i ? { ...s, ...patch } : s)) });

  const remove = (i: number) => {
    const s = draft.stages[i]!;
    const n = s.isNew ? 0 : (openDeals[s.id] ?? 0);
    if (n > 0) {
      setBlocked(`“${s.name || s.id}” still holds ${n} open deal${n === 1 ? '' : 's'}: move ${n === 1 ? 'it' : 'them'} to another stage on the board first (Move to…), then remove the stage.`);
      return;
    }
    const next = draft.stages.filter((_, j) => j !== i);
    edit({ ...draft, stages: next });
    const neighbour = next[Math.min(i, next.length - 1)];
    focusNext.current = neighbour ? `${neighbour.key}-name` : 'add-stage';
  };

  async function save(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    setFailure(null);
    if (!checked.ok || !draft) return;
    setPending(true);
    try {
      const out = await call('pipeline.set', checked.value);
      setDraft(pipelineDraft(out));
      cfg.setData(() => out);
      setTouched(false);
      setSaved(true);
      onSaved();
    } catch (err) {
      setFailure(err as ApiError);
    } finally {
      setPending(false);
    }
  }

  const help = (path: string, text: string, hid: string) => {
    const m = messageAt(show, path);
    return (
      <p id={hid} className={m ? 'field-error' : 'hint'} aria-live="polite">
        {m ?? text}
      </p>
    );
  };

  return (
    <form onSubmit={save} noValidate className="cfg-form" data-testid="stages-editor" aria-labelledby={`${id}-t`}>
      <h3 id={`${id}-t`} className="visually-hidden">
        Stages
      </h3>
      <ol className="cfg-stages">
        {draft.stages.map((s, i) => {
          const f = `${id}-${s.key}`;
          const label = s.name.trim() || `Stage ${i + 1}`;
          const bad = (p: string) => (messageAt(show, `stages.${i}.${p}`) ? true : undefined);
          return (
            <li key={s.key} className="cfg-stage" data-testid="stage-row" data-stage={s.id}>
              <fieldset>
                <legend>
                  {i + 1}. {label}
                  {!s.isNew && openDeals[s.id] ? <span className="muted cfg-legend-note"> · {openDeals[s.id]} open</span> : null}
                </legend>
                <div className="cfg-grid cfg-grid-stage">
                  <div className="field">
                    <label htmlFor={`${f}-name`}>Name</label>
                    <input
                      id={`${f}-name`}
                      data-focus-key={`${s.key}-name`}
                      value={s.name}
                      onChange={(e) => editStage(i, s.isNew ? { name: e.target.value, id: slugify(e.target.value) || s.id } : { name: e.target.value })}
                      aria-invalid={bad('name')}
                      aria-describedby={`${f}-name-h`}
                    />
                    {help(`stages.${i}.name`, '', `${f}-name-h`)}
                  </div>
                  <div className="field">
                    <label htmlFor={`${f}-id`}>Id</label>
                    <input id={`${f}-id`} value={s.id} readOnly={!s.isNew} spellCheck={false} onChange={(e) => editStage(i, { id: e.target.value })} aria-invalid={bad('id')} aria-describedby={`${f}-id-h`} />
                    {help(`stages.${i}.id`, s.isNew ? 'From the name; fixed once saved.' : 'Fixed: deals keep it.', `${f}-id-h`)}
                  </div>
                  <div className="field">
                    <label htmlFor={`${f}-limit`}>Time limit (days)</label>
                    <input id={`${f}-limit`} inputMode="decimal" value={s.limitDays} placeholder="no limit" onChange={(e) => editStage(i, { limitDays: e.target.value })} aria-invalid={bad('limitDays')} aria-describedby={`${f}-limit-h`} />
                    {help(`stages.${i}.limitDays`, 'Empty: no limit.', `${f}-limit-h`)}
                  </div>
                  <div className="field">
                    <label htmlFor={`${f}-enter`}>Entry events</label>
                    <input id={`${f}-enter`} value={s.enterOn} spellCheck={false} placeholder="e.g. meeting.booked" onChange={(e) => editStage(i, { enterOn: e.target.value })} aria-invalid={bad('enterOn')} aria-describedby={`${f}-enter-h`} />
                    {help(`stages.${i}.enterOn`, 'Comma-separated event types.', `${f}-enter-h`)}
                  </div>
                  <div className="field cfg-task">
                    <label htmlFor={`${f}-task`}>Task created at this stage</label>
                    <input id={`${f}-task`} value={s.task} placeholder="none" onChange={(e) => editStage(i, { task: e.target.value })} aria-invalid={bad('task')} aria-describedby={`${f}-task-h`} />
                    {help(`stages.${i}.task`, '{{name}} is the contact. Empty: no task.', `${f}-task-h`)}
                  </div>
                <div className="cfg-row-actions">
                  <button type="button" className="btn btn-quiet" data-focus-key={`${s.key}-up`} disabled={i === 0} onClick={() => ((focusNext.current = `${s.key}-up`), edit({ ...draft, stages: moveItem(draft.stages, i, -1) }))}>
                    Move up<span className="visually-hidden"> {label}</span>
                  </button>
                  <button type="button" className="btn btn-quiet" data-focus-key={`${s.key}-down`} disabled={i === draft.stages.length - 1} onClick={() => ((focusNext.current = `${s.key}-down`), edit({ ...draft, stages: moveItem(draft.stages, i, 1) }))}>
                    Move down<span className="visually-hidden"> {label}</span>
                  </button>
                  <button type="button" className="btn btn-quiet" disabled={draft.stages.length === 1} onClick={() => remove(i)}>
                    Remove<span className="visually-hidden"> {label}</span>
                  </button>
                </div>
                </div>
              </fieldset>
            </li>
          );
        })}
      </ol>
      {blocked ? (
        <div className="notice" role="alert" data-testid="stage-blocked">
          {blocked}
        </div>
      ) : null}
      {messageAt(show, 'stages') ? <p className="field-error">{messageAt(show, 'stages')}</p> : null}
      <div className="form-actions">
        <button
          type="button"
          className="btn"
          data-focus-key="add-stage"
          disabled={draft.stages.length >= 20}
          onClick={() => {
            const st = newStage(draft.stages);
            focusNext.current = `${st.key}-name`;
            // Before a closing "won" stage, else at the end.
            const at = draft.stages[draft.stages.length - 1]?.id === 'won' ? draft.stages.length - 1 : draft.stages.length;
            edit({ ...draft, stages: [...draft.stages.slice(0, at), st, ...draft.stages.slice(at)] });
          }}
        >
          Add a stage
        </button>
      </div>

      <fieldset className="cfg-auto">
        <legend>Open a deal automatically</legend>
        <div className="cfg-grid">
          <div className="field cfg-check">
            <label>
              <input type="checkbox" checked={draft.autoCreate.onSql} onChange={(e) => edit({ ...draft, autoCreate: { ...draft.autoCreate, onSql: e.target.checked } })} /> When a contact reaches SQL
            </label>
          </div>
          <div className="field cfg-check">
            <label>
              <input type="checkbox" checked={draft.autoCreate.onDemoRequest} onChange={(e) => edit({ ...draft, autoCreate: { ...draft.autoCreate, onDemoRequest: e.target.checked } })} /> When a contact requests a demo
            </label>
          </div>
          <div className="field">
            <label htmlFor={`${id}-value`}>Value of a new deal</label>
            <input id={`${id}-value`} inputMode="decimal" value={draft.autoCreate.value} onChange={(e) => edit({ ...draft, autoCreate: { ...draft.autoCreate, value: e.target.value } })} aria-invalid={messageAt(show, 'autoCreate.value') ? true : undefined} aria-describedby={`${id}-value-h`} />
            {help('autoCreate.value', 'The new deal starts in the first stage with this value.', `${id}-value-h`)}
          </div>
          <div className="field">
            <label htmlFor={`${id}-cur`}>Currency</label>
            <input id={`${id}-cur`} value={draft.autoCreate.currency} maxLength={3} spellCheck={false} onChange={(e) => edit({ ...draft, autoCreate: { ...draft.autoCreate, currency: e.target.value } })} aria-invalid={messageAt(show, 'autoCreate.currency') ? true : undefined} aria-describedby={`${id}-cur-h`} />
            {help('autoCreate.currency', 'Three letters, e.g. USD or EUR.', `${id}-cur-h`)}
          </div>
        </div>
      </fieldset>

      <SaveActions
        saved={saved && 'Saved.'}
        note={
          touched && issues.length ? (
            <span className="field-error" role="status" data-testid="stages-problems">
              {issues.length === 1 ? '1 problem' : `${issues.length} problems`} to fix before saving: {issues.map((x) => x.path).join(', ')}
            </span>
          ) : null
        }
        failure={failure}
        what="The pipeline was not saved"
      >
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? 'Saving…' : 'Save pipeline'}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            setDraft(cfg.data ? pipelineDraft(cfg.data) : null);
            setTouched(false);
            setBlocked(null);
            setFailure(null);
            onClose();
          }}
        >
          {touched ? 'Cancel' : 'Close'}
        </button>
      </SaveActions>
      {issuesAt(show, '(root)').length ? <p className="field-error">{messageAt(show, '(root)')}</p> : null}
    </form>
  );
}
