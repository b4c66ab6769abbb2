/**
 * Messages between the extension host and the graph webview. The webview never reads files: it
 * gets a compact ViewGraph once, then node details and overlays on demand.
 */
import type { ModelSummary, NodeDetails, Overlay, ViewGraph } from '../src/core/graph/types';
import type { Direction, LayoutGroup, LayoutResult, LayoutThreadTiming } from '../src/core/graph/layout/types';
import type { PackedViewGraphText } from '../src/core/graph/packed';
import type { ViewGraphDelta } from '../src/core/graph/view-delta';
import type { PackedLayoutResultText } from '../src/core/graph/layout/packed-result';
import type { TextMetrics } from '../src/core/graph/text-metrics';

export type { Overlay };

export type HostToWebview =
  /**
   * `graph`: packed at the open (src/core/graph/packed.ts), as it came from the worker.
   * `unavailable`: toolbar commands this model's format cannot run, each with the reason shown on the button.
   * `editable`: the view offers the model's edits; `edited`: another version of the same model
   * (an edit, undo, redo), shown keeping the open groups, the selection and the view.
   */
  | {
    type: 'model'; file: string; graph: ViewGraph | PackedViewGraphText; summary: ModelSummary; unavailable?: Record<string, string>; editable?: boolean; edited?: boolean;
    /** The label widths to lay out with (the worker laid the first screen out with them ahead); core/graph/text-metrics.ts's built-in table when absent. */
    textMetrics?: TextMetrics;
  }
  /** Another version of the model shown (as `edited`), sent as its delta from the graph on the page (version `delta.from`). */
  | { type: 'modelDelta'; file: string; delta: ViewGraphDelta; summary: ModelSummary; unavailable?: Record<string, string>; editable?: boolean }
  | { type: 'error'; file: string; message: string }
  /** `peakRss`: the model's peak RSS as last measured (a benchmark), shown beside the node's activation memory. */
  | { type: 'nodeDetails'; requestId: number; details: NodeDetails; peakRss?: MeasuredPeakRss }
  | { type: 'nodeDetailsError'; requestId: number; message: string }
  | { type: 'overlay'; overlay: Overlay }
  | { type: 'removeOverlay'; id: string }
  /** Select and reveal a node (from a diagnostic, a search elsewhere...). */
  | { type: 'reveal'; nodeId: string }
  /** The answer to a layout request (the worker made it; packed as it came from there). */
  | { type: 'layout'; requestId: number; result: LayoutResult | PackedLayoutResultText }
  | { type: 'layoutError'; requestId: number; message: string; cancelled?: boolean };

/**
 * When the view did what for the model it shows (epoch ms: `performance.timeOrigin +
 * performance.now()`, comparable across the page, the host and the worker).
 */
export interface ViewTiming {
  /** The page started loading (its navigation), its script ran, it posted 'ready'. */
  pageStartAt: number;
  scriptAt: number;
  readyAt: number;
  /** The model message reached the app (before its graph is unpacked). */
  receivedAt: number;
  /** The first layout was asked for, and its answer arrived. */
  layoutRequestedAt: number;
  layoutAnsweredAt: number;
  /** The animation frame after the first layout was drawn: the graph is on screen. */
  paintedAt: number;
  /** The same after elkjs's layout that follows the quick first one (0 until then). */
  settledAt: number;
  firstItems: number;
  settledItems: number;
  /** elkjs time and groups laid out vs taken from the cache, in its layout of the settled view. */
  elkMs: number;
  laidOut: number;
  cached: number;
  /** That layout was asked for, and its answer was back and unpacked (0 until then); `thread`: its times in the worker's layout thread. */
  elkAskedAt: number;
  elkAnsweredAt: number;
  thread?: LayoutThreadTiming;
}

/** A measured peak resident memory of the whole process running the model (weights, runtime and buffers too). */
export interface MeasuredPeakRss {
  bytes: number;
  /** How it was measured ('last benchmark, 1 thread'). */
  how: string;
}

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'nodeDetails'; requestId: number; nodeId: string; graphPath: string[] }
  | { type: 'export'; format: 'svg' | 'png'; /** SVG text, or a PNG data URL. */ data: string }
  /** Toolbar actions that the extension runs (benchmark, quantize, prune...). */
  | { type: 'command'; command: string; nodeId?: string }
  | { type: 'selection'; nodeId: string | null }
  /** "Go to source": a frame of a node's stack trace (NodeDetails.source) for the extension to open. */
  | { type: 'openSource'; file: string; line: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** elkjs's layout, made in the worker's layout thread (the page makes its quick layouts itself: webview/layout/client.ts). */
  | { type: 'layout'; requestId: number; root: LayoutGroup; direction: Direction }
  | { type: 'cancelLayout'; requestId: number }
  /** The graph is on screen (`timing.settledAt` 0), then again once settled. */
  | { type: 'drawn'; timing: ViewTiming }
  /** The label widths measured in the page's font, when they are not the ones it was given: the host keeps them for the next opens. */
  | { type: 'textMetrics'; metrics: TextMetrics };
