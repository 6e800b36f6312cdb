/**
 * The scoring rules as a form: thresholds, fit rules (a field or tag condition), behaviour rules
 * (an event, optional data condition, repeatable with a cap, a time window) and decay; each rule
 * added, edited and deleted in place; every box checked with the contract as you type (problems
 * named by field, e.g. `fit.1.points`), nothing saved while one is left. **Preview the change**
 * shows a few contacts' scores now and under the edited rules, and how many scores would change
 * across everyone (`scoring.preview`, nothing stored); **Save and re-score** saves and re-scores
 * every contact (`scoring.rules.set`).
 */
import { useMemo, useState, type HTMLAttributes, type ReactNode } from 'react';
import { FIELD_OPS, type ApiIssue, type OpOutput } from '../../../../shared/api';
import { call } from '../../api/client';
import { issuesAt } from '../../api/issues';
import { useAction } from '../../api/hooks';
import { Field } from '../../components/Field';
import { ErrorPanel } from '../../components/ui';
import { STAGE_LABEL, plural, signed } from './format';
import { EVENT_TYPES, FIELDS, NO_VALUE_OPS, opLabel, type FieldOp } from './segmentModel';
import { checkDraft, fromConfig, newBehaviorRule, newFitRule, type BehaviorDraft, type Config, type FitDraft, type ScoringDraft } from './scoringModel';

type SetResult = OpOutput<'scoring.rules.set'>;
type Preview = OpOutput<'scoring.preview'>;

/** "Fit rule 2 points" for screen readers and tests, "Points" on screen (the box shows which rule). */
function L({ pre, children }: { pre: string; children: ReactNode }) {
  return (
    <>
      <span className="visually-hidden">{pre} </span>
      {children}
    </>
  );
}

