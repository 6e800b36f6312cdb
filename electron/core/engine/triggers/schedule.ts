/**
 * Schedule math: when does a cron schedule in an IANA time zone fire, and which
 * fires are due after Baton was closed or asleep. Pure functions with an
 * injectable clock (every function takes `now` / `after` explicitly).
 *
 * Cron parsing and time-zone arithmetic come from croner (maintained, IANA zones,
 * documented DST rules shared with croner-rust / Vixie cron):
 * - a local time skipped by a spring-forward jump fires once, at the first valid
 *   instant after the gap (02:30 on the Paris spring-forward day fires at 03:00 CEST);
 * - a local time that occurs twice (fall-back) fires once, at its first occurrence,
 *   for "fixed-time" schedules. We set `fixedTimeRule: 'no-wildcard'` so a list
 *   such as `30 2,14 * * *` is fixed-time too; schedules with a wildcard or a step
 *   in the minute/hour fields (`*\/15 * * * *`) are intervals and keep running
 *   through the repeated hour in real time, as an interval should.
 */
import { Cron } from 'croner';

export type CatchUpPolicy = 'skip' | 'once' | 'all';

/** The part of a workflow's schedule trigger this module needs. */
export interface ScheduleSpec {
  cron: string;
  timezone: string;
  catchUp?: CatchUpPolicy | undefined;
  /** How far back missed fires are still caught up: ms, or a duration such as "3d", "12h", "90m". */
  catchUpWindow?: number | string | undefined;
}

export interface ScheduleIssue {
  path: string;
  message: string;
}

export const DEFAULT_CATCH_UP: CatchUpPolicy = 'once';
/** Missed fires older than this are recorded as missed and never run (default window). */
export const DEFAULT_CATCH_UP_WINDOW_MS = 7 * 24 * 3600_000;
/** A fire found less than this after its time is on time, not "missed" (timer jitter, a short stall). */
export const ON_TIME_GRACE_MS = 60_000;
/** Upper bound of fires enumerated in one call (policy "all" after a long sleep on a per-minute cron). */
export const MAX_FIRES = 1000;

const CRON_HELP =
  'use 5 fields "minute hour day-of-month month day-of-week" (e.g. "30 2 * * *" = every day at 02:30), or 6 with leading seconds';
const TZ_HELP = 'use an IANA time zone name such as "Europe/Paris", "America/New_York" or "UTC"';

