import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { ApiError, BackfillResult, EngineStatus, ValidationIssue, WorkflowSummary } from '../../../shared/api';
import { call } from '../api/client';
import { hashWith } from '../api/nav';
import { useAction, useApi, useEvent } from '../api/hooks';
import { toApiError } from '../api/errors';
import { useHashQuery } from '../components/hashQuery';
import { Card, EmptyState, ErrorPanel, Loading, PageHeader } from '../components/ui';
import { JsonBlock, StatusBadge, downloadJson, duration, percent, shortTime, triggerText, useInterval, useThrottled } from './workflows/bits';
import { EMPTY_STATS, WorkflowGraph, type GraphEdge, type GraphNode } from './workflows/WorkflowGraph';
import './workflows/workflows.css';

export function Workflows() {
  const [query, setQuery] = useHashQuery('workflows');
  const open = (id: string | null) => setQuery({ wf: id });
  return query.wf ? <WorkflowDetail id={query.wf} onBack={() => open(null)} /> : <WorkflowList onOpen={open} />;
}

// ---- the list ---------------------------------------------------------------

function WorkflowList({ onOpen }: { onOpen: (id: string) => void }) {
  const list = useApi('workflows.list', {});
  const [importing, setImporting] = useState(false);
  const [started, setStarted] = useState<{ runId: string; name: string } | null>(null);
  const refresh = useThrottled(list.reload, 800);
  useEvent('workflows.changed', refresh);
  useEvent('run.updated', refresh);

  return (
    <>
      <PageHeader
        title="Workflows"
        intro="Automations that run on a schedule, on an event or on demand."
        actions={
          <button type="button" className="btn btn-primary" aria-expanded={importing} aria-controls="wf-import" onClick={() => setImporting((v) => !v)}>
            {importing ? 'Close import' : 'Import workflow'}
          </button>
        }
      />
      <div className="stack">
        <EngineSwitch />
        {importing ? (
          <ImportCard
            onImported={() => {
              list.reload();
            }}
            onOpen={onOpen}
          />
        ) : null}
        {list.error && !list.data ? (
          <ErrorPanel what="Could not load the workflows" error={list.error} onRetry={list.reload} />
        ) : !list.data ? (
          <Loading label="Loading workflows…" />
        ) : list.data.workflows.length === 0 ? (
          <EmptyState title="No workflows yet" icon="⇄">
            <p>
              Import a workflow file (examples in <code>docs/workflows.md</code> and <code>resources/templates/</code>) with <strong>Import workflow</strong>, or from the command line with{' '}
              <code>baton workflow import FILE</code>.
            </p>
          </EmptyState>
        ) : (
          <Card title={`All workflows (${list.data.workflows.length})`} id="wf-list">
            {started ? (
              <p className="success" role="status">
                Started a run of {started.name}.{' '}
                <a href={hashWith('runs', { run: started.runId })} data-testid="started-run-link">
                  Open run {started.runId}
                </a>
              </p>
            ) : null}
            <div className="table-wrap">
              <table className="table wf-table" aria-label="Workflows">
                <thead>
                  <tr>
                    <th scope="col">Workflow</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last run</th>
                    <th scope="col">Next run</th>
                    <th scope="col" className="num">
                      7-day success
                    </th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.workflows.map((w) => (
                    <WorkflowRow key={w.id} w={w} onOpen={onOpen} onStarted={(runId) => setStarted({ runId, name: w.name })} onChanged={list.reload} />
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        )}
      </div>
    </>
  );
}

function WorkflowRow({ w, onOpen, onStarted, onChanged }: { w: WorkflowSummary; onOpen: (id: string) => void; onStarted: (runId: string) => void; onChanged: () => void }) {
  const run = useAction(async () => {
    const r = await call('runs.start', { workflow: w.id });
    onStarted(r.runId);
    onChanged();
  });
  const toggle = useAction(async () => {
    await call(w.enabled ? 'workflows.disable' : 'workflows.enable', { id: w.id });
    onChanged();
  });
  const err = run.error ?? toggle.error;
  return (
    <tr data-testid="workflow-row" data-id={w.id}>
      <td>
        <a
          href={hashWith('workflows', { wf: w.id })}
          className="wf-name"
          onClick={(e) => {
            e.preventDefault();
            onOpen(w.id);
          }}
        >
          {w.name}
        </a>
        <div className="muted small">
          <code>{w.id}</code> · v{w.version} · {triggerText(w.trigger)}
        </div>
        {err ? (
          <p className="field-error" role="alert">
            {run.error ? 'Could not start a run: ' : 'Could not change it: '}
            {err.message}
          </p>
        ) : null}
      </td>
      <td>
        <span className={w.enabled ? 'badge badge-ok' : 'badge badge-warn'} data-testid="wf-enabled">
          {w.enabled ? 'Enabled' : 'Disabled'}
        </span>
        {w.activeRuns ? <div className="muted small">{w.activeRuns} active</div> : null}
      </td>
      <td>
        {w.lastRun ? (
          <a href={hashWith('runs', { run: w.lastRun.id })} className="plain-link" aria-label={`Last run: ${w.lastRun.status}, ${shortTime(w.lastRun.createdAt)}`}>
            <StatusBadge status={w.lastRun.status} testId="wf-last-status" />
            <span className="muted small block">{shortTime(w.lastRun.createdAt)}</span>
          </a>
        ) : (
          <span className="muted">Never</span>
        )}
      </td>
      <td className="nowrap">{w.nextRun ? shortTime(w.nextRun) : <span className="muted">{w.trigger.type === 'schedule' ? (w.enabled ? '—' : 'Off while disabled') : 'On demand'}</span>}</td>
      <td className="num" data-testid="wf-success">
        {percent(w.successRate7d)}
        <div className="muted small">{w.runs7d} finished</div>
      </td>
      <td>
        <div className="row-actions wf-row-actions">
          <button type="button" className="btn" onClick={() => void run.run()} disabled={run.pending} aria-label={`Run ${w.name} now`}>
            {run.pending ? 'Starting…' : 'Run now'}
          </button>
          <button type="button" role="switch" aria-checked={w.enabled} className="switch" onClick={() => void toggle.run()} disabled={toggle.pending} aria-label={`${w.name} enabled`}>
            <span className="switch-track" aria-hidden="true">
              <span className="switch-thumb" />
            </span>
            <span className="switch-text">{w.enabled ? 'On' : 'Off'}</span>
          </button>
        </div>
      </td>
    </tr>
  );
}

// ---- the global pause switch ------------------------------------------------

function EngineSwitch() {
  const status = useApi('engine.status', {});
  const refresh = useThrottled(status.reload, 800);
  useEvent('run.updated', refresh);
  useInterval(status.reload, 5000);
  const flip = useAction(async (pause: boolean) => {
    const s = await call(pause ? 'engine.pauseAll' : 'engine.resumeAll', {});
    status.setData(() => s);
  });
  const s: EngineStatus | undefined = status.data;
  return (
    <section className={`card engine-card${s?.paused ? ' engine-paused' : ''}`} aria-labelledby="engine-title" data-testid="engine-card" data-paused={s ? String(s.paused) : undefined}>
      <div className="card-head">
        <h2 id="engine-title">Automation</h2>
        {s ? (
          s.paused ? (
            <button type="button" className="btn btn-primary" onClick={() => void flip.run(false)} disabled={flip.pending}>
              Resume all
            </button>
          ) : (
            <button type="button" className="btn" onClick={() => void flip.run(true)} disabled={flip.pending}>
              Pause all
            </button>
          )
        ) : null}
      </div>
      {status.error && !s ? (
        <ErrorPanel what="Could not read whether the engine runs" error={status.error} onRetry={status.reload} />
      ) : !s ? (
        <Loading label="Checking the engine…" />
      ) : (
        <>
          <p role="status" data-testid="engine-state">
            {s.paused ? (
              <>
                <strong className="warn-text">Paused.</strong> No step runs, no timer fires and no schedule starts a run until you resume. Runs in flight wait where they are.
              </>
            ) : (
              <>
                <strong className="ok-text">Running.</strong> Schedules, events and webhooks start runs{s.mode === 'off' ? ' (this process does not execute them)' : ''}.
              </>
            )}
          </p>
          <p className="muted small">
            {s.runs.running} running · {s.runs.waiting} waiting · {s.runs.queued} queued · {s.timers} timers
            {s.nextTimerAt ? ` (next ${shortTime(s.nextTimerAt)})` : ''}
          </p>
        </>
      )}
      {flip.error ? <ErrorPanel what="Could not switch the engine" error={flip.error} /> : null}
    </section>
  );
}

// ---- import -----------------------------------------------------------------

type Checked = { kind: 'syntax'; message: string } | { kind: 'issues'; issues: ValidationIssue[] } | { kind: 'ok' } | { kind: 'imported'; id: string; name: string; version: number; changed: boolean; created: boolean };

function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function ImportCard({ onImported, onOpen }: { onImported: (id: string) => void; onOpen: (id: string) => void }) {
  const [text, setText] = useState('');
  const [checked, setChecked] = useState<Checked | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const ids = { text: useId(), help: useId(), file: useId() };

  async function check(andImport: boolean) {
    setFailure(null);
    setChecked(null);
    if (!text.trim()) {
      setChecked({ kind: 'syntax', message: 'Paste a workflow definition (JSON) or choose a file first.' });
      return;
    }
    const parsed = parseJson(text);
    if ('error' in parsed) {
      setChecked({ kind: 'syntax', message: `This is not valid JSON: ${parsed.error}` });
      return;
    }
    setBusy(true);
    try {
      const v = await call('workflows.validate', { definition: parsed.value });
      if (!v.ok) {
        setChecked({ kind: 'issues', issues: v.issues });
        return;
      }
      if (!andImport) {
        setChecked({ kind: 'ok' });
        return;
      }
      const r = await call('workflows.import', { definition: parsed.value });
      const name = (parsed.value as { name?: unknown }).name;
      setChecked({ kind: 'imported', id: r.id, name: typeof name === 'string' ? name : r.id, version: r.version, changed: r.changed, created: r.created });
      onImported(r.id);
    } catch (e) {
      const err = toApiError(e);
      if (err.issues?.length) setChecked({ kind: 'issues', issues: err.issues.map((i) => ({ path: i.path, message: i.message })) });
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    void check(true);
  }

  return (
    <section className="card" id="wf-import" aria-labelledby="wf-import-title">
      <div className="card-head">
        <h2 id="wf-import-title">Import a workflow</h2>
      </div>
      <form onSubmit={onSubmit} noValidate>
        <p className="muted">
          Paste a definition or choose a <code>.json</code> file. It is checked first; a definition with problems is not stored, and importing an existing id adds a new version.
        </p>
        <div className="field">
          <label htmlFor={ids.file}>Choose a file</label>
          <input
            ref={fileRef}
            id={ids.file}
            type="file"
            accept=".json,application/json"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (!f) return;
              void f.text().then((t) => {
                setText(t);
                setChecked(null);
              });
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.text}>Workflow definition (JSON)</label>
          <textarea
            id={ids.text}
            className="code-input"
            rows={12}
            spellCheck={false}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setChecked(null);
            }}
            aria-describedby={ids.help}
            aria-invalid={checked?.kind === 'syntax' || checked?.kind === 'issues' ? true : undefined}
            placeholder='{ "id": "hello", "name": "Hello", "nodes": [{ "id": "say", "type": "log", "params": { "message": "hi" } }] }'
          />
          <p id={ids.help} className="hint">
            Format: docs/workflows.md. Secrets are names of keychain entries, never values.
          </p>
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Checking…' : 'Import'}
          </button>
          <button type="button" className="btn" disabled={busy} onClick={() => void check(false)}>
            Check only
          </button>
          <button
            type="button"
            className="btn btn-quiet"
            onClick={() => {
              setText('');
              setChecked(null);
              setFailure(null);
              if (fileRef.current) fileRef.current.value = '';
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {checked?.kind === 'syntax' ? (
          <div className="error-panel" role="alert">
            <div>
              <strong>Nothing was imported.</strong>
              <p>{checked.message}</p>
            </div>
          </div>
        ) : checked?.kind === 'issues' ? (
          <div className="error-panel import-issues" role="alert" data-testid="import-issues">
            <div>
              <strong>
                Nothing was imported: {checked.issues.length} problem{checked.issues.length === 1 ? '' : 's'} to fix.
              </strong>
              <table className="table" aria-label="Problems in the definition">
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">Field</th>
                    <th scope="col">Rule</th>
                  </tr>
                </thead>
                <tbody>
                  {checked.issues.map((i, n) => (
                    <tr key={`${i.path}-${n}`} data-testid="import-issue">
                      <td>{i.nodeId ? <code>{i.nodeId}</code> : <span className="muted">—</span>}</td>
                      <td>
                        <code>{i.path || '(whole file)'}</code>
                      </td>
                      <td>{i.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        ) : checked?.kind === 'ok' ? (
          <p className="success" role="status">
            No problems found. Import it when ready.
          </p>
        ) : checked?.kind === 'imported' ? (
          <p className="success" role="status" data-testid="import-result">
            {checked.created ? 'Imported' : checked.changed ? 'Updated' : 'Unchanged:'} {checked.name} (<code>{checked.id}</code>){checked.changed ? `, version ${checked.version}` : `, still version ${checked.version}`}.{' '}
            <button type="button" className="btn-link" onClick={() => onOpen(checked.id)}>
              Open it
            </button>
          </p>
        ) : null}
        {failure ? <ErrorPanel what="The import failed; nothing was stored" error={failure} /> : null}
      </div>
    </section>
  );
}

// ---- one workflow -------------------------------------------------------------

interface Definition {
  nodes: GraphNode[];
  edges: GraphEdge[];
  description?: string;
}

function readDefinition(def: unknown): Definition {
  const d = (def ?? {}) as { nodes?: unknown; edges?: unknown; description?: unknown };
  const nodes = Array.isArray(d.nodes)
    ? d.nodes.filter((n): n is GraphNode => !!n && typeof (n as GraphNode).id === 'string').map((n) => ({ id: n.id, type: String(n.type), name: typeof n.name === 'string' ? n.name : undefined }))
    : [];
  const edges = Array.isArray(d.edges)
    ? d.edges.filter((e): e is GraphEdge => !!e && typeof (e as GraphEdge).from === 'string' && typeof (e as GraphEdge).to === 'string').map((e) => ({ from: e.from, to: e.to, branch: typeof e.branch === 'string' ? e.branch : undefined }))
    : [];
  return { nodes, edges, ...(typeof d.description === 'string' ? { description: d.description } : {}) };
}

const PERIODS = [1, 7, 30, 90];

function WorkflowDetail({ id, onBack }: { id: string; onBack: () => void }) {
  const wf = useApi('workflows.get', { id });
  const [days, setDays] = useState(7);
  const stats = useApi('workflows.nodeStats', { id, days });
  const runs = useApi('runs.list', { workflow: id, limit: 10 });
  const [started, setStarted] = useState<string | null>(null);
  const refresh = useThrottled(() => {
    wf.reload();
    stats.reload();
    runs.reload();
  }, 800);
  useEvent('run.updated', (p) => {
    if (p.workflowId === id) refresh();
  });
  useEvent('workflows.changed', (p) => {
    if (p.id === id) wf.reload();
  });
  const def = useMemo(() => readDefinition(wf.data?.definition), [wf.data?.definition]);
  const periodId = useId();

  const run = useAction(async (input?: unknown) => {
    const r = await call('runs.start', { workflow: id, ...(input === undefined ? {} : { input }) });
    setStarted(r.runId);
    runs.reload();
  });
  const toggle = useAction(async (enabled: boolean) => {
    await call(enabled ? 'workflows.disable' : 'workflows.enable', { id });
    wf.reload();
  });
  const exp = useAction(async () => {
    const r = await call('workflows.export', { id });
    downloadJson(`${id}.json`, r.definition);
  });

  const back = (
    <a
      href={hashWith('workflows')}
      className="back-link"
      onClick={(e) => {
        e.preventDefault();
        onBack();
      }}
    >
      ← All workflows
    </a>
  );

  if (wf.error && !wf.data) {
    return (
      <>
        {back}
        <PageHeader title="Workflow" />
        <ErrorPanel what={`Could not load the workflow ${id}`} error={wf.error} onRetry={wf.reload} />
      </>
    );
  }
  if (!wf.data) {
    return (
      <>
        {back}
        <PageHeader title="Workflow" />
        <Loading label="Loading the workflow…" />
      </>
    );
  }
  const w = wf.data.workflow;
  return (
    <>
      {back}
      <PageHeader
        title={w.name}
        intro={w.description ?? undefined}
        actions={
          <>
            <button type="button" className="btn btn-primary" onClick={() => void run.run(undefined)} disabled={run.pending}>
              {run.pending ? 'Starting…' : 'Run now'}
            </button>
            <button type="button" role="switch" aria-checked={w.enabled} className="switch btn" onClick={() => void toggle.run(w.enabled)} disabled={toggle.pending} aria-label={`${w.name} enabled`}>
              <span className="switch-track" aria-hidden="true">
                <span className="switch-thumb" />
              </span>
              <span className="switch-text">{w.enabled ? 'Enabled' : 'Disabled'}</span>
            </button>
            <button type="button" className="btn" onClick={() => void exp.run()} disabled={exp.pending}>
              Export JSON
            </button>
          </>
        }
      />
      <div className="stack">
        {run.error ? <ErrorPanel what="Could not start a run" error={run.error} /> : null}
        {toggle.error ? <ErrorPanel what="Could not enable or disable it" error={toggle.error} /> : null}
        {exp.error ? <ErrorPanel what="Could not export it" error={exp.error} onRetry={() => void exp.run()} /> : null}
        {started ? (
          <p className="success" role="status">
            Run started.{' '}
            <a href={hashWith('runs', { run: started })} data-testid="started-run-link">
              Open run {started}
            </a>
          </p>
        ) : null}
        <Card title="Overview" id="wf-overview">
          <dl className="facts facts-inline">
            <div>
              <dt>Id</dt>
              <dd>
                <code data-testid="wf-id">{w.id}</code>
              </dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd>
                {w.version} <span className="muted">({wf.data.versions.length} stored)</span>
              </dd>
            </div>
            <div>
              <dt>Trigger</dt>
              <dd>{triggerText(w.trigger)}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <span className={w.enabled ? 'badge badge-ok' : 'badge badge-warn'} data-testid="wf-enabled">
                  {w.enabled ? 'Enabled' : 'Disabled'}
                </span>
                {w.activeRuns ? <span className="muted"> · {w.activeRuns} active</span> : null}
              </dd>
            </div>
            <div>
              <dt>Last run</dt>
              <dd>{w.lastRun ? <a href={hashWith('runs', { run: w.lastRun.id })}>{shortTime(w.lastRun.createdAt)}</a> : 'Never'}</dd>
            </div>
            <div>
              <dt>Next run</dt>
              <dd>{w.nextRun ? shortTime(w.nextRun) : w.trigger.type === 'schedule' ? '—' : 'On demand'}</dd>
            </div>
            <div>
              <dt>7-day success</dt>
              <dd>
                {percent(w.successRate7d)} <span className="muted">of {w.runs7d}</span>
              </dd>
            </div>
          </dl>
          <RunWithInput pending={run.pending} onStart={(input) => void run.run(input)} />
        </Card>

        {w.eventsFrom && w.trigger.type === 'event' ? <PastEvents id={id} event={w.trigger.event} eventsFrom={w.eventsFrom} onStarted={runs.reload} /> : null}

        <Card
          title="Graph"
          id="wf-graph"
          actions={
            <div className="inline-field">
              <label htmlFor={periodId}>Counts over</label>
              <select id={periodId} value={days} onChange={(e) => setDays(Number(e.target.value))}>
                {PERIODS.map((d) => (
                  <option key={d} value={d}>
                    {d === 1 ? 'the last day' : `the last ${d} days`}
                  </option>
                ))}
              </select>
            </div>
          }
        >
          {stats.error ? <ErrorPanel what="Could not count the steps" error={stats.error} onRetry={stats.reload} /> : null}
          {def.nodes.length === 0 ? (
            <p className="muted">This definition has no nodes to draw.</p>
          ) : (
            <>
              <p className="muted small">
                Each box is a step with how many times it succeeded (✓), failed (✕), waits (‖) or was skipped (↷) in {stats.data ? `${stats.data.runs} run${stats.data.runs === 1 ? '' : 's'} of ` : ''}
                {days === 1 ? 'the last day' : `the last ${days} days`}.
              </p>
              <WorkflowGraph nodes={def.nodes} edges={def.edges} stats={stats.data?.nodes} label={`Graph of ${w.name}: ${def.nodes.length} steps, ${def.edges.length} connections`} />
              <details className="node-table">
                <summary>Steps per node as a table</summary>
                <table className="table" aria-label="Steps per node">
                  <thead>
                    <tr>
                      <th scope="col">Node</th>
                      <th scope="col">Type</th>
                      <th scope="col" className="num">
                        Succeeded
                      </th>
                      <th scope="col" className="num">
                        Failed
                      </th>
                      <th scope="col" className="num">
                        Waiting
                      </th>
                      <th scope="col" className="num">
                        Skipped
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {def.nodes.map((n) => {
                      const s = stats.data?.nodes[n.id] ?? EMPTY_STATS;
                      return (
                        <tr key={n.id}>
                          <td>
                            <code>{n.id}</code>
                          </td>
                          <td>{n.type}</td>
                          <td className="num">{s.succeeded}</td>
                          <td className="num">{s.failed}</td>
                          <td className="num">{s.waiting}</td>
                          <td className="num">{s.skipped}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </details>
            </>
          )}
        </Card>

        <Card
          title="Recent runs"
          id="wf-runs"
          actions={
            <a className="btn" href={hashWith('runs', { workflow: id })}>
              All runs of this workflow
            </a>
          }
        >
          {runs.error && !runs.data ? (
            <ErrorPanel what="Could not load its runs" error={runs.error} onRetry={runs.reload} />
          ) : !runs.data ? (
            <Loading label="Loading runs…" />
          ) : runs.data.runs.length === 0 ? (
            <p className="muted">No runs yet. Use Run now, or wait for its trigger.</p>
          ) : (
            <ul className="mini-runs" aria-label="Recent runs">
              {runs.data.runs.map((r) => (
                <li key={r.id}>
                  <StatusBadge status={r.status} />
                  <a href={hashWith('runs', { run: r.id })}>
                    <code>{r.id}</code>
                  </a>
                  <span className="muted small">
                    {shortTime(r.createdAt)} · {r.trigger.type} · {duration(r.startedAt, r.finishedAt)}
                  </span>
                  {r.error ? <span className="err-text small">{r.error.message}</span> : null}
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Versions id={id} current={w.version} currentDefinition={wf.data.definition} versions={wf.data.versions} />
      </div>
    </>
  );
}

/**
 * An event trigger starts listening when the workflow is enabled: events recorded before are never
 * run by themselves. Here the person may run it for them: count first (dry run), then confirm.
 */
function PastEvents({ id, event, eventsFrom, onStarted }: { id: string; event: string; eventsFrom: { eventId: number; at: string | null }; onStarted: () => void }) {
  const [since, setSince] = useState('');
  const [count, setCount] = useState<BackfillResult | null>(null);
  const [result, setResult] = useState<BackfillResult | null>(null);
  const [confirming, setConfirming] = useState(false);
  const ids = { since: useId(), title: useId() };
  const input = () => ({ id, ...(since ? { since } : {}) });
  const dry = useAction(async () => {
    setResult(null);
    setConfirming(false);
    setCount(await call('workflows.backfill', { ...input(), dryRun: true }));
  });
  const go = useAction(async () => {
    const r = await call('workflows.backfill', { ...input(), dryRun: false });
    setResult(r);
    setCount(null);
    setConfirming(false);
    onStarted();
  });
  const events = (n: number) => `${n.toLocaleString()} ${event} event${n === 1 ? '' : 's'}`;
  return (
    <Card title="Past events" id="wf-past-events">
      <p>
        Listening for <code>{event}</code> {eventsFrom.at ? `since ${shortTime(eventsFrom.at)}` : 'since it was enabled'} (after event #{eventsFrom.eventId}). Events recorded before
        that are never run by this workflow on their own; you can run it for them here.
      </p>
      <form
        className="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          void dry.run();
        }}
      >
        <div className="field">
          <label htmlFor={ids.since}>Only events since (optional)</label>
          <input
            id={ids.since}
            type="date"
            value={since}
            onChange={(e) => {
              setSince(e.target.value);
              setCount(null);
            }}
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="btn" disabled={dry.pending}>
            {dry.pending ? 'Counting…' : 'Count existing matching events'}
          </button>
        </div>
      </form>
      {dry.error ? <ErrorPanel what="Could not count the existing events" error={dry.error} /> : null}
      {count ? (
        <div className="notice" data-testid="backfill-count" data-matching={count.matching} data-to-start={count.toStart}>
          <p>
            {events(count.matching)} recorded before it listened {count.filter ? `match its filter (of ${count.scanned.toLocaleString()})` : 'exist'}
            {count.alreadyRun ? `; ${count.alreadyRun.toLocaleString()} already have a run` : ''}. Dry run: nothing was started.
          </p>
          {count.toStart === 0 ? (
            <p className="muted">Nothing to run.</p>
          ) : confirming ? (
            <div className="form-actions" role="group" aria-label="Confirm the runs">
              <span>
                Start {count.toStart.toLocaleString()} run{count.toStart === 1 ? '' : 's'} now{count.remaining ? ` (the oldest; ${count.remaining.toLocaleString()} more later)` : ''}? Each event runs
                once.
              </span>
              <button type="button" className="btn btn-primary" disabled={go.pending} onClick={() => void go.run()}>
                {go.pending ? 'Starting…' : `Start ${count.toStart.toLocaleString()} run${count.toStart === 1 ? '' : 's'}`}
              </button>
              <button type="button" className="btn" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          ) : (
            <div className="form-actions">
              <button type="button" className="btn btn-primary" onClick={() => setConfirming(true)}>
                Run for the {count.toStart.toLocaleString()} existing event{count.toStart === 1 ? '' : 's'}…
              </button>
            </div>
          )}
        </div>
      ) : null}
      {go.error ? <ErrorPanel what="Could not start the runs" error={go.error} /> : null}
      {result ? (
        <p className="success" role="status" data-testid="backfill-result">
          Started {result.started.toLocaleString()} run{result.started === 1 ? '' : 's'}
          {result.skippedActive ? `; ${result.skippedActive.toLocaleString()} skipped (the contact already has an active run)` : ''}
          {result.remaining ? `; ${result.remaining.toLocaleString()} more events wait (count again to run them)` : ''}.
        </p>
      ) : null}
    </Card>
  );
}

function RunWithInput({ pending, onStart }: { pending: boolean; onStart: (input: unknown) => void }) {
  const [text, setText] = useState('{\n  \n}');
  const [problem, setProblem] = useState<string | null>(null);
  const ids = { text: useId(), help: useId() };
  return (
    <details className="run-input">
      <summary>Run with input…</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const parsed = parseJson(text);
          if ('error' in parsed) {
            setProblem(`This is not valid JSON: ${parsed.error}`);
            return;
          }
          setProblem(null);
          onStart(parsed.value);
        }}
        noValidate
      >
        <div className="field">
          <label htmlFor={ids.text}>Run input (JSON)</label>
          <textarea
            id={ids.text}
            className="code-input code-input-small"
            rows={4}
            spellCheck={false}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setProblem(null);
            }}
            aria-invalid={problem ? true : undefined}
            aria-describedby={ids.help}
          />
          <p id={ids.help} className={problem ? 'field-error' : 'hint'}>
            {problem ?? 'Expressions read it as input, e.g. input.email.'}
          </p>
        </div>
        <button type="submit" className="btn" disabled={pending}>
          Start run with this input
        </button>
      </form>
    </details>
  );
}

function Versions({ id, current, currentDefinition, versions }: { id: string; current: number; currentDefinition: unknown; versions: { version: number; createdAt: string }[] }) {
  const [version, setVersion] = useState(current);
  const selectId = useId();
  const older = useApi('workflows.export', { id, version });
  const definition = version === current ? currentDefinition : older.data?.definition;
  return (
    <Card
      title="Definition and versions"
      id="wf-definition"
      actions={
        <div className="inline-field">
          <label htmlFor={selectId}>Version</label>
          <select id={selectId} value={version} onChange={(e) => setVersion(Number(e.target.value))}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version}
                {v.version === current ? ' (current)' : ''} · {shortTime(v.createdAt)}
              </option>
            ))}
          </select>
          <button type="button" className="btn" disabled={definition === undefined} onClick={() => downloadJson(`${id}.v${version}.json`, definition)}>
            Download this version
          </button>
        </div>
      }
    >
      <p className="muted small">Each import that changes the definition adds a version; a run keeps the version it started with.</p>
      {version !== current && older.error ? (
        <ErrorPanel what={`Could not load version ${version}`} error={older.error} onRetry={older.reload} />
      ) : definition === undefined ? (
        <Loading label={`Loading version ${version}…`} />
      ) : (
        <JsonBlock label={`Version ${version} as JSON`} value={definition} />
      )}
    </Card>
  );
}
