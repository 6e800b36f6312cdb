/**
 * Escalations as they happen, on every page: an in-app toast (critical ones stay until dismissed)
 * and, in a browser where the person allowed it, a Web Notification. The desktop app's main process
 * notifies natively, so Web Notifications are skipped when window.baton is present.
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import type { Severity } from '../../../shared/api';
import { useApi, useEvent } from '../api/hooks';
import { DEFAULT_WEB_PREFS, shouldNotify, toastOf, useToasts, webPrefsFrom, type Toast } from '../api/toasts';
import './toasts.css';

const AUTO_DISMISS_MS = 10_000;
export const SEVERITY_LABEL: Record<Severity, string> = { info: 'Info', warning: 'Warning', critical: 'Critical' };
export const SEVERITY_ICON: Record<Severity, string> = { info: 'i', warning: '!', critical: '!!' };

/** Web Notifications make sense here: a browser (not the desktop app) that has the API. */
export function webNotificationsAvailable(): boolean {
  return typeof window !== 'undefined' && !window.baton && 'Notification' in window;
}

// The permission can change outside the page (site settings): re-read on focus.
const permissionListeners = new Set<() => void>();
function subscribePermission(cb: () => void) {
  permissionListeners.add(cb);
  window.addEventListener('focus', cb);
  return () => {
    permissionListeners.delete(cb);
    window.removeEventListener('focus', cb);
  };
}
const readPermission = (): NotificationPermission | 'unavailable' => (webNotificationsAvailable() ? Notification.permission : 'unavailable');

export function useNotificationPermission() {
  const permission = useSyncExternalStore(subscribePermission, readPermission, () => 'unavailable' as const);
  const request = useCallback(async () => {
    if (!webNotificationsAvailable()) return;
    await Notification.requestPermission();
    permissionListeners.forEach((l) => l());
  }, []);
  return { permission, request };
}

/** "Allow desktop notifications", or where they stand. Nothing in the desktop app (it notifies natively). */
export function NotificationPermissionButton() {
  const { permission, request } = useNotificationPermission();
  if (permission === 'unavailable') return null;
  if (permission === 'granted') return <span className="muted notify-state">Desktop notifications on</span>;
  if (permission === 'denied') return <span className="muted notify-state">Desktop notifications blocked in the browser's site settings</span>;
  return (
    <button type="button" className="btn" onClick={() => void request()}>
      Allow desktop notifications
    </button>
  );
}

export function runHref(runId: string): string {
  return `#/runs?run=${encodeURIComponent(runId)}`;
}

export function Toasts() {
  const toasts = useToasts((s) => s.toasts);
  const overflow = useToasts((s) => s.overflow);
  const push = useToasts((s) => s.push);
  const dismissAll = useToasts((s) => s.dismissAll);
  const settings = useApi('settings.get', {});
  useEvent('settings.changed', ({ key }) => {
    if (key.startsWith('notifications.')) settings.reload();
  });
  const prefs = settings.data ? webPrefsFrom(settings.data.settings) : DEFAULT_WEB_PREFS;

  useEvent('escalation.raised', (e) => {
    push(toastOf(e));
    if (!webNotificationsAvailable() || Notification.permission !== 'granted' || !shouldNotify(e.severity, prefs)) return;
    try {
      const n = new Notification(`${e.severity === 'critical' ? 'Critical: ' : e.severity === 'warning' ? 'Needs attention: ' : ''}${e.title}`, {
        body: e.detail.slice(0, 240),
        tag: `baton-escalation-${e.id}`,
      });
      n.onclick = () => {
        window.focus();
        window.location.hash = e.runId ? runHref(e.runId) : '#/dashboard';
        n.close();
      };
    } catch {
      // Some browsers only allow notifications from a service worker: the in-app toast is there anyway.
    }
  });

  const urgent = toasts.filter((t) => t.severity === 'critical');
  const rest = toasts.filter((t) => t.severity !== 'critical');
  return (
    <div className="toasts">
      <div role="alert" className="toast-group">
        {urgent.map((t) => (
          <ToastItem key={t.id} toast={t} />
        ))}
      </div>
      <div role="status" className="toast-group">
        {rest.map((t) => (
          <ToastItem key={t.id} toast={t} />
        ))}
        {overflow > 0 && toasts.length > 0 ? (
          <div className="toast toast-more">
            <p>
              {overflow} more escalation{overflow === 1 ? '' : 's'} ·{' '}
              <a href="#/dashboard" onClick={dismissAll}>
                see them on the Dashboard
              </a>
            </p>
            <button type="button" className="btn-link" onClick={dismissAll}>
              Dismiss all
            </button>
          </div>
        ) : null}
      </div>
    </div>
  );
}

function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useToasts((s) => s.dismiss);
  const [held, setHeld] = useState(false);
  // Non-critical toasts leave by themselves, but not while the pointer or focus is on them.
  useEffect(() => {
    if (toast.severity === 'critical' || held) return;
    const t = window.setTimeout(() => dismiss(toast.id), AUTO_DISMISS_MS);
    return () => window.clearTimeout(t);
  }, [toast.id, toast.severity, held, dismiss]);
  return (
    <div
      className={`toast toast-${toast.severity}`}
      data-testid="toast"
      onMouseEnter={() => setHeld(true)}
      onMouseLeave={() => setHeld(false)}
      onFocus={() => setHeld(true)}
      onBlur={() => setHeld(false)}
    >
      <span className="toast-icon" aria-hidden="true">
        {SEVERITY_ICON[toast.severity]}
      </span>
      <div className="toast-body">
        <p className="toast-title">
          <span className="toast-sev">{SEVERITY_LABEL[toast.severity]}:</span> {toast.title}
        </p>
        {toast.detail ? <p className="toast-detail">{toast.detail}</p> : null}
        {toast.runId ? (
          <a className="toast-link" href={runHref(toast.runId)} onClick={() => dismiss(toast.id)}>
            Open the run
          </a>
        ) : null}
      </div>
      <button type="button" className="toast-close" aria-label={`Dismiss: ${toast.title}`} onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </div>
  );
}
