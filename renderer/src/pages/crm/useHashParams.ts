/** This page's parameters in the address (`#/contacts?id=12`), followed on back/forward. */
import { useCallback, useEffect, useState } from 'react';
import { hashParams, hashWith, hashShowsPage, type PageId } from '../../api/nav';

export function useHashParams(page: PageId): [URLSearchParams, (params: Record<string, string | number | null | undefined>) => void] {
  const [params, setParams] = useState(() => hashParams(window.location.hash));
  useEffect(() => {
    const read = () => {
      if (hashShowsPage(window.location.hash, page)) setParams(hashParams(window.location.hash));
    };
    window.addEventListener('hashchange', read);
    window.addEventListener('popstate', read);
    return () => {
      window.removeEventListener('hashchange', read);
      window.removeEventListener('popstate', read);
    };
  }, [page]);
  const go = useCallback(
    (next: Record<string, string | number | null | undefined>) => {
      const hash = hashWith(page, next);
      if (window.location.hash !== hash) window.history.pushState(null, '', hash);
      setParams(hashParams(hash));
    },
    [page],
  );
  return [params, go];
}
