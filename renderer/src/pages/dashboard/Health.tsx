/** Automation health (engine, failures, schedules, paused workflows, AI waiting and spend) and this Baton's status. */
import { useMemo, useState } from 'react';
import { useApi, useEvent } from '../../api/hooks';
import { useNav } from '../../api/nav';
import { addDays } from '../../api/dashboardRange';
import { AiReleaseChoice } from '../../components/AiRelease';
import { Card, ErrorPanel, Loading, formatTime } from '../../components/ui';
import { useQuery } from '../../data/query';
import { fmtInt, fmtMoney, useLiveReload } from './format';

/* ---------------- automation health ---------------- */

export function AutomationCard({ auto, range }: { auto: ReturnType<typeof useApi<'kpi.automation'>>; range: { from: string; to: string } }) {
  // Shared with the Needs-you strip (one load each), refetched by push events (data/invalidation.ts).
  const wfs = useQuery('workflows.list', {});
  const engine = useQuery('engine.status', {});
  const n = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
  const prev = useMemo(() => ({ from: addDays(range.from, -n), to: addDays(range.from, -1) }), [range.from, n]);
  const ai = useApi('ai.usage', range);
  const aiPrev = useApi('ai.usage', prev);
  const aiWaiting = useApi('ai.waiting', {});
  const reloadAiWaiting = useLiveReload(aiWaiting, 2000);
  useEvent('run.updated', reloadAiWaiting);
  useEvent('settings.changed', ({ key }) => {
    if (key.startsWith('ai.')) reloadAiWaiting();
  });
  useEvent('secrets.changed', reloadAiWaiting);
  const now = Date.now();
  const next = (wfs.data?.workflows ?? [])
    .filter((w) => w.enabled && w.nextRun && Date.parse(w.nextRun) >= now - 60_000)
    .sort((a, b) => a.nextRun!.localeCompare(b.nextRun!))
    .slice(0, 5);
  const paused = (wfs.data?.workflows ?? []).filter((w) => !w.enabled);
  const failed = auto.data?.failedLast24h;
  return (
    <Card title="Automation health" id="dash-automation">
      {wfs.error && !wfs.data ? <ErrorPanel what="Could not load the workflows" error={wfs.error} onRetry={wfs.reload} /> : null}
      {engine.error && !engine.data ? <ErrorPanel what="Could not load the engine status" error={engine.error} onRetry={engine.reload} /> : null}
      {auto.error && !auto.data ? <ErrorPanel what="Could not load the run numbers" error={auto.error} onRetry={auto.reload} /> : null}
      {!wfs.data && !wfs.error ? (
        <Loading label="Loading automation health…" />
      ) : (
        <dl className="facts">
          <div>
            <dt>Engine</dt>
            <dd data-testid="engine-state">
              {!engine.data ? '…' : engine.data.paused ? <span className="badge badge-warn">⏸ Paused: nothing runs until resumed</span> : <span className="badge badge-ok">▶ Running</span>}
              {engine.data ? (
                <span className="muted fact-sub">
                  {engine.data.runs.running} running · {engine.data.runs.queued} queued · {engine.data.runs.waiting} waiting
                </span>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Failed, last 24 h</dt>
            <dd data-testid="failed-24h" data-value={failed ?? ''}>
              {failed === undefined ? '…' : failed === 0 ? <span className="badge badge-ok">✓ None</span> : <span className="badge badge-danger">✕ {failed} failed</span>}
              {failed ? (
                <>
                  {' '}
                  <a href="#/runs?status=failed">See failed runs</a>
                </>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Runs in the period</dt>
            <dd>
              {auto.data ? (
                <>
                  {fmtInt(auto.data.current.finished)} finished: {fmtInt(auto.data.current.succeeded)} succeeded, {fmtInt(auto.data.current.failed)} failed
                  {auto.data.current.cancelled ? `, ${fmtInt(auto.data.current.cancelled)} cancelled` : ''}
                </>
              ) : (
                '…'
              )}
            </dd>
          </div>
          <div>
            <dt>Next scheduled</dt>
            <dd>
              {next.length === 0 ? (
                <span className="muted">No scheduled runs</span>
              ) : (
                <ul className="plain-list">
                  {next.map((w) => (
                    <li key={w.id}>
                      <time dateTime={w.nextRun!}>{formatTime(w.nextRun!)}</time> <span className="muted">·</span> {w.name}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </div>
          <div>
            <dt>Paused workflows</dt>
            <dd data-testid="paused-workflows">
              {paused.length === 0 ? (
                <span className="muted">None</span>
              ) : (
                <ul className="plain-list">
                  {paused.slice(0, 6).map((w) => (
                    <li key={w.id}>{w.name}</li>
                  ))}
                  {paused.length > 6 ? <li className="muted">and {paused.length - 6} more</li> : null}
                </ul>
              )}
            </dd>
          </div>
          <div>
            <dt>AI steps waiting</dt>
            <dd data-testid="ai-waiting" data-key={aiWaiting.data?.key ?? ''} data-budget={aiWaiting.data?.budget ?? ''}>
              <AiWaitingFact q={aiWaiting} />
            </dd>
          </div>
          <div>
            <dt>AI spend</dt>
            <dd>
              {ai.error && !ai.data ? (
                <span className="muted">unavailable</span>
              ) : ai.data ? (
                <>
                  {fmtMoney(ai.data.totals.costUsd, 'USD')} <span className="muted">({fmtInt(ai.data.totals.calls)} calls{aiPrev.data ? `; previous period ${fmtMoney(aiPrev.data.totals.costUsd, 'USD')}` : ''})</span>
                </>
              ) : (
                '…'
              )}
            </dd>
          </div>
        </dl>
      )}
    </Card>
  );
}

/** AI steps waiting for the key (and the person's go-ahead) or for budget; the choice when the key is there. */
function AiWaitingFact({ q }: { q: ReturnType<typeof useApi<'ai.waiting'>> }) {
  const go = useNav((s) => s.go);
  const [done, setDone] = useState<string | null>(null);
  const w = q.data;
  if (q.error && !w) return <span className="muted">unavailable</span>;
  if (!w) return <>…</>;
  if (!w.key && !w.budget) {
    return done ? (
      <span className="success" role="status">
        {done}
      </span>
    ) : (
      <span className="badge badge-ok">✓ None</span>
    );
  }
  const n = (x: number) => `${fmtInt(x)} AI step${x === 1 ? '' : 's'}`;
  return (
    <>
      {w.key ? (
        <p className="fact-line" data-testid="ai-waiting-key">
          <span className="badge badge-warn">{n(w.key)}</span> {w.keyPresent ? 'waited for the Anthropic key, which is now stored: run them or discard them?' : 'wait for the Anthropic key.'}{' '}
          {!w.keyPresent ? (
            <button type="button" className="btn-link" onClick={() => go('settings')}>
              Add the key in Settings
            </button>
          ) : null}
        </p>
      ) : null}
      {w.decisionNeeded ? (
        <AiReleaseChoice
          count={w.key}
          onDone={(r) => {
            setDone(r.message);
            q.reload();
          }}
        />
      ) : null}
      {w.budget ? (
        <p className="fact-line" data-testid="ai-waiting-budget">
          <span className="badge badge-warn">{n(w.budget)}</span> wait for budget: the daily spend cap is reached. They go on tomorrow, or now if you{' '}
          <button type="button" className="btn-link" onClick={() => go('settings')}>
            raise the cap in Settings
          </button>
        </p>
      ) : null}
    </>
  );
}

/* ---------------- this Baton ---------------- */

export function SystemCard() {
  const info = useApi('system.info', {});
  const go = useNav((s) => s.go);
  useEvent('backup.created', () => info.reload());
  useEvent('database.damaged', () => info.reload());
  const last = info.data?.lastVerifiedBackup ?? null;
  return (
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
            <dt>Last verified backup</dt>
            <dd data-testid="dash-last-backup" data-file={last?.file ?? ''}>
              {last ? (
                <time dateTime={last.createdAt} title={`${last.file}, checked ${formatTime(last.verifiedAt ?? last.createdAt)}`}>
                  {formatTime(last.createdAt)}
                </time>
              ) : (
                <span className="badge badge-warn">None yet</span>
              )}
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
  );
}

