/**
 * "Needs you now", the strip on top of the Dashboard: critical items pinned until handled, the
 * pending approvals, then the open escalations grouped by cause, each group acknowledged with
 * one click (escalations.ackMany) or handled from its line (open the failing step, pause the
 * workflow). What to show is ./model.ts; the data comes from the query cache.
 */
import { useState } from 'react';
import type { ApiError, EscalationGroup } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { hashWith } from '../../api/nav';
import { useToasts } from '../../api/toasts';
import { NotificationPermissionButton, SEVERITY_ICON, SEVERITY_LABEL, runHref } from '../../components/Toasts';
import { ErrorPanel, Loading, formatTime } from '../../components/ui';
import { invalidate, useQuery } from '../../data/query';
import { groupTitle, needsYou, NEEDS_INPUT, type Critical } from './model';

export { NEEDS_INPUT };

export function NeedsYou() {
  const approvals = useQuery('approvals.list', NEEDS_INPUT.approvals);
  const groups = useQuery('escalations.groups', NEEDS_INPUT.groups);
  const engine = useQuery('engine.status', {});
  const workflows = useQuery('workflows.list', {});
  const [failure, setFailure] = useState<{ what: string; error: ApiError } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const dismissToast = useToasts((s) => s.dismiss);
  const v = needsYou({ approvals: approvals.data, groups: groups.data?.groups, engine: engine.data, workflows: workflows.data?.workflows });

  const act = async (key: string, what: string, fn: () => Promise<unknown>) => {
    setBusy(key);
    setFailure(null);
    try {
      await fn();
    } catch (e) {
      setFailure({ what, error: toApiError(e) });
    } finally {
      setBusy(null);
    }
  };
  const ackGroup = (g: EscalationGroup) =>
    act(`ack:${g.cause}`, 'Could not acknowledge', async () => {
      if (g.open === 1) {
        await call('escalations.acknowledge', { id: g.newest.id });
        dismissToast(g.newest.id);
      } else await call('escalations.ackMany', { cause: g.cause });
      // Gone at once (the push event refetches the rest).
      groups.setData((old) => (old ? { ...old, unacknowledged: Math.max(0, old.unacknowledged - g.open), groups: old.groups.filter((x) => x.cause !== g.cause) } : old));
      invalidate('escalations.groups', 'escalations.list');
    });
  const pause = (workflowId: string) =>
    act(`pause:${workflowId}`, 'Could not pause the workflow', async () => {
      await call('workflows.disable', { id: workflowId });
      invalidate('workflows.list');
    });
  const resume = () =>
    act('resume', 'Could not resume automation', async () => {
      await call('engine.resumeAll', {});
      invalidate('engine.status');
    });

  const loading = !groups.data && !groups.error;
  const openCount = groups.data?.unacknowledged ?? 0;
  return (
    <section className="needs" aria-labelledby="needs-title" data-testid="needs-you">
      <div className="needs-head">
        <h2 id="needs-title">Needs you now</h2>
        <div className="needs-actions">
          <NotificationPermissionButton />
          <a href="#/escalations" className="btn btn-quiet">
            All escalations{openCount ? ` (${openCount.toLocaleString()} open)` : ''}
          </a>
        </div>
      </div>
      {groups.error && !groups.data ? <ErrorPanel what="Could not load the escalations" error={groups.error} onRetry={groups.reload} /> : null}
      {approvals.error && !approvals.data ? <ErrorPanel what="Could not load the pending approvals" error={approvals.error} onRetry={approvals.reload} /> : null}
      {failure ? <ErrorPanel what={failure.what} error={failure.error} /> : null}
      {loading ? (
        <Loading label="Looking for what needs you…" />
      ) : v.clear ? (
        <p className="needs-clear" data-testid="needs-clear">
          <span aria-hidden="true">✓</span> Nothing needs you right now: no pending approvals, no open escalations.
        </p>
      ) : (
        <ul className="needs-list" aria-label="What needs you">
          {v.critical.map((c) => (
            <CriticalItem key={c.id} c={c} busy={busy} onResume={resume} onPause={pause} />
          ))}
          {v.pinnedGroups.map((g) => (
            <GroupItem key={g.cause} g={g} busy={busy === `ack:${g.cause}` || busy === `pause:${g.workflowId}`} canPause={canPause(g, workflows.data?.workflows)} onAck={() => void ackGroup(g)} onPause={() => g.workflowId && void pause(g.workflowId)} />
          ))}
          {v.approvals ? (
            <li className="needs-item needs-approvals" data-testid="needs-approvals">
              <span className="needs-count" aria-hidden="true">
                {v.approvals.pending}
              </span>
              <div className="needs-main">
                <p className="needs-title">
                  {v.approvals.pending === 1 ? '1 approval waits for you' : `${v.approvals.pending.toLocaleString()} approvals wait for you`}
                </p>
                {v.approvals.first.length ? (
                  <p className="needs-detail">
                    {v.approvals.first.map((a) => a.title).join(' · ')}
                    {v.approvals.pending > v.approvals.first.length ? ' …' : ''}
                  </p>
                ) : null}
              </div>
              <div className="needs-buttons">
                <a className="btn btn-primary" href="#/approvals">
                  Review them
                </a>
              </div>
            </li>
          ) : null}
          {v.groups.map((g) => (
            <GroupItem key={g.cause} g={g} busy={busy === `ack:${g.cause}` || busy === `pause:${g.workflowId}`} canPause={canPause(g, workflows.data?.workflows)} onAck={() => void ackGroup(g)} onPause={() => g.workflowId && void pause(g.workflowId)} />
          ))}
        </ul>
      )}
      {groups.data && groups.data.groups.length >= NEEDS_INPUT.groups.limit ? (
        <p className="hint">
          The {NEEDS_INPUT.groups.limit} most pressing causes are shown; <a href="#/escalations">all escalations</a> lists every one.
        </p>
      ) : null}
    </section>
  );
}

