/**
 * A page's own state in the address after its name (#/runs?run=r_1): read it, follow
 * back/forward and links, and write it (a new history entry, or a replacement).
 */
import { useCallback, useEffect, useState } from 'react';
import { hashWith, queryFromHash, type PageId } from '../api/nav';

const CHANGED = 'baton:hashquery';

export type HashQuery = Record<string, string>;
export type SetHashQuery = (next: Record<string, string | undefined | null>, opts?: { replace?: boolean }) => void;

export function useHashQuery(page: PageId): [HashQuery, SetHashQuery] {
  const [query, setQuery] = useState<HashQuery>(() => queryFromHash(window.location.hash));
  useEffect(() => {
    const read = () => {
      const next = queryFromHash(window.location.hash);
      setQuery((old) => (JSON.stringify(old) === JSON.stringify(next) ? old : next));
    };
    window.addEventListener('hashchange', read);
    window.addEventListener('popstate', read);
    window.addEventListener(CHANGED, read);
    return () => {
      window.removeEventListener('hashchange', read);
      window.removeEventListener('popstate', read);
      window.removeEventListener(CHANGED, read);
    };
  }, []);
  const set = useCallback<SetHashQuery>(
    (next, opts) => {
      const hash = hashWith(page, next);
      if (hash === window.location.hash) return;
      const url = window.location.pathname + window.location.search + hash;
      if (opts?.replace) window.history.replaceState(null, '', url);
      else window.history.pushState(null, '', url);
      window.dispatchEvent(new Event(CHANGED));
    },
    [page],
  );
  return [query, set];
}