export function ScoringForm({ config, onSaved }: { config: Config; onSaved: (r: SetResult) => void }) {
  const [draft, setDraft] = useState<ScoringDraft>(() => fromConfig(config));
  const [shown, setShown] = useState(false);
  const [preview, setPreview] = useState<Preview | null>(null);
  const checked = useMemo(() => checkDraft(draft), [draft]);
  const dirty = useMemo(() => JSON.stringify(checked.config) !== JSON.stringify(config), [checked, config]);
  const issues: ApiIssue[] = checked.issues;
  const save = useAction((c: Config) => call('scoring.rules.set', { config: c }));
  const prev = useAction((c: Config) => call('scoring.preview', { config: c }));
  const serverIssues = save.error?.issues ?? prev.error?.issues ?? [];
  const all = [...issues, ...serverIssues];

  const set = (fn: (d: ScoringDraft) => ScoringDraft) => {
    setDraft((d) => fn(d));
    setPreview(null);
    save.clearError();
    prev.clearError();
  };
  const setFit = (i: number, r: FitDraft) => set((d) => ({ ...d, fit: d.fit.map((x, j) => (j === i ? r : x)) }));
  const setBeh = (i: number, r: BehaviorDraft) => set((d) => ({ ...d, behavior: d.behavior.map((x, j) => (j === i ? r : x)) }));

  const onPreview = async () => {
    setShown(true);
    if (!checked.config) return;
    const r = await prev.run(checked.config);
    if (r) setPreview(r);
  };
  const onSave = async () => {
    setShown(true);
    if (!checked.config) return;
    const r = await save.run(checked.config);
    if (r) {
      setPreview(null);
      onSaved(r);
    }
  };

  return (
    <form
      className="sr-form"
      aria-label="Scoring rules"
      onSubmit={(e) => {
        e.preventDefault();
        void onSave();
      }}
      noValidate
    >
      <fieldset className="sr-box">
        <legend>Thresholds</legend>
        <p className="hint">A contact becomes an MQL, then an SQL, when the score reaches these points (it only moves forward).</p>
        <div className="sr-row">
          <Field className="sr-field" id="sr-mql" label="MQL at (points)" path="thresholds.mql" issues={all}>
            {(p) => <input {...p} inputMode="numeric" value={draft.mql} onChange={(e) => set((d) => ({ ...d, mql: e.target.value }))} autoComplete="off" />}
          </Field>
          <Field className="sr-field" id="sr-sql" label="SQL at (points)" path="thresholds.sql" issues={all}>
            {(p) => <input {...p} inputMode="numeric" value={draft.sql} onChange={(e) => set((d) => ({ ...d, sql: e.target.value }))} autoComplete="off" />}
          </Field>
        </div>
      </fieldset>

      <fieldset className="sr-box">
        <legend>Fit: who the contact is</legend>
        {draft.fit.length === 0 ? <p className="muted">No fit rules.</p> : null}
        {draft.fit.map((r, i) => (
          <FitRow key={r.key} r={r} i={i} issues={all} onChange={(x) => setFit(i, x)} onDelete={() => set((d) => ({ ...d, fit: d.fit.filter((_, j) => j !== i) }))} />
        ))}
        <button type="button" className="btn" onClick={() => set((d) => ({ ...d, fit: [...d.fit, newFitRule(d)] }))}>
          Add a fit rule
        </button>
      </fieldset>

      <fieldset className="sr-box">
        <legend>Behaviour: what the contact does</legend>
        {draft.behavior.length === 0 ? <p className="muted">No behaviour rules.</p> : null}
        {draft.behavior.map((r, i) => (
          <BehaviorRow key={r.key} r={r} i={i} issues={all} onChange={(x) => setBeh(i, x)} onDelete={() => set((d) => ({ ...d, behavior: d.behavior.filter((_, j) => j !== i) }))} />
        ))}
        <button type="button" className="btn" onClick={() => set((d) => ({ ...d, behavior: [...d.behavior, newBehaviorRule(d)] }))}>
          Add a behaviour rule
        </button>
      </fieldset>

      <fieldset className="sr-box">
        <legend>Decay for inactivity</legend>
        <label className="sr-check">
          <input type="checkbox" checked={draft.decayOn} onChange={(e) => set((d) => ({ ...d, decayOn: e.target.checked }))} /> Take points away from contacts with no activity
        </label>
        {draft.decayOn ? (
          <div className="sr-row">
            <Field className="sr-field" id="sr-decay-after" label="After … days idle" path="decay.afterDays" issues={all}>
              {(p) => <input {...p} inputMode="numeric" value={draft.decay.afterDays} onChange={(e) => set((d) => ({ ...d, decay: { ...d.decay, afterDays: e.target.value } }))} autoComplete="off" />}
            </Field>
            <Field className="sr-field" id="sr-decay-points" label="Points taken" path="decay.points" issues={all}>
              {(p) => <input {...p} inputMode="numeric" value={draft.decay.points} onChange={(e) => set((d) => ({ ...d, decay: { ...d.decay, points: e.target.value } }))} autoComplete="off" />}
            </Field>
            <Field className="sr-field" id="sr-decay-every" label="Again every … days" path="decay.everyDays" issues={all}>
              {(p) => <input {...p} inputMode="numeric" value={draft.decay.everyDays} onChange={(e) => set((d) => ({ ...d, decay: { ...d.decay, everyDays: e.target.value } }))} autoComplete="off" />}
            </Field>
            <Field className="sr-field" id="sr-decay-max" label="At most (optional)" path="decay.max" issues={all}>
              {(p) => <input {...p} inputMode="numeric" value={draft.decay.max} onChange={(e) => set((d) => ({ ...d, decay: { ...d.decay, max: e.target.value } }))} autoComplete="off" />}
            </Field>
          </div>
        ) : null}
      </fieldset>

      {shown && issues.length ? (
        <NotSaved issues={issues} data-testid="scoring-problems" />
      ) : null}
      {save.error ? <ErrorPanel what="Could not save the rules" error={save.error} /> : null}
      {prev.error ? <ErrorPanel what="Could not preview the rules" error={prev.error} /> : null}

      {preview ? <PreviewTable p={preview} /> : null}

      <div className="form-actions">
        <button type="button" className="btn" onClick={() => void onPreview()} disabled={prev.pending || save.pending}>
          {prev.pending ? 'Computing…' : 'Preview the change'}
        </button>
        <button type="submit" className="btn btn-primary" disabled={save.pending}>
          {save.pending ? 'Saving and re-scoring…' : 'Save and re-score'}
        </button>
        <button
          type="button"
          className="btn"
          disabled={!dirty || save.pending}
          onClick={() => {
            setDraft(fromConfig(config));
            setPreview(null);
            setShown(false);
            save.clearError();
            prev.clearError();
          }}
        >
          Discard changes
        </button>
      </div>
    </form>
  );
}

