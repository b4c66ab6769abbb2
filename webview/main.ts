/** The graph webview's entry: the page (webview/html.ts) loads this bundle; see webview/README.md. */
import './timing';
import { host, readyAt, receive } from './early';
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

function start(): void {
  const root = document.getElementById('edgewise-root') ?? document.body.appendChild(document.createElement('div'));
  root.id = 'edgewise-root';
  const app = new App(root, host);
  // For the benchmark and end-to-end tests: the app, to time layouts and drive pan/zoom.
  (globalThis as { edgewise?: App }).edgewise = app;
  app.clock.ready(readyAt);
  receive((m) => app.handle(m));
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
