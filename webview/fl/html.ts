/**
 * The federated training chart's HTML: strict CSP with a nonce, scripts and styles from the
 * extension's dist/ folder only, no remote content.
 */
import { attr, strictCsp, text } from '../html';
import type { TrainChartHtmlOptions } from '../train/html';

export function renderFlChartHtml(o: TrainChartHtmlOptions): string {
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
<main id="fl-root">
<h1 id="title">${text(o.title)}</h1>
<p id="setup"></p>
<p id="status" role="status">Starting…</p>
<section><h2>Global model: validation top-1 per round</h2><div id="acc-chart" class="chart"></div></section>
<section><h2>Clients' local training loss</h2><div id="loss-chart" class="chart"></div></section>
<section id="privacy" hidden><h2>Privacy spent (ε)</h2><div id="eps-chart" class="chart"></div></section>
<section><h2>Rounds</h2><table id="rounds"><thead><tr><th>round</th><th>clients</th><th>samples</th><th>val top-1</th><th>client loss</th><th>update norm</th><th>ε</th><th>upload / client</th><th>seconds</th></tr></thead><tbody></tbody></table></section>
<section id="result" hidden><h2>Result</h2><p id="result-text"></p>
<div class="actions"><button id="open" type="button">Open Result</button><button id="compare" type="button">Compare with Original</button></div></section>
</main>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
