/**
 * The visual workflow editor (`#/workflows?wf=ID&edit=1`, a new one at
 * `#/workflows?new=1`): palette, canvas and panel, undo/redo, the validator's
 * problems on the nodes as you edit, save (a new version), enable, test runs,
 * JSON import/export, and a question before leaving with unsaved changes.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { EventTypeInfo, NodeTypeInfo } from '../../../../../shared/api';
import { call } from '../../../api/client';
import { toApiError } from '../../../api/errors';
import { useApi } from '../../../api/hooks';
import { setLeaveGuard, mayLeave } from '../../../api/leaveGuard';
import { useHashQuery } from '../../../components/hashQuery';
import { ErrorPanel, Loading, PageHeader } from '../../../components/ui';
import { downloadJson, parseJson } from '../bits';
import { Canvas } from './Canvas';
import { arrange, copyOfTemplate, definitionOf, draftFromDefinition, duplicateNode, emptyDraft, placeIssues, type Draft } from './model';
import { Palette } from './Palette';
import { SidePanel } from './SidePanel';
import { canRedo, canUndo } from './history';
import { createEditorStore, EditorContext, isDirty, useEditor, useEditorStore, type EditorStore } from './store';
import { TestRunCard, useFollowTestRun } from './TestRun';
import './editor.css';

export const LEAVE_MESSAGE = 'This workflow has unsaved changes. Leave without saving them?';

export function WorkflowEditor({ id, from = null }: { id: string | null; from?: string | null }) {
  const nodes = useApi('nodes.catalog', {});
  const events = useApi('events.catalog', {});
  const [store, setStore] = useState<EditorStore | null>(null);
  const [loadError, setLoadError] = useState<ReturnType<typeof toApiError> | null>(null);
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    if (!nodes.data || !events.data) return;
    // After the first save of a new workflow the address gets its id: the same editor goes on.
    if (store && id !== null && store.getState().stored && store.getState().baseline.id === id) return;
    let live = true;
    const make = (draft: Draft, saved: boolean, version: number | null, enabled: boolean | null) =>
      createEditorStore({ catalog: nodes.data!.nodes as NodeTypeInfo[], events: events.data!.events as EventTypeInfo[], draft, saved, version, enabled });
    if (id === null && from) {
      // Duplicate and edit: the template's workflow, not saved until the person saves it.
      setLoadError(null);
      Promise.all([call('templates.get', { id: from }), call('workflows.list', {})]).then(
        ([t, wfs]) => live && setStore(make(copyOfTemplate(t.definition, wfs.workflows.map((w) => w.id)), false, null, null)),
        (e: unknown) => live && setLoadError(toApiError(e)),
      );
      return () => {
        live = false;
      };
    }
    if (id === null) {
      setStore(make(emptyDraft(), false, null, null));
      return;
    }
    setLoadError(null);
    call('workflows.get', { id }).then(
      (w) => {
        if (!live) return;
        const s = make(draftFromDefinition(w.definition), true, w.workflow.version, w.workflow.enabled);
        setStore(s);
        // The last run's data feeds expression completions and previews.
        if (w.workflow.lastRun) void call('runs.get', { id: w.workflow.lastRun.id }).then((r) => s.getState().setLastRun(r), () => undefined);
      },
      (e: unknown) => live && setLoadError(toApiError(e)),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the store is replaced only when another workflow is opened
  }, [id, from, nodes.data, events.data, nonce]);

  const err = nodes.error ?? events.error ?? loadError;
  if (err && !store) {
    return (
      <>
        <PageHeader title={id ? `Edit ${id}` : 'New workflow'} />
        <ErrorPanel
          what={id ? `Could not open the workflow ${id}` : from && loadError ? `Could not open the template ${from}` : 'Could not load the node types'}
          error={err}
          onRetry={() => {
            nodes.reload();
            events.reload();
            setNonce((n) => n + 1);
          }}
        />
      </>
    );
  }
  if (!store) {
    return (
      <>
        <PageHeader title={id ? `Edit ${id}` : 'New workflow'} />
        <Loading label="Loading the editor…" />
      </>
    );
  }
  return (
    <EditorContext.Provider value={store}>
      <EditorView />
    </EditorContext.Provider>
  );
}

function EditorView() {
  const store = useEditorStore();
  const [query, setQuery] = useHashQuery('workflows');
  const draft = useEditor((s) => s.history.present);
  const baseline = useEditor((s) => s.baseline);
  const stored = useEditor((s) => s.stored);
  const history = useEditor((s) => s.history);
  const issues = useEditor((s) => s.issues);
  const enabled = useEditor((s) => s.enabled);
  const version = useEditor((s) => s.savedVersion);
  const dirty = useMemo(() => isDirty({ baseline, history }), [baseline, history]);
  const [saving, setSaving] = useState(false);
  const [showJson, setShowJson] = useState(false);
  useFollowTestRun();
  useValidation();
  useDynamicBranches();

  // Unsaved changes: ask before leaving (in-app navigation, closing the tab / window).
  useEffect(() => {
    if (!dirty) {
      setLeaveGuard(null);
      return;
    }
    setLeaveGuard({ message: LEAVE_MESSAGE, hash: window.location.hash });
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
    };
  }, [dirty]);
  useEffect(() => () => setLeaveGuard(null), []);

  const save = async () => {
    const s = store.getState();
    const d = s.history.present;
    const definition = definitionOf(d);
    setSaving(true);
    try {
      const v = await call('workflows.validate', { definition });
      s.setIssues(v.issues);
      if (!v.ok) {
        s.notify('error', `Not saved: ${v.issues.length} problem${v.issues.length === 1 ? '' : 's'} to fix (shown on the nodes and in the panel).`);
        s.select({ kind: 'none' });
        return;
      }
      const first = !s.stored;
      const r = await call('workflows.import', { definition, ...(first ? { enable: false } : {}) });
      s.markSaved(d, r.version, first ? false : undefined);
      s.notify('ok', r.changed ? `Saved as version ${r.version}.${first ? ' It is off until you enable it.' : ''}` : `No changes: still version ${r.version}.`);
      if (first) setQuery({ wf: r.id, edit: '1', new: null }, { replace: true });
    } catch (e) {
      const err = toApiError(e);
      s.setSaveError(err.message);
      s.notify('error', `Not saved: ${err.message}`);
    } finally {
      setSaving(false);
    }
  };

  const toggleEnabled = async () => {
    const s = store.getState();
    try {
      const r = await call(s.enabled ? 'workflows.disable' : 'workflows.enable', { id: s.baseline.id });
      s.setEnabled(r.enabled);
      s.notify('ok', r.enabled ? 'Enabled: its trigger starts runs.' : 'Disabled: its trigger no longer starts runs.');
    } catch (e) {
      s.notify('error', toApiError(e).message);
    }
  };

  // Shortcuts (not while typing in a field, except Ctrl+S).
  const saveRef = useRef(save);
  saveRef.current = save;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (!mod) return;
      const k = e.key.toLowerCase();
      if (k === 's') {
        e.preventDefault();
        void saveRef.current();
        return;
      }
      const t = e.target as HTMLElement | null;
      if (t && (t.closest('input, textarea, select, [contenteditable="true"]') !== null)) return;
      const s = store.getState();
      if (k === 'z' && !e.shiftKey) {
        e.preventDefault();
        s.undo();
      } else if ((k === 'z' && e.shiftKey) || k === 'y') {
        e.preventDefault();
        s.redo();
      } else if (k === 'd' && s.selection.kind === 'nodes' && s.selection.ids.length === 1) {
        e.preventDefault();
        const r = duplicateNode(s.history.present, s.selection.ids[0]!);
        if (r) {
          s.commit(r.draft);
          s.select({ kind: 'nodes', ids: [r.id] });
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  const leave = () => {
    if (!mayLeave(null, (m) => window.confirm(m))) return;
    setLeaveGuard(null);
    setQuery(stored ? { wf: baseline.id, edit: null, new: null } : query.from ? { view: 'templates' } : { wf: null, edit: null, new: null });
  };

  const problemCount = issues.length;
  const placed = useMemo(() => placeIssues(draft, issues), [draft, issues]);
  const onCanvas = placed.byNode.size + (placed.trigger.length ? 1 : 0);
  const title = stored ? `Edit ${baseline.name || baseline.id}` : query.from ? `New workflow: ${baseline.name}` : 'New workflow';

  return (
    <div className="wf-editor">
      <a
        href={!stored && query.from ? '#/workflows?view=templates' : '#/workflows'}
        className="back-link"
        onClick={(e) => {
          e.preventDefault();
          leave();
        }}
      >
        ← {stored ? `Back to ${baseline.name || baseline.id}` : query.from ? 'Templates' : 'All workflows'}
      </a>
      <PageHeader title={title} intro="Add steps from the list, connect them on the canvas, and set each one in the panel. Test it with sample data, then save: each save is a new version." />
      <div className="ed-toolbar" role="toolbar" aria-label="Editor">
        <button type="button" className="btn" onClick={() => store.getState().undo()} disabled={!canUndo(history)} aria-keyshortcuts="Control+Z">
          Undo
        </button>
        <button type="button" className="btn" onClick={() => store.getState().redo()} disabled={!canRedo(history)} aria-keyshortcuts="Control+Shift+Z">
          Redo
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            const s = store.getState();
            s.commit(arrange(s.history.present));
            s.notify('info', 'Arranged the steps top to bottom.');
          }}
          disabled={draft.nodes.length === 0}
        >
          Arrange
        </button>
        <span className="ed-toolbar-gap" />
        <span className={`ed-state${dirty ? ' ed-state-dirty' : ''}`} data-testid="editor-state" role="status">
          {dirty ? 'Unsaved changes' : stored ? `Saved · version ${version ?? '?'}` : 'Not saved yet'}
          {problemCount ? (
            <span className="err-text" data-testid="editor-problems">
              {' '}
              · {problemCount} problem{problemCount === 1 ? '' : 's'}
              {onCanvas ? ` (${onCanvas} on the canvas)` : ''}
            </span>
          ) : null}
        </span>
        {stored && enabled !== null ? (
          <button type="button" role="switch" aria-checked={enabled} className="switch btn" onClick={() => void toggleEnabled()} aria-label={`${baseline.name || baseline.id} enabled`}>
            <span className="switch-track" aria-hidden="true">
              <span className="switch-thumb" />
            </span>
            <span className="switch-text">{enabled ? 'Enabled' : 'Disabled'}</span>
          </button>
        ) : null}
        <button type="button" className="btn" aria-expanded={showJson} aria-controls="ed-json" onClick={() => setShowJson((v) => !v)}>
          JSON
        </button>
        <button type="button" className="btn btn-primary" onClick={() => void save()} disabled={saving} aria-keyshortcuts="Control+S">
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
      {showJson ? <JsonCard onClose={() => setShowJson(false)} /> : null}
      <div className="ed-body">
        <Palette />
        <Canvas />
        <SidePanel />
      </div>
      <TestRunCard workflowId={draft.id} />
    </div>
  );
}

/** The workflow's problems from the validator (workflows.validate), a moment after each change. */
function useValidation() {
  const store = useEditorStore();
  const draft = useEditor((s) => s.history.present);
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      call('workflows.validate', { definition: definitionOf(draft) }).then(
        (v) => live && store.getState().setIssues(v.issues),
        () => undefined,
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [draft, store]);
}

