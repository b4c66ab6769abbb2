import * as vscode from 'vscode';
import type { MeasuredPeakRss, Overlay } from '../../webview/messages';
import type { GraphPanel } from './graph-panel';
import { recordedPeakRss } from './recorded-peak-rss';
import type { RunNode } from './runs-view';

/** The custom editor's view type (package.json `contributes.customEditors`). */
export const GRAPH_VIEW_TYPE = 'edgewise.modelGraph';

/**
 * Every open graph editor, by model file. Features that compute per-node numbers (latency,
 * accuracy drop) push them here as overlays; diagnostics and reports reveal nodes through it.
 */
export class GraphPanels implements vscode.Disposable {
  private readonly panels = new Set<GraphPanel>();
  /** Each model's peak RSS as last measured (a benchmark), by URI. */
  private readonly measured = new Map<string, MeasuredPeakRss>();
  /** The recorded runs (the Runs view's), for a model not benchmarked in this window. */
  private recordedRuns: () => Promise<readonly RunNode[]> = async () => [];
  /** When `open` was asked for each model (epoch ms), until its editor takes it. */
  private readonly openRequests = new Map<string, number>();
  private readonly opened = new vscode.EventEmitter<GraphPanel>();
  /** Fires when a graph editor opens (before its model has loaded). */
  readonly onDidOpen = this.opened.event;

  add(panel: GraphPanel): void {
    this.panels.add(panel);
    panel.webviewPanel.onDidDispose(() => {
      this.panels.delete(panel);
      panel.dispose();
    });
    this.opened.fire(panel);
  }

  /** The open graphs of a model file. */
  forFile(uri: vscode.Uri): GraphPanel[] {
    const key = uri.toString();
    return [...this.panels].filter((p) => p.uri.toString() === key);
  }

  /** The graph editor the user is looking at, if any. */
  active(): GraphPanel | undefined {
    return [...this.panels].find((p) => p.webviewPanel.active);
  }

  all(): GraphPanel[] {
    return [...this.panels];
  }

  /** Shows an overlay on every open graph of the model; returns how many graphs got it. */
  pushOverlay(uri: vscode.Uri, overlay: Overlay): number {
    const panels = this.forFile(uri);
    for (const p of panels) p.showOverlay(overlay);
    return panels.length;
  }

  /** Records a model's measured peak RSS: its graphs' inspectors show it beside each node's activation memory. */
  setPeakRss(uri: vscode.Uri, peak: MeasuredPeakRss): void {
    this.measured.set(uri.toString(), peak);
  }

  useRecordedRuns(runs: () => Promise<readonly RunNode[]>): void {
    this.recordedRuns = runs;
  }

  /** The peak RSS of this window's last benchmark of the model, else of its newest recorded one. */
  async peakRss(uri: vscode.Uri): Promise<MeasuredPeakRss | undefined> {
    const measured = this.measured.get(uri.toString());
    if (measured || uri.scheme !== 'file') return measured;
    return recordedPeakRss(await this.recordedRuns(), uri.fsPath);
  }

  removeOverlay(uri: vscode.Uri, id: string): void {
    for (const p of this.forFile(uri)) p.removeOverlay(id);
  }

  /** Opens the model's graph if needed and selects `nodeId` in it. */
  async reveal(uri: vscode.Uri, nodeId: string): Promise<GraphPanel> {
    const panel = this.forFile(uri)[0] ?? (await this.open(uri));
    await panel.reveal(nodeId);
    return panel;
  }

  /** Opens (or focuses) the graph editor of a model (in `column`, default the active one) and returns its panel. */
  async open(uri: vscode.Uri, column?: vscode.ViewColumn): Promise<GraphPanel> {
    const existing = this.forFile(uri)[0];
    const next = existing ? undefined : new Promise<GraphPanel>((resolve) => {
      const sub = this.onDidOpen((p) => {
        if (p.uri.toString() !== uri.toString()) return;
        sub.dispose();
        resolve(p);
      });
    });
    if (!existing) this.openRequests.set(uri.toString(), performance.timeOrigin + performance.now());
    await vscode.commands.executeCommand('vscode.openWith', uri, GRAPH_VIEW_TYPE, column);
    return existing ?? (await next!);
  }

  /** When `open` was asked for this model, if it was (once: the editor that opens takes it). */
  takeOpenRequest(uri: vscode.Uri): number | undefined {
    const at = this.openRequests.get(uri.toString());
    this.openRequests.delete(uri.toString());
    return at;
  }

  dispose(): void {
    this.opened.dispose();
  }
}
