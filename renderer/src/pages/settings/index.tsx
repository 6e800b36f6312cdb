import { useEffect, useId, useState, type FormEvent } from 'react';
import { create } from 'zustand';
import { SECRET_NAME_RULE, type ApiError, type BackupInfo, type SystemInfo } from '../../../../shared/api';
import { call, signOut, usesToken } from '../../api/client';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { ConnectionStatus } from '../../components/ConnectionStatus';
import { Card, ErrorPanel, Loading, PageHeader, baseName, formatBytes, formatTime } from '../../components/ui';
import { AiCard, EmailCard, EngineCard, GeneralCard, MonitoringCard, NotificationsCard, TrackingCard } from './Cards';
import { EscalationRulesCard } from '../config/EscalationRules';
import { FormsCard } from '../config/Forms';
import { WebhooksCard } from '../config/Webhooks';
import { ServerCard } from './ServerCard';
import { ConnectionsCard } from './ConnectionsCard';
import { SectionNav, useScrollToSection, useSettingsSection } from './SectionNav';
import { WordPressCard } from './WordPressCard';
import { fieldErrorsFromIssues, secretNameProblem, validateSecretForm, type SecretFormErrors } from '../../api/secretForm';

const HOSTS: Record<SystemInfo['host'], string> = { electron: 'Desktop app', server: 'Headless server (baton serve)', cli: 'Command line' };

export function Settings() {
  const section = useSettingsSection();
  const [stack, setStack] = useState<HTMLDivElement | null>(null);
  useScrollToSection(section, stack);
  return (
    <>
      <PageHeader title="Settings" intro="Where Baton keeps your data, how it reaches your mail, Claude and WordPress, when it alerts you (and about what), the address the internet reaches it at, your lead-capture forms and webhooks, and your backups." />
      <div className="settings-layout">
        <SectionNav current={section} />
        <div className="stack settings-sections" ref={setStack}>
          <SystemCard />
          <ConnectionsCard />
          <GeneralCard />
          <EmailCard />
          <AiCard />
          <WordPressCard />
          <NotificationsCard />
          <EscalationRulesCard />
          <ServerCard />
          <EngineCard />
          <TrackingCard />
          <MonitoringCard />
          <FormsCard />
          <WebhooksCard />
          <SecretsCard />
          <BackupsCard />
        </div>
      </div>
    </>
  );
}

