/**
 * The bottom tab bar of small screens (styles.css shows it below 640 px instead of the sidebar's
 * list): Dashboard, Approvals with the pending count, Pipeline, Tasks, and More for every other page.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import { mayLeave } from '../api/leaveGuard';
import { PAGES, hashOf, useNav, type PageId } from '../api/nav';
import { useQuery } from '../data/query';
import { NEEDS_INPUT } from '../pages/dashboard/model';

const TABS: PageId[] = ['dashboard', 'approvals', 'pipeline', 'tasks'];

/** The width below which styles.css shows the tab bar instead of the sidebar. */
const SMALL = '(max-width: 640px)';

function subscribe(onChange: () => void): () => void {
  const m = window.matchMedia(SMALL);
  m.addEventListener('change', onChange);
  return () => m.removeEventListener('change', onChange);
}

/** The tab bar, on small screens only: wider windows neither render it nor load its badge. */
export function SmallScreenTabBar(props: { page: PageId; icons: Record<PageId, string> }) {
  const small = useSyncExternalStore(subscribe, () => window.matchMedia(SMALL).matches);
  return small ? <TabBar {...props} /> : null;
}

export function TabBar({ page, icons }: { page: PageId; icons: Record<PageId, string> }) {
  const go = useNav((s) => s.go);
  const [more, setMore] = useState(false);
  // The same cache entry as the Dashboard's strip: no extra load there.
  const pending = useQuery('approvals.list', NEEDS_INPUT.approvals).data?.pending ?? 0;
  useEffect(() => setMore(false), [page]);
  const open = (id: PageId) => {
    if (!mayLeave(hashOf(id), (m) => window.confirm(m))) return;
    if (id === page) window.location.hash = hashOf(id);
    else go(id);
  };
  const others = PAGES.filter((p) => !('hidden' in p) && !TABS.includes(p.id));
  const link = (id: PageId, label: string, extra?: React.ReactNode) => (
    <a
      href={hashOf(id)}
      aria-current={id === page ? 'page' : undefined}
      onClick={(e) => {
        e.preventDefault();
        open(id);
      }}
    >
      <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
        <path d={icons[id]} fill="currentColor" />
      </svg>
      <span>{label}</span>
      {extra}
    </a>
  );
  return (
    <nav className="tabbar" aria-label="Tabs">
      {more ? (
        <ul className="tabbar-more" id="tabbar-more" aria-label="More pages">
          {others.map((p) => (
            <li key={p.id}>{link(p.id, p.label)}</li>
          ))}
        </ul>
      ) : null}
      <ul className="tabbar-tabs">
        {TABS.map((id) => (
          <li key={id}>
            {link(
              id,
              PAGES.find((p) => p.id === id)!.label,
              id === 'approvals' && pending > 0 ? (
                <span className="tab-badge" data-testid="tab-pending">
                  {pending > 99 ? '99+' : pending}
                  <span className="sr-only"> pending</span>
                </span>
              ) : null,
            )}
          </li>
        ))}
        <li>
          <button type="button" aria-expanded={more} aria-controls="tabbar-more" className={others.some((p) => p.id === page) ? 'is-current' : undefined} onClick={() => setMore((m) => !m)}>
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
              <path d="M4 10h4v4H4zm6 0h4v4h-4zm6 0h4v4h-4z" fill="currentColor" />
            </svg>
            <span>More</span>
          </button>
        </li>
      </ul>
    </nav>
  );
}
