/**
 * Which escalation becomes a native notification, and what it says. The
 * person's preferences live in settings (`notifications.*`, set from Settings,
 * the CLI `baton settings set` or the API); a bad stored value falls back to
 * the default for that field rather than silencing every alert.
 */
import { z } from 'zod';

export type Severity = 'info' | 'warning' | 'critical';
const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export const Escalation = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  severity: z.enum(['info', 'warning', 'critical']),
  title: z.string(),
  detail: z.string().optional().default(''),
  createdAt: z.string().optional(),
  runId: z.union([z.string(), z.number()]).transform(String).optional().nullable(),
});
export type Escalation = z.output<typeof Escalation>;

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM (24-hour), e.g. 22:00');

export interface NotificationPrefs {
  /** Master switch (setting notifications.enabled). */
  enabled: boolean;
  /** Lowest severity that notifies (notifications.minSeverity); default warning. */
  minSeverity: Severity;
  /** Play the OS sound (notifications.sound). */
  sound: boolean;
  /** Local-time window in which only critical escalations notify (notifications.quietHours = { start, end }). */
  quietHours: { start: string; end: string } | null;
  /** A new approval notifies while the window is hidden (notifications.approvals). */
  approvals: boolean;
}

export const DEFAULT_PREFS: NotificationPrefs = { enabled: true, minSeverity: 'warning', sound: true, quietHours: null, approvals: true };

const fields = {
  enabled: z.boolean(),
  minSeverity: z.enum(['info', 'warning', 'critical']),
  sound: z.boolean(),
  quietHours: z.object({ start: HHMM, end: HHMM }).nullable(),
  approvals: z.boolean(),
} as const;

/**
 * Preferences from the settings record (keys notifications.enabled,
 * notifications.minSeverity, notifications.sound, notifications.quietHours,
 * notifications.approvals).
 * Each field is read on its own: an invalid value keeps that field's default
 * and is reported in `problems` (naming the setting and the fix) for the log.
 */
export function prefsFromSettings(settings: Record<string, unknown>): { prefs: NotificationPrefs; problems: string[] } {
  const prefs: NotificationPrefs = { ...DEFAULT_PREFS };
  const problems: string[] = [];
  for (const key of Object.keys(fields) as (keyof typeof fields)[]) {
    const name = `notifications.${key}`;
    if (!(name in settings) || settings[name] === undefined) continue;
    const r = fields[key].safeParse(settings[name]);
    if (r.success) (prefs as unknown as Record<string, unknown>)[key] = r.data;
    else problems.push(`setting ${name} is invalid (${r.error.issues.map((i) => i.message).join('; ')}); using the default ${JSON.stringify(DEFAULT_PREFS[key])}`);
  }
  return { prefs, problems };
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Whether a local time (minutes since midnight) falls in [start, end), wrapping past midnight. */
export function inQuietHours(quiet: NotificationPrefs['quietHours'], localMinutes: number): boolean {
  if (!quiet) return false;
  const s = minutes(quiet.start);
  const e = minutes(quiet.end);
  if (s === e) return false;
  return s < e ? localMinutes >= s && localMinutes < e : localMinutes >= s || localMinutes < e;
}

export interface NativeNotification {
  title: string;
  body: string;
  /** Linux urgency hint. */
  urgency: 'low' | 'normal' | 'critical';
  silent: boolean;
}

const TITLE_MAX = 80;
const BODY_MAX = 240;

function clip(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

/**
 * The notification for an escalation, or null when it should stay in the app
 * only: notifications off, severity below the minimum, or quiet hours (critical
 * ones still notify then, without sound). `now` is the local time to judge quiet
 * hours by.
 */
export function notificationFor(escalation: unknown, prefs: NotificationPrefs, now: Date = new Date()): NativeNotification | null {
  const parsed = Escalation.safeParse(escalation);
  if (!parsed.success || !prefs.enabled) return null;
  const e = parsed.data;
  if (RANK[e.severity] < RANK[prefs.minSeverity]) return null;
  const quiet = inQuietHours(prefs.quietHours, now.getHours() * 60 + now.getMinutes());
  if (quiet && e.severity !== 'critical') return null;
  const prefix = e.severity === 'critical' ? 'Critical: ' : e.severity === 'warning' ? 'Needs attention: ' : '';
  return {
    title: clip(prefix + (e.title || 'Escalation'), TITLE_MAX),
    body: clip(e.detail || 'Open Baton to see the details.', BODY_MAX),
    urgency: e.severity === 'critical' ? 'critical' : e.severity === 'warning' ? 'normal' : 'low',
    silent: quiet || !prefs.sound,
  };
}

/** Where the UI should go. The renderer maps `page` to its navigation; `id` selects the item. */
export interface NavigateTarget {
  page: 'dashboard' | 'approvals' | 'workflows' | 'runs' | 'contacts' | 'settings';
  id?: string;
  /** What the id is, when the page can show more than one kind (e.g. an escalation on the dashboard). */
  kind?: 'escalation' | 'approval' | 'run';
}

/** Clicking an escalation's notification: its run when it has one, else the escalation on the dashboard. */
export function navigationFor(escalation: unknown): NavigateTarget {
  const parsed = Escalation.safeParse(escalation);
  if (!parsed.success) return { page: 'dashboard' };
  const e = parsed.data;
  if (e.runId) return { page: 'runs', id: e.runId, kind: 'run' };
  return { page: 'dashboard', id: e.id, kind: 'escalation' };
}

export const ApprovalCreated = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  title: z.string().optional().default(''),
});

/**
 * A new approval waiting for the person: a notification only while the window
 * is hidden (with it open, the inbox and the badge already show it), never in
 * quiet hours, and not when turned off.
 */
export function approvalNotificationFor(
  approval: unknown,
  prefs: NotificationPrefs,
  opts: { windowVisible: boolean; now?: Date },
): NativeNotification | null {
  const parsed = ApprovalCreated.safeParse(approval);
  if (!parsed.success || !prefs.enabled || !prefs.approvals || opts.windowVisible) return null;
  const now = opts.now ?? new Date();
  if (inQuietHours(prefs.quietHours, now.getHours() * 60 + now.getMinutes())) return null;
  return {
    title: 'Approval needed',
    body: clip(parsed.data.title || 'A workflow is waiting for your decision.', BODY_MAX),
    urgency: 'normal',
    silent: !prefs.sound,
  };
}

/** Clicking an approval's notification opens it in the Approvals inbox. */
export function navigationForApproval(approval: unknown): NavigateTarget {
  const parsed = ApprovalCreated.safeParse(approval);
  return parsed.success ? { page: 'approvals', id: parsed.data.id, kind: 'approval' } : { page: 'approvals' };
}
