/**
 * The training chart webview's HTML: strict CSP with a nonce, scripts and styles from the
 * extension's dist/ folder only (the bundled charting library included), no remote content.
 */
import { attr, strictCsp, text } from '../html';

export interface TrainChartHtmlOptions {
  /** dist/train-chart.js and dist/train-chart.css as the webview sees them. */
  scriptUri: string;
  styleUri: string;
  cspSource: string;
  nonce: string;
  title: string;
}

export function renderTrainChartHtml(o: TrainChartHtmlOptions): string {
  const csp = strictCsp(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${attr(o.nonce)}" href="${attr(o.styleUri)}">
<title>${text(o.title)}</title>
</head>
<body>
<main id="train-root">
<h1 id="title">${text(o.title)}</h1>
<p id="status" role="status">Starting…</p>
<section><h2>Loss</h2><div id="loss-chart" class="chart"></div></section>
<section><h2>Top-1 accuracy</h2><div id="acc-chart" class="chart"></div></section>
<section><h2>Epochs</h2><table id="epochs"><thead><tr><th>epoch</th><th>loss</th><th>train top-1</th><th>val top-1</th><th>samples/s</th><th>seconds</th></tr></thead><tbody></tbody></table></section>
<section id="result" hidden><h2>Compared with the original</h2><p id="result-text"></p><table id="changes"><thead><tr><th>weight</th><th>relative change</th></tr></thead><tbody></tbody></table>
<div class="actions"><button id="open" type="button">Open Result</button><button id="compare" type="button">Compare with Original</button><button id="benchmark" type="button">Benchmark Result</button></div></section>
</main>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
