/** Settings → Secrets: the stored names (values are never shown), add or replace one, delete one. */
import { useId, useState, type FormEvent } from 'react';
import { SECRET_NAME_RULE, type ApiError } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { fieldErrorsFromIssues, secretNameProblem, validateSecretForm, type SecretFormErrors } from '../../api/secretForm';
import { Card, ErrorPanel, Loading, SaveActions } from '../../components/ui';

export function SecretsCard() {
  const list = useApi('secrets.list', {});
  useEvent('secrets.changed', ({ names }) => list.setData((old) => (old ? { ...old, names } : old)));
  return (
    <Card title="Secrets" id="settings-secrets">
      {list.error && !list.data ? (
        <ErrorPanel what="Could not load the secrets" error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading label="Loading secrets…" />
      ) : (
        <>
          <dl className="facts">
            <div>
              <dt>Stored in</dt>
              <dd>
                <span data-testid="secret-backend" className="badge badge-neutral">
                  {list.data.backend.kind === 'keychain' ? 'OS keychain' : list.data.backend.kind === 'file' ? 'Encrypted file' : 'Environment variables'}
                </span>
                <p className="muted detail" data-testid="secret-backend-detail">
                  {list.data.backend.detail}
                </p>
              </dd>
            </div>
          </dl>
          <SecretNames names={list.data.names} onDeleted={list.reload} />
          <SecretForm writable={list.data.backend.writable} existing={list.data.names} onSaved={list.reload} />
        </>
      )}
    </Card>
  );
}

function SecretNames({ names, onDeleted }: { names: string[]; onDeleted: () => void }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const del = useAction(async (name: string) => {
    await call('secrets.delete', { name });
    setConfirming(null);
    onDeleted();
  });
  if (names.length === 0) return <p className="muted">No secrets stored yet. Values are never shown again once saved.</p>;
  return (
    <>
      <ul className="secret-list" aria-label="Stored secrets">
        {names.map((n) => (
          <li key={n}>
            <code>{n}</code>
            <span className="masked" aria-label="value hidden">
              ••••••••
            </span>
            {confirming === n ? (
              <span className="row-actions">
                <span>Delete {n}?</span>
                <button type="button" className="btn btn-danger" disabled={del.pending} onClick={() => void del.run(n)}>
                  Delete
                </button>
                <button type="button" className="btn" onClick={() => setConfirming(null)}>
                  Cancel
                </button>
              </span>
            ) : (
              <button type="button" className="btn btn-quiet" aria-label={`Delete ${n}`} onClick={() => setConfirming(n)}>
                Delete
              </button>
            )}
          </li>
        ))}
      </ul>
      {del.error ? <ErrorPanel what="Could not delete the secret" error={del.error} onRetry={confirming ? () => void del.run(confirming) : undefined} /> : null}
    </>
  );
}

function SecretForm({ writable, existing, onSaved }: { writable: boolean; existing: string[]; onSaved: () => void }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [touched, setTouched] = useState(false);
  const [errors, setErrors] = useState<SecretFormErrors>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const ids = { name: useId(), nameHelp: useId(), value: useId(), valueHelp: useId() };

  const liveNameProblem = touched || name !== '' ? secretNameProblem(name) : null;
  const nameError = errors.name ?? liveNameProblem;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(null);
    setFailure(null);
    const found = validateSecretForm(name, value);
    setErrors(found);
    if (found.name || found.value) return;
    try {
      await call('secrets.set', { name, value });
      setSaved(name);
      setValue('');
      setName('');
      setTouched(false);
      onSaved();
    } catch (err) {
      const apiErr = err as ApiError;
      const fields = fieldErrorsFromIssues(apiErr.issues);
      if (fields.name || fields.value) setErrors(fields);
      else setFailure(apiErr);
    }
  }

  return (
    <form className="secret-form" onSubmit={submit} noValidate aria-labelledby="secret-form-title">
      <h3 id="secret-form-title">Add or replace a secret</h3>
      {!writable ? (
        <p className="notice">This backend is read-only: saving here will explain how to set the value where Baton starts.</p>
      ) : null}
      <div className="form-row">
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input
            id={ids.name}
            name="secret-name"
            value={name}
            autoComplete="off"
            spellCheck={false}
            placeholder="ANTHROPIC_API_KEY"
            onChange={(e) => {
              setName(e.target.value);
              setErrors((x) => ({ ...x, name: undefined }));
              setSaved(null);
            }}
            onBlur={() => setTouched(true)}
            aria-invalid={nameError ? true : undefined}
            aria-describedby={ids.nameHelp}
          />
          <p id={ids.nameHelp} className={nameError ? 'field-error' : 'hint'} data-testid="secret-name-help" aria-live="polite">
            {nameError ?? (existing.includes(name) ? `Saving replaces the stored value of ${name}.` : `Names ${SECRET_NAME_RULE}.`)}
          </p>
        </div>
        <div className="field">
          <label htmlFor={ids.value}>Value</label>
          <input
            id={ids.value}
            name="secret-value"
            type="password"
            value={value}
            autoComplete="new-password"
            onChange={(e) => {
              setValue(e.target.value);
              setErrors((x) => ({ ...x, value: undefined }));
            }}
            aria-invalid={errors.value ? true : undefined}
            aria-describedby={ids.valueHelp}
          />
          <p id={ids.valueHelp} className={errors.value ? 'field-error' : 'hint'}>
            {errors.value ?? 'Write-only: the value is stored and never shown again.'}
          </p>
        </div>
      </div>
      <SaveActions saved={saved && `Saved ${saved}.`} failure={failure} what="Could not save the secret">
        <button type="submit" className="btn btn-primary">
          Save secret
        </button>
      </SaveActions>
    </form>
  );
}
