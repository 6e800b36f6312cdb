/**
 * Approvals inbox: every decision the workflows wait for. A virtualized list
 * (10 000+ rows) with filters, a detail pane that renders the draft as its
 * recipient would see it, approve / reject with a reason / edit then approve,
 * bulk approve, keyboard shortcuts, and decisions saved locally while Baton is
 * unreachable. The parts: Filters, Notices, ListPane, Detail; the logic in
 * model.ts and the hooks (useActiveRow, useDecisions, useLiveUpdates, useShortcuts).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useConnection } from '../../api/hooks';
import { ErrorPanel, Loading, PageHeader } from '../../components/ui';
import { announce, moveIndex, toggled, viewOf, type Mode } from './model';
import { useDecisionQueue } from './queue';
import { Detail } from './Detail';
import { Filters, type FilterState } from './Filters';
import { Shortcuts } from './List';
import { ListPane } from './ListPane';
import { Notices } from './Notices';
import { startQueueSync } from './sync';
import { useActiveRow } from './useActiveRow';
import { useApprovalList } from './useApprovalList';
import { useDecisions } from './useDecisions';
import { useLiveUpdates } from './useLiveUpdates';
import { useShortcuts } from './useShortcuts';
import './approvals.css';

startQueueSync();

/** Re-renders every 30 s, so ages and time left stay current. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function Approvals() {
  const [filters, setFilters] = useState<FilterState>({ status: 'pending', workflow: '', priority: 'any', sort: 'newest', q: '' });
  const onFilters = useCallback((patch: Partial<FilterState>) => setFilters((f) => ({ ...f, ...patch })), []);
  const { status, workflow, priority, q, sort } = filters;
  const list = useApprovalList(status, workflow);
  const rows = useMemo(() => viewOf(list.items, { priority, q, sort }), [list.items, priority, q, sort]);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [mode, setMode] = useState<Mode>({ kind: 'view' });
  const now = useNow();
  const queue = useDecisionQueue((s) => s.items);
  const queuedIds = useMemo(() => new Set(queue.map((d) => d.id)), [queue]);
  const connected = useConnection((s) => s.state) === 'connected';
  const { activeId, setActiveId, activeIndex, active, narrow, showDetail, openRow, backToList } = useActiveRow(rows);
  const toView = useCallback(() => setMode({ kind: 'view' }), []);
  const d = useDecisions({ rows, queuedIds, connected, upsert: list.upsert, setActiveId, onDecide: toView });
  useLiveUpdates(list, d.setNote);

  const toggle = useCallback((id: string) => setSelected((s) => toggled(s, id)), []);
  const move = (delta: number) => {
    const i = moveIndex(activeIndex, delta, rows.length);
    if (i >= 0) setActiveId(rows[i]!.id);
  };
  const canAct = d.canAct(active);
  useShortcuts(
    { mode, hasActive: !!active, canAct },
    {
      next: () => move(1),
      previous: () => move(-1),
      approve: () => void (active && d.decide(active, 'approve')),
      reject: () => setMode({ kind: 'reject' }),
      edit: () => setMode({ kind: 'edit' }),
      toggle: () => active && toggle(active.id),
      cancel: toView,
    },
  );
  useEffect(() => setMode({ kind: 'view' }), [activeId]);

  return (
    <div className={`ap-page${narrow ? (showDetail ? ' ap-show-detail' : ' ap-show-list') : ''}`}>
      <PageHeader
        title="Approvals"
        intro="Decisions your workflows wait for: drafts to review, offers to send, replies to approve."
        actions={
          <span className="badge badge-neutral" data-testid="pending-count" aria-live="polite">
            {list.pending === null ? '…' : `${list.pending} pending in all workflows`}
          </span>
        }
      />
      <Filters value={filters} onChange={onFilters} />
      <Shortcuts />
      <p className="sr-only" aria-live="polite" data-testid="active-announce">
        {announce(active, activeIndex, rows.length)}
      </p>
      <Notices banner={d.banner} onDismiss={() => d.setBanner(null)} />
      {list.error && !list.items.length ? (
        <ErrorPanel what="Could not load the approvals" error={list.error} onRetry={list.reload} />
      ) : list.loading && !list.items.length ? (
        <Loading label="Loading approvals…" />
      ) : (
        <div className="ap-panes">
          <ListPane
            status={status}
            rows={rows}
            loaded={list.items.length}
            more={list.more}
            error={list.error}
            onRetry={list.reload}
            onHideDecided={list.hideDecided}
            activeId={activeId}
            activeIndex={activeIndex}
            now={now}
            busy={d.busy}
            queuedIds={queuedIds}
            selected={selected}
            setSelected={setSelected}
            onToggle={toggle}
            onOpen={openRow}
            onBulkApprove={() => void d.bulkApprove(selected, () => setSelected(new Set()))}
          />
          <section className="ap-detail-pane" aria-label="Selected approval">
            {active ? (
              <Detail
                key={active.id}
                a={active}
                onBack={showDetail ? backToList : undefined}
                now={now}
                mode={mode}
                setMode={setMode}
                busy={d.busy[active.id]}
                queued={queue.find((x) => x.id === active.id) ?? null}
                note={d.notes[active.id] ?? null}
                onApprove={(payload) => void d.decide(active, 'approve', payload === undefined ? {} : { payload })}
                onReject={(reason) => void d.decide(active, 'reject', { reason })}
              />
            ) : (
              <p className="muted ap-detail-empty">{rows.length ? 'Select an approval to see its draft.' : 'Nothing selected.'}</p>
            )}
          </section>
        </div>
      )}
    </div>
  );
}
