/**
 * Keeps the Approvals list live: the ids push events name are batched for 250 ms and fetched
 * (or the list reloaded when more than 200 changed); decided approvals whose delivery may
 * still change are looked at again every few seconds; decisions sent from this device's
 * queue land in the list.
 */
import { useCallback, useEffect, useRef } from 'react';
import type { Approval } from '../../../../shared/api';
import { call } from '../../api/client';
import { useEvent } from '../../api/hooks';
import { deliveriesToWatch, type Note } from './model';
import { onQueueSent } from './sync';
import type { useApprovalList } from './useApprovalList';

type List = ReturnType<typeof useApprovalList>;

export function useLiveUpdates(list: List, setNote: (n: Note) => void): void {
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
    for (const a of deliveriesToWatch(itemsRef.current, p.id)) fetchIds.current.changed.add(a.id);
    schedule();
  });
  // A delivery in progress may change without an event (a retry timer): look again every few seconds.
  useEffect(() => {
    const t = setInterval(() => {
      const open = deliveriesToWatch(itemsRef.current);
      for (const a of open) fetchIds.current.changed.add(a.id);
      if (open.length) schedule();
    }, 3000);
    return () => clearInterval(t);
  }, [schedule]);
  useEffect(
    () =>
      onQueueSent((o) => {
        upsert([o.approval], 'mine');
        if (o.alreadyDecided) setNote({ id: o.approval.id, tone: 'warn', text: o.message });
      }),
    [upsert, setNote],
  );
}
