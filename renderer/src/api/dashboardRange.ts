/** The dashboard's date range (UTC days, inclusive): presets and a custom from/to, in a small zustand store. */
import { create } from 'zustand';

export type Preset = '7d' | '30d' | '90d' | 'month' | 'custom';
export const PRESETS: { id: Exclude<Preset, 'custom'>; label: string }[] = [
  { id: '7d', label: '7 days' },
  { id: '30d', label: '30 days' },
  { id: '90d', label: '90 days' },
  { id: 'month', label: 'This month' },
];

const DAY = 86_400_000;
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const addDays = (day: string, n: number): string => utcDay(Date.parse(day + 'T00:00:00Z') + n * DAY);
export const isDay = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s + 'T00:00:00Z')) && utcDay(Date.parse(s + 'T00:00:00Z')) === s;

/** The range of a preset on a given day (`today`, UTC). */
export function presetRange(preset: Exclude<Preset, 'custom'>, today: string): { from: string; to: string } {
  switch (preset) {
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '30d':
      return { from: addDays(today, -29), to: today };
    case '90d':
      return { from: addDays(today, -89), to: today };
    case 'month':
      return { from: today.slice(0, 8) + '01', to: today };
  }
}

/** Why a custom range cannot be used, or null. */
export function rangeProblem(from: string, to: string): string | null {
  if (!isDay(from)) return 'Enter a start date.';
  if (!isDay(to)) return 'Enter an end date.';
  if (from > to) return 'The start date must be on or before the end date.';
  if (Date.parse(to) - Date.parse(from) > 366 * 5 * DAY) return 'Choose at most five years.';
  return null;
}

interface RangeStore {
  preset: Preset;
  from: string;
  to: string;
  setPreset(p: Exclude<Preset, 'custom'>, today?: string): void;
  setCustom(from: string, to: string): void;
}

export const useRange = create<RangeStore>((set) => ({
  preset: '30d',
  ...presetRange('30d', utcDay(Date.now())),
  setPreset: (preset, today = utcDay(Date.now())) => set({ preset, ...presetRange(preset, today) }),
  setCustom: (from, to) => set({ preset: 'custom', from, to }),
}));

/** Change against the previous period: percent (null when the previous value is 0), and the direction. */
export function delta(current: number, previous: number): { pct: number | null; dir: 'up' | 'down' | 'flat' } {
  const dir = current > previous ? 'up' : current < previous ? 'down' : 'flat';
  return { pct: previous === 0 ? null : Math.round(((current - previous) / previous) * 1000) / 10, dir };
}
