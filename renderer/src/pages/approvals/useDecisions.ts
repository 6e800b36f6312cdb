/**
 * Approve, reject and bulk approve: sent at once while Baton is reachable, saved on this device
 * (the decision queue) while it is not; the approvals in flight, the notes on decided ones and
 * the bulk banner.
 */
import { useCallback, useState } from 'react';
import type { Approval } from '../../../../shared/api';
import { call } from '../../api/client';
import { toApiError } from '../../api/errors';
import { bulkIds, bulkNote, nextPending, without, type Note } from './model';
import { enqueue } from './queue';
import { DECIDED_BY } from './sync';
import type { useApprovalList } from './useApprovalList';

export type Busy = Record<string, 'approve' | 'reject'>;
export interface DecideOpts {
  payload?: unknown;
  reason?: string;
}

export function useDecisions(o: {
  rows: Approval[];
  queuedIds: ReadonlySet<string>;
  connected: boolean;
  upsert: ReturnType<typeof useApprovalList>['upsert'];
  /** The row to show next: after a decision, the next pending one. */
  setActiveId: (id: string) => void;
  /** Called as a decision starts (the detail goes back to viewing). */
  onDecide: () => void;
}) {
  const { rows, queuedIds, connected, upsert, setActiveId, onDecide } = o;
  const [busy, setBusy] = useState<Busy>({});
  const [notes, setNotes] = useState<Record<string, Note>>({});
  const [banner, setBanner] = useState<Note | null>(null);
  const setNote = useCallback((n: Note) => setNotes((all) => ({ ...all, [n.id]: n })), []);

  const moveAfterDecision = useCallback(
    (id: string) => {
      const i = rows.findIndex((a) => a.id === id);
      const next = nextPending(rows, i, (a) => a.id === id || a.id in busy || queuedIds.has(a.id));
      if (next >= 0) setActiveId(rows[next]!.id);
    },
    [rows, busy, queuedIds, setActiveId],
  );

  const canAct = useCallback((a: Approval | null): a is Approval => !!a && a.status === 'pending' && !busy[a.id] && !queuedIds.has(a.id), [busy, queuedIds]);

  const decide = useCallback(
    async (a: Approval, decision: 'approve' | 'reject', opts: DecideOpts = {}) => {
      if (!canAct(a)) return;
      onDecide();
      moveAfterDecision(a.id);
      const extra = { ...(opts.payload !== undefined ? { payload: opts.payload } : {}), ...(opts.reason ? { reason: opts.reason } : {}) };
      const local = () => enqueue({ id: a.id, decision, title: a.title, ...extra });
      if (!connected) {
        local();
        return;
      }
      setBusy((b) => ({ ...b, [a.id]: decision }));
      try {
        const r = await call('approvals.decide', { id: a.id, decision, by: DECIDED_BY, ...extra });
        upsert([r.approval], 'mine');
        setNotes((n) => (r.alreadyDecided ? { ...n, [a.id]: { id: a.id, tone: 'warn', text: r.message } } : without(n, [a.id])));
      } catch (e) {
        const err = toApiError(e);
        if (err.code === 'unavailable') local();
        else setNote({ id: a.id, tone: 'danger', text: `Not decided: ${err.message}` });
      } finally {
        setBusy((b) => without(b, [a.id]));
      }
    },
    [canAct, connected, moveAfterDecision, onDecide, upsert, setNote],
  );

  /** Approves the ticked rows (1000 a call), clearing the ticks as it starts. */
  const bulkApprove = useCallback(
    async (selected: ReadonlySet<string>, clearSelection: () => void) => {
      const ids = bulkIds(rows, selected, queuedIds);
      if (!ids.length) return;
      clearSelection();
      if (!connected) {
        for (const id of ids) enqueue({ id, decision: 'approve', title: rows.find((x) => x.id === id)!.title });
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
        setBanner(bulkNote(done, ids.length, already));
      } catch (e) {
        setBanner({ id: 'bulk', tone: 'danger', text: `Bulk approve stopped after ${done}: ${toApiError(e).message}` });
      } finally {
        setBusy((b) => without(b, ids));
      }
    },
    [rows, queuedIds, connected, upsert],
  );

  return { busy, notes, setNote, banner, setBanner, canAct, decide, bulkApprove };
}
