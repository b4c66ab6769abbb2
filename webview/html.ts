/**
 * The graph webview's HTML, as a pure function the extension calls: strict CSP with a nonce, no
 * remote content, no inline style; one short nonce'd script in the head (EARLY_SCRIPT). What each
 * parameter must be is in webview/README.md.
 */
export interface WebviewHtmlOptions {
  /** URI of dist/webview.js as the webview sees it (webview.asWebviewUri). */
  scriptUri: string;
  /** URI of dist/webview.css (the bundle's own styles). */
  styleUri?: string;
  /** URI of dist/webview-chrome.js (the toolbar's and side panel's components, loaded after the first frame: webview/chrome.ts). */
  chromeUri?: string;
  /** URI of dist/codicons/codicon.css (icons); the link gets the id vscode-elements looks for. */
  codiconsUri?: string;
  /** webview.cspSource. */
  cspSource: string;
  /** A fresh random nonce per render. */
  nonce: string;
  /** Page title (the model's file name). */
  title?: string;
}

/**
 * The page's first act, in its head, so it runs as the page is parsed, before the bundle is
 * fetched (tens of ms): it says 'ready' (the host answers with the model, which travels meanwhile)
 * and keeps the host's messages for the bundle (webview/early.ts takes them and the API). VS Code
 * hands its API out once, so it is acquired here for the bundle. Standalone (benchmark, tests) it
 * posts as webview/host.ts does.
 */
export const EARLY_SCRIPT = "(function(){var kept=[];function keep(e){kept.push(e.data)}addEventListener('message',keep);" +
  "var api=typeof acquireVsCodeApi==='function'?acquireVsCodeApi():null;" +
  'globalThis.edgewiseEarly={kept:kept,keep:keep,api:api,readyAt:performance.timeOrigin+performance.now()};' +
  "var ready={type:'ready'};if(api)api.postMessage(ready);" +
  "else{(globalThis.edgewiseOutbox=globalThis.edgewiseOutbox||[]).push(ready);dispatchEvent(new CustomEvent('edgewise-host',{detail:ready}))}})();";

export function renderWebviewHtml(o: WebviewHtmlOptions): string {
  const link = (href: string, id?: string, disabled = false): string =>
    `<link rel="stylesheet" nonce="${attr(o.nonce)}"${id ? ` id="${id}"` : ''} href="${attr(href)}"${disabled ? ' disabled' : ''}>`;
  return renderPage({
    csp: strictCsp(o.cspSource, o.nonce, { blobImages: true, fonts: true }), nonce: o.nonce, scriptUri: o.scriptUri, title: o.title ?? 'Model graph',
    // Codicons are fetched when the chrome's components are defined (chrome.ts), after the first frame: disabled till then.
    head: `<script nonce="${attr(o.nonce)}">${EARLY_SCRIPT}</script>\n${o.codiconsUri ? link(o.codiconsUri, 'vscode-codicon-stylesheet', true) : ''}\n${o.styleUri ? link(o.styleUri) : ''}`,
    body: `<div id="edgewise-root" class="loading"${o.chromeUri ? ` data-chrome="${attr(o.chromeUri)}"` : ''}><p class="loading-text">Loading model…</p></div>`,
  });
}

/**
 * The shell every webview page shares: its CSP, the viewport, `head` (stylesheet links), the
 * title, then `body` and the page's one script, with the nonce.
 */
export function renderPage(p: { csp: string; nonce: string; scriptUri: string; title: string; head: string; body: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(p.csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${p.head}
<title>${text(p.title)}</title>
</head>
<body>
${p.body}
<script nonce="${attr(p.nonce)}" src="${attr(p.scriptUri)}"></script>
</body>
</html>
`;
}

/** A webview page's Content-Security-Policy: nothing by default, the extension's files and nonce'd tags only. */
export function strictCsp(cspSource: string, nonce: string, allow: { blobImages?: boolean; fonts?: boolean } = {}): string {
  return [
    `default-src 'none'`,
    `img-src ${cspSource} data:${allow.blobImages ? ' blob:' : ''}`,
    ...(allow.fonts ? [`font-src ${cspSource}`] : []),
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
export const text = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
