/** The monthly P&L: profit as bars, income and expenses as lines (the window's uPlot chart). */
import uPlot from 'uplot';
import type { Pnl } from '../../../../shared/api';
import { chartAxis, timeChartBase, UPlotChart, type ChartSpec, type ChartTheme } from '../../components/UPlotChart';
import { fmtMoney } from './model';

function pnlChart(p: Pnl, t: ChartTheme): ChartSpec {
  const axis = chartAxis(t);
  const xs = p.months.map((m) => Date.parse(`${m.month}-01T00:00:00Z`) / 1000);
  const money = (v: number | null | undefined) => (v == null ? '–' : fmtMoney(v, p.currency));
  const compact = (v: number) => {
    try {
      return v.toLocaleString(undefined, { notation: 'compact', maximumFractionDigits: 1 });
    } catch {
      return String(Math.round(v));
    }
  };
  const options: ChartSpec['options'] = {
    ...timeChartBase,
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
      { label: 'Profit', stroke: t.accent, fill: t.accent, width: 0, paths: uPlot.paths.bars!({ size: [0.55, 48] }), points: { show: false }, value: (_u, v) => money(v) },
      { label: 'Income', stroke: t.ok, width: 2, points: { show: p.months.length <= 24, size: 6 }, value: (_u, v) => money(v) },
      { label: 'Expenses and AI', stroke: t.danger, width: 2, dash: [6, 4], points: { show: p.months.length <= 24, size: 6 }, value: (_u, v) => money(v) },
    ],
  };
  return { options, data: [xs, p.months.map((m) => m.profit), p.months.map((m) => m.income), p.months.map((m) => m.expenses + m.ai)] };
}

export function PnlChart({ pnl, label }: { pnl: Pnl; label: string }) {
  return <UPlotChart input={pnl} make={pnlChart} height={240} minWidth={220} label={label} className="fin-chart" testId="finance-chart" />;
}
