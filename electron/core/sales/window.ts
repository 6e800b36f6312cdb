/**
 * Send windows: business hours in the contact's time zone, optionally
 * weekdays only. A pure function of (instant, window, zone) — the clock is the
 * caller's — made DST-safe with Intl: wall-clock times are converted to UTC
 * for each day separately, and a window start that falls into a DST gap moves
 * to the first instant after the gap.
 */

export interface Window {
  start: string; // HH:MM
  end: string; // HH:MM
  weekdaysOnly: boolean;
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function fmt(tz: string): Intl.DateTimeFormat {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    fmtCache.set(tz, f);
  }
  return f;
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Wall-clock parts of an instant in a time zone. */
export function localParts(ms: number, tz: string): LocalParts {
  const p: Record<string, string> = {};
  for (const x of fmt(tz).formatToParts(new Date(ms))) p[x.type] = x.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour) % 24,
    minute: Number(p.minute),
    second: Number(p.second),
    weekday: WEEKDAYS.indexOf(p.weekday ?? 'Sun'),
  };
}

/** Offset of the zone from UTC at an instant (ms; positive east of Greenwich). */
function offsetAt(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The UTC instant of a wall-clock time in a zone. In a DST gap (the time does
 * not exist) the result is the first instant after the gap; in an overlap the
 * earlier instant.
 */
export function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const o1 = offsetAt(guess - 12 * 3_600_000, tz); // offset before any same-day transition
  const o2 = offsetAt(guess + 12 * 3_600_000, tz);
  const a = guess - o1;
  const b = guess - o2;
  const fits = (t: number) => {
    const p = localParts(t, tz);
    return p.year === year && p.month === month && p.day === day && p.hour === hour && p.minute === minute;
  };
  if (fits(Math.min(a, b))) return Math.min(a, b);
  if (fits(Math.max(a, b))) return Math.max(a, b);
  // A gap: the wall time is skipped; take the transition instant (the first valid minute after it).
  return Math.max(a, b);
}

const hm = (s: string): [number, number] => {
  const [h, m] = s.split(':').map(Number);
  return [h ?? 0, m ?? 0];
};

/**
 * The first instant >= `at` inside the window, in zone `tz`. Returns `at`
 * itself when it is already inside.
 */
export function nextOpenSlot(at: number, w: Window, tz: string): number {
  const [sh, sm] = hm(w.start);
  const [eh, em] = hm(w.end);
  const today = localParts(at, tz);
  for (let k = 0; k < 15; k++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + k));
    const y = d.getUTCFullYear();
    const mo = d.getUTCMonth() + 1;
    const da = d.getUTCDate();
    const wd = d.getUTCDay();
    if (w.weekdaysOnly && (wd === 0 || wd === 6)) continue;
    const start = zonedToUtc(y, mo, da, sh, sm, tz);
    const end = zonedToUtc(y, mo, da, eh, em, tz);
    if (at >= end) continue;
    return Math.max(at, start);
  }
  throw new Error('no open slot in the next two weeks (check the send window)');
}

export function inWindow(at: number, w: Window, tz: string): boolean {
  return nextOpenSlot(at, w, tz) === at;
}

export function validTimeZone(tz: string | null | undefined): tz is string {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
