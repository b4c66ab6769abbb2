/** The channel to the extension host; standalone (benchmark, test page) it posts to the window itself. */
import type { WebviewToHost } from './messages';

interface VsCodeApi { postMessage(m: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

export interface Host {
  post(m: WebviewToHost): void;
  readonly standalone: boolean;
}

export function connectHost(): Host {
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi();
    return { post: (m) => api.postMessage(m), standalone: false };
  }
  // Outside VS Code: keep what would have gone to the host where a test driver can read it.
  const outbox: WebviewToHost[] = [];
  (globalThis as { edgewiseOutbox?: WebviewToHost[] }).edgewiseOutbox = outbox;
  return {
    post: (m) => { outbox.push(m); window.dispatchEvent(new CustomEvent('edgewise-host', { detail: m })); },
    standalone: true,
  };
}
