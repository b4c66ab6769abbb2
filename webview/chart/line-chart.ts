/**
 * Line charts of the chart pages (training, federated simulation): uPlot in the editor's colours,
 * a numeric x axis, and a y axis in percent or plain numbers.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './chart.css';

function colors(): { fg: string; grid: string } {
  const style = getComputedStyle(document.body);
  return { fg: style.getPropertyValue('--vscode-foreground').trim() || '#ccc', grid: style.getPropertyValue('--vscode-panel-border').trim() || '#8884' };
}

export const CHART_HEIGHT = 240;

/**
 * A chart in `el` with an x series named `x` and the given series. `percent`: y values are
 * fractions shown in %, on 0..1 unless `zoom` (then around the data). `integerX`: x ticks on whole numbers (rounds).
 */
export function makeLineChart(el: HTMLElement, o: { x: string; y: string; series: uPlot.Series[]; percent?: boolean; zoom?: boolean; integerX?: boolean }): uPlot {
  const { fg, grid } = colors();
  const axis = (label: string, more: Partial<uPlot.Axis> = {}): uPlot.Axis => ({ stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, label, ...more });
  const percentRange: uPlot.Range.Function = (_u, min, max) => (min === null || max === null ? [0, 1] : [Math.max(0, Math.floor(min * 20 - 0.5) / 20), Math.min(1, Math.ceil(max * 20 + 0.5) / 20)]);
  return new uPlot({
    width: Math.max(320, el.clientWidth), height: CHART_HEIGHT,
    scales: { x: { time: false }, y: o.percent ? { range: o.zoom ? percentRange : [0, 1] } : { auto: true } },
    axes: [
      axis(o.x, o.integerX ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}),
      axis(o.y, {
        ...(o.percent ? { values: (_u: uPlot, v: number[]) => v.map((t) => `${Math.round(t * 1000) / 10}%`) } : {}),
        // Wide enough for its longest tick label (epsilon reaches millions), so the axis label stays clear of it.
        size: (_u, values) => Math.max(50, Math.max(0, ...(values ?? []).map((v) => v.length)) * 7 + 30),
      }),
    ],
    series: [{ label: o.x }, ...o.series],
    legend: { live: true },
  }, [[], ...o.series.map(() => [])], el);
}

/** Fits a chart to its element (after its section was shown, or the panel resized). */
export function fitChart(chart: uPlot, el: HTMLElement): void {
  chart.setSize({ width: Math.max(320, el.clientWidth), height: CHART_HEIGHT });
}

/** Dots on a series' points, in its colour. */
export const points = (stroke: string): uPlot.Series['points'] => ({ show: true, size: 7, stroke, fill: stroke });

/** Keeps the charts as wide as their elements when the panel is resized. */
export function fitOnResize(charts: [uPlot, HTMLElement][]): void {
  window.addEventListener('resize', () => {
    for (const [chart, el] of charts) fitChart(chart, el);
  });
}
