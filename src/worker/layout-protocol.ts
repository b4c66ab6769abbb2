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
  /**
   * Lay out at once on the worker's main thread with core/graph/layout/quick-layout.ts, not with
   * elkjs in the layout thread: a view's first frame, which must not wait for elkjs.
   */
  quick?: boolean;
}

/**
 * Lays out a graph view's expanded groups in the worker's layout thread (src/worker/layout/), or at
 * once when `quick`; answers packed (core/graph/layout/packed-result.ts), for the host to relay as it is.
 */
export namespace LayoutRequest {
  export const method = 'edgewise/layout';
  export const type = new RequestType<LayoutParams, PackedLayoutResultText, void>(method);
}
