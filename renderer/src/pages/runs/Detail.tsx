/** One run: its steps (input, output, error, attempts, AI usage), Retry and Cancel. */
import { useEffect, useId, useRef, useState } from 'react';
import { isTestWorkflowId, realWorkflowId, type RunDetail, type StepDetail } from '../../../../shared/api';
import { call } from '../../api/client';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { hashWith } from '../../api/nav';
import { Card, ErrorPanel, Loading, PageHeader } from '../../components/ui';
import { JsonBlock, StatusBadge, duration, shortTime, useInterval, useThrottled } from '../workflows/bits';
import { ACTIVE, usageText, type UsageTotals } from './model';

export function RunView({ id, onBack }: { id: string; onBack: () => void }) {
  const run = useApi('runs.get', { id });
  const refresh = useThrottled(run.reload, 300);
  useEvent('run.updated', (p) => {
    if (p.id === id) refresh();
  });
  const active = run.data ? ACTIVE.includes(run.data.status) : false;
  useInterval(() => {
    if (active) run.reload();
  }, 2000);

  const back = (
    <a
      href={hashWith('runs')}
      className="back-link"
      onClick={(e) => {
        e.preventDefault();
        onBack();
      }}
    >
      ← All runs
    </a>
  );
  if (run.error && !run.data) {
    return (
      <>
        {back}
        <PageHeader title={`Run ${id}`} />
        <ErrorPanel what={`Could not load the run ${id}`} error={run.error} onRetry={run.reload} />
      </>
    );
  }
  if (!run.data) {
    return (
      <>
        {back}
        <PageHeader title={`Run ${id}`} />
        <Loading label="Loading the run…" />
      </>
    );
  }
  return (
    <>
      {back}
      <RunDetailView r={run.data} reload={run.reload} />
    </>
  );
}

