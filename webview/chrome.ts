/**
 * When the chrome's web components (ui/elements.ts) are defined and the icons' stylesheet
 * (codicons) is fetched: after the first frame with the graph, when the model does not open (the
 * error note), or once the page has waited `IDLE_MS` for a model, whichever comes first. Until then the elements are in the page, undefined and
 * hidden (webview.css), in boxes of their final size: the canvas does not move when they appear.
 * The components are a bundle of their own (dist/webview-chrome.js, which the page's root names in
 * `data-chrome`): a webview's scripts come through VS Code's service worker without V8's code
 * cache, so the first frame's bundle is compiled without them at every open.
 */
import { host } from './early';
import { afterFrame } from './render/viewport';

const IDLE_MS = 1000;

let defined: Promise<void> | undefined;

/** Defines the chrome's elements now (once); resolves when they are, or when their bundle failed to load (reported to the host's log). */
export function defineChrome(): Promise<void> {
  // The icons' stylesheet (webview/html.ts links it disabled: it is not fetched before this).
  const codicons = document.getElementById('vscode-codicon-stylesheet');
  if (codicons instanceof HTMLLinkElement) codicons.disabled = false;
  return defined ??= loadChrome().catch((e: Error) => {
    host.post({ type: 'log', level: 'error', message: `the toolbar and side panel could not be shown: ${e.message}` });
  });
}

/** Defines them once the frame being drawn is on screen (not before its paint), or after `IDLE_MS`. */
export function defineChromeAfter(firstFrame: Promise<void>): Promise<void> {
  const idle = new Promise<void>((r) => setTimeout(r, IDLE_MS));
  const painted = firstFrame.then(afterFrame);
  return Promise.race([painted, idle]).then(defineChrome);
}

function loadChrome(): Promise<void> {
  const src = document.getElementById('edgewise-root')?.dataset.chrome;
  if (!src) return Promise.reject(new Error("the page names no components' script (data-chrome on #edgewise-root)"));
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    // The page's CSP runs only scripts with its nonce: the one the page's own scripts carry.
    script.nonce = document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce ?? '';
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`${src} did not load`));
    document.head.appendChild(script);
  });
}
