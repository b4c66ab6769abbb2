/**
 * The graph view's layout request. Part of the worker's protocol (protocol.ts re-exports it);
 * handled in handlers/view.ts.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { Direction, LayoutGroup, LayoutResult } from '../core/graph/layout/types';

export interface LayoutParams {
  root: LayoutGroup;
  direction: Direction;
  /**
   * Lay out at once on the worker's main thread with core/graph/layout/quick-layout.ts, not with
   * elkjs in the layout thread: a view's first frame, which must not wait for elkjs.
   */
  quick?: boolean;
}

/** Lays out a graph view's expanded groups in the worker's layout thread (src/worker/layout/), or at once when `quick`. */
export namespace LayoutRequest {
  export const method = 'edgewise/layout';
  export const type = new RequestType<LayoutParams, LayoutResult, void>(method);
}
