/** A card of settings fields: validated as the person types, saved together, errors named per field. */
import { useEffect, useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { SETTINGS, type ApiError, type SettingKey } from '../../../../shared/api';
import { call } from '../../api/client';
import { useSettings } from './useSettings';
import { Badge, Card, ErrorPanel, Loading, SaveActions } from '../../components/ui';
import { draftOf, draftProblem, parseDraft, placeholderOf, selectOptions, type Draft, type FieldKind } from './settingsForm';

export interface FieldSpec {
  key: SettingKey;
  /** `select`: its options come from the setting's metadata (selectOptions). */
  kind: FieldKind;
  /** input type for text fields (email, url, time…) */
  type?: string;
  list?: string;
  autoComplete?: string;
}

/** The stored settings, live (settings.changed reloads). */
export { useSettings };

interface SettingsFormProps {
  fields: FieldSpec[];
  saveLabel?: string;
  onSaved?: () => void;
  testId?: string;
}

/** A Settings section's card: a short muted intro, its settings form, then whatever else the section holds. */
export function SettingsCard({ title, id, intro, children, ...form }: SettingsFormProps & { title: string; id: string; intro?: ReactNode; children?: ReactNode }) {
  return (
    <Card title={title} id={id}>
      {intro ? <p className="muted">{intro}</p> : null}
      <SettingsForm {...form} />
      {children}
    </Card>
  );
}

export function SettingsForm({ fields, saveLabel = 'Save', onSaved, testId }: SettingsFormProps) {
  const q = useSettings();
  const stored = q.data?.settings;
  const initial = useMemo(() => Object.fromEntries(fields.map((f) => [f.key, draftOf(f.kind, stored?.[f.key] ?? (f.kind === 'bool' ? (SETTINGS[f.key] as { defaultValue?: unknown }).defaultValue : undefined))])), [fields, stored]);
  const [drafts, setDrafts] = useState<Record<string, Draft>>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [pending, setPending] = useState(false);
  const baseId = useId();

  // A change saved elsewhere shows up here unless the person is editing that field.
  useEffect(() => setDrafts((d) => Object.fromEntries(Object.entries(d).filter(([k, v]) => v !== initial[k]))), [initial]);

  if (q.error && !q.data) return <ErrorPanel what="Could not load the settings" error={q.error} onRetry={q.reload} />;
  if (!q.data) return <Loading label="Loading settings…" />;

  const value = (k: SettingKey): Draft => drafts[k] ?? initial[k] ?? '';
  const problems = Object.fromEntries(fields.map((f) => [f.key, draftProblem(f.key, f.kind, value(f.key))]));
  const changed = fields.filter((f) => drafts[f.key] !== undefined && drafts[f.key] !== initial[f.key]);
  const invalid = changed.some((f) => problems[f.key]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    setFailure(null);
    if (invalid) return;
    setPending(true);
    const errs: Record<string, string> = {};
    try {
      for (const f of changed) {
        try {
          await call('settings.set', { key: f.key, value: parseDraft(f.kind, value(f.key)) });
        } catch (err) {
          const apiErr = err as ApiError;
          const issue = apiErr.issues?.find((i) => i.path === f.key);
          if (issue) errs[f.key] = issue.message;
          else throw err;
        }
      }
      setServerErrors(errs);
      if (Object.keys(errs).length === 0) {
        setSaved(true);
        onSaved?.();
      }
      q.reload();
    } catch (err) {
      setFailure(err as ApiError);
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="settings-form" onSubmit={submit} noValidate data-testid={testId}>
      <div className="settings-grid">
        {fields.map((f) => {
          const id = `${baseId}-${f.key}`;
          const def = SETTINGS[f.key] as { label: string; help?: string };
          const problem = (drafts[f.key] !== undefined ? problems[f.key] : null) ?? serverErrors[f.key] ?? null;
          const set = (v: Draft) => {
            setDrafts((d) => ({ ...d, [f.key]: v }));
            setServerErrors(({ [f.key]: _drop, ...rest }) => rest);
            setSaved(false);
          };
          const describedBy = `${id}-help`;
          const help = <p id={describedBy} className={problem ? 'field-error' : 'hint'} aria-live="polite">{problem ? `${f.key}: ${problem}` : (def.help ?? '')}</p>;
          if (f.kind === 'bool') {
            return (
              <div className="field field-check" key={f.key}>
                <label>
                  <input type="checkbox" name={f.key} checked={value(f.key) === true} onChange={(e) => set(e.target.checked)} aria-describedby={describedBy} /> {def.label}
                </label>
                {help}
              </div>
            );
          }
          return (
            <div className="field" key={f.key}>
              <label htmlFor={id}>{def.label}</label>
              {f.kind === 'select' ? (
                <select id={id} name={f.key} value={String(value(f.key))} onChange={(e) => set(e.target.value)} aria-describedby={describedBy}>
                  {selectOptions(f.key).map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ) : f.kind === 'json' ? (
                <textarea
                  id={id}
                  name={f.key}
                  rows={3}
                  value={String(value(f.key))}
                  spellCheck={false}
                  onChange={(e) => set(e.target.value)}
                  aria-invalid={problem ? true : undefined}
                  aria-describedby={describedBy}
                />
              ) : (
                <input
                  id={id}
                  name={f.key}
                  type={f.type ?? 'text'}
                  inputMode={f.kind === 'number' ? 'decimal' : undefined}
                  value={String(value(f.key))}
                  placeholder={placeholderOf(f.key)}
                  list={f.list}
                  autoComplete={f.autoComplete ?? 'off'}
                  spellCheck={false}
                  onChange={(e) => set(e.target.value)}
                  aria-invalid={problem ? true : undefined}
                  aria-describedby={describedBy}
                />
              )}
              {help}
            </div>
          );
        })}
      </div>
      <SaveActions
        saved={saved && 'Saved.'}
        note={changed.length > 0 ? <span className="muted">{invalid ? 'Fix the fields marked above to save.' : `${changed.length} unsaved change${changed.length === 1 ? '' : 's'}`}</span> : null}
        failure={failure}
        what="Could not save the settings"
      >
        <button type="submit" className="btn btn-primary" disabled={pending || changed.length === 0 || invalid}>
          {pending ? 'Saving…' : saveLabel}
        </button>
      </SaveActions>
    </form>
  );
}

/** A write-only secret field (the value goes to the keychain, never comes back). */
export function SecretField({ name, label, stored, writable, onSaved }: { name: string; label: string; stored: boolean; writable: boolean; onSaved: () => void }) {
  return (
    <WriteOnlyField
      label={label}
      inputName={name}
      stored={stored}
      help={writable ? `Write-only: kept as the secret ${name}, never shown again.` : `This backend is read-only: set BATON_SECRET_${name} where Baton starts.`}
      savedText={`Saved ${name}.`}
      what={`Could not save ${name}`}
      store={(value) => call('secrets.set', { name, value })}
      onSaved={onSaved}
    />
  );
}

/** A password-like field whose value is stored (`store`) and never shown again: "stored" or "not set", Save or Replace. */
export function WriteOnlyField({
  label,
  inputName,
  stored,
  help,
  savedText,
  what,
  store,
  onSaved,
}: {
  label: string;
  inputName?: string;
  stored: boolean;
  help: ReactNode;
  savedText: string;
  what: string;
  store: (value: string) => Promise<unknown>;
  onSaved: () => void;
}) {
  const [value, setValue] = useState('');
  const [state, setState] = useState<{ error: ApiError | null; saved: boolean; pending: boolean }>({ error: null, saved: false, pending: false });
  const id = useId();
  async function save(e: FormEvent) {
    e.preventDefault();
    if (!value) return;
    setState({ error: null, saved: false, pending: true });
    try {
      await store(value);
      setValue('');
      setState({ error: null, saved: true, pending: false });
      onSaved();
    } catch (err) {
      setState({ error: err as ApiError, saved: false, pending: false });
    }
  }
  return (
    <form className="secret-field" onSubmit={save} noValidate>
      <div className="field">
        <label htmlFor={id}>
          {label} <Badge tone={stored ? 'ok' : 'neutral'}>{stored ? 'stored' : 'not set'}</Badge>
        </label>
        <div className="inline-input">
          <input id={id} name={inputName} type="password" value={value} autoComplete="new-password" placeholder={stored ? '•••••••• (enter a new value to replace)' : ''} onChange={(e) => setValue(e.target.value)} aria-describedby={`${id}-help`} />
          <button type="submit" className="btn" disabled={!value || state.pending}>
            {stored ? 'Replace' : 'Save'}
          </button>
        </div>
        <p id={`${id}-help`} className="hint">
          {help}
        </p>
        {state.saved ? (
          <span className="success" role="status">
            {savedText}
          </span>
        ) : null}
      </div>
      {state.error ? <ErrorPanel what={what} error={state.error} /> : null}
    </form>
  );
}
