/**
 * Approvals inbox: every decision the workflows wait for. A virtualized list
 * (10 000+ rows) with filters, a detail pane that renders the draft as its
 * recipient would see it, approve / reject with a reason / edit then approve,
 * bulk approve, keyboard shortcuts, and decisions saved locally while Baton is
 * unreachable.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useId, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Approval, ApprovalPriority } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { useApi, useConnection, useEvent } from '../../api/hooks';
import { useHashQuery } from '../../components/hashQuery';
import { ErrorPanel, Loading, PageHeader } from '../../components/ui';
import { nextPending, PRIORITY_LABEL, STATUS_LABEL, viewOf, type Mode, type Note, type SortKey } from './model';



import { enqueue, useDecisionQueue } from './queue';
import { Detail } from './Detail';
import { Row, Shortcuts } from './List';
import { useApprovalList, type StatusFilter } from './useApprovalList';
import { DECIDED_BY, flushNow, onQueueSent, startQueueSync } from './sync';
import './approvals.css';

startQueueSync();

const ROW_HEIGHT = 72;

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName === 'INPUT') return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes((el as HTMLInputElement).type);
  return false;
}


/** The width at which approvals.css stacks the panes: there the list and the detail take turns. */
const NARROW = '(max-width: 900px)';
function subscribeNarrow(onChange: () => void): () => void {
  const m = window.matchMedia(NARROW);
  m.addEventListener('change', onChange);
  return () => m.removeEventListener('change', onChange);
}
const useNarrow = () => useSyncExternalStore(subscribeNarrow, () => window.matchMedia(NARROW).matches);

