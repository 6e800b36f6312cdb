/** The Approvals list's data: every approval matching the server-side filters, kept live. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Approval, ApiError } from '../../../../shared/api';
import { call, useSession } from '../../api/client';
import { toApiError } from '../../api/errors';
import { useConnection } from '../../api/hooks';
import type { StatusFilter } from './model';
const PAGE = 1000;

interface ListState {
  items: Approval[];
  loading: boolean;
  error: ApiError | null;
  pending: number | null;
  /** Pages still loading after the first one. */
  more: boolean;
}

/** Every approval matching the server-side filters, page by page (1000 a call). */
export function useApprovalList(status: StatusFilter, workflow: string) {
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