function canPause(g: EscalationGroup, workflows: { id: string; enabled: boolean }[] | undefined): boolean {
  return !!g.workflowId && !!workflows?.some((w) => w.id === g.workflowId && w.enabled);
}

function CriticalItem({ c, busy, onResume, onPause }: { c: Critical; busy: string | null; onResume: () => void; onPause: (id: string) => void }) {
  return (
    <li className="needs-item sev-critical is-pinned" data-testid="needs-critical" data-kind={c.kind}>
      <span className="sev-badge sev-badge-critical">
        <span aria-hidden="true">!!</span> Critical
      </span>
      <div className="needs-main">
        <p className="needs-title">
          <span className="pin-badge" title="Stays on top until it is handled">
            Pinned
          </span>
          {c.title}
        </p>
        <p className="needs-detail">{c.detail}</p>
      </div>
      <div className="needs-buttons">
        {c.kind === 'engine-paused' ? (
          <button type="button" className="btn btn-primary" disabled={busy === 'resume'} onClick={onResume}>
            {busy === 'resume' ? 'Resuming…' : 'Resume all'}
          </button>
        ) : (
          <>
            {c.lastRunId ? (
              <a className="btn" href={runHref(c.lastRunId)}>
                Open the last run
              </a>
            ) : null}
            <button type="button" className="btn" disabled={busy === `pause:${c.workflowId}`} onClick={() => onPause(c.workflowId)}>
              Pause the workflow
            </button>
          </>
        )}
      </div>
    </li>
  );
}

function GroupItem({ g, busy, canPause, onAck, onPause }: { g: EscalationGroup; busy: boolean; canPause: boolean; onAck: () => void; onPause: () => void }) {
  const e = g.newest;
  const single = g.open === 1;
  const title = groupTitle(g);
  return (
    <li
      className={`needs-item sev-${g.severity}${g.pinned ? ' is-pinned' : ''}`}
      data-testid={single ? 'escalation' : 'escalation-group'}
      data-id={single ? e.id : undefined}
      data-cause={g.cause}
      data-count={g.open}
      data-pinned={g.pinned ? 'true' : undefined}
    >
      <span className={`sev-badge sev-badge-${g.severity}`}>
        <span aria-hidden="true">{SEVERITY_ICON[g.severity]}</span> {SEVERITY_LABEL[g.severity]}
      </span>
      <div className="needs-main">
        <p className="needs-title">
          {g.pinned ? (
            <span className="pin-badge" title="Stays on top until you acknowledge it">
              Pinned
            </span>
          ) : null}
          {title}
        </p>
        {e.detail ? <p className="needs-detail">{single ? e.detail : `Newest: ${e.detail}`}</p> : null}
        <p className="needs-meta">
          <time dateTime={e.createdAt}>{formatTime(e.createdAt)}</time>
          {g.workflowName ? ` · ${g.workflowName}` : ''}
          {!single ? (
            <>
              {' · '}
              <a href={hashWith('escalations', { cause: g.cause })}>See all {g.open.toLocaleString()}</a>
            </>
          ) : null}
        </p>
      </div>
      <div className="needs-buttons">
        {e.runId ? (
          <a className="btn" href={runHref(e.runId)}>
            {single ? 'Open the run' : 'Open the failing step'}
          </a>
        ) : null}
        {canPause ? (
          <button type="button" className="btn" disabled={busy} onClick={onPause}>
            Pause the workflow
          </button>
        ) : null}
        <button type="button" className="btn" disabled={busy} onClick={onAck} aria-label={single ? `Acknowledge: ${e.title}` : `Acknowledge all ${g.open}: ${g.title}`}>
          {busy ? 'Acknowledging…' : single ? 'Acknowledge' : `Acknowledge all ${g.open.toLocaleString()}`}
        </button>
      </div>
    </li>
  );
}