function RunDetailView({ r, reload }: { r: RunDetail; reload: () => void }) {
  const [confirmCancel, setConfirmCancel] = useState(false);
  const keepRef = useRef<HTMLButtonElement>(null);
  // The Cancel button gives way to the question: keep the keyboard focus on it (on the safe answer).
  useEffect(() => {
    if (confirmCancel) keepRef.current?.focus();
  }, [confirmCancel]);
  const retry = useAction(async () => {
    await call('runs.retry', { id: r.id });
    reload();
  });
  const cancel = useAction(async () => {
    await call('runs.cancel', { id: r.id });
    setConfirmCancel(false);
    reload();
  });
  // Claude calls of this run (tokens and cost per step), refreshed with the run.
  const usage = useApi('ai.usage', { runId: r.id });
  const reloadUsage = usage.reload;
  useEffect(() => reloadUsage(), [r, reloadUsage]);
  const aiRows = usage.data?.rows ?? [];
  const canRetry = r.status === 'failed' || r.status === 'cancelled';
  const canCancel = ACTIVE.includes(r.status);
  const failedSteps = r.steps.filter((s) => s.status === 'failed' && s.branch !== 'error');
  const stepRefs = useRef(new Map<number, HTMLLIElement>());
  const goToStep = (stepId: number) => {
    const el = stepRefs.current.get(stepId);
    if (!el) return;
    el.scrollIntoView({ block: 'start' });
    el.focus({ preventScroll: true });
  };

  return (
    <>
      <PageHeader
        title={`Run of ${r.workflowName}`}
        intro={
          <>
            <code data-testid="run-id">{r.id}</code> · <a href={hashWith('workflows', { wf: realWorkflowId(r.workflowId) })}>workflow {realWorkflowId(r.workflowId)}</a>
            {isTestWorkflowId(r.workflowId) ? ', a test run of an editor draft' : `, version ${r.version}`}
          </>
        }
        actions={
          <>
            {canRetry ? (
              <button type="button" className="btn btn-primary" onClick={() => void retry.run()} disabled={retry.pending}>
                {retry.pending ? 'Retrying…' : 'Retry'}
              </button>
            ) : null}
            {canCancel && !confirmCancel ? (
              <button type="button" className="btn" onClick={() => setConfirmCancel(true)}>
                Cancel run
              </button>
            ) : null}
          </>
        }
      />
      <div className="stack">
        {confirmCancel && canCancel ? (
          <div className="notice confirm-row" role="group" aria-label="Confirm cancelling">
            <span>Cancel this run? Its waiting and ready steps stop and nothing further is sent.</span>
            <button type="button" className="btn btn-danger" onClick={() => void cancel.run()} disabled={cancel.pending}>
              Yes, cancel it
            </button>
            <button ref={keepRef} type="button" className="btn" onClick={() => setConfirmCancel(false)}>
              Keep it running
            </button>
          </div>
        ) : null}
        {retry.error ? <ErrorPanel what="Could not retry the run" error={retry.error} onRetry={() => void retry.run()} /> : null}
        {cancel.error ? <ErrorPanel what="Could not cancel the run" error={cancel.error} onRetry={() => void cancel.run()} /> : null}

        {r.status === 'failed' && r.error ? (
          <section className="why-failed" aria-labelledby="why-failed-title" data-testid="why-failed">
            <h2 id="why-failed-title">Why it failed</h2>
            <p className="why-message" data-testid="run-error">
              {r.error.nodeId ? (
                <>
                  Step <code>{r.error.nodeId}</code>:{' '}
                </>
              ) : null}
              {r.error.message}
            </p>
            {r.error.expression ? (
              <p>
                In the expression <code>{r.error.expression}</code>
              </p>
            ) : null}
            {r.error.code ? <p className="muted small">Error code: {r.error.code}</p> : null}
            <p className="small">
              Fix the cause (the service, a secret, the data), then <strong>Retry</strong>: steps that succeeded are kept, the failed step{failedSteps.length > 1 ? 's run' : ' runs'} again.
              {failedSteps.map((s) => (
                <button key={s.id} type="button" className="btn-link step-jump" onClick={() => goToStep(s.id)}>
                  Go to step {s.nodeId}
                </button>
              ))}
            </p>
          </section>
        ) : null}

        <Card title="Summary" id="run-summary">
          <dl className="facts facts-inline">
            <div>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={r.status} testId="run-status" />
                {r.phase ? <span className="muted small"> {r.phase}</span> : null}
              </dd>
            </div>
            <div>
              <dt>Started by</dt>
              <dd>
                {r.trigger.type}
                {r.trigger.detail !== undefined && r.trigger.detail !== null ? <span className="muted small"> {typeof r.trigger.detail === 'string' ? r.trigger.detail : JSON.stringify(r.trigger.detail)}</span> : null}
              </dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>{shortTime(r.createdAt)}</dd>
            </div>
            <div>
              <dt>Finished</dt>
              <dd>{r.finishedAt ? shortTime(r.finishedAt) : '—'}</dd>
            </div>
            <div>
              <dt>Took</dt>
              <dd>{duration(r.startedAt ?? r.createdAt, r.finishedAt)}</dd>
            </div>
            {r.subject ? (
              <div>
                <dt>Subject</dt>
                <dd>
                  <code>{r.subject}</code>
                </dd>
              </div>
            ) : null}
            {usage.data && usage.data.totals.calls > 0 ? (
              <div>
                <dt>AI usage</dt>
                <dd data-testid="run-ai-usage">{usageText(usage.data.totals)}</dd>
              </div>
            ) : null}
            {r.parentRunId ? (
              <div>
                <dt>Parent run</dt>
                <dd>
                  <a href={hashWith('runs', { run: r.parentRunId })}>
                    <code>{r.parentRunId}</code>
                  </a>
                </dd>
              </div>
            ) : null}
          </dl>
          <div className="json-pair">
            <JsonBlock label="Run input" value={r.input} />
            <JsonBlock label="Run output" value={r.output} />
          </div>
        </Card>

        <Card title={`Steps (${r.steps.length})`} id="run-steps">
          {r.steps.length === 0 ? (
            <p className="muted">No step has started yet{r.status === 'queued' ? ': the run waits for a free slot (the workflow’s concurrency limit).' : '.'}</p>
          ) : (
            <ol className="timeline" aria-label="Step timeline">
              {r.steps.map((s) => (
                <StepItem
                  key={s.id}
                  s={s}
                  ai={aiRows.filter((u) => u.nodeId === s.nodeId)}
                  refCb={(el) => {
                    if (el) stepRefs.current.set(s.id, el);
                    else stepRefs.current.delete(s.id);
                  }}
                />
              ))}
            </ol>
          )}
        </Card>
      </div>
    </>
  );
}


