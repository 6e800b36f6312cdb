/** The workflow's graph, read-only (@xyflow/react), each node with its step counts. */
import '@xyflow/react/dist/style.css';
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { useMemo } from 'react';
import type { NodeStats } from '../../../../shared/api';
import { layeredLayout } from '../../api/graphLayout';

export interface GraphNode {
  id: string;
  type: string;
  name?: string | undefined;
}
export interface GraphEdge {
  from: string;
  to: string;
  branch?: string | undefined;
}

/** In a version diff: what happened to the node, and which fields changed. */
export interface NodeMark {
  status: 'added' | 'removed' | 'changed' | 'moved' | 'same';
  fields: string[];
}
type StepData = { node: GraphNode; stats: NodeStats | undefined; entry: boolean; mark: NodeMark | undefined };
type StepNode = Node<StepData, 'step'>;

const W = 200;
const H = 86;

export const EMPTY_STATS: NodeStats = { succeeded: 0, failed: 0, waiting: 0, skipped: 0, cancelled: 0, active: 0 };

function StepNodeView({ data }: NodeProps<StepNode>) {
  const s = data.stats ?? EMPTY_STATS;
  const m = data.mark;
  const label = m
    ? `${data.node.name ?? data.node.id} (${data.node.type}): ${m.status}${m.fields.length ? ` (${m.fields.join(', ')})` : ''}`
    : `${data.node.name ?? data.node.id} (${data.node.type}): ${s.succeeded} succeeded, ${s.failed} failed, ${s.waiting} waiting, ${s.skipped} skipped`;
  return (
    <div
      className={`wf-node${s.failed > 0 && !m ? ' wf-node-failed' : ''}${m ? ` wf-diff-${m.status}` : ''}`}
      data-change={m?.status}
      data-testid={`graph-node-${data.node.id}`}
      data-succeeded={s.succeeded}
      data-failed={s.failed}
      data-waiting={s.waiting}
      data-skipped={s.skipped}
      title={label}
    >
      {data.entry ? null : <Handle type="target" position={Position.Top} isConnectable={false} />}
      <div className="wf-node-title">{data.node.name ?? data.node.id}</div>
      <div className="wf-node-type">
        <code>{data.node.type}</code>
        {data.node.name ? <span className="muted"> · {data.node.id}</span> : null}
      </div>
      {m ? (
        <div className="wf-node-counts">
          <span className={`wf-diff-tag wf-diff-tag-${m.status}`}>{m.status}</span>
          {m.fields.length ? <span className="muted small wf-diff-fields">{m.fields.join(', ')}</span> : null}
        </div>
      ) : (
      <div className="wf-node-counts">
        <span className="c-ok" title="succeeded">✓ {s.succeeded}</span>
        <span className={s.failed ? 'c-fail' : 'c-zero'} title="failed">✕ {s.failed}</span>
        {s.waiting ? <span className="c-wait" title="waiting">‖ {s.waiting}</span> : null}
        {s.skipped ? <span className="c-skip" title="skipped">↷ {s.skipped}</span> : null}
        {s.active ? <span className="c-wait" title="running">▶ {s.active}</span> : null}
      </div>
      )}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}

const nodeTypes = { step: StepNodeView };

export function WorkflowGraph({
  nodes,
  edges,
  stats,
  label,
  marks,
  edgeMarks,
  testId = 'workflow-graph',
}: {
  nodes: GraphNode[];
  edges: GraphEdge[];
  stats: Record<string, NodeStats> | undefined;
  label: string;
  /** A version diff: each node's change (instead of its counts), each edge's by `from->to#branch`. */
  marks?: Record<string, NodeMark>;
  edgeMarks?: Record<string, 'added' | 'removed' | 'same'>;
  testId?: string;
}) {
  const { rfNodes, rfEdges } = useMemo(() => {
    const placed = layeredLayout(
      nodes.map((n) => n.id),
      edges,
      { width: W, height: H, gapX: 48, gapY: 64 },
    );
    const targets = new Set(edges.map((e) => e.to));
    const rfNodes: StepNode[] = nodes.map((n) => {
      const p = placed.get(n.id);
      return {
        id: n.id,
        type: 'step',
        position: { x: p?.x ?? 0, y: p?.y ?? 0 },
        data: { node: n, stats: stats?.[n.id], entry: !targets.has(n.id), mark: marks?.[n.id] },
        width: W,
        height: H,
        draggable: false,
        connectable: false,
        selectable: false,
      };
    });
    const rfEdges: Edge[] = edges.map((e, i) => ({
      id: `e${i}-${e.from}-${e.to}-${e.branch ?? ''}`,
      source: e.from,
      target: e.to,
      type: 'smoothstep',
      ...(e.branch ? { label: e.branch } : {}),
      className: [e.branch === 'error' ? 'wf-edge-error' : '', edgeMarks?.[`${e.from}->${e.to}#${e.branch ?? ''}`] ? `wf-edge-${edgeMarks[`${e.from}->${e.to}#${e.branch ?? ''}`]}` : ''].filter(Boolean).join(' ') || undefined,
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
      focusable: false,
    }));
    return { rfNodes, rfEdges };
  }, [nodes, edges, stats, marks, edgeMarks]);

  return (
    <div className="wf-graph" role="group" aria-label={label} data-testid={testId}>
      <ReactFlow
        nodes={rfNodes}
        edges={rfEdges}
        nodeTypes={nodeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        nodesFocusable={false}
        edgesFocusable={false}
        elementsSelectable={false}
        zoomOnScroll={false}
        preventScrolling={false}
        zoomOnDoubleClick={false}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
        minZoom={0.2}
        maxZoom={1.5}
      >
        <Background gap={18} size={1} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
