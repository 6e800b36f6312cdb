/** The Runs page's view-model (no DOM): the filters in the address -> the list's input, paging merges, usage text. */
import { RunStatus, type OpInput, type RunSummary } from '../../../../shared/api';
/** The address's query (components/hashQuery's HashQuery, without its DOM). */
type HashQuery = Record<string, string>;

export const FILTER_KEYS = ['workflow', 'status', 'from', 'to'] as const;

/** The filters of the address (kept when a run is opened and closed). */
export function filtersOf(q: HashQuery): Record<(typeof FILTER_KEYS)[number], string | undefined> {
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, q[k]])) as Record<(typeof FILTER_KEYS)[number], string | undefined>;
}

export const PAGE = 50;
export const ACTIVE: RunSummary['status'][] = ['queued', 'running', 'waiting'];

/** `runs.list` input from the address's filters, and what is wrong with them (a date that is not one, From after To). */
export function listInput(q: HashQuery): { input: OpInput<'runs.list'>; problem: string | null } {
  const input: OpInput<'runs.list'> = { limit: PAGE };
  let problem: string | null = null;
  if (q.workflow) input.workflow = q.workflow;
  if (q.status && RunStatus.safeParse(q.status).success) input.status = q.status as RunSummary['status'];
  const day = (d: string, end: boolean) => {
    const t = new Date(`${d}T${end ? '23:59:59.999' : '00:00:00'}`);
    return Number.isNaN(t.getTime()) ? null : t.toISOString();
  };
  if (q.from) {
    const f = day(q.from, false);
    if (f) input.from = f;
    else problem = 'The "From" date is not a date.';
  }
  if (q.to) {
    const t = day(q.to, true);
    if (t) input.to = t;
    else problem = 'The "To" date is not a date.';
  }
  if (input.from && input.to && input.from > input.to) problem = 'The "From" date is after the "To" date: no run can match.';
  return { input, problem };
}

export interface Loaded {
  key: string;
  runs: RunSummary[];
  cursor: string | null;
}

export const newestFirst = (a: RunSummary, b: RunSummary) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1);


/**
 * A fresh first page merged into what is loaded, so paging survives live updates: the loaded runs
 * after the fresh page stay, those within its span that it no longer lists stopped matching the filters.
 */
export function mergeFirstPage(old: Loaded | null, key: string, fresh: { runs: RunSummary[]; nextCursor: string | null }): Loaded {
  if (!old || old.key !== key) return { key, runs: fresh.runs, cursor: fresh.nextCursor };
  if (fresh.nextCursor === null && old.cursor === null) return { key, runs: fresh.runs, cursor: null };
  const freshIds = new Map(fresh.runs.map((r) => [r.id, r]));
  const edge = fresh.runs[fresh.runs.length - 1]?.createdAt ?? '';
  const kept = old.runs.filter((r) => !freshIds.has(r.id) && r.createdAt < edge);
  return { key, runs: [...fresh.runs, ...kept].sort(newestFirst), cursor: old.cursor };
}

/** The next page appended (runs already listed are not repeated). */
export function appendPage(old: Loaded, page: { runs: RunSummary[]; nextCursor: string | null }): Loaded {
  const ids = new Set(old.runs.map((r) => r.id));
  return { ...old, runs: [...old.runs, ...page.runs.filter((r) => !ids.has(r.id))], cursor: page.nextCursor };
}

export type UsageTotals = { calls: number; inputTokens: number; outputTokens: number; costUsd: number };

export function usageText(u: UsageTotals): string {
  const cost = u.costUsd < 0.01 ? u.costUsd.toFixed(4) : u.costUsd.toFixed(2);
  return `${u.calls} Claude call${u.calls === 1 ? '' : 's'} · ${u.inputTokens.toLocaleString()} in / ${u.outputTokens.toLocaleString()} out tokens · $${cost}`;
}
