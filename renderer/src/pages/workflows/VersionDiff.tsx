/** Two versions of a workflow side by side: the graph with each node's and edge's change, and the JSON as a line diff. */
import { useMemo, useState } from 'react';
import { diffDefinitions, jsonDiffLines } from './diff';
import { WorkflowGraph, type GraphEdge, type GraphNode, type NodeMark } from './WorkflowGraph';

type Obj = Record<string, unknown>;
const nodesOf = (d: unknown): GraphNode[] =>
  ((d as Obj | null)?.nodes as Obj[] | undefined)?.filter((n) => n && typeof n.id === 'string').map((n) => ({ id: String(n.id), type: String(n.type), name: typeof n.name === 'string' ? n.name : undefined })) ?? [];
const edgesOf = (d: unknown): GraphEdge[] =>
  ((d as Obj | null)?.edges as Obj[] | undefined)?.map((e) => ({ from: String(e.from), to: String(e.to), branch: typeof e.branch === 'string' ? e.branch : undefined })) ?? [];

export function VersionDiff({ older, newer, olderLabel, newerLabel }: { older: unknown; newer: unknown; olderLabel: string; newerLabel: string }) {
  const [view, setView] = useState<'graph' | 'json'>('graph');
  const diff = useMemo(() => diffDefinitions(older, newer), [older, newer]);
  const lines = useMemo(() => (view === 'json' ? jsonDiffLines(older, newer) : []), [older, newer, view]);
  // The graph of both: the newer one plus what the older one had and lost.
  const { nodes, edges, marks, edgeMarks } = useMemo(() => {
    const n = nodesOf(newer);
    for (const o of nodesOf(older)) if (!n.some((x) => x.id === o.id)) n.push(o);
    const e = [...edgesOf(newer), ...diff.edges.filter((x) => x.status === 'removed').map((x) => ({ from: x.from, to: x.to, branch: x.branch }))];
    const marks: Record<string, NodeMark> = Object.fromEntries(diff.nodes.map((d) => [d.id, { status: d.status, fields: d.fields }]));
    const edgeMarks = Object.fromEntries(diff.edges.map((x) => [`${x.from}->${x.to}#${x.branch ?? ''}`, x.status]));
    return { nodes: n, edges: e, marks, edgeMarks };
  }, [older, newer, diff]);
  const count = (s: string) => diff.nodes.filter((n) => n.status === s).length;
  const summary = [
    count('added') && `${count('added')} step${count('added') === 1 ? '' : 's'} added`,
    count('removed') && `${count('removed')} removed`,
    count('changed') && `${count('changed')} changed`,
    count('moved') && `${count('moved')} moved`,
    diff.edges.filter((e) => e.status !== 'same').length && `${diff.edges.filter((e) => e.status !== 'same').length} connection change${diff.edges.filter((e) => e.status !== 'same').length === 1 ? '' : 's'}`,
    diff.trigger && 'the trigger changed',
    diff.workflow.length && `${diff.workflow.join(', ')} changed`,
  ].filter(Boolean);
  return (
    <div className="wf-diff" data-testid="version-diff">
      <p role="status">
        From {olderLabel} to {newerLabel}: {diff.same && !summary.length ? 'no change.' : `${summary.join(', ')}.`}
      </p>
      <div className="wf-diff-tabs" role="group" aria-label="Show the change as">
        <button type="button" className="btn" aria-pressed={view === 'graph'} onClick={() => setView('graph')}>
          Graph
        </button>
        <button type="button" className="btn" aria-pressed={view === 'json'} onClick={() => setView('json')}>
          JSON
        </button>
      </div>
      {view === 'graph' ? (
        <WorkflowGraph nodes={nodes} edges={edges} stats={undefined} marks={marks} edgeMarks={edgeMarks} testId="diff-graph" label={`Changes from ${olderLabel} to ${newerLabel}: ${summary.join(', ') || 'none'}`} />
      ) : (
        <pre className="wf-diff-json" tabIndex={0} aria-label={`JSON changes from ${olderLabel} to ${newerLabel}`} data-testid="diff-json">
          {lines.map((l, i) => (
            <span key={i} className={`dl dl-${l.kind}`}>
              <span className="dl-sign" aria-hidden="true">
                {l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : ' '}
              </span>
              {l.kind === 'add' ? <span className="sr-only">added: </span> : l.kind === 'del' ? <span className="sr-only">removed: </span> : null}
              {l.kind === 'fold' ? `… ${l.text} …` : l.text}
              {'\n'}
            </span>
          ))}
        </pre>
      )}
    </div>
  );
}
