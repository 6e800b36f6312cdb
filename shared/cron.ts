/**
 * A cron expression in words ("every weekday at 09:00"), for the schedule
 * trigger's preview in the editor and the CLI. Pure: the next fire times are
 * computed by the core (croner, in the schedule's time zone); this only reads
 * the fields. Common patterns get a sentence; anything else is still described
 * field by field, never silently wrong.
 *
 * Fields: minute hour day-of-month month day-of-week, or a leading seconds
 * field (6 fields). Names (MON, JAN) and the @hourly / @daily / @weekly /
 * @monthly / @yearly shortcuts are understood. Day-of-week 0 and 7 are Sunday.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_NAMES: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };
const MONTH_NAMES: Record<string, number> = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };

const SHORTCUTS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const pad = (n: number) => String(n).padStart(2, '0');
const isNum = (s: string) => /^\d+$/.test(s);

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return `${n}th`;
  return `${n}${n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th'}`;
}

/** A field with names replaced by numbers (MON -> 1). */
function numbered(field: string, names: Record<string, number>): string {
  return field.toUpperCase().replace(/[A-Z]{3}/g, (m) => (m in names ? String(names[m]) : m));
}

/** "1-5" -> "Monday to Friday", "1,3" -> "Monday and Wednesday"; null when not plain values and ranges. */
function valuesText(field: string, label: (n: number) => string): string | null {
  const parts = field.split(',');
  const out: string[] = [];
  for (const p of parts) {
    const range = /^(\d+)-(\d+)$/.exec(p);
    if (range) out.push(`${label(Number(range[1]))} to ${label(Number(range[2]))}`);
    else if (isNum(p)) out.push(label(Number(p)));
    else return null;
  }
  return list(out);
}

const dayLabel = (n: number) => DAYS[n % 7] ?? String(n);
const monthLabel = (n: number) => MONTHS[n - 1] ?? String(n);

function timesOf(sec: string, min: string, hour: string): string | null {
  if (!isNum(min) || !hour.split(',').every(isNum)) return null;
  if (sec !== '0' && !isNum(sec)) return null;
  const s = sec === '0' ? '' : `:${pad(Number(sec))}`;
  return list(hour.split(',').map((h) => `${pad(Number(h))}:${pad(Number(min))}${s}`));
}

function generic(sec: string | null, min: string, hour: string, dom: string, mon: string, dow: string): string {
  const part = (name: string, v: string) => (v === '*' || v === '?' ? null : `${name} ${v}`);
  const parts = [sec !== null ? part('second', sec) : null, part('minute', min), part('hour', hour), part('day of month', dom), part('month', mon), part('day of week', dow)].filter(
    (p): p is string => p !== null,
  );
  return parts.length ? `at ${parts.join(', ')}` : 'every minute';
}

/** The cron expression in words, or null when it does not have 5 or 6 fields. */
export function describeCron(cron: string): string | null {
  const trimmed = cron.trim();
  const expanded = SHORTCUTS[trimmed.toLowerCase()] ?? trimmed;
  const f = expanded.split(/\s+/);
  if (f.length !== 5 && f.length !== 6) return null;
  const sec = f.length === 6 ? (f[0] as string) : '0';
  const [min, hour, domRaw, monRaw, dowRaw] = (f.length === 6 ? f.slice(1) : f) as [string, string, string, string, string];
  const dom = domRaw === '?' ? '*' : domRaw;
  const mon = numbered(monRaw, MONTH_NAMES);
  const dow = numbered(dowRaw === '?' ? '*' : dowRaw, DAY_NAMES);
  const allDays = dom === '*' && mon === '*' && dow === '*';

  // Sub-minute and sub-hour repetition.
  if (f.length === 6 && sec !== '0') {
    if (sec === '*' && min === '*' && hour === '*' && allDays) return 'every second';
    const step = /^\*\/(\d+)$/.exec(sec);
    if (step && min === '*' && hour === '*' && allDays) return `every ${step[1]} seconds`;
  }
  if (sec === '0' || f.length === 5) {
    if (min === '*' && hour === '*' && allDays) return 'every minute';
    const mStep = /^\*\/(\d+)$/.exec(min);
    if (mStep && hour === '*' && allDays) return mStep[1] === '1' ? 'every minute' : `every ${mStep[1]} minutes`;
    if (isNum(min) && hour === '*' && allDays) return min === '0' ? 'every hour, on the hour' : `every hour at ${Number(min)} minute${min === '1' ? '' : 's'} past`;
    const hStep = /^\*\/(\d+)$/.exec(hour);
    if (isNum(min) && hStep && allDays) return `every ${hStep[1]} hours at minute ${Number(min)}`;
  }

  const at = timesOf(sec, min, hour);
  if (at === null) return generic(f.length === 6 ? sec : null, min, hour, dom, mon, dow);
  // Day selection.
  if (dom === '*' && mon === '*') {
    if (dow === '*') return `every day at ${at}`;
    if (dow === '1-5') return `every weekday (Monday to Friday) at ${at}`;
    if (dow === '0,6' || dow === '6,0') return `every weekend day at ${at}`;
    const days = valuesText(dow, dayLabel);
    if (days) return `every ${days} at ${at}`;
  }
  if (dow === '*' && isNum(dom)) {
    if (mon === '*') return `on the ${ordinal(Number(dom))} of every month at ${at}`;
    const months = valuesText(mon, monthLabel);
    if (months) return `on ${Number(dom)} ${months} at ${at}`;
  }
  if (dow === '*' && dom === 'L' && mon === '*') return `on the last day of every month at ${at}`;
  return generic(f.length === 6 ? sec : null, min, hour, dom, mon, dow);
}