/** Branches that the params decide (switch cases …), asked of the core when those params change. */
function useDynamicBranches() {
  const store = useEditorStore();
  const draft = useEditor((s) => s.history.present);
  const catalog = useEditor((s) => s.catalog);
  const asked = useRef(new Map<string, string>());
  useEffect(() => {
    const t = setTimeout(() => {
      for (const n of draft.nodes) {
        if (catalog.get(n.type)?.branches !== null) continue;
        const key = `${n.type}:${JSON.stringify(n.params)}`;
        if (asked.current.get(n.id) === key) continue;
        asked.current.set(n.id, key);
        call('nodes.branches', { type: n.type, params: n.params }).then(
          (r) => store.getState().setDynBranches(n.id, r.branches),
          () => undefined,
        );
      }
    }, 250);
    return () => clearTimeout(t);
  }, [draft, catalog, store]);
}

/** Power users: the definition as JSON, exported or replaced (checked like an import, undoable). */
function JsonCard({ onClose }: { onClose: () => void }) {
  const store = useEditorStore();
  const draft = useEditor((s) => s.history.present);
  const current = useMemo(() => JSON.stringify(definitionOf(draft), null, 2), [draft]);
  const [text, setText] = useState(current);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <section className="card" id="ed-json" aria-labelledby="ed-json-title">
      <div className="card-head">
        <h2 id="ed-json-title">Definition as JSON</h2>
        <div className="card-actions">
          <button type="button" className="btn" onClick={() => downloadJson(`${draft.id || 'workflow'}.json`, definitionOf(draft))}>
            Export JSON
          </button>
          <button type="button" className="btn btn-quiet" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      <label htmlFor="ed-json-text">The workflow (edit, then Apply; Undo takes it back)</label>
      <textarea
        id="ed-json-text"
        className="code-input"
        rows={14}
        spellCheck={false}
        value={text}
        aria-invalid={problem ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setProblem(null);
        }}
      />
      {problem ? <p className="field-error">{problem}</p> : null}
      <div className="form-actions">
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => {
            const p = parseJson(text);
            if ('error' in p) {
              setProblem(`This is not valid JSON: ${p.error}`);
              return;
            }
            const s = store.getState();
            const next = draftFromDefinition(p.value);
            // The id of a saved workflow stays (another id is another workflow: import it from the list).
            s.commit(s.stored ? { ...next, id: s.baseline.id } : next);
            s.notify('info', 'Applied the JSON; its problems, if any, show on the nodes.');
          }}
        >
          Apply
        </button>
        <button type="button" className="btn" onClick={() => setText(current)}>
          Reset to the canvas
        </button>
      </div>
    </section>
  );
}

