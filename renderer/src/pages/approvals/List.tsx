/** The Approvals list's parts: a row, its status badge, the shortcuts legend. */
import { memo } from 'react';
import type { Approval } from '../../../../shared/api';
import { age, deliveryLabel, formatConfidence, PRIORITY_LABEL, STATUS_LABEL, timeLeft } from './model';
export function Shortcuts() {
  return (
    <aside className="ap-keys" aria-label="Keyboard shortcuts" data-testid="shortcuts">
      <span className="ap-keys-title">Keys:</span>
      <span>
        <kbd>j</kbd>/<kbd>k</kbd> next/previous
      </span>
      <span>
        <kbd>a</kbd> approve
      </span>
      <span>
        <kbd>r</kbd> reject
      </span>
      <span>
        <kbd>e</kbd> edit
      </span>
      <span>
        <kbd>x</kbd> select
      </span>
      <span>
        <kbd>Esc</kbd> cancel
      </span>
    </aside>
  );
}

function StatusBadge({ a, busy, queued }: { a: Approval; busy?: 'approve' | 'reject' | undefined; queued: boolean }) {
  if (queued) return <span className="ap-pill ap-tone-warn">saved — sends when connected</span>;
  if (busy) return <span className="ap-pill ap-tone-neutral">{busy === 'approve' ? 'approving…' : 'rejecting…'}</span>;
  if (a.status === 'pending') return null;
  const d = deliveryLabel(a);
  return (
    <span className={`ap-pill ${d && (d.tone === 'warn' || d.tone === 'danger') ? `ap-tone-${d.tone}` : `ap-status-${a.status}`}`}>
      {STATUS_LABEL[a.status]}
      {d ? ` · ${d.text}` : ''}
    </span>
  );
}

export const Row = memo(function Row(props: {
  a: Approval;
  top: number;
  now: number;
  active: boolean;
  selected: boolean;
  busy?: 'approve' | 'reject' | undefined;
  queued: boolean;
  onOpen: (id: string) => void;
  onToggle: (id: string) => void;
}) {
  const { a, now } = props;
  const left = a.status === 'pending' ? timeLeft(a.expiresAt, now) : null;
  return (
    <li className={`ap-row${props.active ? ' is-active' : ''}${a.status !== 'pending' || props.queued ? ' is-done' : ''}`} style={{ transform: `translateY(${props.top}px)` }} data-testid="approval-row" data-id={a.id} data-status={a.status}>
      <input type="checkbox" className="ap-row-check" checked={props.selected} disabled={a.status !== 'pending'} onChange={() => props.onToggle(a.id)} aria-label={`Select “${a.title}”`} />
      <button type="button" className="ap-row-main" aria-current={props.active ? 'true' : undefined} onClick={() => props.onOpen(a.id)}>
        <span className="ap-row-top">
          <span className={`ap-pri ap-pri-${a.priority}`} title={`${PRIORITY_LABEL[a.priority]} priority`}>
            <span className="sr-only">{PRIORITY_LABEL[a.priority]} priority</span>
          </span>
          <span className="ap-row-title">{a.title}</span>
          {a.confidence !== null ? <span className="ap-conf" title="AI confidence">{formatConfidence(a.confidence)}</span> : null}
        </span>
        {a.status === 'pending' && !props.queued && !props.busy ? (
          <span className="ap-row-meta">
            {a.priority === 'high' ? <span className="ap-pill ap-tone-danger">High</span> : null}
            <span className="ap-row-wf">{a.workflowName}</span>
            <span>{age(a.createdAt, now)}</span>
            {left ? <span className={left.urgent ? 'ap-urgent' : undefined}>{left.label}</span> : null}
          </span>
        ) : (
          <span className="ap-row-meta">
            <StatusBadge a={a} busy={props.busy} queued={props.queued} />
          </span>
        )}
      </button>
    </li>
  );
});
