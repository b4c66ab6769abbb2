/**
 * The graph webview's HTML, as a pure function the extension calls: strict CSP with a nonce, no
 * remote content, no inline script or style. What each parameter must be is in webview/README.md.
 */
export interface WebviewHtmlOptions {
  /** URI of dist/webview.js as the webview sees it (webview.asWebviewUri). */
  scriptUri: string;
  /** URI of dist/webview.css (the bundle's own styles). */
  styleUri?: string;
  /** URI of dist/codicons/codicon.css (icons); the link gets the id vscode-elements looks for. */
  codiconsUri?: string;
  /** webview.cspSource. */
  cspSource: string;
  /** A fresh random nonce per render. */
  nonce: string;
  /** Page title (the model's file name). */
  title?: string;
}

export function renderWebviewHtml(o: WebviewHtmlOptions): string {
  const csp = [
    `default-src 'none'`,
    `img-src ${o.cspSource} data: blob:`,
    `font-src ${o.cspSource}`,
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
  ].join('; ');
  const link = (href: string, id?: string): string =>
    `<link rel="stylesheet" nonce="${attr(o.nonce)}"${id ? ` id="${id}"` : ''} href="${attr(href)}">`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${o.codiconsUri ? link(o.codiconsUri, 'vscode-codicon-stylesheet') : ''}
${o.styleUri ? link(o.styleUri) : ''}
<title>${text(o.title ?? 'Model graph')}</title>
</head>
<body>
<div id="edgewise-root" class="loading"><p class="loading-text">Loading model…</p></div>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const text = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
