/**
 * The tray: its menu as plain objects (index.ts turns them into an Electron
 * Menu), the tooltip and badge, and tolerant readers for the engine's events,
 * whose exact payloads may still change.
 */

export type TrayAction = 'toggle-window' | 'open-approvals' | 'open-escalations' | 'pause-all' | 'resume-all' | 'quit';

export interface TrayMenuItem {
  id: string;
  label?: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  action?: TrayAction;
}

export interface TrayState {
  pendingApprovals: number;
  /** Escalations nobody acknowledged yet (hot leads, complaints, failed runs …). */
  openEscalations?: number;
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

export function escalationsLabel(n: number): string {
  if (n <= 0) return 'No open escalations';
  if (n === 1) return '1 open escalation';
  return `${n} open escalations`;
}

export function trayMenu(state: TrayState): TrayMenuItem[] {
  const n = Math.max(0, Math.floor(state.pendingApprovals || 0));
  const e = Math.max(0, Math.floor(state.openEscalations || 0));
  const canPause = state.canPause ?? true;
  return [
    { id: 'window', label: state.windowVisible ? 'Hide Baton' : 'Open Baton', action: 'toggle-window' },
    { id: 'approvals', label: approvalsLabel(n), enabled: n > 0, action: 'open-approvals' },
    { id: 'escalations', label: escalationsLabel(e), enabled: e > 0, action: 'open-escalations' },
    { id: 'sep-1', type: 'separator' },
    state.paused
      ? { id: 'automations', label: 'Resume all automations', enabled: canPause, action: 'resume-all' }
      : { id: 'automations', label: 'Pause all automations', enabled: canPause, action: 'pause-all' },
    { id: 'sep-2', type: 'separator' },
    { id: 'quit', label: 'Quit Baton', action: 'quit' },
  ];
}

/** Tooltip: what Baton is doing, in one line. */
export function trayTooltip(state: Pick<TrayState, 'pendingApprovals' | 'paused' | 'openEscalations'>): string {
  const parts = ['Baton'];
  parts.push(state.paused ? 'automations paused' : 'automations running');
  if (state.pendingApprovals > 0) parts.push(approvalsLabel(state.pendingApprovals));
  if ((state.openEscalations ?? 0) > 0) parts.push(escalationsLabel(state.openEscalations ?? 0));
  return parts.join(' — ');
}

/** The dock/launcher badge: what waits for the person (pending approvals + open escalations), capped so it fits. */
export function badgeCount(pendingApprovals: number, openEscalations = 0): number {
  const n = (Number.isFinite(pendingApprovals) && pendingApprovals > 0 ? Math.floor(pendingApprovals) : 0) + (Number.isFinite(openEscalations) && openEscalations > 0 ? Math.floor(openEscalations) : 0);
  return Math.min(n, 999);
}

/** `escalations.list` answer -> the unacknowledged count, or null when it is not one. */
export function openEscalationsFrom(payload: unknown): number | null {
  const n = (payload as { unacknowledged?: unknown } | null)?.unacknowledged;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.floor(n) : null;
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
