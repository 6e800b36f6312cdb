/** Settings → Data and connection: where the data lives, the schema, the connection. */
import { signOut, usesToken } from '../../api/client';
import { useApi } from '../../api/hooks';
import { ConnectionStatus } from '../../components/ConnectionStatus';
import { Card, ErrorPanel, Loading } from '../../components/ui';
import { hostLabel, schemaUpToDate } from './model';

export function SystemCard() {
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
            <dd>{hostLabel(info.data.host)}</dd>
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
              {schemaUpToDate(info.data) ? (
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
