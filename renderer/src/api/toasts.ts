/**
 * In-app toasts (a zustand store) and whether an escalation also becomes a Web
 * Notification, following the person's `notifications.*` settings (the same keys
 * the desktop app's native notifications follow).
 */
import { create } from 'zustand';
import type { EscalationRaised, Severity } from '../../../shared/api';

export interface Toast {
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  runId?: string;
  /** ms epoch when it was shown. */
  at: number;
}

interface ToastStore {
  toasts: Toast[];
  /** Escalations that arrived in a burst and were folded away (shown as "N more"). */
  overflow: number;
  push(t: Omit<Toast, 'at'>): void;
  dismiss(id: string): void;
  dismissAll(): void;
}

/** At most this many toasts on screen; more are counted in `overflow`. */
export const MAX_TOASTS = 3;

export const useToasts = create<ToastStore>((set) => ({
  toasts: [],
  overflow: 0,
  push: (t) =>
    set((s) => {
      if (s.toasts.some((x) => x.id === t.id)) return s;
      const toasts = [...s.toasts, { ...t, at: Date.now() }];
      let overflow = s.overflow;
      // Over the limit: the oldest non-critical toast goes first (a burst of warnings must not hide a critical one).
      while (toasts.length > MAX_TOASTS) {
        const i = toasts.findIndex((x) => x.severity !== 'critical');
        toasts.splice(i === -1 ? 0 : i, 1);
        overflow++;
      }
      return { toasts, overflow };
    }),
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id), overflow: s.toasts.length <= 1 ? 0 : s.overflow })),
  dismissAll: () => set({ toasts: [], overflow: 0 }),
}));

export function toastOf(e: EscalationRaised): Omit<Toast, 'at'> {
  return { id: e.id, severity: e.severity, title: e.title, detail: e.detail, ...(e.runId ? { runId: e.runId } : {}) };
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export interface WebNotifyPrefs {
  enabled: boolean;
  minSeverity: Severity;
  quietHours: { start: string; end: string } | null;
}
export const DEFAULT_WEB_PREFS: WebNotifyPrefs = { enabled: true, minSeverity: 'warning', quietHours: null };

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Preferences from the settings record; a bad value keeps that field's default. */
export function webPrefsFrom(settings: Record<string, unknown>): WebNotifyPrefs {
  const p = { ...DEFAULT_WEB_PREFS };
  const en = settings['notifications.enabled'];
  if (typeof en === 'boolean') p.enabled = en;
  const min = settings['notifications.minSeverity'];
  if (min === 'info' || min === 'warning' || min === 'critical') p.minSeverity = min;
  const q = settings['notifications.quietHours'] as { start?: unknown; end?: unknown } | null | undefined;
  if (q && typeof q.start === 'string' && typeof q.end === 'string' && HHMM.test(q.start) && HHMM.test(q.end)) p.quietHours = { start: q.start, end: q.end };
  return p;
}

const mins = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether an escalation becomes a Web Notification (quiet hours let only critical ones through). */
export function shouldNotify(severity: Severity, prefs: WebNotifyPrefs, now: Date = new Date()): boolean {
  if (!prefs.enabled || RANK[severity] < RANK[prefs.minSeverity]) return false;
  if (prefs.quietHours && severity !== 'critical') {
    const s = mins(prefs.quietHours.start);
    const e = mins(prefs.quietHours.end);
    const m = now.getHours() * 60 + now.getMinutes();
    const quiet = s === e ? false : s < e ? m >= s && m < e : m >= s || m < e;
    if (quiet) return false;
  }
  return true;
}
