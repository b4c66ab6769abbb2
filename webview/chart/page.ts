/**
 * The page shell of the chart webviews (training, federated): strict CSP with a nonce, scripts and
 * styles from the extension's dist/ folder only (the bundled charting library included), no remote
 * content. Each chart gives its own <main>.
 */
import { attr, strictCsp, text } from '../html';

export interface ChartPageOptions {
  /** The chart's script and stylesheet in dist/, as the webview sees them. */
  scriptUri: string;
  styleUri: string;
  cspSource: string;
  nonce: string;
  title: string;
}

export function renderChartPage(o: ChartPageOptions, main: string): string {
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
${main}
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
