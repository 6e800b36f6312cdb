/** The Runs page's list: filters in the address, pages of runs, live updates. */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { RunStatus, realWorkflowId, type ApiError, type OpInput } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { useApi, useConnection, useEvent } from '../../api/hooks';
import { hashWith } from '../../api/nav';
import type { HashQuery, SetHashQuery } from '../../components/hashQuery';
import { Card, EmptyState, ErrorPanel, Loading, PageHeader } from '../../components/ui';
import { StatusBadge, duration, shortTime, useThrottled } from '../workflows/bits';
import { ACTIVE, appendPage, FILTER_KEYS, filtersOf, listInput, mergeFirstPage, type Loaded } from './model';

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
        setLoaded((old) => mergeFirstPage(old, k, fresh));
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
      setLoaded((old) => (!old || old.key !== loaded.key ? old : appendPage(old, page)));
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

export function RunList({ query, setQuery }: { query: HashQuery; setQuery: SetHashQuery }) {
  const { input, problem } = listInput(query);
  const pages = useRunPages(input, problem !== null);
  const workflows = useApi('workflows.list', {});
  const refresh = useThrottled(pages.loadFirst, 600);
  useEvent('run.updated', refresh);
  const ids = { wf: useId(), status: useId(), from: useId(), to: useId() };
  const filters = filtersOf(query);
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
