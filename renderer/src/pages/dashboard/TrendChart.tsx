/** New leads per day, this period against the previous one (aligned day by day), drawn with uPlot. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface TrendSeries {
  days: string[];
  current: number[];
  previous: number[];
  /** Labels of the two periods for the legend. */
  currentLabel: string;
  previousLabel: string;
}

const HEIGHT = 220;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** '#2f5bd3' -> 'rgba(47, 91, 211, a)' (canvas fills do not take color-mix()). */
function alpha(hex: string, a: number): string | undefined {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? `rgba(${parseInt(m[1]!, 16)}, ${parseInt(m[2]!, 16)}, ${parseInt(m[3]!, 16)}, ${a})` : undefined;
}

function build(el: HTMLElement, s: TrendSeries): uPlot {
  const accent = cssVar('--accent', '#2f5bd3');
  const muted = cssVar('--muted', '#5d6675');
  const border = cssVar('--border', '#e2e5ea');
  const font = `12px ${getComputedStyle(document.documentElement).fontFamily}`;
  const axis: uPlot.Axis = { stroke: muted, font, grid: { stroke: border, width: 1 }, ticks: { stroke: border, width: 1 } };
  const xs = s.days.map((d) => Date.parse(d + 'T00:00:00Z') / 1000);
  const opts: uPlot.Options = {
    width: Math.max(200, el.clientWidth),
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    legend: { show: true, live: true },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
    axes: [
      { ...axis, values: (_u, splits) => splits.map((v) => new Date(v * 1000).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' })) },
      { ...axis, size: 44, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? v.toLocaleString() : '')) },
    ],
    series: [
      { label: 'Day', value: (_u, v) => (v == null ? '–' : new Date(v * 1000).toLocaleDateString(undefined, { dateStyle: 'medium', timeZone: 'UTC' })) },
      { label: s.currentLabel, stroke: accent, width: 2, fill: alpha(accent, 0.12), points: { show: s.days.length <= 31 } },
      { label: s.previousLabel, stroke: muted, width: 1.5, dash: [5, 4], points: { show: false } },
    ],
  };
  return new uPlot(opts, [xs, s.current, s.previous], el);
}

export function TrendChart({ series, label, stale }: { series: TrendSeries; label: string; stale?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(series);
  latest.current = series;

  // (Re)build when the data changes; rebuild on a colour-scheme change (colours come from CSS variables).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    plot.current?.destroy();
    plot.current = build(el, series);
    return undefined;
  }, [series]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const redraw = () => {
      plot.current?.destroy();
      plot.current = build(el, latest.current);
    };
    mq.addEventListener('change', redraw);
    let last = el.clientWidth;
    const ro = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w === last || !plot.current) return;
      last = w;
      plot.current.setSize({ width: Math.max(200, w), height: HEIGHT });
    });
    ro.observe(el);
    return () => {
      mq.removeEventListener('change', redraw);
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  return <div className={stale ? 'trend-chart is-stale' : 'trend-chart'} ref={box} role="img" aria-label={label} aria-busy={stale || undefined} />;
}
