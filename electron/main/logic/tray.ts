/**
 * The tray: its menu as plain objects (index.ts turns them into an Electron
 * Menu), the tooltip and badge, and tolerant readers for the engine's events,
 * whose exact payloads may still change.
 */

export type TrayAction = 'toggle-window' | 'open-approvals' | 'pause-all' | 'resume-all' | 'quit';

export interface TrayMenuItem {
  id: string;
  label?: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  action?: TrayAction;
}

export interface TrayState {
  pendingApprovals: number;
  paused: boolean;
  windowVisible: boolean;
  /** False when the engine's pause/resume operations are not there (yet). */
  canPause?: boolean;
}

export function approvalsLabel(n: number): string {
  if (n <= 0) return 'No pending approvals';
  if (n === 1) return '1 pending approval';
  return `${n} pending approvals`;
}

export function trayMenu(state: TrayState): TrayMenuItem[] {
  const n = Math.max(0, Math.floor(state.pendingApprovals || 0));
  const canPause = state.canPause ?? true;
  return [
    { id: 'window', label: state.windowVisible ? 'Hide Baton' : 'Open Baton', action: 'toggle-window' },
    { id: 'approvals', label: approvalsLabel(n), enabled: n > 0, action: 'open-approvals' },
    { id: 'sep-1', type: 'separator' },
    state.paused
      ? { id: 'automations', label: 'Resume all automations', enabled: canPause, action: 'resume-all' }
      : { id: 'automations', label: 'Pause all automations', enabled: canPause, action: 'pause-all' },
    { id: 'sep-2', type: 'separator' },
    { id: 'quit', label: 'Quit Baton', action: 'quit' },
  ];
}

/** Tooltip: what Baton is doing, in one line. */
export function trayTooltip(state: Pick<TrayState, 'pendingApprovals' | 'paused'>): string {
  const parts = ['Baton'];
  parts.push(state.paused ? 'automations paused' : 'automations running');
  if (state.pendingApprovals > 0) parts.push(approvalsLabel(state.pendingApprovals));
  return parts.join(' — ');
}

/** The dock/launcher badge: the pending approvals, capped so it fits. */
export function badgeCount(pendingApprovals: number): number {
  if (!Number.isFinite(pendingApprovals) || pendingApprovals <= 0) return 0;
  return Math.min(Math.floor(pendingApprovals), 999);
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : null;
}

/** The number of pending approvals from an `approvals.count` event: a number, or { pending | count | total }. */
export function pendingCountFrom(payload: unknown): number | null {
  const direct = num(payload);
  if (direct !== null) return direct;
  if (payload && typeof payload === 'object') {
    const o = payload as Record<string, unknown>;
    for (const key of ['pending', 'count', 'total']) {
      const v = num(o[key]);
      if (v !== null) return v;
    }
  }
  return null;
}

/** Whether the engine is paused, from `engine.status` output (or an engine event): { paused } or { state: 'paused' }. */
export function pausedFrom(payload: unknown): boolean | null {
  if (!payload || typeof payload !== 'object') return null;
  const o = payload as Record<string, unknown>;
  if (typeof o.paused === 'boolean') return o.paused;
  if (typeof o.state === 'string') return o.state === 'paused';
  if (typeof o.status === 'string') return o.status === 'paused';
  return null;
}
