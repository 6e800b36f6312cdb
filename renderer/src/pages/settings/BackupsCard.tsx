/** Settings → Backups: Back up now, the list, the last verified one, Restore… and a pending restore. */
import { useEffect, useState } from 'react';
import { create } from 'zustand';
import type { BackupInfo } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { Card, ErrorPanel, Loading, baseName, formatBytes, formatTime } from '../../components/ui';
import { lastVerified, withBackup } from './model';

export function BackupsCard() {
  const list = useApi('backups.list', {});
  useEvent('backup.created', (b) => list.setData((old) => (old ? { backups: withBackup(old.backups, b) } : old)));
  const backup = useAction(async () => {
    const b = await call('backups.create', {});
    list.setData((old) => (old ? { backups: withBackup(old.backups, b) } : old));
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
  const v = lastVerified(backups);
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
