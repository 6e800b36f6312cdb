/**
 * Which approval is open: the one the address names (#/approvals?id=…, a notification or a tap
 * on a small screen), else the first row. On a small screen (where approvals.css stacks the
 * panes) the list and the detail take turns: the detail shows while the address names one.
 */
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Approval } from '../../../../shared/api';
import { useHashQuery } from '../../components/hashQuery';

/** The width at which approvals.css stacks the panes. */
const NARROW = '(max-width: 900px)';
function subscribeNarrow(onChange: () => void): () => void {
  const m = window.matchMedia(NARROW);
  m.addEventListener('change', onChange);
  return () => m.removeEventListener('change', onChange);
}
const useNarrow = () => useSyncExternalStore(subscribeNarrow, () => window.matchMedia(NARROW).matches);

export function useActiveRow(rows: Approval[]) {
  const [activeId, setActiveId] = useState<string | null>(null);
  const [query, setQuery] = useHashQuery('approvals');
  const narrow = useNarrow();
  const pushedDetail = useRef(false);

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

  return { activeId, setActiveId, activeIndex, active, narrow, showDetail, openRow, backToList };
}
