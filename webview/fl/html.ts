/** The federated training chart's page: accuracy, loss, privacy and rounds, in the chart page shell (strict CSP). */
import { text } from '../html';
import { renderChartPage, type ChartPageOptions } from '../chart/page';

export function renderFlChartHtml(o: ChartPageOptions): string {
  return renderChartPage(o, `<main id="fl-root">
<h1 id="title">${text(o.title)}</h1>
<p id="setup"></p>
<p id="status" role="status">Starting…</p>
<section><h2>Global model: validation top-1 per round</h2><div id="acc-chart" class="chart"></div></section>
<section><h2>Clients' local training loss</h2><div id="loss-chart" class="chart"></div></section>
<section id="privacy" hidden><h2>Privacy spent (ε)</h2><div id="eps-chart" class="chart"></div></section>
<section><h2>Rounds</h2><table id="rounds"><thead><tr><th>round</th><th>clients</th><th>samples</th><th>val top-1</th><th>client loss</th><th>update norm</th><th>ε</th><th>upload / client</th><th>seconds</th></tr></thead><tbody></tbody></table></section>
<section id="result" hidden><h2>Result</h2><p id="result-text"></p>
<div class="actions"><button id="open" type="button">Open Result</button><button id="compare" type="button">Compare with Original</button></div></section>
</main>`);
}
