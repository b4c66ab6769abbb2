/**
 * The graph view's requests: its open and its layouts. Part of the worker's protocol (protocol.ts
 * re-exports it); handled in handlers/view.ts.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { PackedLayoutResultText } from '../core/graph/layout/packed-result';
import type { Direction, LayoutGroup } from '../core/graph/layout/types';
import type { PackedViewGraphText } from '../core/graph/packed';
import type { TextMetrics } from '../core/graph/text-metrics';
import type { ModelSummary } from '../core/graph/types';
import type { ModelParams, ProgressParams } from './params-protocol';

/** When the worker did what for an open (epoch ms, `performance.timeOrigin + performance.now()`). */
export interface WorkerOpenTiming {
  /** The worker process started, and was ready to answer. */
  processStartAt: number;
  readyAt: number;
  /** The request arrived; the model was opened (decoded); the view graph and summary were built. */
  receivedAt: number;
  decodedAt: number;
  builtAt: number;
}

export interface OpenedView {
  /** Packed (core/graph/packed.ts): the host relays it to the webview as it is. */
  graph: PackedViewGraphText;
  nodes: number;
  summary: ModelSummary;
  timing: WorkerOpenTiming;
  /** The first screen's layout the worker started (layout/ahead.ts): drop it with DropLayoutAheadNotification if the view closes first. */
  ahead?: string;
}

export interface OpenViewParams extends ModelParams, ProgressParams {
  /** The label widths the page lays out with (sent to it too): the worker lays its first screen out ahead (layout/ahead.ts). */
  textMetrics?: TextMetrics;
}

/** Returns what the graph view shows of a model at once: its view graph and summary, with timings. */
export namespace OpenViewRequest {
  export const method = 'edgewise/openView';
  export const type = new RequestType<OpenViewParams, OpenedView, void>(method);
}

/** The view closed before its first screen was laid out ahead: the worker stops that layout (queued: dropped; running: before its next group). */
export namespace DropLayoutAheadNotification {
  export const method = 'edgewise/dropLayoutAhead';
  export const type = new NotificationType<{ ahead: string }>(method);
}

export interface LayoutParams {
  root: LayoutGroup;
  direction: Direction;
}

/**
 * Lays out a graph view's expanded groups with elkjs in the worker's layout server
 * (src/worker/layout/); answers packed (core/graph/layout/packed-result.ts), for the host to relay
 * as it is. Only a view with a group too large for its own layout asks (webview/layout/client.ts).
 */
export namespace LayoutRequest {
  export const method = 'edgewise/layout';
  export const type = new RequestType<LayoutParams, PackedLayoutResultText, void>(method);
}
