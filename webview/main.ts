/** The graph webview's entry: the page (webview/html.ts) loads this bundle; see webview/README.md. */
import './timing';
import { host, readyAt, receive } from './early';
import './webview.css';
import { App } from './app';
import { defineChrome, defineChromeAfter } from './chrome';
import { rehearse, type Rehearsed } from './rehearsal';
import { BUILT_IN_METRICS } from '../src/core/graph/text-metrics';

function start(): void {
  const root = document.getElementById('edgewise-root') ?? document.body.appendChild(document.createElement('div'));
  root.id = 'edgewise-root';
  const app = new App(root, host);
  // For the benchmark and end-to-end tests: the app, to time layouts and drive pan/zoom.
  (globalThis as { edgewise?: App }).edgewise = app;
  app.clock.ready(readyAt);
  // The toolbar's and side panel's components come after the graph's first frame (chrome.ts).
  void defineChromeAfter(app.whenLaidOut()).then(() => requestAnimationFrame(() => app.toolbar.fitRow()));
  let heard = false;
  receive((m) => {
    heard = true;
    if (m.type === 'error') void defineChrome();
    app.handle(m);
  });
  // While the worker still decodes the model (unless it is here already). What it did is kept for tests.
  void rehearse({ theme: app.viewport.theme, metrics: BUILT_IN_METRICS, stop: () => heard })
    .then((r) => { (globalThis as { edgewiseRehearsed?: Rehearsed }).edgewiseRehearsed = r; });
}

// The page's script is the body's last element: its root is parsed already, and the model may be
// here too (it travels while the bundle loads), so the app starts now, not after the parser's next turns.
if (document.readyState === 'loading' && !document.getElementById('edgewise-root')) document.addEventListener('DOMContentLoaded', start);
else start();
