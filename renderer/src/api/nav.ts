/** Which page is shown, kept in the address (#/settings) so reload and back work. */
import { create } from 'zustand';

export const PAGES = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'approvals', label: 'Approvals' },
  { id: 'workflows', label: 'Workflows' },
  { id: 'runs', label: 'Runs' },
  { id: 'contacts', label: 'Contacts' },
  { id: 'pipeline', label: 'Pipeline' },
  { id: 'tasks', label: 'Tasks' },
  { id: 'sequences', label: 'Sequences' },
  { id: 'growth', label: 'Growth' },
  { id: 'billing', label: 'Billing' },
  { id: 'products', label: 'Products' },
  { id: 'finance', label: 'Finance' },
  { id: 'playbooks', label: 'Playbooks' },
  { id: 'documents', label: 'Documents' },
  { id: 'settings', label: 'Settings' },
  { id: 'setup', label: 'Setup', hidden: true },
  { id: 'escalations', label: 'Escalations', hidden: true },
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

/** The query part of a page address: `#/runs?run=r_1&status=failed` -> { run: 'r_1', status: 'failed' }. */
export function queryFromHash(hash: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of hashParams(hash)) if (v !== '') out[k] = v;
  return out;
}

/** The part after `?` as URLSearchParams: `#/contacts?id=12` -> id=12 (pageFromHash ignores it). */
export function hashParams(hash: string): URLSearchParams {
  const i = hash.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : hash.slice(i + 1));
}

/** `('runs', { run: 'r_1' })` -> `#/runs?run=r_1`; empty values are left out. */
export function hashWith(page: PageId, query: Record<string, string | number | undefined | null> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${hashOf(page)}?${s}` : hashOf(page);
}

/** Addresses kept for links, read as another: `#/workflows/templates` is the template gallery, `#/workflows?view=templates`. */
const ALIASES: Record<string, string> = { '#/workflows/templates': '#/workflows?view=templates' };

/** The address an alias stands for (its query kept), or null when `hash` is no alias. */
export function aliasOf(hash: string): string | null {
  const i = hash.indexOf('?');
  const path = (i < 0 ? hash : hash.slice(0, i)).replace(/\/$/, '');
  const target = ALIASES[path];
  if (!target) return null;
  const extra = i < 0 ? '' : hash.slice(i + 1);
  return extra ? `${target}&${extra}` : target;
}

/**
 * Whether the address already shows `page` (with or without a query, or a part of it such as
 * `#/settings/wordpress`), so it needs no rewrite.
 */
export function hashShowsPage(hash: string, page: PageId): boolean {
  return hash === hashOf(page) || hash.startsWith(`${hashOf(page)}?`) || hash.startsWith(`${hashOf(page)}/`);
}

/** The part of a page named after its id: `#/settings/wordpress` -> 'wordpress'; none -> null. */
export function subPathFromHash(hash: string): string | null {
  const m = /^#\/?[^/?&]+\/([^/?&#]+)/.exec(hash);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
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