/** True when the runtime knows this IANA zone name. */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "3d" -> ms; a number is already ms. Returns null when it cannot be read. */
export function parseDuration(v: number | string): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  const m = DURATION_RE.exec(v.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

/**
 * Every problem with a schedule, each naming the field and how to fix it.
 * `base` prefixes the paths (e.g. "trigger" -> "trigger.cron").
 */
export function scheduleIssues(spec: Partial<ScheduleSpec>, base = 'trigger'): ScheduleIssue[] {
  const p = (f: string) => (base ? `${base}.${f}` : f);
  const issues: ScheduleIssue[] = [];
  if (typeof spec.cron !== 'string' || spec.cron.trim() === '') {
    issues.push({ path: p('cron'), message: `the cron expression is missing: ${CRON_HELP}` });
  } else {
    const fields = spec.cron.trim().split(/\s+/).length;
    if (fields < 5 || fields > 6) {
      issues.push({ path: p('cron'), message: `"${spec.cron}" has ${fields} field(s): ${CRON_HELP}` });
    } else {
      try {
        new Cron(spec.cron, { paused: true, timezone: 'UTC' });
      } catch (e) {
        const why = (e as Error).message.replace(/^CronPattern:\s*/, '');
        issues.push({ path: p('cron'), message: `"${spec.cron}" is not a valid cron expression (${why}): ${CRON_HELP}` });
      }
    }
  }
  if (typeof spec.timezone !== 'string' || spec.timezone === '') {
    issues.push({ path: p('timezone'), message: `the time zone is missing: ${TZ_HELP}` });
  } else if (!isValidTimeZone(spec.timezone)) {
    issues.push({ path: p('timezone'), message: `"${spec.timezone}" is not a known time zone: ${TZ_HELP}` });
  }
  if (spec.catchUp !== undefined && !['skip', 'once', 'all'].includes(spec.catchUp)) {
    issues.push({ path: p('catchUp'), message: `"${String(spec.catchUp)}" is not a catch-up policy: use "skip", "once" (default) or "all"` });
  }
  if (spec.catchUpWindow !== undefined && parseDuration(spec.catchUpWindow) === null) {
    issues.push({
      path: p('catchUpWindow'),
      message: `"${String(spec.catchUpWindow)}" is not a duration: use milliseconds or a number with a unit ms, s, m, h, d or w (e.g. "3d")`,
    });
  }
  return issues;
}

export class ScheduleError extends Error {
  constructor(readonly issues: ScheduleIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'ScheduleError';
  }
}

const cache = new Map<string, Cron>();

/** A compiled, paused croner instance (cached: schedules are evaluated on every tick). */
function compile(cron: string, timezone: string): Cron {
  const key = `${timezone}\u0000${cron}`;
  let c = cache.get(key);
  if (!c) {
    const issues = scheduleIssues({ cron, timezone });
    if (issues.length) throw new ScheduleError(issues);
    c = new Cron(cron, { paused: true, timezone, fixedTimeRule: 'no-wildcard' });
    if (cache.size > 500) cache.clear();
    cache.set(key, c);
  }
  return c;
}

/**
 * The fire instants strictly after `after` and at or before `until` (UTC Dates,
 * ascending), at most `limit`.
 */
export function nextFires(cron: string, timezone: string, after: Date, until: Date, limit = MAX_FIRES): Date[] {
  const c = compile(cron, timezone);
  const out: Date[] = [];
  let cursor = after;
  while (out.length < limit) {
    const next = c.nextRun(cursor);
    if (!next || next.getTime() > until.getTime()) break;
    if (next.getTime() <= cursor.getTime()) break; // never loop on a non-advancing answer
    out.push(next);
    cursor = next;
  }
  return out;
}

/** The first fire strictly after `after`, or null (a pattern that can never match again). */
export function nextFireAfter(cron: string, timezone: string, after: Date): Date | null {
  return compile(cron, timezone).nextRun(after) ?? null;
}

export interface DueFires {
  /** Fires to start now, ascending. */
  fire: Date[];
  /** How many fires since `lastFireAt` will not run (policy "skip", outside the window, superseded under "once"); counted up to MAX_SKIP_COUNT. */
  skipped: number;
  /**
   * Everything up to this instant has been decided: the next call passes it as
   * `lastFireAt`. It is `now`, or the last returned fire when policy "all" hit the
   * per-call limit (the rest is caught up by the next call).
   */
  handledUntil: Date;
}

export interface DueOptions {
  /** Fires later than now - grace are on time, not missed. Default ON_TIME_GRACE_MS. */
  graceMs?: number;
  /** At most this many fires per call (default MAX_FIRES). */
  limit?: number;
}

export const MAX_SKIP_COUNT = 100_000;

/**
 * Which fires are due at `now`, given the last instant already handled
 * (`lastFireAt`: the last recorded fire, or when the schedule was enabled).
 *
 * On-time fires (within the grace period) always run. Fires missed while Baton
 * was closed or asleep follow the policy inside the window (now - window .. now):
 * - skip: none runs;
 * - once (default): the most recent missed fire runs once;
 * - all: every missed fire runs, oldest first.
 * Missed fires outside the window never run.
 */
export function dueFires(
  schedule: ScheduleSpec,
  lastFireAt: Date,
  now: Date,
  policy: CatchUpPolicy = schedule.catchUp ?? DEFAULT_CATCH_UP,
  window: number | string = schedule.catchUpWindow ?? DEFAULT_CATCH_UP_WINDOW_MS,
  opts: DueOptions = {},
): DueFires {
  const windowMs = parseDuration(window);
  if (windowMs === null) {
    throw new ScheduleError(scheduleIssues({ ...schedule, catchUpWindow: window }).filter((i) => i.path.endsWith('catchUpWindow')));
  }
  const { cron, timezone } = schedule;
  const grace = opts.graceMs ?? ON_TIME_GRACE_MS;
  const limit = opts.limit ?? MAX_FIRES;
  const t = now.getTime();
  const last = lastFireAt.getTime();
  if (last >= t) return { fire: [], skipped: 0, handledUntil: lastFireAt };
  const graceStart = new Date(Math.max(last, t - grace));
  const windowStart = new Date(Math.max(last, t - Math.max(windowMs, grace)));
  const count = (from: Date, to: Date) => (to.getTime() > from.getTime() ? nextFires(cron, timezone, from, to, MAX_SKIP_COUNT).length : 0);

  // Fires before the window: never run, only counted.
  const tooOld = count(lastFireAt, windowStart);
  // Missed fires inside the window: (windowStart, graceStart].
  let missed: Date[];
  let skipped = tooOld;
  if (policy === 'all') {
    missed = nextFires(cron, timezone, windowStart, graceStart, limit);
    if (missed.length === limit) {
      return { fire: missed, skipped, handledUntil: missed[missed.length - 1]! };
    }
  } else {
    const inWindow = count(windowStart, graceStart);
    if (policy === 'once' && inWindow > 0) {
      const latest = compile(cron, timezone).previousRuns(1, new Date(graceStart.getTime() + 1))[0];
      missed = latest && latest.getTime() > windowStart.getTime() ? [latest] : [];
      skipped += inWindow - missed.length;
    } else {
      missed = [];
      skipped += inWindow;
    }
  }
  const room = Math.max(0, limit - missed.length);
  const onTime = nextFires(cron, timezone, graceStart, now, room);
  const fire = [...missed, ...onTime];
  const truncated = onTime.length === room && nextFires(cron, timezone, fire[fire.length - 1] ?? graceStart, now, 1).length > 0;
  return { fire, skipped, handledUntil: truncated ? fire[fire.length - 1]! : now };
}

/** A workflow as far as "next run" is concerned (the engine's definition fits). */
export interface SchedulableWorkflow {
  enabled?: boolean;
  trigger: { type: string; cron?: string; timezone?: string };
}

/**
 * The next scheduled run of a workflow (for workflows.list), or null when it is
 * not a schedule, disabled, or invalid.
 */
export function nextFire(workflow: SchedulableWorkflow, now: Date = new Date()): Date | null {
  const t = workflow.trigger;
  if (workflow.enabled === false || t.type !== 'schedule' || !t.cron || !t.timezone) return null;
  try {
    return nextFireAfter(t.cron, t.timezone, now);
  } catch {
    return null;
  }
}
