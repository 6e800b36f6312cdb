/**
 * One editor's state: the draft with its undo history (./history.ts over the
 * pure operations of ./model.ts), the saved baseline, the selection, the
 * validator's problems, the branches computed from params, the canvas notice
 * and the test run. A zustand store per open editor (a draft is not a copy of
 * server data: it is what the person is making), read with selectors so a
 * drag re-renders the canvas only.
 */
import { createContext, useContext } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';
import type { EventTypeInfo, NodeTypeInfo, RunDetail, ValidationIssue } from '../../../../../shared/api';
import { historyReducer, initHistory, type History } from './history';
import { sameDefinition, type Draft } from './model';

export type Selection = { kind: 'none' } | { kind: 'nodes'; ids: string[] } | { kind: 'trigger' } | { kind: 'edge'; key: string };

export interface Notice {
  kind: 'error' | 'info' | 'ok';
  text: string;
  /** Bumped on each notice so the same text is announced again. */
  n: number;
}

export interface TestRunState {
  runId: string;
  workflowId: string;
  from: string | null;
  nodes: string[];
  detail: RunDetail | null;
}

export interface EditorState {
  catalog: Map<string, NodeTypeInfo>;
  events: EventTypeInfo[];
  history: History<Draft>;
  /** What changes are measured against: the stored definition, or the empty start of a new workflow. */
  baseline: Draft;
  /** The workflow exists in the store (saved at least once), and its version. */
  stored: boolean;
  savedVersion: number | null;
  enabled: boolean | null;
  selection: Selection;
  /** The panel was opened with Enter / a click (focus goes into it). */
  panelFocus: number;
  issues: ValidationIssue[];
  /** Problems not from the validator (the save's own refusal, e.g. a taken webhook slug). */
  saveError: string | null;
  dynBranches: Record<string, string[] | null>;
  notice: Notice | null;
  test: TestRunState | null;
  /** The pinned test input (what the last test run was started with, or typed). */
  pinned: unknown;
  /** The last run of the saved workflow: sample data for expressions until a test run gives fresher data. */
  lastRun: RunDetail | null;
  commit(next: Draft, group?: string): void;
  undo(): void;
  redo(): void;
  /** A new baseline: loaded or saved. */
  markSaved(d: Draft, version: number | null, enabled?: boolean | null): void;
  select(s: Selection, openPanel?: boolean): void;
  setIssues(issues: ValidationIssue[]): void;
  setSaveError(message: string | null): void;
  setDynBranches(id: string, branches: string[] | null): void;
  notify(kind: Notice['kind'], text: string): void;
  setTest(t: TestRunState | null): void;
  setPinned(v: unknown): void;
  setEnabled(v: boolean): void;
  setLastRun(r: RunDetail | null): void;
}

export type EditorStore = StoreApi<EditorState>;

export function createEditorStore(o: { catalog: NodeTypeInfo[]; events: EventTypeInfo[]; draft: Draft; saved: boolean; version: number | null; enabled: boolean | null }): EditorStore {
  let n = 0;
  return createStore<EditorState>((set, get) => ({
    catalog: new Map(o.catalog.map((c) => [c.type, c])),
    events: o.events,
    history: initHistory(o.draft),
    baseline: o.draft,
    stored: o.saved,
    savedVersion: o.version,
    enabled: o.enabled,
    selection: { kind: 'none' },
    panelFocus: 0,
    issues: [],
    saveError: null,
    dynBranches: {},
    notice: null,
    test: null,
    pinned: undefined,
    lastRun: null,
    commit: (next, group) => set((s) => ({ history: historyReducer(s.history, { type: 'commit', next, ...(group !== undefined ? { group } : {}) }), saveError: null })),
    undo: () => {
      const before = get().history;
      const history = historyReducer(before, { type: 'undo' });
      if (history !== before) set({ history, selection: keepSelection(get().selection, history.present) });
    },
    redo: () => {
      const before = get().history;
      const history = historyReducer(before, { type: 'redo' });
      if (history !== before) set({ history, selection: keepSelection(get().selection, history.present) });
    },
    markSaved: (d, version, enabled) => set((s) => ({ baseline: d, stored: true, savedVersion: version, ...(enabled !== undefined ? { enabled } : {}), history: s.history.present === d ? s.history : historyReducer(s.history, { type: 'commit', next: d }) })),
    select: (selection, openPanel) => set((s) => ({ selection, ...(openPanel ? { panelFocus: s.panelFocus + 1 } : {}) })),
    setIssues: (issues) => set({ issues }),
    setSaveError: (saveError) => set({ saveError }),
    setDynBranches: (id, branches) => set((s) => ({ dynBranches: { ...s.dynBranches, [id]: branches } })),
    notify: (kind, text) => set({ notice: { kind, text, n: ++n } }),
    setTest: (test) => set({ test }),
    setPinned: (pinned) => set({ pinned }),
    setEnabled: (enabled) => set({ enabled }),
    setLastRun: (lastRun) => set({ lastRun }),
  }));
}

/** A selection that still points at something after undo/redo. */
function keepSelection(s: Selection, d: Draft): Selection {
  if (s.kind === 'nodes') {
    const ids = s.ids.filter((id) => d.nodes.some((n) => n.id === id));
    return ids.length ? { kind: 'nodes', ids } : { kind: 'none' };
  }
  return s;
}

export const isDirty = (s: Pick<EditorState, 'baseline' | 'history'>): boolean => !sameDefinition(s.baseline, s.history.present);

export const EditorContext = createContext<EditorStore | null>(null);

export function useEditor<T>(select: (s: EditorState) => T): T {
  const store = useContext(EditorContext);
  if (!store) throw new Error('useEditor outside an editor');
  return useStore(store, select);
}

export function useEditorStore(): EditorStore {
  const store = useContext(EditorContext);
  if (!store) throw new Error('useEditorStore outside an editor');
  return store;
}

/** The branches of a node (besides "error"): static from the catalog, computed from params, or null while unknown. */
export function branchesOf(s: Pick<EditorState, 'catalog' | 'dynBranches' | 'history'>, id: string): string[] | null {
  const n = s.history.present.nodes.find((x) => x.id === id);
  const info = n ? s.catalog.get(n.type) : undefined;
  if (!n || !info) return null;
  if (info.branches !== null) return info.branches;
  return s.dynBranches[id] ?? null;
}
