/**
 * When the chrome's web components (ui/elements.ts) are defined and the icons' stylesheet
 * (codicons) is fetched: after the first frame with the graph, when the model does not open (the
 * error note), or once the page has waited `IDLE_MS` for a model, whichever comes first. Until then the elements are in the page, undefined and
 * hidden (webview.css), in boxes of their final size: the canvas does not move when they appear.
 */
import { afterFrame } from './render/viewport';

const IDLE_MS = 1000;

let defined: Promise<void> | undefined;

/** Defines the chrome's elements now (once); resolves when they are. */
export function defineChrome(): Promise<void> {
  // esbuild keeps this in the one bundle: the import only defers evaluating the module.
  // The icons' stylesheet (webview/html.ts links it disabled: it is not fetched before this).
  const codicons = document.getElementById('vscode-codicon-stylesheet');
  if (codicons instanceof HTMLLinkElement) codicons.disabled = false;
  return defined ??= import('./ui/elements').then(() => undefined);
}

/** Defines them once the frame being drawn is on screen (not before its paint), or after `IDLE_MS`. */
export function defineChromeAfter(firstFrame: Promise<void>): Promise<void> {
  const idle = new Promise<void>((r) => setTimeout(r, IDLE_MS));
  const painted = firstFrame.then(afterFrame);
  return Promise.race([painted, idle]).then(defineChrome);
}
