/**
 * A trend's lifecycle and velocity from its series (docs/growth.md, "Trend
 * lifecycle"). Pure. With w = the window (setting growth.content window, 7
 * points by default) over the series sorted by day:
 *
 *   recent   = mean of the last w points
 *   previous = mean of the w points before them (0 when there are none)
 *   velocity = (recent − previous) / max(previous, 1)       (relative change per window)
 *   peak     = the largest mean of any w consecutive points
 *
 *   EMERGING   velocity ≥ 0.5 and recent ≥ MIN_LEVEL     (rising fast, or new with real volume)
 *   DECLINING  velocity ≤ −0.25                           (falling)
 *   PEAK       recent ≥ 0.75 × peak                       (at or near its highest, not moving much)
 *   STEADY     otherwise
 */

export type Lifecycle = 'EMERGING' | 'PEAK' | 'DECLINING' | 'STEADY';
export const MIN_LEVEL = 1;

export interface LifecycleResult {
  lifecycle: Lifecycle;
  velocity: number;
  recent: number;
  previous: number;
  peak: number;
  last: number;
}

export function lifecycleOf(values: readonly number[], w: number): LifecycleResult {
  const n = values.length;
  if (n === 0) return { lifecycle: 'STEADY', velocity: 0, recent: 0, previous: 0, peak: 0, last: 0 };
  const win = Math.max(1, Math.min(w, n));
  const mean = (from: number, to: number) => {
    let s = 0;
    for (let i = from; i < to; i++) s += values[i]!;
    return to > from ? s / (to - from) : 0;
  };
  const recent = mean(n - win, n);
  const previous = n > win ? mean(Math.max(0, n - 2 * win), n - win) : 0;
  // Largest window mean, in one pass.
  let sum = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    sum += values[i]!;
    if (i >= win) sum -= values[i - win]!;
    if (i >= win - 1) peak = Math.max(peak, sum / win);
  }
  const velocity = Math.round(((recent - previous) / Math.max(previous, 1)) * 1000) / 1000;
  let lifecycle: Lifecycle;
  if (velocity >= 0.5 && recent >= MIN_LEVEL) lifecycle = 'EMERGING';
  else if (velocity <= -0.25) lifecycle = 'DECLINING';
  else if (peak > 0 && recent >= 0.75 * peak) lifecycle = 'PEAK';
  else lifecycle = 'STEADY';
  return { lifecycle, velocity, recent: round(recent), previous: round(previous), peak: round(peak), last: values[n - 1]! };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
