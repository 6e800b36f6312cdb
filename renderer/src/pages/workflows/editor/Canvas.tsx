/**
 * The editing canvas (@xyflow/react v12): the trigger on top, one box per node
 * with a handle per branch (and "error"), drag to move, drag from a handle to a
 * node to connect, drop a node type from the palette. Every connection goes
 * through `canConnect` (shared/graph.ts): a refused one is not drawn and the
 * rule is said on the canvas. Keyboard: Tab to a node, Space selects, arrow keys
 * move it (Shift: further), Enter edits it in the panel, Delete removes,
 * Escape deselects.
 */
import '@xyflow/react/dist/style.css';
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStoreApi,
  type Connection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type Node,
  type NodeChange,
  type NodeProps,
  type OnDelete,
} from '@xyflow/react';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { StepStatus } from '../../../../../shared/api';
import { canConnect } from '../../../../../shared/graph';
import { addNode, connect, edgeKey, entryIds, moveNodes, NODE_H, NODE_W, placeIssues, removeEdges, removeNodes, TRIGGER_ID, triggerPosition, type DraftNode } from './model';
import { branchesOf, useEditor, useEditorStore } from './store';
import { triggerLabel } from './triggerText';

export const DRAG_TYPE = 'application/x-baton-node-type';

interface StepData extends Record<string, unknown> {
  node: DraftNode;
  /** An edge leaves on the error branch. */
  errorEdge: boolean;
  typeLabel: string;
  unknownType: boolean;
  branches: string[] | null;
  problems: string[];
  step: { status: StepStatus; summary: string } | null;
}
interface TriggerData extends Record<string, unknown> {
  label: string;
  detail: string;
  problems: string[];
}
type StepNode = Node<StepData, 'step'>;
type TriggerNode = Node<TriggerData, 'trigger'>;
type AnyNode = StepNode | TriggerNode;

const TRIGGER_H = 70;
const STATUS_ICON: Record<StepStatus, string> = { ready: '…', running: '▶', waiting: '‖', succeeded: '✓', failed: '✕', skipped: '↷', cancelled: '⊘' };

/** Handle ids are the branch names; "out" is the edge without a branch. */
const OUT = 'out';
const handleOf = (branch: string | undefined) => branch ?? OUT;
const branchOf = (handle: string | null | undefined) => (!handle || handle === OUT ? undefined : handle);

const StepNodeView = memo(function StepNodeView({ data, selected }: NodeProps<StepNode>) {
  const outs = data.branches === null || data.branches.length === 0 ? [OUT] : data.branches;
  // The error branch's handle shows on the selected node, or where an error edge leaves (fewer handles: a
  // 200-node canvas stays fluid); the panel's Connections connect it too.
  const handles = selected || data.errorEdge ? [...outs, 'error'] : outs;
  return (
    <div
      className={`ed-node${data.problems.length ? ' ed-node-bad' : ''}${selected ? ' ed-node-selected' : ''}${data.step ? ` ed-step-${data.step.status}` : ''}`}
      data-testid={`node-${data.node.id}`}
      data-problems={data.problems.length}
      data-status={data.step?.status}
    >
      <Handle type="target" position={Position.Top} id="in" className="ed-handle ed-handle-in" />
      <div className="ed-node-head">
        <span className="ed-node-title">{data.node.name ?? data.node.id}</span>
        {data.step ? (
          <span className={`st-badge st-${data.step.status}`} title={`Test run: ${data.step.status}`}>
            <span aria-hidden="true">{STATUS_ICON[data.step.status]}</span> {data.step.status}
          </span>
        ) : null}
      </div>
      <div className="ed-node-type">
        <code>{data.node.type}</code>
        {data.node.name ? <span className="muted"> · {data.node.id}</span> : null}
      </div>
      {data.problems.length ? (
        <div className="ed-node-problem" title={data.problems.join('\n')}>
          <span aria-hidden="true">⚠</span> {data.problems[0]}
          {data.problems.length > 1 ? ` (+${data.problems.length - 1})` : ''}
        </div>
      ) : data.step ? (
        <div className="ed-node-output" title={data.step.summary}>
          {data.step.summary}
        </div>
      ) : null}
      <div className="ed-branches" aria-hidden="true">
        {handles.map((h) => (
          <span key={h} className={`ed-branch${h === 'error' ? ' ed-branch-error' : ''}`}>
            {h === OUT ? '' : h}
          </span>
        ))}
      </div>
      {handles.map((h, i) => (
        <Handle
          key={h}
          type="source"
          position={Position.Bottom}
          id={h}
          className={`ed-handle${h === 'error' ? ' ed-handle-error' : ''}`}
          style={{ left: `${((i + 0.5) / handles.length) * 100}%` }}
          title={h === OUT ? 'Next step' : `Branch ${h}`}
        />
      ))}
    </div>
  );
});

