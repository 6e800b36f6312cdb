import { useApi } from '../api/hooks';
import { Card, EmptyState, ErrorPanel, Loading, PageHeader, formatTime } from '../components/ui';
import { useNav } from '../api/nav';

export function Dashboard() {
  const info = useApi('system.info', {});
  const go = useNav((s) => s.go);
  return (
    <>
      <PageHeader title="Dashboard" intro="Your business at a glance: key numbers, what needs you, and what ran." />
      <EmptyState title="KPIs arrive with the engine" icon="▦">
        <p>Leads, revenue and workflow health appear here once workflows record what happens.</p>
      </EmptyState>
      <Card title="This Baton" id="dash-system">
        {info.error ? (
          <ErrorPanel what="Could not load the system status" error={info.error} onRetry={info.reload} />
        ) : !info.data ? (
          <Loading label="Loading status…" />
        ) : (
          <dl className="facts facts-inline">
            <div>
              <dt>Store</dt>
              <dd>
                <span className={info.data.integrity === 'ok' ? 'badge badge-ok' : 'badge badge-warn'}>{info.data.integrity === 'ok' ? 'Healthy' : info.data.integrity}</span>
              </dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd>{info.data.version}</dd>
            </div>
            <div>
              <dt>Running since</dt>
              <dd>{formatTime(info.data.startedAt)}</dd>
            </div>
            <div>
              <dt>Details</dt>
              <dd>
                <button type="button" className="btn-link" onClick={() => go('settings')}>
                  Open Settings
                </button>
              </dd>
            </div>
          </dl>
        )}
      </Card>
    </>
  );
}
