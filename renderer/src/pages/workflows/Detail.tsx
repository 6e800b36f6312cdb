/** One workflow: overview, graph with per-node counts, recent runs, versions (with a diff), and Edit. */
import { useId, useMemo, useState } from 'react';
import type { BackfillResult } from '../../../../shared/api';
import { call } from '../../api/client';
import { hashWith } from '../../api/nav';
import { useAction, useApi, useEvent } from '../../api/hooks';
import { Card, ErrorPanel, Loading, PageHeader } from '../../components/ui';
import { EnabledBadge, JsonBlock, StatusBadge, downloadJson, duration, parseJson, percent, shortTime, triggerText, useThrottled } from './bits';
import { EMPTY_STATS, WorkflowGraph, type GraphEdge, type GraphNode } from './WorkflowGraph';
import { VersionDiff } from './VersionDiff';

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

export function WorkflowDetail({ id, onBack }: { id: string; onBack: () => void }) {
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
            <a className="btn btn-primary" href={hashWith('workflows', { wf: id, edit: '1' })}>
              Edit
            </a>
            <button type="button" className="btn" onClick={() => void run.run(undefined)} disabled={run.pending}>
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
                <EnabledBadge enabled={w.enabled} />
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
  const compareId = useId();
  const older = useApi('workflows.export', { id, version });
  const definition = version === current ? currentDefinition : older.data?.definition;
  const others = versions.filter((v) => v.version !== version);
  const [against, setAgainst] = useState<number | null>(null);
  const base = against !== null && against !== version ? against : (others.find((v) => v.version < version)?.version ?? others[0]?.version ?? null);
  const baseDef = useApi('workflows.export', { id, version: base ?? version });
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
      {base !== null && definition !== undefined ? (
        <section className="wf-compare" aria-labelledby={`${compareId}-t`}>
          <div className="card-head">
            <h3 id={`${compareId}-t`}>What changed</h3>
            <div className="inline-field">
              <label htmlFor={compareId}>Compared with version</label>
              <select id={compareId} value={base} onChange={(e) => setAgainst(Number(e.target.value))}>
                {others.map((v) => (
                  <option key={v.version} value={v.version}>
                    {v.version}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {baseDef.error ? (
            <ErrorPanel what={`Could not load version ${base}`} error={baseDef.error} onRetry={baseDef.reload} />
          ) : !baseDef.data || baseDef.data.definition === undefined ? (
            <Loading label={`Loading version ${base}…`} />
          ) : base < version ? (
            <VersionDiff older={baseDef.data.definition} newer={definition} olderLabel={`version ${base}`} newerLabel={`version ${version}`} />
          ) : (
            <VersionDiff older={definition} newer={baseDef.data.definition} olderLabel={`version ${version}`} newerLabel={`version ${base}`} />
          )}
        </section>
      ) : null}
    </Card>
  );
}

