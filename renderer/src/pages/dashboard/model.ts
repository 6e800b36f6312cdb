/**
 * "Needs you now" (DOM-free): what the Dashboard's strip shows, in order. Critical items stay
 * pinned on top until handled: pinned escalations (the AI spend cap reached …) until
 * acknowledged, the engine paused until resumed, a workflow that failed every run of the last
 * 7 days until it succeeds again or is paused. Then the pending approvals, then the open
 * escalations grouped by cause (one line per cause with its count).
 */
import type { Approval, EngineStatus, EscalationGroup, WorkflowSummary } from '../../../../shared/api';

/** The inputs the strip loads (the KPI tiles and the small-screen tab bar read the same cache entries). */
export const NEEDS_INPUT = { approvals: { limit: 5 }, groups: { limit: 8 } } as const;

/** A workflow fails every run: at least this many finished in 7 days, none succeeded. */
export const FAILING_RUNS = 3;

export type Critical =
  | { kind: 'engine-paused'; id: 'engine-paused'; title: string; detail: string }
  | { kind: 'failing'; id: string; title: string; detail: string; workflowId: string; lastRunId: string | null };

export interface NeedsYouView {
  critical: Critical[];
  /** Pinned groups (kept on top until acknowledged), then the others. */
  pinnedGroups: EscalationGroup[];
  approvals: { pending: number; first: Approval[] } | null;
  groups: EscalationGroup[];
  /** Nothing at all needs the person. */
  clear: boolean;
}

export function needsYou(i: { approvals?: { pending: number; approvals: Approval[] } | undefined; groups?: EscalationGroup[] | undefined; engine?: EngineStatus | undefined; workflows?: WorkflowSummary[] | undefined }): NeedsYouView {
  const critical: Critical[] = [];
  if (i.engine?.paused) critical.push({ kind: 'engine-paused', id: 'engine-paused', title: 'Automation is paused', detail: 'No workflow step or timer runs until you resume: schedules, events and webhooks wait.' });
  for (const w of i.workflows ?? []) {
    if (!w.enabled || w.runs7d < FAILING_RUNS || w.successRate7d !== 0) continue;
    // The last run is what counts: once one succeeds it is no longer "failing every run".
    if (w.lastRun && w.lastRun.status === 'succeeded') continue;
    critical.push({ kind: 'failing', id: `failing:${w.id}`, title: `${w.name} fails every run`, detail: `None of its ${w.runs7d} runs of the last 7 days succeeded.`, workflowId: w.id, lastRunId: w.lastRun?.id ?? null });
  }
  const groups = (i.groups ?? []).filter((g) => g.open > 0);
  const pinnedGroups = groups.filter((g) => g.pinned);
  const rest = groups.filter((g) => !g.pinned);
  const pending = i.approvals?.pending ?? 0;
  const approvals = pending > 0 ? { pending, first: (i.approvals?.approvals ?? []).filter((a) => a.status === 'pending').slice(0, 3) } : null;
  return { critical, pinnedGroups, approvals, groups: rest, clear: critical.length === 0 && groups.length === 0 && approvals === null };
}

/** "904× Lead research failed": the group's line (a single one keeps its whole title). */
export function groupTitle(g: EscalationGroup): string {
  return g.open === 1 ? g.newest.title : `${g.open.toLocaleString('en-US')}× ${g.title}`;
}
