/** Which page is shown, kept in the address (#/settings) so reload and back work. */
import { create } from 'zustand';

export const PAGES = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'approvals', label: 'Approvals' },
  { id: 'workflows', label: 'Workflows' },
  { id: 'runs', label: 'Runs' },
  { id: 'contacts', label: 'Contacts' },
  { id: 'pipeline', label: 'Pipeline' },
  { id: 'settings', label: 'Settings' },
  { id: 'setup', label: 'Setup', hidden: true },
] as const;

export type PageId = (typeof PAGES)[number]['id'];
export const DEFAULT_PAGE: PageId = 'dashboard';

/** `#/settings` -> 'settings'; anything unknown -> the dashboard. */
export function pageFromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '').split(/[/?&]/)[0] ?? '';
  return PAGES.some((p) => p.id === id) ? (id as PageId) : DEFAULT_PAGE;
}

export function hashOf(page: PageId): string {
  return `#/${page}`;
}

interface Nav {
  page: PageId;
  go(page: PageId): void;
}

/** The address bar is kept in sync by main.tsx (it subscribes to this store and to hashchange). */
export const useNav = create<Nav>((set) => ({
  page: DEFAULT_PAGE,
  go: (page) => set({ page }),
}));
