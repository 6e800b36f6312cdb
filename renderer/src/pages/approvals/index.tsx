/**
 * Approvals inbox: every decision the workflows wait for. A virtualized list
 * (10 000+ rows) with filters, a detail pane that renders the draft as its
 * recipient would see it, approve / reject with a reason / edit then approve,
 * bulk approve, keyboard shortcuts, and decisions saved locally while Baton is
 * unreachable.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, useSyncExternalStore, type FormEvent, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { ApiError, Approval, ApprovalPriority, ApprovalStatus } from '../../../../shared/api';
import { call, useSession } from '../../api/client';
import { toApiError } from '../../api/errors';
import { useApi, useConnection, useEvent } from '../../api/hooks';
import { useHashQuery } from '../../components/hashQuery';
import { ErrorPanel, Loading, PageHeader, formatTime } from '../../components/ui';
import { age, changes, deliveryLabel, describePayload, formatConfidence, getAt, nextPending, setAt, timeLeft, viewOf, type SortKey } from './model';
import { AiPanel, EditDiff, Preview } from './Preview';
import { pdfOf } from './pdf/model';
import { PdfPreview } from './pdf/PdfPreview';
import { enqueue, useDecisionQueue } from './queue';
import { DECIDED_BY, flushNow, onQueueSent, startQueueSync } from './sync';
import './approvals.css';

startQueueSync();

type StatusFilter = ApprovalStatus | 'all';
const PAGE = 1000;
const ROW_HEIGHT = 72;

interface ListState {
  items: Approval[];
  loading: boolean;
  error: ApiError | null;
  pending: number | null;
  /** Pages still loading after the first one. */
  more: boolean;
}

/** Every approval matching the server-side filters, page by page (1000 a call). */
function useApprovalList(status: StatusFilter, workflow: string) {
  const [state, setState] = useState<ListState>({ items: [], loading: true, error: null, pending: null, more: false });
  const [nonce, setNonce] = useState(0);
  const epoch = useConnection((s) => s.epoch);
  const firstEpoch = useRef(epoch);
  const refetchEpoch = epoch > Math.max(1, firstEpoch.current) ? epoch : 0;
  const transport = useSession((s) => s.transport);
  /** Approvals decided while this page was open: they stay in the pending view (with their outcome) across reloads. */
  const decidedHere = useRef(new Map<string, Approval>());

  useEffect(() => {
    if (!transport) return;
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    (async () => {
      let cursor: string | undefined;
      const all: Approval[] = [];
      for (;;) {
        const page = await call('approvals.list', { status, limit: PAGE, ...(workflow ? { workflow } : {}), ...(cursor ? { cursor } : {}) });
        if (!live) return;
        all.push(...page.approvals);
        cursor = page.nextCursor ?? undefined;
        let items = all;
        if (!cursor && status === 'pending' && decidedHere.current.size) {
          const ids = new Set(all.map((a) => a.id));
          items = [...all, ...[...decidedHere.current.values()].filter((a) => !ids.has(a.id) && (!workflow || a.workflowId === workflow))];
        }
        setState({ items: [...items], loading: false, error: null, pending: page.pending, more: cursor !== undefined });
        if (!cursor) return;
      }
    })().catch((e: unknown) => live && setState((s) => ({ ...s, loading: false, more: false, error: toApiError(e) })));
    return () => {
      live = false;
    };
  }, [status, workflow, nonce, refetchEpoch, transport]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  /**
   * Replace rows by id. "created": add new ones that match the filters; "mine": decisions made on
   * this page, kept in a pending view (even when a reload dropped them meanwhile); "changed": only replace.
   */
  const upsert = useCallback(
    (list: Approval[], kind: 'created' | 'changed' | 'mine') =>
      setState((s) => {
        if (kind === 'mine') for (const a of list) if (a.status !== 'pending') decidedHere.current.set(a.id, a);
        const byId = new Map(list.map((a) => [a.id, a]));
        const items = s.items.map((a) => {
          const b = byId.get(a.id);
          if (!b) return a;
          byId.delete(a.id);
          if (decidedHere.current.has(b.id)) decidedHere.current.set(b.id, b);
          return b;
        });
        for (const a of byId.values()) {
          if (workflow && a.workflowId !== workflow) continue;
          if ((kind === 'created' && (status === 'all' || a.status === status)) || (kind === 'mine' && (status === 'pending' || status === 'all' || a.status === status))) items.push(a);
        }
        return { ...s, items };
      }),
    [status, workflow],
  );
  const setPending = useCallback((n: number) => setState((s) => ({ ...s, pending: n })), []);
  /** Drop the decided rows from a pending view. */
  const hideDecided = useCallback(() => {
    decidedHere.current.clear();
    if (status === 'pending') setState((s) => ({ ...s, items: s.items.filter((a) => a.status === 'pending') }));
  }, [status]);
  return { ...state, reload, upsert, setPending, hideDecided };
}

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName === 'INPUT') return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes((el as HTMLInputElement).type);
  return false;
}

