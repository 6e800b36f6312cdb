/** The monthly P&L drawn with uPlot: profit as bars, income and expenses as lines. Colours come from the theme. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Pnl } from '../../../../shared/api';
import { fmtMoney } from './model';

const HEIGHT = 240;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

function build(el: HTMLElement, p: Pnl): uPlot {
  const accent = cssVar('--accent', '#2f5bd3');
  const ok = cssVar('--ok', '#1f7a4d');
  const danger = cssVar('--danger', '#b42318');
  const muted = cssVar('--muted', '#5d6675');
  const border = cssVar('--border', '#e2e5ea');
  const font = `12px ${getComputedStyle(document.documentElement).fontFamily}`;
  const axis: uPlot.Axis = { stroke: muted, font, grid: { stroke: border, width: 1 }, ticks: { stroke: border, width: 1 } };
  const xs = p.months.map((m) => Date.parse(`${m.month}-01T00:00:00Z`) / 1000);
  const money = (v: number | null | undefined) => (v == null ? '–' : fmtMoney(v, p.currency));
  const compact = (v: number) => {
    try {
      return v.toLocaleString(undefined, { notation: 'compact', maximumFractionDigits: 1 });
    } catch {
      return String(Math.round(v));
    }
  };
  const opts: uPlot.Options = {
    width: Math.max(220, el.clientWidth),
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    legend: { show: true, live: true },
    scales: {
      x: { time: true, range: (_u, min, max) => [min - 16 * 86400, max + 16 * 86400] },
      y: {
        range: (_u, min, max) => {
          const lo = Math.min(0, min);
          const hi = Math.max(1, max);
          const pad = (hi - lo) * 0.08;
          return [lo < 0 ? lo - pad : 0, hi + pad];
        },
      },
    },
    axes: [
      { ...axis, values: (_u, splits) => splits.map((v) => new Date(v * 1000).toLocaleDateString(undefined, { month: 'short', year: '2-digit', timeZone: 'UTC' })) },
      { ...axis, size: 56, values: (_u, splits) => splits.map(compact) },
    ],
    series: [
      { label: 'Month', value: (_u, v) => (v == null ? '–' : new Date(v * 1000).toLocaleDateString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' })) },
      { label: 'Profit', stroke: accent, fill: accent, width: 0, paths: uPlot.paths.bars!({ size: [0.55, 48] }), points: { show: false }, value: (_u, v) => money(v) },
      { label: 'Income', stroke: ok, width: 2, points: { show: p.months.length <= 24, size: 6 }, value: (_u, v) => money(v) },
      { label: 'Expenses and AI', stroke: danger, width: 2, dash: [6, 4], points: { show: p.months.length <= 24, size: 6 }, value: (_u, v) => money(v) },
    ],
  };
  return new uPlot(
    opts,
    [xs, p.months.map((m) => m.profit), p.months.map((m) => m.income), p.months.map((m) => m.expenses + m.ai)],
    el,
  );
}

export function PnlChart({ pnl, label }: { pnl: Pnl; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(pnl);
  latest.current = pnl;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    plot.current?.destroy();
    plot.current = build(el, pnl);
    return undefined;
  }, [pnl]);

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
      plot.current.setSize({ width: Math.max(220, w), height: HEIGHT });
    });
    ro.observe(el);
    return () => {
      mq.removeEventListener('change', redraw);
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  return <div className="fin-chart" ref={box} role="img" aria-label={label} data-testid="finance-chart" />;
}