export function Approvals() {
  const [status, setStatus] = useState<StatusFilter>('pending');
  const [workflow, setWorkflow] = useState('');
  const [priority, setPriority] = useState<ApprovalPriority | 'any'>('any');
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<SortKey>('newest');
  const list = useApprovalList(status, workflow);
  const workflows = useApi('workflows.list', {});
  useEvent('workflows.changed', () => workflows.reload());
  const rows = useMemo(() => viewOf(list.items, { priority, q, sort }), [list.items, priority, q, sort]);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [mode, setMode] = useState<Mode>({ kind: 'view' });
  const [busy, setBusy] = useState<Record<string, 'approve' | 'reject'>>({});
  const [notes, setNotes] = useState<Record<string, Note>>({});
  const [banner, setBanner] = useState<Note | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const queue = useDecisionQueue((s) => s.items);
  const queueNotes = useDecisionQueue((s) => s.notes);
  const queuedIds = useMemo(() => new Set(queue.map((d) => d.id)), [queue]);
  const conn = useConnection((s) => s.state);
  // The approval opened by address (#/approvals?id=…, a notification or a tap on a small screen).
  const [query, setQuery] = useHashQuery('approvals');
  const narrow = useNarrow();
  const pushedDetail = useRef(false);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);

  const activeIndex = useMemo(() => (activeId ? rows.findIndex((a) => a.id === activeId) : -1), [rows, activeId]);
  const active = activeIndex >= 0 ? rows[activeIndex]! : null;
  // Keep one row active: the one the address names, else the first one when nothing (or something filtered away) was.
  useEffect(() => {
    if (query.id && query.id !== activeId && rows.some((a) => a.id === query.id)) setActiveId(query.id);
    // Only when the address changes (or the named row arrives): later moves are the page's own.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query.id, rows.length]);
  useEffect(() => {
    if (activeIndex < 0 && rows.length) setActiveId(rows[0]!.id);
  }, [activeIndex, rows]);
  /** On a small screen the list and the detail take turns: the detail shows while the address names an approval. */
  const showDetail = narrow && !!query.id && !!active;
  // The detail that moved on (the next approval after a decision, j/k) keeps the address in step.
  useEffect(() => {
    if (showDetail && activeId && query.id !== activeId) setQuery({ id: activeId }, { replace: true });
  }, [showDetail, activeId, query.id, setQuery]);
  const openRow = useCallback(
    (id: string) => {
      setActiveId(id);
      if (window.matchMedia(NARROW).matches) {
        pushedDetail.current = true;
        setQuery({ id });
      }
    },
    [setQuery],
  );
  // A detail opened on a small screen starts at its top.
  useEffect(() => {
    if (showDetail) window.scrollTo(0, 0);
  }, [showDetail, activeId]);
  const backToList = useCallback(() => {
    // Opened from the list here: go back in history, so the phone's back gesture and this button agree.
    if (pushedDetail.current) {
      pushedDetail.current = false;
      window.history.back();
    } else setQuery({}, { replace: true });
  }, [setQuery]);

  // ---- live updates: batch the ids events name, then fetch them (or reload when many) ----
  const fetchIds = useRef<{ created: Set<string>; changed: Set<string>; timer: ReturnType<typeof setTimeout> | null }>({ created: new Set(), changed: new Set(), timer: null });
  const itemsRef = useRef(list.items);
  itemsRef.current = list.items;
  const { upsert, reload, setPending } = list;
  const schedule = useCallback(() => {
    const f = fetchIds.current;
    if (f.timer) return;
    f.timer = setTimeout(() => {
      f.timer = null;
      const created = [...f.created];
      const changed = [...f.changed];
      f.created.clear();
      f.changed.clear();
      if (created.length + changed.length > 200) {
        reload();
        return;
      }
      const get = (id: string) => call('approvals.get', { id }).catch(() => null);
      void Promise.all(created.map(get)).then((l) => upsert(l.filter((a): a is Approval => a !== null), 'created'));
      void Promise.all(changed.map(get)).then((l) => upsert(l.filter((a): a is Approval => a !== null), 'changed'));
    }, 250);
  }, [reload, upsert]);
  useEffect(() => () => void (fetchIds.current.timer && clearTimeout(fetchIds.current.timer)), []);
  useEvent('approval.created', (p) => {
    fetchIds.current.created.add(p.id);
    schedule();
  });
  useEvent('approval.decided', (p) => {
    fetchIds.current.changed.add(p.id);
    schedule();
  });
  useEvent('approvals.count', (p) => setPending(p.pending));
  useEvent('run.updated', (p) => {
    for (const a of itemsRef.current) if (a.runId === p.id && a.status !== 'pending' && a.delivery !== 'delivered' && a.delivery !== 'failed') fetchIds.current.changed.add(a.id);
    schedule();
  });
  // A delivery in progress may change without an event (a retry timer): look again every few seconds.
  useEffect(() => {
    const t = setInterval(() => {
      const open = itemsRef.current.filter((a) => a.status !== 'pending' && (a.delivery === 'running' || a.delivery === 'queued')).slice(0, 50);
      for (const a of open) fetchIds.current.changed.add(a.id);
      if (open.length) schedule();
    }, 3000);
    return () => clearInterval(t);
  }, [schedule]);
  useEffect(
    () =>
      onQueueSent((o) => {
        upsert([o.approval], 'mine');
        if (o.alreadyDecided) setNotes((n) => ({ ...n, [o.approval.id]: { id: o.approval.id, tone: 'warn', text: o.message } }));
      }),
    [upsert],
  );

  // ---- decisions ----
  const moveAfterDecision = useCallback(
    (id: string) => {
      const i = rows.findIndex((a) => a.id === id);
      const next = nextPending(rows, i, (a) => a.id === id || a.id in busy || queuedIds.has(a.id));
      if (next >= 0) setActiveId(rows[next]!.id);
    },
    [rows, busy, queuedIds],
  );

  const decide = useCallback(
    async (a: Approval, decision: 'approve' | 'reject', opts: { payload?: unknown; reason?: string } = {}) => {
      if (a.status !== 'pending' || busy[a.id] || queuedIds.has(a.id)) return;
      setMode({ kind: 'view' });
      moveAfterDecision(a.id);
      const local = () => {
        enqueue({ id: a.id, decision, title: a.title, ...(opts.payload !== undefined ? { payload: opts.payload } : {}), ...(opts.reason ? { reason: opts.reason } : {}) });
      };
      if (conn !== 'connected') {
        local();
        return;
      }
      setBusy((b) => ({ ...b, [a.id]: decision }));
      try {
        const r = await call('approvals.decide', { id: a.id, decision, by: DECIDED_BY, ...(opts.payload !== undefined ? { payload: opts.payload } : {}), ...(opts.reason ? { reason: opts.reason } : {}) });
        upsert([r.approval], 'mine');
        setNotes((n) => {
          const copy = { ...n };
          if (r.alreadyDecided) copy[a.id] = { id: a.id, tone: 'warn', text: r.message };
          else delete copy[a.id];
          return copy;
        });
      } catch (e) {
        const err = toApiError(e);
        if (err.code === 'unavailable') local();
        else setNotes((n) => ({ ...n, [a.id]: { id: a.id, tone: 'danger', text: `Not decided: ${err.message}` } }));
      } finally {
        setBusy((b) => {
          const copy = { ...b };
          delete copy[a.id];
          return copy;
        });
      }
    },
    [busy, queuedIds, conn, moveAfterDecision, upsert],
  );

  const bulkApprove = useCallback(async () => {
    const ids = rows.filter((a) => selected.has(a.id) && a.status === 'pending' && !queuedIds.has(a.id)).map((a) => a.id);
    if (!ids.length) return;
    setSelected(new Set());
    if (conn !== 'connected') {
      for (const id of ids) {
        const a = rows.find((x) => x.id === id)!;
        enqueue({ id, decision: 'approve', title: a.title });
      }
      setBanner({ id: 'bulk', tone: 'warn', text: `${ids.length} approval(s) saved on this device — they send when connected.` });
      return;
    }
    setBusy((b) => ({ ...b, ...Object.fromEntries(ids.map((id) => [id, 'approve' as const])) }));
    let done = 0;
    const already: string[] = [];
    try {
      for (let i = 0; i < ids.length; i += 1000) {
        const r = await call('approvals.decideMany', { ids: ids.slice(i, i + 1000), decision: 'approve', by: DECIDED_BY });
        upsert(r.results.flatMap((x) => (x.approval ? [x.approval] : [])), 'mine');
        done += r.decided;
        for (const x of r.results) if (!x.ok) already.push(x.message);
      }
      setBanner({ id: 'bulk', tone: already.length ? 'warn' : 'ok', text: `Approved ${done} of ${ids.length}.${already.length ? ` ${already.length} kept an earlier decision: ${already.slice(0, 3).join(' ')}` : ''}` });
    } catch (e) {
      setBanner({ id: 'bulk', tone: 'danger', text: `Bulk approve stopped after ${done}: ${toApiError(e).message}` });
    } finally {
      setBusy((b) => {
        const copy = { ...b };
        for (const id of ids) delete copy[id];
        return copy;
      });
    }
  }, [rows, selected, queuedIds, conn, upsert]);

  const toggle = useCallback((id: string) => {
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  }, []);

  // ---- keyboard ----
  const listRef = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: rows.length, getScrollElement: () => listRef.current, estimateSize: () => ROW_HEIGHT, overscan: 6 });
  useEffect(() => {
    if (activeIndex >= 0) virt.scrollToIndex(activeIndex, { align: 'auto' });
  }, [activeIndex, virt]);

  const canAct = (a: Approval | null): a is Approval => !!a && a.status === 'pending' && !busy[a.id] && !queuedIds.has(a.id);
  const keyRef = useRef<(e: KeyboardEvent) => void>(() => {});
  keyRef.current = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (isTyping(e.target)) return;
    if (mode.kind !== 'view' && e.key !== 'Escape') return;
    const move = (d: number) => {
      if (!rows.length) return;
      const i = Math.min(rows.length - 1, Math.max(0, (activeIndex < 0 ? 0 : activeIndex) + d));
      setActiveId(rows[i]!.id);
    };
    switch (e.key) {
      case 'j':
        move(1);
        break;
      case 'k':
        move(-1);
        break;
      case 'a':
        if (canAct(active)) void decide(active, 'approve');
        break;
      case 'r':
        if (canAct(active)) setMode({ kind: 'reject' });
        break;
      case 'e':
        if (canAct(active)) setMode({ kind: 'edit' });
        break;
      case 'x':
        if (active) toggle(active.id);
        break;
      case 'Escape':
        setMode({ kind: 'view' });
        break;
      default:
        return;
    }
    e.preventDefault();
  };
  useEffect(() => {
    const h = (e: KeyboardEvent) => keyRef.current(e);
    window.addEventListener('keydown', h);
    return () => window.removeEventListener('keydown', h);
  }, []);
  useEffect(() => setMode({ kind: 'view' }), [activeId]);

  const pendingShown = rows.filter((a) => a.status === 'pending' && !queuedIds.has(a.id));
  const allSelected = pendingShown.length > 0 && pendingShown.every((a) => selected.has(a.id));
  const selectedCount = rows.filter((a) => selected.has(a.id) && a.status === 'pending').length;
  const filterId = useId();

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
      <div className="ap-toolbar" role="search" aria-label="Filter approvals">
        <div>
          <label htmlFor={`${filterId}-status`}>Status</label>
          <select id={`${filterId}-status`} value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
            {(['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const).map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
            <option value="all">All</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${filterId}-wf`}>Workflow</label>
          <select id={`${filterId}-wf`} value={workflow} onChange={(e) => setWorkflow(e.target.value)}>
            <option value="">All workflows</option>
            {workflows.error ? (
              <option value="" disabled>
                (could not load the workflow names: {workflows.error.message})
              </option>
            ) : null}
            {(workflows.data?.workflows ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${filterId}-pri`}>Priority</label>
          <select id={`${filterId}-pri`} value={priority} onChange={(e) => setPriority(e.target.value as ApprovalPriority | 'any')}>
            <option value="any">Any</option>
            <option value="high">High</option>
            <option value="normal">Normal</option>
            <option value="low">Low</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${filterId}-sort`}>Sort</label>
          <select id={`${filterId}-sort`} value={sort} onChange={(e) => setSort(e.target.value as SortKey)}>
            <option value="newest">Newest first</option>
            <option value="oldest">Oldest first</option>
            <option value="expiry">Expires soonest</option>
            <option value="priority">Priority</option>
          </select>
        </div>
        <div className="ap-search">
          <label htmlFor={`${filterId}-q`}>Search</label>
          <input id={`${filterId}-q`} type="search" value={q} placeholder="Title or workflow" onChange={(e) => setQ(e.target.value)} />
        </div>
      </div>
      <Shortcuts />
      <p className="sr-only" aria-live="polite" data-testid="active-announce">
        {active ? `${active.title}, ${activeIndex + 1} of ${rows.length}, ${active.status === 'pending' ? `${PRIORITY_LABEL[active.priority]} priority` : STATUS_LABEL[active.status]}` : ''}
      </p>
      {queue.length ? (
        <div className="notice ap-queue" role="status" data-testid="local-queue">
          {queue.length} decision{queue.length === 1 ? '' : 's'} saved on this device — sends when connected.{' '}
          {conn === 'connected' ? (
            <button type="button" className="btn-link" onClick={() => void flushNow()}>
              Send now
            </button>
          ) : null}
        </div>
      ) : null}
      {queueNotes.length ? (
        <div className="notice" role="status">
          {queueNotes.map((n) => (
            <p key={n}>{n}</p>
          ))}
        </div>
      ) : null}
      {banner ? (
        <div className={`ap-banner ap-tone-${banner.tone}`} role="status" data-testid="banner">
          <span>{banner.text}</span>
          <button type="button" className="btn-link" onClick={() => setBanner(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      {list.error && !list.items.length ? (
        <ErrorPanel what="Could not load the approvals" error={list.error} onRetry={list.reload} />
      ) : list.loading && !list.items.length ? (
        <Loading label="Loading approvals…" />
      ) : (
        <div className="ap-panes">
          <section className="ap-list-pane" aria-labelledby="ap-list-title">
            <div className="ap-list-head">
              <h2 id="ap-list-title">
                {status === 'pending' ? `${pendingShown.length} to decide` : `${rows.length} ${status === 'all' ? '' : STATUS_LABEL[status].toLowerCase()} shown`}
                {status === 'pending' && rows.length > pendingShown.length ? <span className="muted"> · {rows.length - pendingShown.length} decided</span> : null}
                {list.more ? <span className="muted"> (loading more…)</span> : null}
              </h2>
              {status === 'pending' && rows.some((a) => a.status !== 'pending') ? (
                <button type="button" className="btn-link ap-hide" onClick={list.hideDecided}>
                  Hide decided
                </button>
              ) : null}
              <label className="ap-check">
                <input
                  type="checkbox"
                  checked={allSelected}
                  disabled={!pendingShown.length}
                  onChange={() => setSelected(allSelected ? new Set() : new Set(pendingShown.map((a) => a.id)))}
                />
                Select all
              </label>
            </div>
            {selectedCount ? (
              <div className="ap-bulk" data-testid="bulk-bar">
                <span>{selectedCount} selected</span>
                <button type="button" className="btn btn-primary" onClick={() => void bulkApprove()}>
                  Approve {selectedCount} selected
                </button>
                <button type="button" className="btn btn-quiet" onClick={() => setSelected(new Set())}>
                  Clear
                </button>
              </div>
            ) : null}
            {list.error ? <ErrorPanel what="Could not load every approval" error={list.error} onRetry={list.reload} /> : null}
            {!rows.length ? (
              <div className="ap-empty" data-testid="empty">
                <p>
                  <strong>{list.items.length ? 'Nothing matches these filters.' : status === 'pending' ? 'Nothing waits for you.' : 'No approvals here.'}</strong>
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
                        now={now}
                        active={a.id === activeId}
                        selected={selected.has(a.id)}
                        busy={busy[a.id]}
                        queued={queuedIds.has(a.id)}
                        onOpen={openRow}
                        onToggle={toggle}
                      />
                    );
                  })}
                </ul>
              </div>
            )}
          </section>
          <section className="ap-detail-pane" aria-label="Selected approval">
            {active ? (
              <Detail
                key={active.id}
                a={active}
                onBack={showDetail ? backToList : undefined}
                now={now}
                mode={mode}
                setMode={setMode}
                busy={busy[active.id]}
                queued={queue.find((d) => d.id === active.id) ?? null}
                note={notes[active.id] ?? null}
                onApprove={(payload) => void decide(active, 'approve', payload === undefined ? {} : { payload })}
                onReject={(reason) => void decide(active, 'reject', { reason })}
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