function SystemCard() {
  const info = useApi('system.info', {});
  return (
    <Card title="Data and connection" id="settings-system">
      {info.error ? (
        <ErrorPanel what="Could not load the system information" error={info.error} onRetry={info.reload} />
      ) : !info.data ? (
        <Loading label="Loading system information…" />
      ) : (
        <dl className="facts">
          <div>
            <dt>Connection</dt>
            <dd>
              <ConnectionStatus detailed />
              {usesToken() ? (
                <button type="button" className="btn-link" onClick={() => signOut()}>
                  Sign out of this browser
                </button>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Running as</dt>
            <dd>{HOSTS[info.data.host]}</dd>
          </div>
          <div>
            <dt>Data folder</dt>
            <dd>
              <code data-testid="data-dir">{info.data.dataDir}</code>
            </dd>
          </div>
          <div>
            <dt>Database</dt>
            <dd>
              <code>{info.data.dbFile}</code>
            </dd>
          </div>
          <div>
            <dt>Schema version</dt>
            <dd>
              <span data-testid="schema-version">{info.data.schemaVersion}</span>
              <span className="muted"> (latest {info.data.latestSchemaVersion})</span>{' '}
              {info.data.schemaVersion === info.data.latestSchemaVersion ? (
                <span className="badge badge-ok">Up to date</span>
              ) : (
                <span className="badge badge-warn">Differs from this version of Baton</span>
              )}
            </dd>
          </div>
          <div>
            <dt>Integrity</dt>
            <dd>
              <span className={info.data.integrity === 'ok' ? 'badge badge-ok' : 'badge badge-warn'}>{info.data.integrity === 'ok' ? 'OK' : info.data.integrity}</span>
            </dd>
          </div>
          <div>
            <dt>Baton version</dt>
            <dd>{info.data.version}</dd>
          </div>
        </dl>
      )}
    </Card>
  );
}

function SecretsCard() {
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
      <div className="form-actions">
        <button type="submit" className="btn btn-primary">
          Save secret
        </button>
        {saved ? (
          <span className="success" role="status">
            Saved {saved}.
          </span>
        ) : null}
      </div>
      {failure ? <ErrorPanel what="Could not save the secret" error={failure} /> : null}
    </form>
  );
}

function BackupsCard() {
  const list = useApi('backups.list', {});
  useEvent('backup.created', (b) => list.setData((old) => (old ? { backups: [b, ...old.backups.filter((x) => x.file !== b.file)] } : old)));
  const backup = useAction(async () => {
    const b = await call('backups.create', {});
    list.setData((old) => (old ? { backups: [b, ...old.backups.filter((x) => x.file !== b.file)] } : old));
    return b;
  });
  return (
    <Card
      title="Backups"
      id="settings-backups"
      actions={
        <button type="button" className="btn btn-primary" onClick={() => void backup.run()} disabled={backup.pending}>
          {backup.pending ? 'Backing up…' : 'Back up now'}
        </button>
      }
    >
      <p className="muted">
        A consistent copy of the database, taken while Baton runs. Each one is opened and fully checked before it counts, so a damaged database never replaces a good backup. The newest
        backups are kept; secrets are never included.
      </p>
      {list.data ? <LastVerified backups={list.data.backups} /> : null}
      <PendingRestore />
      {backup.error ? <ErrorPanel what="The backup failed" error={backup.error} onRetry={() => void backup.run()} /> : null}
      {list.error && !list.data ? (
        <ErrorPanel what="Could not list the backups" error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading label="Loading backups…" />
      ) : list.data.backups.length === 0 ? (
        <p className="muted" data-testid="no-backups">
          No backups yet.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Backups">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Taken</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">Check</th>
                <th scope="col">
                  <span className="visually-hidden">Restore</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.backups.map((b) => (
                <tr key={b.file} data-testid="backup-row">
                  <td>
                    <code title={b.file}>{baseName(b.file)}</code>
                  </td>
                  <td>{formatTime(b.createdAt)}</td>
                  <td className="num">{formatBytes(b.size)}</td>
                  <td data-testid="backup-check">
                    {b.verifiedAt ? (
                      <span className="badge badge-ok" title={`Fully checked ${formatTime(b.verifiedAt)}`}>
                        ✓ Verified
                      </span>
                    ) : (
                      <span className="badge badge-warn" title="Not checked yet: run baton doctor --deep to check it">
                        Not verified
                      </span>
                    )}
                  </td>
                  <td>
                    <RestoreButton file={b.file} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

/** The backup a damaged database is restored from: the newest one that passed its check. */
function LastVerified({ backups }: { backups: BackupInfo[] }) {
  const v = backups.find((b) => b.verifiedAt !== null);
  return (
    <p data-testid="last-verified-backup" className={v ? undefined : 'hint'}>
      {v ? (
        <>
          <strong>Last verified backup:</strong> <code title={v.file}>{baseName(v.file)}</code>, taken {formatTime(v.createdAt)}, checked {formatTime(v.verifiedAt!)}.
        </>
      ) : (
        <>
          <strong>No verified backup yet.</strong> {backups.length ? 'The backups here were taken by an older Baton; run `baton doctor --deep` to check them, or back up now.' : 'Back up now to have one.'}
        </>
      )}
    </p>
  );
}

const usePending = create<{ n: number; bump(): void }>((set) => ({ n: 0, bump: () => set((s) => ({ n: s.n + 1 })) }));

function RestoreButton({ file }: { file: string }) {
  const [asking, setAsking] = useState(false);
  const bump = usePending((s) => s.bump);
  const restore = useAction(async () => {
    const r = await call('backups.restore', { file });
    setAsking(false);
    bump();
    return r;
  });
  if (!asking)
    return (
      <button type="button" className="btn btn-quiet" aria-label={`Restore ${baseName(file)}`} onClick={() => setAsking(true)}>
        Restore…
      </button>
    );
  return (
    <span className="row-actions">
      <span>Replace the current data with this backup at the next start?</span>
      <button type="button" className="btn btn-danger" disabled={restore.pending} onClick={() => void restore.run()}>
        Restore
      </button>
      <button type="button" className="btn" onClick={() => setAsking(false)}>
        Cancel
      </button>
      {restore.error ? <ErrorPanel what="The backup cannot be restored" error={restore.error} /> : null}
    </span>
  );
}

function PendingRestore() {
  const n = usePending((s) => s.n);
  const q = useApi('backups.pendingRestore', {});
  const cancel = useAction(async () => {
    await call('backups.cancelRestore', {});
    q.reload();
  });
  const { reload } = q;
  useEffect(() => reload(), [n, reload]);
  const p = q.data?.pending;
  if (!p)
    return <p className="hint">Restore replaces the current data with a backup when Baton next starts; the data it replaces is kept as a pre-restore backup.</p>;
  return (
    <div className="notice" role="status" data-testid="pending-restore">
      <strong>Restore scheduled:</strong> <code>{baseName(p.file)}</code> replaces the current data when Baton next starts (quit and reopen the app, or restart <code>npm run serve</code>). The current data is kept as a pre-restore backup.{' '}
      <button type="button" className="btn-link" disabled={cancel.pending} onClick={() => void cancel.run()}>
        Cancel the restore
      </button>
    </div>
  );
}
