/**
 * Start a playbook run: the mode (with the playbook's decision criteria beside it, the mode they
 * suggest marked), a scenario (its preset config, still editable), the config form generated from
 * the playbook's config schema (JSON Schema: title, description, type, format textarea, required),
 * the role of a single-agent mode and an optional task. Problems come back naming the field.
 */
import { useId, useMemo, useState } from 'react';
import type { ApiError, PlaybookDetail } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { Field } from '../../components/Field';
import { Card } from '../../components/ui';
import { invalidate } from '../../data/query';
import { minutes } from './format';
import { fieldsOf } from './model';

export function StartForm({ detail, onStarted }: { detail: PlaybookDetail; onStarted: (run: string) => void }) {
  const id = useId();
  const def = detail.definition;
  const fields = useMemo(() => fieldsOf(detail.configSchema), [detail.configSchema]);
  const [mode, setMode] = useState(def.modes[0]?.id ?? '');
  const [scenario, setScenario] = useState('');
  const [config, setConfig] = useState<Record<string, string>>({});
  const [role, setRole] = useState('');
  const [task, setTask] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const modeDef = def.modes.find((m) => m.id === mode);
  const plan = detail.modePlans.find((m) => m.id === mode);
  const issues = error?.issues ?? [];

  const pickScenario = (sid: string) => {
    setScenario(sid);
    const s = def.scenarios.find((x) => x.id === sid);
    if (!s) return;
    setMode(s.mode);
    setConfig((old) => ({ ...old, ...s.config }));
  };
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const values = Object.fromEntries(Object.entries(config).filter(([, v]) => v.trim() !== ''));
      const { run } = await call('playbooks.start', {
        playbookId: detail.id,
        mode,
        ...(scenario ? { scenario } : {}),
        config: values,
        ...(modeDef?.chooseRole && role ? { role } : {}),
        ...(task.trim() ? { task: task.trim() } : {}),
      });
      invalidate('playbooks.runs', 'playbooks.list');
      onStarted(run.id);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  const scen = def.scenarios.find((s) => s.id === scenario);

  return (
    <Card title="Start a run" id="pb-start">
      <form
        aria-label={`Start ${def.name}`}
        className="pb-start"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="pb-mode-row">
          <fieldset className="pb-modes">
            <legend>Mode</legend>
            {def.modes.map((m) => {
              const p = detail.modePlans.find((x) => x.id === m.id);
              return (
                <label key={m.id} className="pb-mode">
                  <input type="radio" name={`${id}-mode`} value={m.id} checked={mode === m.id} onChange={() => setMode(m.id)} />
                  <span>
                    <strong>{m.name}</strong>
                    <span className="hint">
                      {' '}
                      · {p?.phases.length ?? m.phases.length} phase{(p?.phases.length ?? m.phases.length) === 1 ? '' : 's'}
                      {p ? `, about ${minutes(p.estimatedMinutes.parallel)}` : ''}
                    </span>
                    {m.description ? <span className="hint pb-mode-desc">{m.description}</span> : null}
                  </span>
                </label>
              );
            })}
          </fieldset>
          {def.decisionCriteria.length ? (
            <aside className="pb-criteria" aria-label="Which mode to run" data-testid="decision-criteria">
              <h3>Which mode?</h3>
              <ul>
                {def.decisionCriteria.map((c) => (
                  <li key={c.mode} aria-current={c.mode === mode ? 'true' : undefined}>
                    <strong>{def.modes.find((m) => m.id === c.mode)?.name ?? c.mode}</strong> when: {c.when.join('; ')}.
                  </li>
                ))}
              </ul>
            </aside>
          ) : null}
        </div>
        {plan ? (
          <p className="hint" data-testid="mode-plan">
            Runs {plan.phases.map((p) => p.name).join(' → ')}.
          </p>
        ) : null}
        {issues.some((i) => i.path === 'mode') ? <p className="field-error">{issues.filter((i) => i.path === 'mode').map((i) => `mode: ${i.message}`).join('; ')}</p> : null}

        {def.scenarios.length ? (
          <Field id={`${id}-scenario`} label="Scenario (optional)" path="scenario" issues={issues} className="field" hint="Fills the form below with its presets and picks its mode; you can still change them.">
            {(p) => (
              <select {...p} value={scenario} onChange={(e) => pickScenario(e.target.value)}>
                <option value="">None</option>
                {def.scenarios.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {scen && (scen.focus.length || scen.risks.length) ? (
          <div className="pb-scenario hint">
            {scen.focus.length ? <p>Focus: {scen.focus.join('; ')}.</p> : null}
            {scen.risks.length ? <p>Risks: {scen.risks.join('; ')}.</p> : null}
          </div>
        ) : null}

        {modeDef?.chooseRole ? (
          <Field id={`${id}-role`} label="Role" path="role" issues={issues} className="field" hint="This mode runs the steps of one role.">
            {(p) => (
              <select {...p} value={role} onChange={(e) => setRole(e.target.value)}>
                <option value="">Pick a role</option>
                {def.roles.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}

        {fields.map((f) => (
          <Field key={f.key} id={`${id}-${f.key}`} label={`${f.title}${f.required ? '' : ' (optional)'}`} path={`config.${f.key}`} issues={issues} className="field" hint={f.description}>
            {(p) =>
              f.long ? (
                <textarea {...p} rows={3} value={config[f.key] ?? ''} aria-required={f.required || undefined} onChange={(e) => setConfig((c) => ({ ...c, [f.key]: e.target.value }))} />
              ) : (
                <input {...p} inputMode={f.type === 'number' ? 'decimal' : undefined} value={config[f.key] ?? ''} aria-required={f.required || undefined} onChange={(e) => setConfig((c) => ({ ...c, [f.key]: e.target.value }))} />
              )
            }
          </Field>
        ))}
        <Field id={`${id}-task`} label="Task for this run (optional)" path="task" issues={issues} className="field" hint="What you want from this run in a sentence; the team gets it with the config.">
          {(p) => <textarea {...p} rows={2} value={task} onChange={(e) => setTask(e.target.value)} />}
        </Field>

        {error ? (
          <div className="error-panel" role="alert" data-testid="start-error">
            <div>
              <strong>The run was not started</strong>
              <p>{error.message}</p>
            </div>
          </div>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !mode}>
            {busy ? 'Starting…' : 'Start the run'}
          </button>
        </div>
      </form>
    </Card>
  );
}
