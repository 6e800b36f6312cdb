/**
 * Escalations (`#/escalations`, reached from the Dashboard): every escalation, filtered by state,
 * severity, workflow and cause (`?state=all&severity=critical&workflow=ID&cause=…`), in pages of
 * 50, pinned open ones first; the causes of what is shown with "Acknowledge all" for each.
 */
import { useId, useState } from 'react';
import type { ApiError, Escalation, Severity } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { useToasts } from '../../api/toasts';
import { DataTable, Pager, type Column } from '../../components/DataTable';
import { useHashQuery } from '../../components/hashQuery';
import { SEVERITY_ICON, SEVERITY_LABEL, runHref } from '../../components/Toasts';
import { Card, ErrorPanel, PageHeader, QueryView, formatTime } from '../../components/ui';
import { invalidate, useQuery } from '../../data/query';
import { groupTitle } from '../dashboard/model';

const PAGE = 50;
const STATES = { open: 'Open', acknowledged: 'Acknowledged', all: 'All' } as const;
type State = keyof typeof STATES;

export function Escalations() {
  const [query, setQuery] = useHashQuery('escalations');
  const state: State = query.state === 'acknowledged' || query.state === 'all' ? query.state : 'open';
  const severity = (['info', 'warning', 'critical'] as const).find((s) => s === query.severity);
  const workflow = query.workflow;
  const cause = query.cause;
  const offset = Math.max(0, Number(query.offset) || 0);
  const filters = { state: state === 'open' ? null : state, severity: severity ?? null, workflow: workflow ?? null, cause: cause ?? null };
  const set = (patch: Partial<Record<keyof typeof filters | 'offset', string | null>>) => setQuery({ ...filters, offset: null, ...patch }, { replace: true });

  const acknowledged = state === 'all' ? undefined : state === 'acknowledged';
  const list = useQuery('escalations.list', { ...(acknowledged !== undefined ? { acknowledged } : {}), ...(severity ? { severity } : {}), ...(workflow !== undefined ? { workflow } : {}), ...(cause ? { cause } : {}), offset, limit: PAGE });
  const groups = useQuery('escalations.groups', { state, ...(severity ? { severity } : {}), ...(workflow !== undefined ? { workflow } : {}), limit: 20 });
  const workflows = useQuery('workflows.list', {});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const dismiss = useToasts((s) => s.dismiss);
  const ids = { state: useId(), sev: useId(), wf: useId() };

  const run = async (key: string, fn: () => Promise<string>) => {
    setBusy(key);
    setFailure(null);
    setDone(null);
    try {
      setDone(await fn());
      invalidate('escalations.list', 'escalations.groups');
    } catch (e) {
      setFailure(toApiError(e));
    } finally {
      setBusy(null);
    }
  };
  const ackOne = (e: Escalation) =>
    run(e.id, async () => {
      await call('escalations.acknowledge', { id: e.id });
      dismiss(e.id);
      return `Acknowledged “${e.title}”.`;
    });
  const ackCause = (c: string, title: string) =>
    run(`cause:${c}`, async () => {
      const r = await call('escalations.ackMany', { cause: c });
      return `Acknowledged ${r.acknowledged.toLocaleString()} × ${title}.`;
    });

  const columns: Column<Escalation>[] = [
    {
      key: 'sev',
      header: 'Severity',
      cell: (e) => (
        <span className={`sev-badge sev-badge-${e.severity}`}>
          <span aria-hidden="true">{SEVERITY_ICON[e.severity]}</span> {SEVERITY_LABEL[e.severity]}
        </span>
      ),
    },
    {
      key: 'title',
      header: 'Escalation',
      primary: true,
      cell: (e) => (
        <>
          <span className="esc-title">
            {e.pinned && !e.acknowledgedAt ? <span className="pin-badge">Pinned</span> : null}
            {e.title}
          </span>
          {e.detail ? <span className="esc-detail muted">{e.detail}</span> : null}
        </>
      ),
    },
    { key: 'wf', header: 'Workflow', cell: (e) => (e.workflowId ? (workflows.data?.workflows.find((w) => w.id === e.workflowId)?.name ?? e.workflowId) : <span className="muted">—</span>) },
    { key: 'at', header: 'Raised', cell: (e) => <time dateTime={e.createdAt}>{formatTime(e.createdAt)}</time> },
    {
      key: 'act',
      header: <span className="sr-only">Actions</span>,
      label: 'Actions',
      className: 'dt-actions',
      cell: (e) => (
        <span className="row-actions">
          {e.runId ? <a href={runHref(e.runId)}>Open the run</a> : null}
          {e.acknowledgedAt ? (
            <span className="muted">Acknowledged {formatTime(e.acknowledgedAt)}</span>
          ) : (
            <button type="button" className="btn btn-small" disabled={busy === e.id} onClick={() => void ackOne(e)} aria-label={`Acknowledge: ${e.title}`}>
              Acknowledge
            </button>
          )}
        </span>
      ),
    },
  ];

  return (
    <>
      <PageHeader title="Escalations" intro="Everything workflows and rules raised for you: filter, open what caused it, acknowledge one or a whole cause at once." actions={<a href="#/dashboard" className="btn">Back to the Dashboard</a>} />
      <div className="filter-bar" role="search" aria-label="Filter escalations">
        <div>
          <label htmlFor={ids.state}>State</label>
          <select id={ids.state} value={state} onChange={(e) => set({ state: e.target.value === 'open' ? null : e.target.value })}>
            {Object.entries(STATES).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.sev}>Severity</label>
          <select id={ids.sev} value={severity ?? ''} onChange={(e) => set({ severity: e.target.value || null })}>
            <option value="">Any</option>
            {(['critical', 'warning', 'info'] as Severity[]).map((s) => (
              <option key={s} value={s}>
                {SEVERITY_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.wf}>Workflow</label>
          <select id={ids.wf} value={workflow ?? '*'} onChange={(e) => set({ workflow: e.target.value === '*' ? null : e.target.value })}>
            <option value="*">Any</option>
            <option value="">Not from a workflow</option>
            {(workflows.data?.workflows ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        </div>
        {cause ? (
          <p className="filter-chip">
            Cause: <strong>{cause.slice(cause.indexOf('|') + 1)}</strong>{' '}
            <button type="button" className="btn-link" onClick={() => set({ cause: null })} aria-label="Show every cause">
              Remove ✕
            </button>
          </p>
        ) : null}
      </div>
      {failure ? <ErrorPanel what="Could not acknowledge" error={failure} /> : null}
      {done ? (
        <p className="success" role="status">
          {done}
        </p>
      ) : null}
      <div className="stack">
        {!cause ? (
          <Card title="By cause" id="esc-causes">
            <QueryView q={groups} what="Could not load the causes" loading="Loading the causes…" isEmpty={(g) => g.groups.length === 0} empty={<p className="muted">None.</p>}>
              {(g) => (
                <ul className="cause-list" aria-label="Causes">
                  {g.groups.map((x) => (
                    <li key={x.cause} data-testid="cause" data-cause={x.cause}>
                      <span className={`sev-badge sev-badge-${x.severity}`}>{SEVERITY_LABEL[x.severity]}</span>
                      <button type="button" className="btn-link cause-name" onClick={() => set({ cause: x.cause })}>
                        {x.count.toLocaleString()}× {x.title}
                      </button>
                      <span className="muted">{x.workflowName ?? ''}</span>
                      {x.open > 0 ? (
                        <button type="button" className="btn btn-small" disabled={busy === `cause:${x.cause}`} onClick={() => void ackCause(x.cause, x.title)} aria-label={`Acknowledge all ${x.open}: ${x.title}`}>
                          {x.open === 1 ? 'Acknowledge' : `Acknowledge all ${x.open.toLocaleString()}`}
                        </button>
                      ) : (
                        <span className="muted">all acknowledged</span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </QueryView>
          </Card>
        ) : null}
        <Card title={list.data ? `${list.data.total.toLocaleString()} ${state === 'all' ? '' : STATES[state].toLowerCase() + ' '}escalation${list.data.total === 1 ? '' : 's'}` : 'Escalations'} id="esc-list">
          {cause && groups.data ? (
            <p>
              {(() => {
                const g = groups.data.groups.find((x) => x.cause === cause);
                return g && g.open > 0 ? (
                  <button type="button" className="btn" disabled={busy === `cause:${cause}`} onClick={() => void ackCause(cause, g.title)}>
                    Acknowledge all {g.open.toLocaleString()} ({groupTitle(g)})
                  </button>
                ) : null;
              })()}
            </p>
          ) : null}
          <QueryView q={list} what="Could not load the escalations" loading="Loading escalations…" isEmpty={(l) => l.escalations.length === 0} empty={<p className="muted">No escalations match.</p>}>
            {(l) => (
              <>
                <DataTable label="Escalations" rows={l.escalations} columns={columns} rowKey={(e) => e.id} rowProps={(e) => ({ 'data-testid': 'escalation-row', 'data-id': e.id })} />
                <Pager label="Escalation pages" offset={offset} limit={PAGE} total={l.total} shown={l.escalations.length} onPage={(o) => setQuery({ ...filters, offset: o ? String(o) : null })} />
              </>
            )}
          </QueryView>
        </Card>
      </div>
    </>
  );
}
