import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { RunStatus, isTestWorkflowId, realWorkflowId, type ApiError, type OpInput, type RunDetail, type RunSummary, type StepDetail } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { useAction, useApi, useConnection, useEvent } from '../../api/hooks';
import { hashWith } from '../../api/nav';
import { useHashQuery, type HashQuery, type SetHashQuery } from '../../components/hashQuery';
import { Card, EmptyState, ErrorPanel, Loading, PageHeader } from '../../components/ui';
import { JsonBlock, StatusBadge, duration, shortTime, useInterval, useThrottled } from '../workflows/bits';
import '../workflows/workflows.css';

const FILTER_KEYS = ['workflow', 'status', 'from', 'to'] as const;

export function Runs() {
  const [query, setQuery] = useHashQuery('runs');
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, query[k]]));
  if (query.run) return <RunView id={query.run} onBack={() => setQuery({ ...filters, run: null })} />;
  return <RunList query={query} setQuery={setQuery} />;
}

// ---- the list ---------------------------------------------------------------

const PAGE = 50;
const ACTIVE: RunSummary['status'][] = ['queued', 'running', 'waiting'];

function listInput(q: HashQuery): { input: OpInput<'runs.list'>; problem: string | null } {
  const input: OpInput<'runs.list'> = { limit: PAGE };
  let problem: string | null = null;
  if (q.workflow) input.workflow = q.workflow;
  if (q.status && RunStatus.safeParse(q.status).success) input.status = q.status as RunSummary['status'];
  const day = (d: string, end: boolean) => {
    const t = new Date(`${d}T${end ? '23:59:59.999' : '00:00:00'}`);
    return Number.isNaN(t.getTime()) ? null : t.toISOString();
  };
  if (q.from) {
    const f = day(q.from, false);
    if (f) input.from = f;
    else problem = 'The "From" date is not a date.';
  }
  if (q.to) {
    const t = day(q.to, true);
    if (t) input.to = t;
    else problem = 'The "To" date is not a date.';
  }
  if (input.from && input.to && input.from > input.to) problem = 'The "From" date is after the "To" date: no run can match.';
  return { input, problem };
}

interface Loaded {
  key: string;
  runs: RunSummary[];
  cursor: string | null;
}

const newestFirst = (a: RunSummary, b: RunSummary) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1);

/** The list, its pages, and a refresh of the first page merged into what is loaded (so paging survives live updates). */
function useRunPages(input: OpInput<'runs.list'>, skip: boolean) {
  const key = JSON.stringify(input);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const epoch = useConnection((s) => s.epoch);
  const keyRef = useRef(key);
  keyRef.current = key;

  const loadFirst = useCallback(() => {
    if (skip) return;
    const k = key;
    call('runs.list', JSON.parse(k) as OpInput<'runs.list'>).then(
      (fresh) => {
        if (keyRef.current !== k) return;
        setError(null);
        setLoaded((old) => {
          if (!old || old.key !== k) return { key: k, runs: fresh.runs, cursor: fresh.nextCursor };
          if (fresh.nextCursor === null && old.cursor === null) return { key: k, runs: fresh.runs, cursor: null };
          const freshIds = new Map(fresh.runs.map((r) => [r.id, r]));
          const edge = fresh.runs[fresh.runs.length - 1]?.createdAt ?? '';
          // Loaded runs within the fresh page's span that it no longer lists stopped matching the filters.
          const kept = old.runs.filter((r) => !freshIds.has(r.id) && r.createdAt < edge);
          return { key: k, runs: [...fresh.runs, ...kept].sort(newestFirst), cursor: old.cursor };
        });
      },
      (e: unknown) => keyRef.current === k && setError(toApiError(e)),
    );
  }, [key, skip]);

  useEffect(() => {
    loadFirst();
  }, [loadFirst, epoch]);

  const loadMore = useCallback(async () => {
    if (!loaded?.cursor) return;
    setLoadingMore(true);
    try {
      const page = await call('runs.list', { ...(JSON.parse(loaded.key) as OpInput<'runs.list'>), cursor: loaded.cursor });
      setLoaded((old) => {
        if (!old || old.key !== loaded.key) return old;
        const ids = new Set(old.runs.map((r) => r.id));
        return { ...old, runs: [...old.runs, ...page.runs.filter((r) => !ids.has(r.id))], cursor: page.nextCursor };
      });
      setError(null);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setLoadingMore(false);
    }
  }, [loaded]);

  // While other filters load, the previous rows stay (marked busy) instead of a jump to a spinner.
  return { loaded, stale: loaded !== null && loaded.key !== key, error, loadFirst, loadMore, loadingMore };
}