const TriggerNodeView = memo(function TriggerNodeView({ data, selected }: NodeProps<TriggerNode>) {
  return (
    <div className={`ed-node ed-trigger${data.problems.length ? ' ed-node-bad' : ''}${selected ? ' ed-node-selected' : ''}`} data-testid="node-trigger">
      <div className="ed-node-head">
        <span className="ed-node-title">
          <span aria-hidden="true">⚡ </span>
          {data.label}
        </span>
      </div>
      <div className="ed-node-type">{data.detail}</div>
      {data.problems.length ? (
        <div className="ed-node-problem">
          <span aria-hidden="true">⚠</span> {data.problems[0]}
        </div>
      ) : null}
      <Handle type="source" position={Position.Bottom} id={OUT} isConnectable={false} className="ed-handle" />
    </div>
  );
});

const nodeTypes = { step: StepNodeView, trigger: TriggerNodeView };

function summary(v: unknown): string {
  if (v === undefined || v === null) return '—';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

interface Built {
  nodes: AnyNode[];
  edges: Edge[];
}

/** Canvas nodes from the draft, reusing the objects of nodes that did not change (a drag re-renders one node). */
/** `drag`: positions of nodes being dragged (kept out of React state: a drag step must not re-render the editor). */
function useCanvasElements(drag: { current: Map<string, { x: number; y: number }> }): Built {
  const draft = useEditor((s) => s.history.present);
  const selection = useEditor((s) => s.selection);
  const issues = useEditor((s) => s.issues);
  const catalog = useEditor((s) => s.catalog);
  const dyn = useEditor((s) => s.dynBranches);
  const test = useEditor((s) => s.test);
  const events = useEditor((s) => s.events);
  const cache = useRef(new Map<string, { deps: unknown[]; node: AnyNode; handles: string }>());
  const edgeCacheRef = useRef(new Map<string, { deps: unknown[]; edge: Edge }>());
  const lastEdges = useRef<Edge[]>([]);

  const placed = useMemo(() => placeIssues(draft, issues), [draft, issues]);
  const steps = useMemo(() => new Map((test?.detail?.steps ?? []).map((s) => [s.nodeId, s])), [test]);

  return useMemo(() => {
    const selected = new Set(selection.kind === 'nodes' ? selection.ids : selection.kind === 'trigger' ? [TRIGGER_ID] : []);
    /**
     * The node object of `id`: the previous one while `deps` are the same. A rebuilt node keeps its size
     * (`measured`, fixed by the CSS) unless its handles changed: without it React Flow would measure the
     * node again on every change, i.e. on every step of a drag.
     */
    const reuse = <N extends AnyNode>(id: string, deps: unknown[], handles: string, size: { width: number; height: number }, make: () => N): N => {
      const hit = cache.current.get(id);
      if (hit && hit.deps.length === deps.length && hit.deps.every((d, i) => d === deps[i])) return hit.node as N;
      const node = make();
      if (hit && hit.handles === handles) node.measured = size;
      cache.current.set(id, { deps, node, handles });
      return node;
    };
    const out: AnyNode[] = [];
    const errorSources = new Set(draft.edges.filter((e) => e.branch === 'error').map((e) => e.from));
    const tPos = triggerPosition(draft);
    const tProblems = placed.trigger.map((i) => i.message);
    const tLabel = triggerLabel(draft.trigger, events);
    out.push(
      reuse(TRIGGER_ID, [tPos.x, tPos.y, tLabel.title, tLabel.detail, tProblems.join('\n'), selected.has(TRIGGER_ID)], 'trigger', { width: NODE_W, height: TRIGGER_H }, () => ({
        id: TRIGGER_ID,
        type: 'trigger',
        position: tPos,
        data: { label: tLabel.title, detail: tLabel.detail, problems: tProblems },
        width: NODE_W,
        height: TRIGGER_H,
        draggable: false,
        deletable: false,
        connectable: false,
        selected: selected.has(TRIGGER_ID),
        ariaLabel: `Trigger: ${tLabel.title}, ${tLabel.detail}${tProblems.length ? `, ${tProblems.length} problem${tProblems.length === 1 ? '' : 's'}` : ''}`,
      })),
    );
    for (const n of draft.nodes) {
      const info = catalog.get(n.type);
      const branches = info ? (info.branches ?? dyn[n.id] ?? null) : null;
      const problems = (placed.byNode.get(n.id) ?? []).map((i) => i.message);
      const s = steps.get(n.id);
      const step = s ? { status: s.status, summary: s.error ? s.error.message : summary(s.output) } : null;
      const pos = drag.current.get(n.id) ?? n.position;
      const isSel = selected.has(n.id);
      const errorEdge = errorSources.has(n.id);
      out.push(
        reuse(n.id, [n, pos.x, pos.y, info, branches, problems.join('\n'), step?.status, step?.summary, isSel, errorEdge], `${branches?.join(',') ?? ''}${isSel || errorEdge ? '+error' : ''}`, { width: NODE_W, height: NODE_H }, () => ({
          id: n.id,
          type: 'step',
          position: pos,
          data: { node: n, typeLabel: n.type, unknownType: !info, branches, problems, step, errorEdge },
          width: NODE_W,
          height: NODE_H,
          selected: isSel,
          ariaLabel: `Node ${n.name ? `${n.name} (${n.id})` : n.id}, ${n.type}${problems.length ? `, ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems[0]}` : ''}${step ? `, test run ${step.status}` : ''}`,
        })),
      );
    }
    for (const id of cache.current.keys()) if (id !== TRIGGER_ID && !draft.nodes.some((n) => n.id === id)) cache.current.delete(id);
    const selEdge = selection.kind === 'edge' ? selection.key : null;
    // Edges keep their objects while unchanged: React Flow then redraws only those whose nodes move.
    const edgeCache = edgeCacheRef.current;
    const liveEdges = new Set<string>();
    const keep = (key: string, deps: unknown[], make: () => Edge): Edge => {
      liveEdges.add(key);
      const hit = edgeCache.get(key);
      if (hit && hit.deps.length === deps.length && hit.deps.every((d, i) => d === deps[i])) return hit.edge;
      const edge = make();
      edgeCache.set(key, { deps, edge });
      return edge;
    };
    const edges: Edge[] = [
      ...entryIds(draft).map((id) =>
        keep(`trigger->${id}`, [], () => ({
          id: `trigger->${id}`,
          source: TRIGGER_ID,
          sourceHandle: OUT,
          target: id,
          targetHandle: 'in',
          type: 'smoothstep',
          className: 'ed-edge-trigger',
          selectable: false,
          deletable: false,
          focusable: false,
        })),
      ),
      ...draft.edges.map((e) => {
        const key = edgeKey(e);
        return keep(key, [e, key === selEdge], () => ({
          id: key,
          source: e.from,
          sourceHandle: handleOf(e.branch),
          target: e.to,
          targetHandle: 'in',
          type: 'smoothstep',
          ...(e.branch ? { label: e.branch } : {}),
          className: e.branch === 'error' ? 'ed-edge-error' : undefined,
          markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
          selected: key === selEdge,
          ariaLabel: `Connection from ${e.from}${e.branch ? ` (${e.branch})` : ''} to ${e.to}`,
        }));
      }),
    ];
    for (const k of edgeCache.keys()) if (!liveEdges.has(k)) edgeCache.delete(k);
    // The same edges keep the same array: React Flow rebuilds its connection lookup for a new one.
    const prev = lastEdges.current;
    const sameEdges = prev.length === edges.length && prev.every((e, i) => e === edges[i]);
    if (!sameEdges) lastEdges.current = edges;
    return { nodes: out, edges: sameEdges ? prev : edges };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- drag is a ref: read when something else changes
  }, [draft, selection, catalog, dyn, placed, steps, events]);
}

