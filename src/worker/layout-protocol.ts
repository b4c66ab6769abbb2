/**
 * The graph view's layout request. Part of the worker's protocol (protocol.ts re-exports it);
 * handled in handlers/view.ts.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { PackedLayoutResultText } from '../core/graph/layout/packed-result';
import type { Direction, LayoutGroup } from '../core/graph/layout/types';

export interface LayoutParams {
  root: LayoutGroup;
  direction: Direction;
}

/**
 * Lays out a graph view's expanded groups with elkjs in the worker's layout thread
 * (src/worker/layout/); answers packed (core/graph/layout/packed-result.ts), for the host to relay
 * as it is. The view makes its quick first-frame layouts itself (webview/layout/client.ts).
 */
export namespace LayoutRequest {
  export const method = 'edgewise/layout';
  export const type = new RequestType<LayoutParams, PackedLayoutResultText, void>(method);
}
