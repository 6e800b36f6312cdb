/**
 * One uPlot chart component for every chart of the window (the dashboard's trend, the finance P&L):
 * it builds the plot when its input changes, builds it again when the colour scheme changes (colours
 * come from the theme's CSS variables, read at build time), follows its box's width, and destroys the
 * plot when it unmounts. A chart is a pure `make(input, theme)` function (defined once, outside render)
 * that returns the uPlot options and data.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** The theme's colours and font as the canvas needs them (a canvas does not read CSS variables). */
export interface ChartTheme {
  accent: string;
  ok: string;
  danger: string;
  muted: string;
  border: string;
  font: string;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function chartTheme(): ChartTheme {
  return {
    accent: cssVar('--accent', '#2f5bd3'),
    ok: cssVar('--ok', '#1f7a4d'),
    danger: cssVar('--danger', '#b42318'),
    muted: cssVar('--muted', '#5d6675'),
    border: cssVar('--border', '#e2e5ea'),
    font: `12px ${getComputedStyle(document.documentElement).fontFamily}`,
  };
}

/** The axis style every chart shares: muted labels, grid and ticks in the border colour. */
export function chartAxis(t: ChartTheme): uPlot.Axis {
  return { stroke: t.muted, font: t.font, grid: { stroke: t.border, width: 1 }, ticks: { stroke: t.border, width: 1 } };
}

/** Options shared by the time charts: dates in UTC, no drag-zoom, a live legend. */
export const timeChartBase = {
  tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
  cursor: { drag: { x: false, y: false }, points: { size: 7 } },
  legend: { show: true, live: true },
} satisfies Partial<uPlot.Options>;

export interface ChartSpec {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
}

export interface UPlotChartProps<T> {
  /** The chart's data; a new object draws the chart again. */
  input: T;
  /** Options and data for `input` (a stable function, defined outside render). */
  make: (input: T, theme: ChartTheme) => ChartSpec;
  height: number;
  /** The narrowest the plot gets, whatever its box. */
  minWidth: number;
  /** What the chart shows, for screen readers (the box has role="img"). */
  label: string;
  className: string;
  testId?: string;
  busy?: boolean;
}

export function UPlotChart<T>({ input, make, height, minWidth, label, className, testId, busy }: UPlotChartProps<T>) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef({ input, make, height, minWidth });
  latest.current = { input, make, height, minWidth };

  const draw = (el: HTMLElement) => {
    const { input: i, make: m, height: h, minWidth: w } = latest.current;
    plot.current?.destroy();
    const spec = m(i, chartTheme());
    plot.current = new uPlot({ ...spec.options, width: Math.max(w, el.clientWidth), height: h }, spec.data, el);
  };

  // (Re)build when the data changes.
  useEffect(() => {
    if (box.current) draw(box.current);
  }, [input, make]);

  // Rebuild on a colour-scheme change; follow the box's width; destroy on unmount.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const redraw = () => draw(el);
    mq.addEventListener('change', redraw);
    let last = el.clientWidth;
    const ro = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w === last || !plot.current) return;
      last = w;
      plot.current.setSize({ width: Math.max(latest.current.minWidth, w), height: latest.current.height });
    });
    ro.observe(el);
    return () => {
      mq.removeEventListener('change', redraw);
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  return <div className={className} ref={box} role="img" aria-label={label} aria-busy={busy || undefined} data-testid={testId} />;
}
