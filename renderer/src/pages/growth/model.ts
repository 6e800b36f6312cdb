/**
 * Pure helpers of the Content calendar (no DOM): the entries per slot (channel and day), the
 * first free day of a channel (what the Unscheduled list's "Schedule…" form offers), and the
 * unscheduled entries (ideas and briefs without a day) grouped by channel in the calendar's channel order.
 */
import type { CalendarEntry } from '../../../../shared/api';

/** Days are UTC dates (YYYY-MM-DD), as the engine schedules them. */
export const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

export const slotKey = (channel: string, day: string) => `${channel}@${day}`;

/** The calendar's entries per slot; entries without a day are in no slot. */
export function slotsOf(entries: CalendarEntry[]): Map<string, CalendarEntry[]> {
  const by = new Map<string, CalendarEntry[]>();
  for (const e of entries) {
    if (!e.day) continue;
    const k = slotKey(e.channel, e.day);
    by.set(k, [...(by.get(k) ?? []), e]);
  }
  return by;
}

/**
 * The first day from `from` on which `channel` has no scheduled or produced entry among
 * `entries` (one slot per channel and day, as content.calendar.move checks). Only the shown
 * weeks are known here: the operation has the final word and names the next free day if taken.
 */
export function firstFreeDay(entries: CalendarEntry[], channel: string, from: string): string {
  const taken = new Set(entries.filter((e) => e.channel === channel && e.day && e.day >= from && (e.status === 'scheduled' || e.status === 'produced')).map((e) => e.day));
  let d = from;
  while (taken.has(d)) d = addDays(d, 1);
  return d;
}

/** The unscheduled entries per channel, in the calendar's channel order (channels it does not know last). */
export function unscheduledByChannel(list: CalendarEntry[], channels: string[]): { channel: string; entries: CalendarEntry[] }[] {
  const order = [...new Set([...channels, ...list.map((e) => e.channel)])];
  return order.map((channel) => ({ channel, entries: list.filter((e) => e.channel === channel) })).filter((g) => g.entries.length > 0);
}