function StepItem({ s, refCb, ai }: { s: StepDetail; refCb: (el: HTMLLIElement | null) => void; ai: (UsageTotals & { model: string; purpose: string })[] }) {
  const headingId = useId();
  return (
    <li ref={refCb} className={`step step-${s.status}`} tabIndex={-1} aria-labelledby={headingId} data-testid="step" data-node={s.nodeId} data-status={s.status}>
      <span className="step-dot" aria-hidden="true" />
      <div className="step-body">
        <div className="step-head">
          <h3 id={headingId}>
            {s.nodeId} <code className="step-type">{s.type}</code>
          </h3>
          <StatusBadge status={s.status} />
        </div>
        <p className="muted small step-meta">
          {s.startedAt ? `Started ${shortTime(s.startedAt)}` : `Created ${shortTime(s.createdAt)}`}
          {s.finishedAt ? ` · took ${duration(s.startedAt ?? s.createdAt, s.finishedAt)}` : ''}
          {s.attempts > 0 ? ` · ${s.attempts} attempt${s.attempts === 1 ? '' : 's'}` : ''}
          {s.branch ? (
            <>
              {' · branch '}
              <code>{s.branch}</code>
            </>
          ) : null}
        </p>
        {s.waitingFor ? <p className="step-wait">Waiting for {s.waitingFor}</p> : null}
        {ai.length ? (
          <ul className="step-ai small" aria-label={`Claude usage of ${s.nodeId}`} data-testid="step-ai-usage">
            {ai.map((u) => (
              <li key={`${u.model}-${u.purpose}`}>
                {usageText(u)} <span className="muted">({u.model}, {u.purpose})</span>
              </li>
            ))}
          </ul>
        ) : null}
        {s.error ? (
          <div className="step-error" data-testid="step-error">
            <strong>{s.branch === 'error' ? 'Failed (handled by its error path): ' : 'Error: '}</strong>
            {s.error.message}
            {s.error.expression ? (
              <div>
                Expression: <code>{s.error.expression}</code>
              </div>
            ) : null}
            {s.error.code ? <div className="muted small">Code: {s.error.code}</div> : null}
          </div>
        ) : null}
        {s.history.length ? (
          <details className="attempts">
            <summary>
              Attempt history ({s.history.length} attempt{s.history.length === 1 ? '' : 's'})
            </summary>
            <ol aria-label={`Attempts of ${s.nodeId}`}>
              {s.history.map((h, i) => (
                <li key={`${h.attempt}-${i}`}>
                  <strong>Attempt {h.attempt}</strong>
                  {i > 0 && h.attempt <= (s.history[i - 1]?.attempt ?? 0) ? <span className="badge badge-neutral retried">after Retry</span> : null}{' '}
                  <span className="muted small">{shortTime(h.startedAt)} · took {duration(h.startedAt, h.finishedAt)}</span>
                  {h.error ? <div className="err-text small">{h.error.message}</div> : <div className="small">Succeeded</div>}
                </li>
              ))}
            </ol>
          </details>
        ) : null}
        <div className="json-pair">
          <JsonBlock label="Input" value={s.input} />
          <JsonBlock label="Output" value={s.output} />
        </div>
      </div>
    </li>
  );
}
