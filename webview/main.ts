/** The graph webview's entry: the page (webview/html.ts) loads this bundle; see webview/README.md. */
import './timing';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-context-menu/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import './webview.css';
import { App } from './app';
import { connectHost } from './host';
import type { HostToWebview } from './messages';

function start(): void {
  const root = document.getElementById('edgewise-root') ?? document.body.appendChild(document.createElement('div'));
  root.id = 'edgewise-root';
  const host = connectHost();
  const app = new App(root, host);
  window.addEventListener('message', (e: MessageEvent<HostToWebview>) => {
    if (e.data && typeof e.data === 'object' && 'type' in e.data) app.handle(e.data);
  });
  // For the benchmark and end-to-end tests: the app, to time layouts and drive pan/zoom.
  (globalThis as { edgewise?: App }).edgewise = app;
  app.clock.ready();
  host.post({ type: 'ready' });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