function CanvasInner() {
  const store = useEditorStore();
  const rf = useReactFlow();
  const drag = useRef(new Map<string, { x: number; y: number }>());
  const built = useCanvasElements(drag);
  const rfStore = useStoreApi<AnyNode, Edge>();
  const notice = useEditor((s) => s.notice);
  const empty = useEditor((s) => s.history.present.nodes.length === 0);
  const wrapper = useRef<HTMLDivElement>(null);

  const get = store.getState;
  const branches = useCallback((id: string) => branchesOf(get(), id), [get]);

  const onNodesChange = useCallback(
    (changes: NodeChange<AnyNode>[]) => {
      const s = get();
      const moves: { id: string; position: { x: number; y: number } }[] = [];
      const dragging: { id: string; position: { x: number; y: number } }[] = [];
      let sel: string[] | null = null;
      for (const c of changes) {
        if (c.type === 'position' && c.position && c.id !== TRIGGER_ID) (c.dragging ? dragging : moves).push({ id: c.id, position: c.position });
        if (c.type === 'select') {
          const current: string[] = sel ?? (s.selection.kind === 'nodes' ? [...s.selection.ids] : s.selection.kind === 'trigger' ? [TRIGGER_ID] : []);
          sel = c.selected ? [...new Set([...current, c.id])] : current.filter((x: string) => x !== c.id);
        }
      }
      if (dragging.length) {
        // A drag step goes to React Flow's store only (what an uncontrolled flow does); the draft gets the
        // position when the drag ends. The node keeps its measured size, so it is not measured again.
        for (const d of dragging) drag.current.set(d.id, d.position);
        const st = rfStore.getState();
        const moved = new Map(dragging.map((d) => [d.id, d.position]));
        st.setNodes(
          st.nodes.map((n) => {
            const p = moved.get(n.id);
            if (!p) return n;
            const measured = n.measured?.width !== undefined ? n.measured : st.nodeLookup.get(n.id)?.measured;
            return { ...n, position: p, dragging: true, ...(measured ? { measured } : {}) } as AnyNode;
          }),
        );
      }
      if (moves.length) {
        for (const m of moves) drag.current.delete(m.id);
        s.commit(moveNodes(s.history.present, moves), `move:${moves.map((m) => m.id).join(',')}`);
      }
      if (sel !== null) {
        if (sel.includes(TRIGGER_ID) && sel.length === 1) s.select({ kind: 'trigger' });
        else {
          const ids = sel.filter((x) => x !== TRIGGER_ID);
          s.select(ids.length ? { kind: 'nodes', ids } : s.selection.kind === 'edge' ? s.selection : { kind: 'none' });
        }
      }
    },
    [get, rfStore],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const s = get();
      for (const c of changes) {
        if (c.type !== 'select') continue;
        if (c.selected) s.select({ kind: 'edge', key: c.id });
        else if (s.selection.kind === 'edge' && s.selection.key === c.id) s.select({ kind: 'none' });
      }
    },
    [get],
  );

  const onDelete: OnDelete<AnyNode, Edge> = useCallback(
    ({ nodes, edges }) => {
      const s = get();
      const ids = nodes.map((n) => n.id).filter((id) => id !== TRIGGER_ID);
      let d = removeNodes(s.history.present, ids);
      d = removeEdges(
        d,
        edges.map((e) => e.id),
      );
      if (d !== s.history.present) {
        s.commit(d);
        s.select({ kind: 'none' });
        s.notify('info', ids.length ? `Removed ${ids.join(', ')}. Undo with Ctrl+Z.` : 'Removed the connection. Undo with Ctrl+Z.');
      }
    },
    [get],
  );

  const isValidConnection = useCallback(
    (c: Connection | Edge) => {
      if (c.source === TRIGGER_ID || c.target === TRIGGER_ID) return false;
      return canConnect(get().history.present, { from: c.source, to: c.target, branch: branchOf(c.sourceHandle) }, branches).ok;
    },
    [get, branches],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const s = get();
      const r = connect(s.history.present, { from: c.source, to: c.target, ...(branchOf(c.sourceHandle) ? { branch: branchOf(c.sourceHandle) as string } : {}) }, branches);
      if (r.result.ok) {
        s.commit(r.draft);
        s.notify('ok', `Connected ${c.source}${branchOf(c.sourceHandle) ? ` (${branchOf(c.sourceHandle)})` : ''} to ${c.target}.`);
      } else s.notify('error', `Not connected: ${r.result.message}`);
    },
    [get, branches],
  );

  // A drop on a node that isValidConnection refused: say which rule.
  const onConnectEnd = useCallback(
    (_e: MouseEvent | TouchEvent, st: FinalConnectionState) => {
      if (st.isValid !== false || !st.fromNode || !st.toNode) return;
      const from = st.fromNode.id;
      const to = st.toNode.id;
      if (from === TRIGGER_ID || to === TRIGGER_ID) {
        get().notify('error', 'Not connected: the trigger starts every node without an incoming connection; connect nodes to each other.');
        return;
      }
      const r = canConnect(get().history.present, { from, to, branch: branchOf(st.fromHandle?.id) }, branches);
      if (!r.ok) get().notify('error', `Not connected: ${r.message}`);
    },
    [get, branches],
  );

  const onDragOver = useCallback((e: React.DragEvent) => {
    if (e.dataTransfer.types.includes(DRAG_TYPE)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);
  const onDrop = useCallback(
    (e: React.DragEvent) => {
      const type = e.dataTransfer.getData(DRAG_TYPE);
      if (!type) return;
      e.preventDefault();
      const s = get();
      const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const r = addNode(s.history.present, type, s.catalog.get(type), { x: p.x - NODE_W / 2, y: p.y - NODE_H / 2 });
      s.commit(r.draft);
      s.select({ kind: 'nodes', ids: [r.id] });
      s.notify('ok', `Added ${r.id} (${type}).`);
    },
    [get, rf],
  );

  // Enter on a focused node opens its panel (the panel takes focus); React Flow selects it.
  const onKeyDownCapture = useCallback(
    (e: React.KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (e.key !== 'Enter' || !el.classList.contains('react-flow__node')) return;
      const id = el.getAttribute('data-id');
      if (!id) return;
      e.preventDefault();
      e.stopPropagation();
      get().select(id === TRIGGER_ID ? { kind: 'trigger' } : { kind: 'nodes', ids: [id] }, true);
    },
    [get],
  );

  // A node added from the palette is brought into view.
  const count = built.nodes.length;
  const prevCount = useRef(count);
  useEffect(() => {
    if (count > prevCount.current) {
      const sel = get().selection;
      const n = sel.kind === 'nodes' && sel.ids.length === 1 ? rf.getNode(sel.ids[0] as string) : undefined;
      const el = wrapper.current;
      if (n && el) {
        const vp = rf.getViewport();
        const sx = n.position.x * vp.zoom + vp.x;
        const sy = n.position.y * vp.zoom + vp.y;
        const out = sx < 0 || sy < 0 || sx + NODE_W * vp.zoom > el.clientWidth || sy + NODE_H * vp.zoom > el.clientHeight;
        if (out) requestAnimationFrame(() => void rf.fitView({ padding: 0.2, maxZoom: 1, duration: 0 }));
      }
    }
    prevCount.current = count;
  }, [count, get, rf]);

  // The canvas resized by more than a tenth (a window resized, a phone turned): fit the workflow again.
  useEffect(() => {
    const el = wrapper.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    let last = { w: el.clientWidth, h: el.clientHeight };
    const ro = new ResizeObserver(() => {
      const now = { w: el.clientWidth, h: el.clientHeight };
      const changed = (a: number, b: number) => b > 0 && Math.abs(a - b) / b > 0.1;
      if (changed(now.w, last.w) || changed(now.h, last.h)) void rf.fitView({ padding: 0.2, maxZoom: 1, duration: 0 });
      last = now;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [rf]);

  // Notices fade after a while; a refusal stays until the next change.
  const draft = useEditor((s) => s.history.present);
  const [shownNotice, setShownNotice] = useState<number | null>(null);
  useEffect(() => {
    if (!notice) return;
    setShownNotice(notice.n);
    if (notice.kind === 'error') return;
    const t = setTimeout(() => setShownNotice((n) => (n === notice.n ? null : n)), 5000);
    return () => clearTimeout(t);
  }, [notice]);
  const lastDraft = useRef(draft);
  useEffect(() => {
    if (lastDraft.current !== draft && notice?.kind === 'error') setShownNotice(null);
    lastDraft.current = draft;
  }, [draft, notice]);

  return (
    <div className="ed-canvas" ref={wrapper} onKeyDownCapture={onKeyDownCapture} data-testid="editor-canvas">
      <ReactFlow<AnyNode, Edge>
        nodes={built.nodes}
        edges={built.edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onDelete={onDelete}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onDragOver={onDragOver}
        onDrop={onDrop}
        onPaneClick={() => get().select({ kind: 'none' })}
        deleteKeyCode={['Delete', 'Backspace']}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        minZoom={0.1}
        maxZoom={1.5}
        zoomOnDoubleClick={false}
        // No auto-pan while a node is dragged near the edge: on a 200-node workflow each auto-pan frame is a pan
        // and a node update, each notifying React Flow's ~1,350 store subscribers (docs/bench.md). Pan by dragging
        // the background or scrolling; Fit view brings everything back.
        autoPanOnNodeDrag={false}
        proOptions={{ hideAttribution: true }}
        colorMode="system"
        ariaLabelConfig={{ 'node.a11yDescription.default': 'Press Enter to edit the node, Space to select it, then the arrow keys move it; Delete removes it.' }}
      >
        <Background gap={18} size={1} />
        <Controls showInteractive={false} />
      </ReactFlow>
      {empty ? (
        <div className="ed-canvas-empty" aria-hidden="true">
          <p>Drag a node type here from the list, or pick one and press Add.</p>
        </div>
      ) : null}
      <div className="ed-notice-wrap" aria-live="polite">
        {notice && shownNotice === notice.n ? (
          <p key={notice.n} className={`ed-notice ed-notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="canvas-notice">
            {notice.text}
          </p>
        ) : null}
      </div>
    </div>
  );
}

export function Canvas() {
  return (
    <ReactFlowProvider>
      <CanvasInner />
    </ReactFlowProvider>
  );
}
