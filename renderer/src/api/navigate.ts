/**
 * The desktop shell moves the UI to an item (a notification or tray click) with a
 * `navigate` pseudo-event: { page, id?, kind? } (electron/main/logic/notifications.ts).
 * This turns it into the address the pages read: #/runs?run=ID, #/approvals?id=ID,
 * #/dashboard?escalation=ID. Pure: unit-tested in Node.
 */
import { PAGES } from './nav';

export interface NavigateTarget {
  page: string;
  id?: string;
  kind?: string;
}

const PARAM: Record<string, string> = { run: 'run', approval: 'id', escalation: 'escalation', contact: 'id', workflow: 'wf' };

export function hashForTarget(target: unknown): string | null {
  if (!target || typeof target !== 'object') return null;
  const t = target as NavigateTarget;
  if (typeof t.page !== 'string' || !PAGES.some((p) => p.id === t.page)) return null;
  if (typeof t.id !== 'string' || t.id === '') return `#/${t.page}`;
  const key = (t.kind && PARAM[t.kind]) ?? 'id';
  return `#/${t.page}?${key}=${encodeURIComponent(t.id)}`;
}
