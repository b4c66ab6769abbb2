/**
 * Messages between the extension host and the graph webview. The webview never reads files: it
 * gets a compact ViewGraph once, then node details and overlays on demand.
 */
import type { ModelSummary, NodeDetails, Overlay, ViewGraph } from '../src/core/graph/types';

export type { Overlay };

export type HostToWebview =
  /** `unavailable`: toolbar commands this model's format cannot run, each with the reason shown on the button. */
  | { type: 'model'; file: string; graph: ViewGraph; summary: ModelSummary; unavailable?: Record<string, string> }
  | { type: 'error'; file: string; message: string }
  | { type: 'nodeDetails'; requestId: number; details: NodeDetails }
  | { type: 'nodeDetailsError'; requestId: number; message: string }
  | { type: 'overlay'; overlay: Overlay }
  | { type: 'removeOverlay'; id: string }
  /** Select and reveal a node (from a diagnostic, a search elsewhere...). */
  | { type: 'reveal'; nodeId: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'nodeDetails'; requestId: number; nodeId: string; graphPath: string[] }
  | { type: 'export'; format: 'svg' | 'png'; /** SVG text, or a PNG data URL. */ data: string }
  /** Toolbar actions that the extension runs (benchmark, quantize, prune...). */
  | { type: 'command'; command: string; nodeId?: string }
  | { type: 'selection'; nodeId: string | null }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
