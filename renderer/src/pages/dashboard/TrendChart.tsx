/** New leads per day, this period against the previous one (aligned day by day): the window's uPlot chart. */
import { chartAxis, timeChartBase, UPlotChart, type ChartSpec, type ChartTheme } from '../../components/UPlotChart';

export interface TrendSeries {
  days: string[];
  current: number[];
  previous: number[];
  /** Labels of the two periods for the legend. */
  currentLabel: string;
  previousLabel: string;
}

/** '#2f5bd3' -> 'rgba(47, 91, 211, a)' (canvas fills do not take color-mix()). */
function alpha(hex: string, a: number): string | undefined {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? `rgba(${parseInt(m[1]!, 16)}, ${parseInt(m[2]!, 16)}, ${parseInt(m[3]!, 16)}, ${a})` : undefined;
}

function trendChart(s: TrendSeries, t: ChartTheme): ChartSpec {
  const axis = chartAxis(t);
  const xs = s.days.map((d) => Date.parse(d + 'T00:00:00Z') / 1000);
  return {
    options: {
      ...timeChartBase,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
      axes: [
        { ...axis, values: (_u, splits) => splits.map((v) => new Date(v * 1000).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' })) },
        { ...axis, size: 44, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? v.toLocaleString() : '')) },
      ],
      series: [
        { label: 'Day', value: (_u, v) => (v == null ? '–' : new Date(v * 1000).toLocaleDateString(undefined, { dateStyle: 'medium', timeZone: 'UTC' })) },
        { label: s.currentLabel, stroke: t.accent, width: 2, fill: alpha(t.accent, 0.12), points: { show: s.days.length <= 31 } },
        { label: s.previousLabel, stroke: t.muted, width: 1.5, dash: [5, 4], points: { show: false } },
      ],
    },
    data: [xs, s.current, s.previous],
  };
}

export function TrendChart({ series, label, stale }: { series: TrendSeries; label: string; stale?: boolean }) {
  return <UPlotChart input={series} make={trendChart} height={220} minWidth={200} label={label} className={stale ? 'trend-chart is-stale' : 'trend-chart'} busy={stale} />;
}
