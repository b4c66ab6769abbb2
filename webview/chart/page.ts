/**
 * The page shell of the chart webviews (training, federated): strict CSP with a nonce, scripts and
 * styles from the extension's dist/ folder only (the bundled charting library included), no remote
 * content. Each chart gives its own <main>.
 */
import { attr, renderPage, strictCsp } from '../html';

export interface ChartPageOptions {
  /** The chart's script and stylesheet in dist/, as the webview sees them. */
  scriptUri: string;
  styleUri: string;
  cspSource: string;
  nonce: string;
  title: string;
}

export function renderChartPage(o: ChartPageOptions, main: string): string {
  return renderPage({
    csp: strictCsp(o.cspSource, o.nonce), nonce: o.nonce, scriptUri: o.scriptUri, title: o.title, body: main,
    head: `<link rel="stylesheet" nonce="${attr(o.nonce)}" href="${attr(o.styleUri)}">`,
  });
}
