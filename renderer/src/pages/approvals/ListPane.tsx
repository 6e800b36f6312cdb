/** The list pane: its heading, select all, the bulk bar and the virtualized rows (10 000+). */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { Approval, ApiError } from '../../../../shared/api';
import { ErrorPanel } from '../../components/ui';
import { emptyTitle, listTitle, selectionOf, type StatusFilter } from './model';
import { Row } from './List';
import type { Busy } from './useDecisions';

const ROW_HEIGHT = 72;

export function ListPane(p: {
  status: StatusFilter;
  rows: Approval[];
  loaded: number;
  more: boolean;
  error: ApiError | null;
  onRetry: () => void;
  onHideDecided: () => void;
  activeId: string | null;
  activeIndex: number;
  now: number;
  busy: Busy;
  queuedIds: ReadonlySet<string>;
  selected: ReadonlySet<string>;
  setSelected: (s: Set<string>) => void;
  onToggle: (id: string) => void;
  onOpen: (id: string) => void;
  onBulkApprove: () => void;
}) {
  const { status, rows, selected, queuedIds } = p;
  const { pendingShown, allSelected, selectedCount } = selectionOf(rows, selected, queuedIds);
  const listRef = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: rows.length, getScrollElement: () => listRef.current, estimateSize: () => ROW_HEIGHT, overscan: 6 });
  useEffect(() => {
    if (p.activeIndex >= 0) virt.scrollToIndex(p.activeIndex, { align: 'auto' });
  }, [p.activeIndex, virt]);

  return (
    <section className="ap-list-pane" aria-labelledby="ap-list-title">
      <div className="ap-list-head">
        <h2 id="ap-list-title">
          {listTitle(status, rows.length, pendingShown.length)}
          {status === 'pending' && rows.length > pendingShown.length ? <span className="muted"> · {rows.length - pendingShown.length} decided</span> : null}
          {p.more ? <span className="muted"> (loading more…)</span> : null}
        </h2>
        {status === 'pending' && rows.some((a) => a.status !== 'pending') ? (
          <button type="button" className="btn-link ap-hide" onClick={p.onHideDecided}>
            Hide decided
          </button>
        ) : null}
        <label className="ap-check">
          <input
            type="checkbox"
            checked={allSelected}
            disabled={!pendingShown.length}
            onChange={() => p.setSelected(allSelected ? new Set() : new Set(pendingShown.map((a) => a.id)))}
          />
          Select all
        </label>
      </div>
      {selectedCount ? (
        <div className="ap-bulk" data-testid="bulk-bar">
          <span>{selectedCount} selected</span>
          <button type="button" className="btn btn-primary" onClick={p.onBulkApprove}>
            Approve {selectedCount} selected
          </button>
          <button type="button" className="btn btn-quiet" onClick={() => p.setSelected(new Set())}>
            Clear
          </button>
        </div>
      ) : null}
      {p.error ? <ErrorPanel what="Could not load every approval" error={p.error} onRetry={p.onRetry} /> : null}
      {!rows.length ? (
        <div className="ap-empty" data-testid="empty">
          <p>
            <strong>{emptyTitle(status, p.loaded)}</strong>
          </p>
          <p className="muted">When a workflow reaches an approval step, it stops here until you approve, edit or reject it.</p>
        </div>
      ) : (
        <div className="ap-scroll" ref={listRef} data-testid="approval-list" tabIndex={-1}>
          <ul aria-label="Approvals" style={{ height: virt.getTotalSize() }}>
            {virt.getVirtualItems().map((v) => {
              const a = rows[v.index]!;
              return (
                <Row
                  key={a.id}
                  a={a}
                  top={v.start}
                  now={p.now}
                  active={a.id === p.activeId}
                  selected={selected.has(a.id)}
                  busy={p.busy[a.id]}
                  queued={queuedIds.has(a.id)}
                  onOpen={p.onOpen}
                  onToggle={p.onToggle}
                />
              );
            })}
          </ul>
        </div>
      )}
    </section>
  );
}
