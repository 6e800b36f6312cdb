/**
 * The panel beside the canvas: the selected node (id, name, its params as a
 * form generated from its schema, connections, its test-run data), the trigger,
 * a connection, or, with nothing selected, the workflow itself with every
 * problem. Escape closes it and gives the focus back to the canvas.
 */
import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { JsonBlock, StatusBadge } from '../bits';
import { scopeFor } from './completions';
import { connect, duplicateNode, edgeKey, nodeIdProblem, paramIssues, placeIssues, removeEdges, removeNodes, renameNode, setMeta, TRIGGER_ID, updateNode, upstreamOf, workflowIdFor, workflowIdProblem, type Draft } from './model';
import { SchemaForm } from './ParamForm';
import type { JsonSchema } from './paramSchema';
import { branchesOf, useEditor, useEditorStore } from './store';
import { TriggerPanel } from './TriggerPanel';

function focusCanvasNode(id: string | null) {
  const el = id ? document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`) : document.querySelector<HTMLElement>('.ed-canvas .react-flow__pane');
  el?.focus();
}

export function SidePanel() {
  const store = useEditorStore();
  const selection = useEditor((s) => s.selection);
  const panelFocus = useEditor((s) => s.panelFocus);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (panelFocus > 0) requestAnimationFrame(() => ref.current?.querySelector<HTMLElement>('h2')?.focus());
  }, [panelFocus]);
  const selectedId = selection.kind === 'nodes' && selection.ids.length === 1 ? selection.ids[0]! : selection.kind === 'trigger' ? TRIGGER_ID : null;
  let body: ReactNode;
  if (selection.kind === 'nodes' && selection.ids.length === 1) body = <NodePanel key={selection.ids[0]} id={selection.ids[0]!} />;
  else if (selection.kind === 'nodes') body = <ManyPanel ids={selection.ids} />;
  else if (selection.kind === 'trigger') body = <TriggerPanel />;
  else if (selection.kind === 'edge') body = <EdgePanel edgeId={selection.key} />;
  else body = <WorkflowPanel />;
  return (
    <aside
      className="ed-panel"
      ref={ref}
      aria-label="Details"
      data-testid="editor-panel"
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || e.defaultPrevented || selection.kind === 'none') return;
        e.preventDefault();
        store.getState().select({ kind: 'none' });
        focusCanvasNode(selectedId);
      }}
    >
      {body}
    </aside>
  );
}

function PanelTitle({ children, sub }: { children: ReactNode; sub?: ReactNode }) {
  return (
    <div className="ed-panel-head">
      <h2 tabIndex={-1}>{children}</h2>
      {sub ? <p className="muted small">{sub}</p> : null}
    </div>
  );
}

function Problems({ list, title = 'Problems' }: { list: { path: string; message: string }[]; title?: string }) {
  if (!list.length) return null;
  return (
    <div className="ed-problems" data-testid="panel-problems">
      <h3>
        {title} ({list.length})
      </h3>
      <ul>
        {list.map((i) => (
          <li key={i.path + i.message}>
            {i.message} <span className="muted small">({i.path})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A text field typed freely and committed on blur / Enter (an id: renaming on each key would be wrong halfway). */
function CommitField({ label, value, problem, onCommit, hint, readOnly, testId }: { label: string; value: string; problem: (v: string) => string | null; onCommit: (v: string) => void; hint?: string; readOnly?: boolean; testId?: string }) {
  const [text, setText] = useState(value);
  const id = useId();
  useEffect(() => setText(value), [value]);
  const bad = text === value ? null : problem(text);
  return (
    <div className="pf-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={text}
        readOnly={readOnly}
        data-testid={testId}
        aria-invalid={bad ? true : undefined}
        aria-describedby={`${id}-h`}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text !== value && !problem(text)) onCommit(text);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && text !== value && !problem(text)) onCommit(text);
        }}
      />
      <p id={`${id}-h`} className={bad ? 'field-error' : 'hint'}>
        {bad ?? hint ?? ''}
      </p>
    </div>
  );
}

function NodePanel({ id }: { id: string }) {
  const store = useEditorStore();
  const draft = useEditor((s) => s.history.present);
  const node = draft.nodes.find((n) => n.id === id);
  const info = useEditor((s) => (node ? s.catalog.get(node.type) : undefined));
  const issues = useEditor((s) => s.issues);
  const test = useEditor((s) => s.test);
  const lastRun = useEditor((s) => s.lastRun);
  const pinned = useEditor((s) => s.pinned);
  const branches = useEditor((s) => branchesOf(s, id));
  const upstream = useMemo(() => upstreamOf(draft, id), [draft, id]);
  const run = test?.detail && test.detail.steps.some((s) => s.nodeId === id) ? test.detail : (lastRun ?? test?.detail ?? null);
  const scope = useMemo(() => scopeFor(id, upstream, run, pinned), [id, upstream, run, pinned]);
  if (!node) return <PanelTitle>Node {id} is gone</PanelTitle>;
  const mine = placeIssues(draft, issues).byNode.get(id) ?? [];
  const pIssues = paramIssues(draft, id, issues);
  const index = draft.nodes.findIndex((n) => n.id === id);
  const other = mine.filter((i) => !i.path.startsWith(`nodes.${index}.params`) && !i.path.startsWith(`nodes.${index}.retry`) && !i.path.startsWith(`nodes.${index}.timeout`));
  const step = test?.detail?.steps.find((s) => s.nodeId === id);
  const commit = (d: Draft, group?: string) => store.getState().commit(d, group);

  return (
    <>
      <PanelTitle sub={info ? info.description : `Unknown node type "${node.type}": no domain declares it.`}>
        {node.name ?? node.id} <span className="muted small">({node.type})</span>
      </PanelTitle>
      <Problems list={other} title="Problems on this node" />
      <CommitField
        label="Id"
        value={node.id}
        hint="Used by expressions as steps.<id> and by the connections."
        problem={(v) => nodeIdProblem(draft, node.id, v)}
        onCommit={(v) => {
          const s = store.getState();
          s.commit(renameNode(s.history.present, node.id, v));
          s.select({ kind: 'nodes', ids: [v] });
        }}
      />
      <CommitField label="Name (optional)" value={node.name ?? ''} problem={() => null} onCommit={(v) => commit(updateNode(store.getState().history.present, id, { name: v }))} />
      <section className="pf-section" aria-label="Settings">
        <h3>Settings</h3>
        {info ? (
          <SchemaForm
            schema={info.schema as JsonSchema}
            spec={info.expressions}
            value={node.params}
            onChange={(params, path) => commit(updateNode(store.getState().history.present, id, { params }), `param:${id}:${path}`)}
            issues={pIssues}
            scope={scope}
            idPrefix={`p-${id}`}
          />
        ) : (
          <p className="field-error">No form: the node type is unknown. Change it in the JSON, or remove the node.</p>
        )}
        <p className="hint">
          Expressions read <code>input</code>, <code>prev</code>, <code>steps.&lt;id&gt;</code> and <code>run</code>
          {run ? ` (sample values from ${run === test?.detail ? 'the test run' : 'the last run'})` : ' (values appear after a run or a test run)'}.
        </p>
      </section>
      <Connections id={id} branches={branches} />
      {step ? (
        <section className="pf-section" aria-label="Test run of this node" data-testid="node-test-output">
          <h3>
            Test run <StatusBadge status={step.status} />
          </h3>
          {step.error ? <p className="field-error">{step.error.message}</p> : null}
          <JsonBlock label="Input" value={step.input} />
          <JsonBlock label="Output" value={step.output} open />
        </section>
      ) : null}
      <details className="pf-section">
        <summary>Retry and time limit</summary>
        <AdvancedFields id={id} />
      </details>
      <div className="ed-panel-actions">
        <button type="button" className="btn" aria-keyshortcuts="Control+D" onClick={() => {
          const s = store.getState();
          const r = duplicateNode(s.history.present, id);
          if (r) {
            s.commit(r.draft);
            s.select({ kind: 'nodes', ids: [r.id] });
            s.notify('ok', `Duplicated ${id} as ${r.id}.`);
          }
        }}>
          Duplicate
        </button>
        <button
          type="button"
          className="btn btn-danger"
          aria-keyshortcuts="Delete"
          onClick={() => {
            const s = store.getState();
            s.commit(removeNodes(s.history.present, [id]));
            s.select({ kind: 'none' });
            s.notify('info', `Removed ${id}. Undo with Ctrl+Z.`);
            focusCanvasNode(null);
          }}
        >
          Delete node
        </button>
      </div>
    </>
  );
}

function AdvancedFields({ id }: { id: string }) {
  const store = useEditorStore();
  const node = useEditor((s) => s.history.present.nodes.find((n) => n.id === id));
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      timeout: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$' }] },
      retry: {
        type: 'object',
        properties: {
          maxAttempts: { type: 'integer', minimum: 1, maximum: 50, default: 3 },
          initialDelay: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$' }], default: 1000 },
          maxDelay: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$' }], default: 300000 },
        },
      },
    },
  };
  const issues = useEditor((s) => s.issues);
  const draft = useEditor((s) => s.history.present);
  const index = draft.nodes.findIndex((n) => n.id === id);
  const mine = issues.filter((i) => i.path.startsWith(`nodes.${index}.retry`) || i.path.startsWith(`nodes.${index}.timeout`)).map((i) => ({ path: i.path.slice(`nodes.${index}.`.length), message: i.message }));
  if (!node) return null;
  return (
    <SchemaForm
      schema={schema}
      spec={{ raw: [], deferred: [], opaque: [] }}
      value={{ ...(node.timeout !== undefined ? { timeout: node.timeout } : {}), ...(node.retry !== undefined ? { retry: node.retry } : {}) }}
      onChange={(v, path) => store.getState().commit(updateNode(store.getState().history.present, id, { timeout: v.timeout, retry: v.retry }), `adv:${id}:${path}`)}
      issues={mine}
      scope={{}}
      idPrefix={`adv-${id}`}
    />
  );
}

function Connections({ id, branches }: { id: string; branches: string[] | null }) {
  const store = useEditorStore();
  const draft = useEditor((s) => s.history.present);
  const out = draft.edges.filter((e) => e.from === id);
  const incoming = draft.edges.filter((e) => e.to === id);
  const choices = [...(branches === null || branches.length === 0 ? [''] : branches), 'error'];
  // The next branch without a connection, until the person picks one.
  const [picked, setBranch] = useState<string | null>(null);
  const branch = picked !== null && choices.includes(picked) ? picked : (choices.find((b) => !out.some((e) => (e.branch ?? '') === b)) ?? choices[0] ?? '');
  const targets = draft.nodes.filter((n) => n.id !== id);
  const [to, setTo] = useState('');
  const ids = { branch: useId(), to: useId() };
  return (
    <section className="pf-section" aria-label="Connections">
      <h3>Connections</h3>
      {incoming.length === 0 ? <p className="muted small">Nothing leads here: the trigger starts this step.</p> : <p className="muted small">After {incoming.map((e) => `${e.from}${e.branch ? ` (${e.branch})` : ''}`).join(', ')}.</p>}
      {out.length ? (
        <ul className="ed-conn-list">
          {out.map((e) => (
            <li key={edgeKey(e)}>
              <span>
                {e.branch ? <span className={`ed-branch-tag${e.branch === 'error' ? ' err' : ''}`}>{e.branch}</span> : 'then'} → <code>{e.to}</code>
              </span>
              <button
                type="button"
                className="btn btn-quiet"
                aria-label={`Remove the connection ${e.branch ? `${e.branch} ` : ''}to ${e.to}`}
                onClick={() => {
                  const s = store.getState();
                  s.commit(removeEdges(s.history.present, [edgeKey(e)]));
                }}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">No next step yet.</p>
      )}
      <form
        className="ed-conn-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!to) return;
          const s = store.getState();
          const r = connect(s.history.present, { from: id, to, ...(branch ? { branch } : {}) }, (x) => branchesOf(s, x));
          if (r.result.ok) {
            s.commit(r.draft);
            s.notify('ok', `Connected ${id}${branch ? ` (${branch})` : ''} to ${to}.`);
            setTo('');
            setBranch(null);
          } else s.notify('error', `Not connected: ${r.result.message}`);
        }}
      >
        <div>
          <label htmlFor={ids.branch}>Branch</label>
          <select id={ids.branch} value={branch} onChange={(e) => setBranch(e.target.value)}>
            {choices.map((b) => (
              <option key={b} value={b}>
                {b === '' ? 'next (always)' : b}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.to}>Connect to</label>
          <select id={ids.to} value={to} onChange={(e) => setTo(e.target.value)}>
            <option value="">— choose a step —</option>
            {targets.map((n) => (
              <option key={n.id} value={n.id}>
                {n.id} ({n.type})
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn" disabled={!to}>
          Connect
        </button>
      </form>
    </section>
  );
}

function EdgePanel({ edgeId }: { edgeId: string }) {
  const store = useEditorStore();
  const e = useEditor((s) => s.history.present.edges.find((x) => edgeKey(x) === edgeId));
  if (!e) return <PanelTitle>Connection removed</PanelTitle>;
  return (
    <>
      <PanelTitle sub={e.branch === 'error' ? 'Taken when the step fails after its retries; the next step gets { error }.' : e.branch ? `Taken when ${e.from} ends on the branch “${e.branch}”.` : `Taken when ${e.from} succeeds.`}>
        {e.from}
        {e.branch ? ` (${e.branch})` : ''} → {e.to}
      </PanelTitle>
      <button
        type="button"
        className="btn btn-danger"
        onClick={() => {
          const s = store.getState();
          s.commit(removeEdges(s.history.present, [edgeId]));
          s.select({ kind: 'none' });
        }}
      >
        Remove connection
      </button>
    </>
  );
}

function ManyPanel({ ids }: { ids: string[] }) {
  const store = useEditorStore();
  return (
    <>
      <PanelTitle sub={ids.join(', ')}>{ids.length} nodes selected</PanelTitle>
      <button
        type="button"
        className="btn btn-danger"
        onClick={() => {
          const s = store.getState();
          s.commit(removeNodes(s.history.present, ids));
          s.select({ kind: 'none' });
        }}
      >
        Delete {ids.length} nodes
      </button>
    </>
  );
}

function WorkflowPanel() {
  const store = useEditorStore();
  const draft = useEditor((s) => s.history.present);
  const stored = useEditor((s) => s.stored);
  const issues = useEditor((s) => s.issues);
  const saveError = useEditor((s) => s.saveError);
  const placed = useMemo(() => placeIssues(draft, issues), [draft, issues]);
  const descId = useId();
  const commit = (d: Draft, group?: string) => store.getState().commit(d, group);
  const nameId = useId();
  return (
    <>
      <PanelTitle sub="Select a node, the trigger or a connection to edit it.">Workflow</PanelTitle>
      <div className="pf-field">
        <label htmlFor={nameId}>Name</label>
        <input
          id={nameId}
          type="text"
          value={draft.name}
          data-testid="wf-name-input"
          onChange={(e) => {
            const name = e.target.value;
            const d = store.getState().history.present;
            // Until the first save the id follows the name.
            const follow = !stored && (d.id === '' || d.id === workflowIdFor(d.name));
            commit(setMeta(d, { name, ...(follow ? { id: workflowIdFor(name) } : {}) }), 'meta:name');
          }}
        />
        {placed.workflow.filter((i) => i.path === 'name').map((i) => (
          <p key={i.message} className="field-error">
            {i.message}
          </p>
        ))}
      </div>
      <CommitField
        label="Id"
        value={draft.id}
        readOnly={stored}
        testId="wf-id-input"
        hint={stored ? 'Fixed once saved (runs and links use it).' : 'Lower-case letters, digits and -; follows the name until you change it.'}
        problem={workflowIdProblem}
        onCommit={(v) => commit(setMeta(store.getState().history.present, { id: v }))}
      />
      {placed.workflow.filter((i) => i.path === 'id').map((i) => (
        <p key={i.message} className="field-error">
          id: {i.message}
        </p>
      ))}
      <div className="pf-field">
        <label htmlFor={descId}>Description (optional)</label>
        <textarea id={descId} className="pf-textarea" rows={2} value={draft.description ?? ''} onChange={(e) => commit(setMeta(store.getState().history.present, { description: e.target.value }), 'meta:description')} />
      </div>
      {saveError ? (
        <p className="field-error" role="alert">
          {saveError}
        </p>
      ) : null}
      <Problems list={placed.workflow.filter((i) => i.path !== 'name' && i.path !== 'id')} title="Problems of the workflow" />
      <AllProblems />
      <details className="pf-section">
        <summary>Keyboard</summary>
        <ul className="small ed-keys">
          <li>Tab moves between the palette, the nodes and this panel; Space selects a node, arrow keys move it (Shift: further).</li>
          <li>Enter opens the focused node here; Escape closes this panel and returns to the node.</li>
          <li>Delete removes the selected node or connection; Ctrl+D duplicates the node.</li>
          <li>Ctrl+Z undo, Ctrl+Shift+Z or Ctrl+Y redo, Ctrl+S save.</li>
        </ul>
      </details>
    </>
  );
}

/** Every node's problems with a way to go there. */
function AllProblems() {
  const store = useEditorStore();
  const draft = useEditor((s) => s.history.present);
  const issues = useEditor((s) => s.issues);
  const placed = useMemo(() => placeIssues(draft, issues), [draft, issues]);
  const rows = [...placed.byNode.entries()];
  if (!rows.length && !placed.trigger.length) return null;
  return (
    <div className="ed-problems">
      <h3>Problems on the canvas</h3>
      <ul>
        {placed.trigger.length ? (
          <li>
            <button type="button" className="btn-link" onClick={() => store.getState().select({ kind: 'trigger' }, true)}>
              Trigger
            </button>
            : {placed.trigger.map((i) => i.message).join('; ')}
          </li>
        ) : null}
        {rows.map(([id, list]) => (
          <li key={id}>
            <button type="button" className="btn-link" onClick={() => store.getState().select({ kind: 'nodes', ids: [id] }, true)}>
              {id}
            </button>
            : {list.map((i) => i.message).join('; ')}
          </li>
        ))}
      </ul>
    </div>
  );
}