function FitRow({ r, i, issues, onChange, onDelete }: { r: FitDraft; i: number; issues: ApiIssue[]; onChange: (r: FitDraft) => void; onDelete: () => void }) {
  const p = `fit.${i}`;
  const pre = `Fit rule ${i + 1}`;
  const id = (n: string) => `sr-fit-${r.key}-${n}`;
  const w = r.when;
  return (
    <div className="sr-rule" role="group" aria-label={pre} data-testid="fit-rule">
      <div className="sr-row">
        <IdLabel p={p} pre={pre} id={id} r={r} issues={issues} onChange={(x) => onChange({ ...r, ...x })} />
        <Field className="sr-field" id={id('kind')} label={<L pre={pre}>Condition on</L>} path={`${p}.when.kind`} issues={issues}>
          {(q) => (
            <select
              {...q}
              value={w.kind}
              onChange={(e) =>
                onChange({ ...r, when: e.target.value === 'tag' ? { key: w.key, kind: 'tag', op: 'has', tag: '' } : { key: w.key, kind: 'field', field: 'title', op: 'contains', value: '' } })
              }
            >
              <option value="field">a field</option>
              <option value="tag">a tag</option>
            </select>
          )}
        </Field>
        {w.kind === 'field' ? (
          <>
            <Field className="sr-field" id={id('field')} label={<L pre={pre}>Field</L>} path={`${p}.when.field`} issues={issues} hint="custom.<name> for a custom field">
              {(q) => <input {...q} list="sr-fields" value={w.field} onChange={(e) => onChange({ ...r, when: { ...w, field: e.target.value.trim() } })} autoComplete="off" />}
            </Field>
            <Field className="sr-field" id={id('op')} label={<L pre={pre}>Operator</L>} path={`${p}.when.op`} issues={issues}>
              {(q) => (
                <select {...q} value={w.op} onChange={(e) => onChange({ ...r, when: { ...w, op: e.target.value as FieldOp } })}>
                  {FIELD_OPS.map((o) => (
                    <option key={o} value={o}>
                      {opLabel(o)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {NO_VALUE_OPS.includes(w.op) ? null : (
              <Field className="sr-field sr-grow" id={id('value')} label={<L pre={pre}>Value</L>} path={`${p}.when.value`} issues={issues}>
                {(q) => <input {...q} value={w.value} onChange={(e) => onChange({ ...r, when: { ...w, value: e.target.value } })} autoComplete="off" />}
              </Field>
            )}
          </>
        ) : (
          <>
            <Field className="sr-field" id={id('tagop')} label={<L pre={pre}>Tag</L>} path={`${p}.when.op`} issues={issues}>
              {(q) => (
                <select {...q} value={w.op} onChange={(e) => onChange({ ...r, when: { ...w, op: e.target.value as 'has' | 'has_not' } })}>
                  <option value="has">has tag</option>
                  <option value="has_not">has not tag</option>
                </select>
              )}
            </Field>
            <Field className="sr-field sr-grow" id={id('tag')} label={<L pre={pre}>Tag name</L>} path={`${p}.when.tag`} issues={issues}>
              {(q) => <input {...q} value={w.tag} onChange={(e) => onChange({ ...r, when: { ...w, tag: e.target.value } })} autoComplete="off" />}
            </Field>
          </>
        )}
        <PointsField p={p} pre={pre} id={id('points')} value={r.points} issues={issues} onChange={(v) => onChange({ ...r, points: v })} />
      </div>
      <RuleIssues p={p} issues={issues} />
      <button type="button" className="btn btn-small btn-quiet" onClick={onDelete}>
        Delete <span className="visually-hidden">{pre.toLowerCase()}</span>
      </button>
      <datalist id="sr-fields">
        {FIELDS.map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
    </div>
  );
}

function BehaviorRow({ r, i, issues, onChange, onDelete }: { r: BehaviorDraft; i: number; issues: ApiIssue[]; onChange: (r: BehaviorDraft) => void; onDelete: () => void }) {
  const p = `behavior.${i}`;
  const pre = `Behaviour rule ${i + 1}`;
  const id = (n: string) => `sr-beh-${r.key}-${n}`;
  return (
    <div className="sr-rule" role="group" aria-label={pre} data-testid="behavior-rule">
      <div className="sr-row">
        <IdLabel p={p} pre={pre} id={id} r={r} issues={issues} onChange={(x) => onChange({ ...r, ...x })} />
        <Field className="sr-field" id={id('event')} label={<L pre={pre}>Event</L>} path={`${p}.event`} issues={issues}>
          {(q) => <input {...q} list="sr-events" value={r.event} onChange={(e) => onChange({ ...r, event: e.target.value })} autoComplete="off" />}
        </Field>
        <PointsField p={p} pre={pre} id={id('points')} value={r.points} issues={issues} onChange={(v) => onChange({ ...r, points: v })} />
        <Field className="sr-field" id={id('within')} label={<L pre={pre}>In the last … days (optional)</L>} path={`${p}.withinDays`} issues={issues}>
          {(q) => <input {...q} inputMode="numeric" value={r.withinDays} onChange={(e) => onChange({ ...r, withinDays: e.target.value })} autoComplete="off" />}
        </Field>
      </div>
      <div className="sr-row">
        <label className="sr-check">
          <input type="checkbox" checked={r.repeatable} onChange={(e) => onChange({ ...r, repeatable: e.target.checked })} /> <L pre={pre}>Every time (else once)</L>
        </label>
        {r.repeatable ? (
          <Field className="sr-field" id={id('cap')} label={<L pre={pre}>At most … points (optional)</L>} path={`${p}.cap`} issues={issues}>
            {(q) => <input {...q} inputMode="numeric" value={r.cap} onChange={(e) => onChange({ ...r, cap: e.target.value })} autoComplete="off" />}
          </Field>
        ) : null}
        <Field className="sr-field" id={id('wpath')} label={<L pre={pre}>Only where data key (optional)</L>} path={`${p}.where.path`} issues={issues}>
          {(q) => <input {...q} value={r.wherePath} placeholder="url" onChange={(e) => onChange({ ...r, wherePath: e.target.value })} autoComplete="off" />}
        </Field>
        {r.wherePath.trim() ? (
          <>
            <Field className="sr-field" id={id('wop')} label={<L pre={pre}>Data operator</L>} path={`${p}.where.op`} issues={issues}>
              {(q) => (
                <select {...q} value={r.whereOp} onChange={(e) => onChange({ ...r, whereOp: e.target.value as BehaviorDraft['whereOp'] })}>
                  <option value="eq">is</option>
                  <option value="contains">contains</option>
                  <option value="starts_with">starts with</option>
                </select>
              )}
            </Field>
            <Field className="sr-field" id={id('wval')} label={<L pre={pre}>Data value</L>} path={`${p}.where.value`} issues={issues}>
              {(q) => <input {...q} value={r.whereValue} onChange={(e) => onChange({ ...r, whereValue: e.target.value })} autoComplete="off" />}
            </Field>
          </>
        ) : null}
      </div>
      <RuleIssues p={p} issues={issues} />
      <button type="button" className="btn btn-small btn-quiet" onClick={onDelete}>
        Delete <span className="visually-hidden">{pre.toLowerCase()}</span>
      </button>
      <datalist id="sr-events">
        {EVENT_TYPES.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
    </div>
  );
}

function IdLabel({ p, pre, id, r, issues, onChange }: { p: string; pre: string; id: (n: string) => string; r: { id: string; label: string }; issues: ApiIssue[]; onChange: (x: { id?: string; label?: string }) => void }) {
  return (
    <>
      <Field className="sr-field" id={id('id')} label={<L pre={pre}>Id</L>} path={`${p}.id`} issues={issues}>
        {(q) => <input {...q} value={r.id} onChange={(e) => onChange({ id: e.target.value })} autoComplete="off" spellCheck={false} />}
      </Field>
      <Field className="sr-field sr-grow" id={id('label')} label={<L pre={pre}>Label (optional)</L>} path={`${p}.label`} issues={issues}>
        {(q) => <input {...q} value={r.label} onChange={(e) => onChange({ label: e.target.value })} autoComplete="off" />}
      </Field>
    </>
  );
}

function PointsField({ p, pre, id, value, issues, onChange }: { p: string; pre: string; id: string; value: string; issues: ApiIssue[]; onChange: (v: string) => void }) {
  return (
    <Field className="sr-field sr-points" id={id} label={<L pre={pre}>Points</L>} path={`${p}.points`} issues={issues}>
      {(q) => <input {...q} inputMode="numeric" value={value} onChange={(e) => onChange(e.target.value)} autoComplete="off" />}
    </Field>
  );
}

/** Problems of the rule as a whole (e.g. a condition the schema cannot place on one box). */
function RuleIssues({ p, issues }: { p: string; issues: ApiIssue[] }) {
  const own = issuesAt(issues, p).filter((x) => x.path === p || x.path === `${p}.when` || x.path === `${p}.where`);
  return (
    <>
      {own.map((x) => (
        <p key={x.path + x.message} className="field-error">
          <code>{x.path}</code>: {x.message}
        </p>
      ))}
    </>
  );
}

function PreviewTable({ p }: { p: Preview }) {
  const stageAfter = (after: number, stage: string): string | null => {
    if (after >= p.thresholds.sql && ['subscriber', 'lead', 'mql'].includes(stage)) return 'becomes SQL';
    if (after >= p.thresholds.mql && ['subscriber', 'lead'].includes(stage)) return 'becomes MQL';
    return null;
  };
  return (
    <section className="sr-preview" aria-label="Preview of the change" data-testid="scoring-preview">
      <p role="status" data-testid="scoring-preview-everyone">
        Across all {plural(p.everyone.rescored, 'contact')}: {plural(p.everyone.changed, 'score')} would change, {p.everyone.crossed.toLocaleString()} would cross a threshold. Nothing is saved yet.
      </p>
      <div className="sr-preview-table">
        <table className="table" aria-label="Scores now and with the edited rules">
          <thead>
            <tr>
              <th scope="col">Contact</th>
              <th scope="col">Stage</th>
              <th scope="col" className="num">
                Now
              </th>
              <th scope="col" className="num">
                With these rules
              </th>
              <th scope="col" className="num">
                Change
              </th>
            </tr>
          </thead>
          <tbody>
            {p.sample.map((c) => (
              <tr key={c.id} data-contact={c.id}>
                <td>{c.name ?? c.email}</td>
                <td>
                  {STAGE_LABEL[c.stage]}
                  {stageAfter(c.after, c.stage) ? <span className="muted"> → {stageAfter(c.after, c.stage)}</span> : null}
                </td>
                <td className="num" data-testid="score-before">
                  {c.before}
                </td>
                <td className="num" data-testid="score-after">
                  {c.after}
                </td>
                <td className="num">{c.after === c.before ? '±0' : signed(c.after - c.before)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** "Not saved: N problems to fix" with each problem's path (the scoring form's and the segment rules' check). */
export function NotSaved({ issues, className, ...rest }: { issues: readonly Pick<ApiIssue, 'path' | 'message'>[] } & HTMLAttributes<HTMLDivElement> & Record<`data-${string}`, string>) {
  return (
    <div className={className ? `error-panel ${className}` : 'error-panel'} role="alert" {...rest}>
      <div>
        <strong>Not saved: {plural(issues.length, 'problem')} to fix</strong>
        <ul>
          {issues.map((x) => (
            <li key={x.path + x.message}>
              <code>{x.path}</code>: {x.message}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