const PRIORITY_LABEL: Record<ApprovalPriority, string> = { high: 'High', normal: 'Normal', low: 'Low' };
const STATUS_LABEL: Record<ApprovalStatus, string> = { pending: 'Pending', approved: 'Approved', rejected: 'Rejected', expired: 'Expired', cancelled: 'Cancelled' };

type Mode = { kind: 'view' } | { kind: 'reject' } | { kind: 'edit' };

/** The width at which approvals.css stacks the panes: there the list and the detail take turns. */
const NARROW = '(max-width: 900px)';
function subscribeNarrow(onChange: () => void): () => void {
  const m = window.matchMedia(NARROW);
  m.addEventListener('change', onChange);
  return () => m.removeEventListener('change', onChange);
}
const useNarrow = () => useSyncExternalStore(subscribeNarrow, () => window.matchMedia(NARROW).matches);
type Note = { id: string; tone: 'warn' | 'ok' | 'danger'; text: string };

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

function Shortcuts() {
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

const Row = memo(function Row(props: {
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

function Detail(props: {
  a: Approval;
  now: number;
  mode: Mode;
  setMode: (m: Mode) => void;
  busy?: 'approve' | 'reject' | undefined;
  queued: { decision: 'approve' | 'reject'; savedAt: string } | null;
  note: Note | null;
  onApprove: (payload?: unknown) => void;
  onReject: (reason: string) => void;
  /** Small screens: back to the list. */
  onBack?: (() => void) | undefined;
}) {
  const { a, now, mode } = props;
  const shown = a.status === 'approved' && a.decidedPayload !== null && a.decidedPayload !== undefined ? a.decidedPayload : a.payload;
  const d = useMemo(() => describePayload(shown), [shown]);
  const pdf = useMemo(() => pdfOf(shown), [shown]);
  const left = timeLeft(a.expiresAt, now);
  const pending = a.status === 'pending' && !props.queued && !props.busy;
  const delivery = deliveryLabel(a);
  return (
    <article className="ap-detail" data-testid="detail" data-id={a.id}>
      {props.onBack ? (
        <button type="button" className="btn btn-quiet ap-back" onClick={props.onBack}>
          <span aria-hidden="true">←</span> Back to the list
        </button>
      ) : null}
      <header className="ap-detail-head">
        <h2 data-testid="detail-title">{a.title}</h2>
        <dl className="ap-meta">
          <div>
            <dt>Workflow</dt>
            <dd>{a.workflowName}</dd>
          </div>
          <div>
            <dt>Priority</dt>
            <dd>
              <span className={`ap-pri-label ap-pri-${a.priority}`}>{PRIORITY_LABEL[a.priority]}</span>
            </dd>
          </div>
          <div>
            <dt>Waiting</dt>
            <dd title={formatTime(a.createdAt)}>{age(a.createdAt, now)}</dd>
          </div>
          <div>
            <dt>Expires</dt>
            <dd title={a.expiresAt ? formatTime(a.expiresAt) : undefined}>{a.status !== 'pending' ? '—' : left ? left.label : 'never'}</dd>
          </div>
          <div>
            <dt>AI confidence</dt>
            <dd>{formatConfidence(a.confidence)}</dd>
          </div>
        </dl>
        {a.reason ? <p className="ap-reason">{a.reason}</p> : null}
      </header>

      {props.note ? (
        <p className={`ap-banner ap-tone-${props.note.tone}`} role="status" data-testid="detail-note">
          {props.note.text}
        </p>
      ) : null}

      {props.queued ? (
        <p className="ap-banner ap-tone-warn" role="status" data-testid="decision-state">
          {props.queued.decision === 'approve' ? 'Approved' : 'Rejected'} on this device — saved, sends when connected.
        </p>
      ) : a.status !== 'pending' ? (
        <div className="ap-decision" data-testid="decision-state">
          <p>
            <span className={`ap-pill ap-status-${a.status}`}>{STATUS_LABEL[a.status]}</span>{' '}
            {a.decidedBy ? (
              <>
                by <strong data-testid="decided-by">{a.decidedBy}</strong>
              </>
            ) : null}
            {a.decidedAt ? <> · {formatTime(a.decidedAt)}</> : null}
            {delivery ? (
              <>
                {' '}
                · <span className={`ap-pill ap-tone-${delivery.tone}`} data-testid="delivery">{delivery.text}</span>
              </>
            ) : null}
          </p>
          {a.decisionReason ? <p>Reason: {a.decisionReason}</p> : null}
          {a.deliveryDetail ? <p className="muted ap-delivery-detail">{a.deliveryDetail}</p> : null}
        </div>
      ) : null}

      {mode.kind === 'reject' && pending ? <RejectForm onCancel={() => props.setMode({ kind: 'view' })} onReject={props.onReject} /> : null}
      {mode.kind === 'edit' && pending ? (
        <EditForm a={a} onCancel={() => props.setMode({ kind: 'view' })} onApprove={props.onApprove} />
      ) : (
        <>
          {pending && mode.kind === 'view' ? (
            <div className="ap-actions" role="group" aria-label="Decide" data-testid="decide-bar">
              <button type="button" className="btn btn-primary" onClick={() => props.onApprove()}>
                Approve <kbd>a</kbd>
              </button>
              <button type="button" className="btn" onClick={() => props.setMode({ kind: 'edit' })}>
                Edit <kbd>e</kbd>
              </button>
              <button type="button" className="btn" onClick={() => props.setMode({ kind: 'reject' })}>
                Reject <kbd>r</kbd>
              </button>
            </div>
          ) : null}
          {d.ai ? <AiPanel ai={d.ai} /> : null}
          <section className="ap-section" aria-labelledby="ap-preview-title">
            <h3 id="ap-preview-title">{a.status === 'approved' && shown !== a.payload ? 'As approved (edited)' : 'As the recipient will see it'}</h3>
            <Preview preview={d.preview} />
          </section>
          {pdf ? <PdfPreview pdf={pdf} /> : null}
          {a.status === 'approved' && a.decidedPayload !== null && a.decidedPayload !== undefined ? <EditDiff before={a.payload} after={a.decidedPayload} label="Edits made before approving" /> : null}
        </>
      )}
    </article>
  );
}

function RejectForm({ onCancel, onReject }: { onCancel: () => void; onReject: (reason: string) => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!reason.trim()) {
      setError('Give a reason: the workflow and its history keep it.');
      return;
    }
    onReject(reason.trim());
  };
  const keys = (e: ReactKeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
    } else if (e.key === 'Enter' && !e.shiftKey) submit(e as unknown as FormEvent);
  };
  return (
    <form className="ap-form" onSubmit={submit} aria-label="Reject">
      <label htmlFor={id}>Reason for rejecting</label>
      <textarea id={id} rows={3} value={reason} autoFocus maxLength={2000} onChange={(e) => setReason(e.target.value)} onKeyDown={keys} aria-invalid={error ? true : undefined} aria-describedby={`${id}-hint`} />
      <p id={`${id}-hint`} className={error ? 'field-error' : 'hint'}>
        {error ?? 'Enter rejects, Shift+Enter adds a line, Esc cancels.'}
      </p>
      <div className="form-actions">
        <button type="submit" className="btn btn-danger">
          Reject
        </button>
        <button type="button" className="btn btn-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function EditForm({ a, onCancel, onApprove }: { a: Approval; onCancel: () => void; onApprove: (payload: unknown) => void }) {
  const d = useMemo(() => describePayload(a.payload), [a.payload]);
  const fields = d.fields;
  const [values, setValues] = useState<string[]>(() => (fields ?? []).map((f) => String(getAt(a.payload, f.path) ?? '')));
  const [json, setJson] = useState(() => JSON.stringify(a.payload, null, 2));
  const id = useId();
  const parsed = useMemo((): { ok: true; value: unknown } | { ok: false; error: string } => {
    if (fields) return { ok: true, value: fields.reduce<unknown>((acc, f, i) => setAt(acc, f.path, values[i] ?? ''), a.payload) };
    try {
      return { ok: true, value: JSON.parse(json) as unknown };
    } catch (e) {
      return { ok: false, error: `Not valid JSON: ${(e as Error).message}` };
    }
  }, [fields, values, json, a.payload]);
  const changed = parsed.ok && changes(a.payload, parsed.value).length > 0;
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (parsed.ok) onApprove(parsed.value);
  };
  const keys = (e: ReactKeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit(e as unknown as FormEvent);
  };
  return (
    <form className="ap-form" onSubmit={submit} aria-label="Edit, then approve" onKeyDown={keys}>
      {fields ? (
        fields.map((f, i) => (
          <div className="ap-field" key={f.path.join('.')}>
            <label htmlFor={`${id}-${i}`}>{f.label}</label>
            {f.multiline ? (
              <textarea id={`${id}-${i}`} rows={6} value={values[i]} autoFocus={i === fields.length - 1} onChange={(e) => setValues((v) => v.map((x, j) => (j === i ? e.target.value : x)))} />
            ) : (
              <input id={`${id}-${i}`} type="text" value={values[i]} onChange={(e) => setValues((v) => v.map((x, j) => (j === i ? e.target.value : x)))} />
            )}
          </div>
        ))
      ) : (
        <div className="ap-field">
          <label htmlFor={`${id}-json`}>Payload (JSON)</label>
          <textarea id={`${id}-json`} className="ap-json" rows={14} value={json} autoFocus spellCheck={false} onChange={(e) => setJson(e.target.value)} aria-invalid={parsed.ok ? undefined : true} aria-describedby={`${id}-err`} />
          <p id={`${id}-err`} className={parsed.ok ? 'hint' : 'field-error'}>
            {parsed.ok ? 'Edit the data the next steps receive.' : parsed.error}
          </p>
        </div>
      )}
      <p className="hint">Ctrl+Enter approves with your edits, Esc cancels.</p>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={!parsed.ok}>
          {changed ? 'Approve with edits' : 'Approve unchanged'}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {parsed.ok ? <EditDiff before={a.payload} after={parsed.value} label="Your edits" /> : null}
      {parsed.ok && changed ? (
        <section className="ap-section" aria-labelledby={`${id}-pv`}>
          <h3 id={`${id}-pv`}>Preview with your edits</h3>
          <Preview preview={describePayload(parsed.value).preview} />
        </section>
      ) : null}
    </form>
  );
}
