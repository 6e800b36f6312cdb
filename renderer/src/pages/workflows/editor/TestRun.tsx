/**
 * Test runs: the whole workflow, or from one node on, with pinned input typed in
 * a form generated from the trigger's data shape (or as JSON), or copied from a
 * past run. The run is real (its steps do what they do) and marked as a test;
 * each node's outcome and output appear on the canvas and in the node's panel.
 */
import { useEffect, useId, useMemo, useState } from 'react';
import { testWorkflowId, type EventTypeInfo, type RunDetail, type Trigger } from '../../../../../shared/api';
import { call } from '../../../api/client';
import { hashWith } from '../../../api/nav';
import { useApi, useEvent } from '../../../api/hooks';
import { toApiError } from '../../../api/errors';
import { StatusBadge, parseJson, shortTime } from '../bits';
import { definitionOf } from './model';
import { SchemaForm, type FormIssue } from './ParamForm';
import type { JsonSchema } from './paramSchema';
import { useEditor, useEditorStore } from './store';

/** The shape of a run's input for a trigger (what the test form asks for), or null for free JSON. */
export function inputSchemaOf(t: Trigger, events: readonly EventTypeInfo[]): JsonSchema | null {
  switch (t.type) {
    case 'event':
      return (events.find((e) => e.type === t.event)?.schema as JsonSchema | undefined) ?? null;
    case 'webhook':
      return {
        type: 'object',
        properties: { body: {}, query: { type: 'object', additionalProperties: { type: 'string' } }, headers: { type: 'object', additionalProperties: { type: 'string' } } },
        required: ['body'],
      };
    case 'schedule':
      return { type: 'object', properties: { fireAt: { type: 'string' }, late: { type: 'boolean', default: false } }, required: ['fireAt'] };
    default:
      return null;
  }
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Keep the test run's detail fresh until it ends (its run.updated events, and a slow poll as a safety net). */
export function useFollowTestRun() {
  const store = useEditorStore();
  const test = useEditor((s) => s.test);
  const runId = test?.runId;
  const done = test?.detail ? FINAL.has(test.detail.status) : false;
  const refresh = useMemo(
    () => () => {
      const t = store.getState().test;
      if (!t) return;
      void call('runs.get', { id: t.runId }).then((detail) => {
        const cur = store.getState().test;
        if (cur && cur.runId === detail.id) store.getState().setTest({ ...cur, detail });
      });
    },
    [store],
  );
  useEvent('run.updated', (p) => {
    if (p.id === runId) refresh();
  });
  useEffect(() => {
    if (!runId || done) return;
    refresh();
    const t = setInterval(refresh, 1000);
    return () => clearInterval(t);
  }, [runId, done, refresh]);
}

export function TestRunCard({ workflowId }: { workflowId: string }) {
  const store = useEditorStore();
  const trigger = useEditor((s) => s.history.present.trigger);
  const events = useEditor((s) => s.events);
  const selection = useEditor((s) => s.selection);
  const nodes = useEditor((s) => s.history.present.nodes);
  const test = useEditor((s) => s.test);
  const pinned = useEditor((s) => s.pinned);
  const selectedNode = selection.kind === 'nodes' && selection.ids.length === 1 ? selection.ids[0]! : null;
  const [mode, setMode] = useState<'whole' | 'from'>('whole');
  const [from, setFrom] = useState<string>('');
  const fromId = mode === 'from' ? from || selectedNode || '' : '';
  useEffect(() => {
    if (selectedNode) setFrom(selectedNode);
  }, [selectedNode]);
  const schema = mode === 'whole' ? inputSchemaOf(trigger, events) : null;
  const [asJson, setAsJson] = useState(false);
  const [jsonText, setJsonText] = useState('{}');
  const [jsonProblem, setJsonProblem] = useState<string | null>(null);
  const [failure, setFailure] = useState<{ message: string; issues: FormIssue[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { mode: useId(), from: useId(), json: useId(), past: useId() };
  const value = pinned && typeof pinned === 'object' && !Array.isArray(pinned) ? (pinned as Record<string, unknown>) : {};
  const useForm = schema !== null && !asJson;

  const past = useApi('runs.list', { workflow: workflowId || '-', limit: 10 });
  const pastTests = useApi('runs.list', { workflow: testWorkflowId(workflowId || '-'), limit: 5 });
  const runs = [...(pastTests.data?.runs ?? []), ...(past.data?.runs ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  const setPinned = (v: unknown) => {
    store.getState().setPinned(v);
    setJsonText(JSON.stringify(v ?? {}, null, 2));
  };

  const copyFrom = async (runId: string) => {
    const r: RunDetail = await call('runs.get', { id: runId });
    const step = fromId ? r.steps.find((s) => s.nodeId === fromId) : undefined;
    setPinned(fromId ? (step?.input ?? r.input) : r.input);
  };

  const start = async () => {
    setFailure(null);
    let input: unknown = pinned ?? {};
    if (!useForm) {
      const p = parseJson(jsonText || '{}');
      if ('error' in p) {
        setJsonProblem(`Not valid JSON: ${p.error}`);
        return;
      }
      input = p.value;
      store.getState().setPinned(input);
    }
    setBusy(true);
    try {
      const definition = definitionOf(store.getState().history.present);
      const r = await call('workflows.testRun', { definition, input, ...(fromId ? { from: fromId } : {}) });
      store.getState().setTest({ runId: r.runId, workflowId: r.workflowId, from: fromId || null, nodes: r.nodes, detail: null });
      store.getState().notify('info', `Test run ${r.runId} started${fromId ? ` from ${fromId}` : ''}.`);
    } catch (e) {
      const err = toApiError(e);
      setFailure({ message: err.message, issues: err.issues ?? [] });
    } finally {
      setBusy(false);
    }
  };

  const d = test?.detail;
  return (
    <section className="card ed-test" aria-labelledby="ed-test-title" data-testid="test-run">
      <div className="card-head">
        <h2 id="ed-test-title">Test run</h2>
      </div>
      <p className="muted small">
        A test run really runs the steps (e-mails, HTTP calls and escalations happen), without saving the workflow. It is marked as a test: it does not count in the dashboard or in this workflow’s figures.
      </p>
      <div className="ed-test-grid">
        <fieldset className="ed-radio-group">
          <legend>Run</legend>
          <label className="ed-radio">
            <input type="radio" name={ids.mode} checked={mode === 'whole'} onChange={() => setMode('whole')} />
            <span>The whole workflow</span>
          </label>
          <label className="ed-radio">
            <input type="radio" name={ids.mode} checked={mode === 'from'} onChange={() => setMode('from')} />
            <span>From one step on</span>
          </label>
          {mode === 'from' ? (
            <div className="pf-field">
              <label htmlFor={ids.from}>Start at</label>
              <select id={ids.from} value={fromId} onChange={(e) => setFrom(e.target.value)}>
                <option value="">— choose a step —</option>
                {nodes.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.id} ({n.type})
                  </option>
                ))}
              </select>
              <p className="hint">That step gets the input below as its input (and as the run’s input); the steps before it do not run.</p>
            </div>
          ) : null}
        </fieldset>
        <div className="ed-test-input">
          <div className="ed-test-input-head">
            <h3>{mode === 'whole' ? (schema ? 'Test input (the trigger’s data)' : 'Test input (JSON)') : `Input of ${fromId || 'the step'} (JSON)`}</h3>
            {schema ? (
              <button type="button" className="btn btn-quiet" aria-pressed={asJson} onClick={() => (setAsJson((v) => !v), setJsonText(JSON.stringify(pinned ?? {}, null, 2)))}>
                {asJson ? 'Use the form' : 'Edit as JSON'}
              </button>
            ) : null}
          </div>
          {useForm ? (
            <SchemaForm expressions={false} schema={schema} spec={{ raw: [], deferred: [], opaque: [] }} value={value} onChange={(v) => setPinned(v)} issues={[]} scope={{}} idPrefix="test-in" />
          ) : (
            <>
              <label htmlFor={ids.json} className="sr-only">
                Test input as JSON
              </label>
              <textarea
                id={ids.json}
                className="code-input code-input-small"
                rows={6}
                spellCheck={false}
                value={jsonText}
                aria-invalid={jsonProblem ? true : undefined}
                onChange={(e) => {
                  setJsonText(e.target.value);
                  setJsonProblem(null);
                  const p = parseJson(e.target.value || '{}');
                  if (!('error' in p)) store.getState().setPinned(p.value);
                }}
              />
              {jsonProblem ? <p className="field-error">{jsonProblem}</p> : null}
            </>
          )}
          {runs.length ? (
            <div className="pf-field">
              <label htmlFor={ids.past}>Copy the input of a past run</label>
              <select
                id={ids.past}
                value=""
                onChange={(e) => {
                  if (e.target.value) void copyFrom(e.target.value);
                }}
              >
                <option value="">— choose a run —</option>
                {runs.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.id} · {r.trigger.type === 'test' ? 'test · ' : ''}
                    {r.status} · {shortTime(r.createdAt)}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
        </div>
      </div>
      <div className="form-actions">
        <button type="button" className="btn btn-primary" onClick={() => void start()} disabled={busy || (mode === 'from' && !fromId)}>
          {busy ? 'Starting…' : mode === 'from' && fromId ? `Test from ${fromId}` : 'Start test run'}
        </button>
      </div>
      {failure ? (
        <div className="error-panel" role="alert" data-testid="test-run-error">
          <div>
            <strong>Nothing was run.</strong>
            <p>{failure.issues.length ? 'The workflow has problems; they are shown on their nodes.' : failure.message}</p>
          </div>
        </div>
      ) : null}
      {test ? (
        <div className="ed-test-result" role="status" data-testid="test-run-result" data-status={d?.status ?? 'starting'}>
          {d ? <StatusBadge status={d.status} /> : <span className="muted">starting…</span>} Test run{' '}
          <a href={hashWith('runs', { run: test.runId })}>
            <code>{test.runId}</code>
          </a>
          {test.from ? ` from ${test.from}` : ''}
          {d ? ` · ${stepCounts(d)}${d.error ? ` · ${d.error.message}` : ''}` : ''}. Each step’s result is on its node.
        </div>
      ) : null}
    </section>
  );
}

/** "3 succeeded, 1 skipped" */
function stepCounts(d: RunDetail): string {
  const by = new Map<string, number>();
  for (const s of d.steps) by.set(s.status, (by.get(s.status) ?? 0) + 1);
  return [...by.entries()].map(([status, n]) => `${n} ${status}`).join(', ') || 'no step yet';
}