function RunList({ query, setQuery }: { query: HashQuery; setQuery: SetHashQuery }) {
  const { input, problem } = listInput(query);
  const pages = useRunPages(input, problem !== null);
  const workflows = useApi('workflows.list', {});
  const refresh = useThrottled(pages.loadFirst, 600);
  useEvent('run.updated', refresh);
  const ids = { wf: useId(), status: useId(), from: useId(), to: useId() };
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, query[k]]));
  const setFilter = (k: (typeof FILTER_KEYS)[number], v: string) => setQuery({ ...filters, [k]: v || null }, { replace: true });
  const filtered = FILTER_KEYS.some((k) => query[k]);

  return (
    <>
      <PageHeader title="Runs" intro="Every execution of a workflow, step by step. Open a run to see why it failed and retry it." />
      <div className="stack">
        <Card title="Filters" id="runs-filters">
          <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter runs">
            <div className="field">
              <label htmlFor={ids.wf}>Workflow</label>
              <select id={ids.wf} value={query.workflow ?? ''} onChange={(e) => setFilter('workflow', e.target.value)}>
                <option value="">All workflows</option>
                {(workflows.data?.workflows ?? []).map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.name} ({w.id})
                  </option>
                ))}
                {query.workflow && workflows.data && !workflows.data.workflows.some((w) => w.id === query.workflow) ? <option value={query.workflow}>{query.workflow}</option> : null}
              </select>
            </div>
            <div className="field">
              <label htmlFor={ids.status}>Status</label>
              <select id={ids.status} value={query.status ?? ''} onChange={(e) => setFilter('status', e.target.value)}>
                <option value="">Any status</option>
                {RunStatus.options.map((s) => (
                  <option key={s} value={s}>
                    {s[0]!.toUpperCase() + s.slice(1)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={ids.from}>From</label>
              <input id={ids.from} type="date" value={query.from ?? ''} onChange={(e) => setFilter('from', e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={ids.to}>To</label>
              <input id={ids.to} type="date" value={query.to ?? ''} onChange={(e) => setFilter('to', e.target.value)} />
            </div>
            <div className="field filters-reset">
              <button type="button" className="btn btn-quiet" disabled={!filtered} onClick={() => setQuery({}, { replace: true })}>
                Clear filters
              </button>
            </div>
          </form>
          {problem ? (
            <p className="field-error" role="alert">
              {problem}
            </p>
          ) : null}
          {workflows.error && !workflows.data ? <ErrorPanel what="Could not list the workflows for the filter" error={workflows.error} onRetry={workflows.reload} /> : null}
        </Card>

        {problem ? null : pages.error && !pages.loaded ? (
          <ErrorPanel what="Could not load the runs" error={pages.error} onRetry={pages.loadFirst} />
        ) : !pages.loaded ? (
          <Loading label="Loading runs…" />
        ) : pages.loaded.runs.length === 0 && pages.stale ? (
          <Loading label="Loading runs…" />
        ) : pages.loaded.runs.length === 0 ? (
          <EmptyState title={filtered ? 'No run matches these filters' : 'No runs yet'} icon="▷">
            {filtered ? (
              <p>Change or clear the filters above.</p>
            ) : (
              <p>
                Runs appear here when a workflow starts: on its schedule, an event, a webhook, or <a href={hashWith('workflows')}>Run now on the Workflows page</a>.
              </p>
            )}
          </EmptyState>
        ) : (
          <Card title={`Runs${filtered ? ' matching the filters' : ''}`} id="runs-list">
            <div className="table-wrap">
              <table className={`table runs-table${pages.stale ? ' is-stale' : ''}`} aria-label="Runs" aria-busy={pages.stale || undefined}>
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    <th scope="col">Run</th>
                    <th scope="col">Workflow</th>
                    <th scope="col" className="nowrap">
                      Started by
                    </th>
                    <th scope="col">Created</th>
                    <th scope="col" className="num">
                      Took
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {pages.loaded.runs.map((r) => (
                    <tr key={r.id} data-testid="run-row" data-id={r.id} data-status={r.status}>
                      <td>
                        <StatusBadge status={r.status} />
                      </td>
                      <td>
                        <a
                          href={hashWith('runs', { ...filters, run: r.id })}
                          onClick={(e) => {
                            e.preventDefault();
                            setQuery({ ...filters, run: r.id });
                          }}
                        >
                          <code>{r.id}</code>
                        </a>
                        {r.error ? (
                          <div className="err-text small run-error-line" title={r.error.message}>
                            {r.error.nodeId ? `${r.error.nodeId}: ` : ''}
                            {r.error.message}
                          </div>
                        ) : null}
                      </td>
                      <td>
                        {/* A test run (workflows.testRun) runs under the workflow's test twin: link to the workflow. */}
                        <a href={hashWith('workflows', { wf: realWorkflowId(r.workflowId) })}>{r.workflowName}</a>
                        <span className="muted small"> v{r.version}</span>
                      </td>
                      <td className="nowrap">{r.trigger.type}</td>
                      <td className="nowrap">{shortTime(r.createdAt)}</td>
                      <td className="num nowrap">{ACTIVE.includes(r.status) ? '…' : duration(r.startedAt ?? r.createdAt, r.finishedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {pages.error ? <ErrorPanel what="Could not update the runs" error={pages.error} onRetry={pages.loadFirst} /> : null}
            <div className="list-foot">
              <span className="muted small" role="status">
                {pages.loaded.runs.length} run{pages.loaded.runs.length === 1 ? '' : 's'} shown{pages.loaded.cursor ? '' : ', all of them'}
              </span>
              {pages.loaded.cursor ? (
                <button type="button" className="btn" onClick={() => void pages.loadMore()} disabled={pages.loadingMore || pages.stale}>
                  {pages.loadingMore ? 'Loading…' : 'Load more'}
                </button>
              ) : null}
            </div>
          </Card>
        )}
      </div>
    </>
  );
}

// ---- one run ------------------------------------------------------------------

function RunView({ id, onBack }: { id: string; onBack: () => void }) {
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

type UsageTotals = { calls: number; inputTokens: number; outputTokens: number; costUsd: number };

function usageText(u: UsageTotals): string {
  const cost = u.costUsd < 0.01 ? u.costUsd.toFixed(4) : u.costUsd.toFixed(2);
  return `${u.calls} Claude call${u.calls === 1 ? '' : 's'} · ${u.inputTokens.toLocaleString()} in / ${u.outputTokens.toLocaleString()} out tokens · $${cost}`;
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
