/** The training chart webview's page: loss, top-1 and epochs, in the chart page shell (strict CSP). */
import { text } from '../html';
import { renderChartPage, type ChartPageOptions } from '../chart/page';

/** dist/train-chart.js and dist/train-chart.css, the page's CSP source, nonce and title. */
export type TrainChartHtmlOptions = ChartPageOptions;

export function renderTrainChartHtml(o: TrainChartHtmlOptions): string {
  return renderChartPage(o, `<main id="train-root">
<h1 id="title">${text(o.title)}</h1>
<p id="status" role="status">Starting…</p>
<section><h2>Loss</h2><div id="loss-chart" class="chart"></div></section>
<section><h2>Top-1 accuracy</h2><div id="acc-chart" class="chart"></div></section>
<section><h2>Epochs</h2><table id="epochs"><thead><tr><th>epoch</th><th>loss</th><th>train top-1</th><th>val top-1</th><th>samples/s</th><th>seconds</th></tr></thead><tbody></tbody></table></section>
<section id="result" hidden><h2>Compared with the original</h2><p id="result-text"></p><table id="changes"><thead><tr><th>weight</th><th>relative change</th></tr></thead><tbody></tbody></table>
<div class="actions"><button id="open" type="button">Open Result</button><button id="compare" type="button">Compare with Original</button><button id="benchmark" type="button">Benchmark Result</button></div></section>
</main>`);
}
