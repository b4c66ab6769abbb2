/**
 * TEMPORARY stand-in for webview/html.ts (owned by the webview engineer) until it lands in main:
 * the same signature, a page that shows what the host posts (node count or the error) so the
 * worker -> custom editor path can be exercised. Delete when webview/html.ts is merged.
 */
export interface StandinHtmlOptions {
  scriptUri: string;
  layoutWorkerUri: string;
  styleUri?: string;
  codiconsUri?: string;
  cspSource: string;
  nonce: string;
  title?: string;
}

export function renderStandinHtml(o: StandinHtmlOptions): string {
  return `<!DOCTYPE html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${o.nonce}'; style-src 'nonce-${o.nonce}'">
<style nonce="${o.nonce}">body{font-family:var(--vscode-font-family);color:var(--vscode-foreground)} .error{color:var(--vscode-errorForeground)}</style>
</head><body><div id="edgewise-root" class="loading">Loading ${o.title ?? ''}...</div>
<script nonce="${o.nonce}">
const api = acquireVsCodeApi();
const root = document.getElementById('edgewise-root');
window.addEventListener('message', (e) => {
  const m = e.data;
  root.classList.remove("loading");
  if (m.type === 'model') root.textContent = m.graph.nodes.length + ' nodes, ' + m.summary.parameters + ' parameters';
  if (m.type === 'error') { root.className = 'error'; root.textContent = m.message; }
});
api.postMessage({ type: 'ready' });
</script></body></html>`;
}
