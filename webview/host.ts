/** The channel to the extension host; standalone (benchmark, test page) it posts to the window itself. */
import type { WebviewToHost } from './messages';

export interface VsCodeApi { postMessage(m: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

export interface Host {
  post(m: WebviewToHost): void;
  readonly standalone: boolean;
}

/** `acquired`: the API when the page's head script (webview/html.ts) acquired it already (VS Code hands it out once). */
export function connectHost(acquired?: VsCodeApi | null): Host {
  const api = acquired ?? (typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : null);
  if (api) return { post: (m) => api.postMessage(m), standalone: false };
  // Outside VS Code: keep what would have gone to the host where a test driver can read it.
  const g = globalThis as { edgewiseOutbox?: WebviewToHost[] };
  const outbox = g.edgewiseOutbox ??= [];
  return {
    post: (m) => { outbox.push(m); window.dispatchEvent(new CustomEvent('edgewise-host', { detail: m })); },
    standalone: true,
  };
}
