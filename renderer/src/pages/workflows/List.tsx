/** The Workflows list: every workflow with its status, the engine's master switch, import, and New workflow. */
import { useId, useRef, useState, type FormEvent } from 'react';
import type { ApiError, EngineStatus, ValidationIssue, WorkflowSummary } from '../../../../shared/api';
import { call } from '../../api/client';
import { hashWith } from '../../api/nav';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { toApiError } from '../../api/errors';
import { Card, EmptyState, ErrorPanel, Loading, PageHeader } from '../../components/ui';
import { WorkflowTabs } from './Gallery';
import { EnabledBadge, StatusBadge, parseJson, percent, shortTime, triggerText, useInterval, useThrottled } from './bits';

// ---- the list ---------------------------------------------------------------

export function WorkflowList({ onOpen }: { onOpen: (id: string) => void }) {
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
          <>
            <a className="btn btn-primary" href={hashWith('workflows', { new: '1' })}>
              New workflow
            </a>
            <button type="button" className="btn" aria-expanded={importing} aria-controls="wf-import" onClick={() => setImporting((v) => !v)}>
              {importing ? 'Close import' : 'Import workflow'}
            </button>
          </>
        }
      />
      <WorkflowTabs current="list" />
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
              Build one on a canvas with <strong>New workflow</strong>, import a workflow file (examples in <code>docs/workflows.md</code> and <code>resources/templates/</code>) with <strong>Import workflow</strong>, or
              from the command line with <code>baton workflow import FILE</code>.
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
        <EnabledBadge enabled={w.enabled} />
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
          <button type="button" className="btn" onClick={() => void run.run()} disabled={run.pending} aria-label={`Run now: ${w.name}`}>
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

