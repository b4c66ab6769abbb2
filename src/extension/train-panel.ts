import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { renderTrainChartHtml } from '../../webview/train/html';
import type { TrainHostToWebview, TrainWebviewToHost } from '../../webview/train/messages';

export type TrainAction = Extract<TrainWebviewToHost, { type: 'action' }>['action'];

/**
 * The live chart of one training run: a webview (bundled uPlot, strict CSP) fed with the steps
 * and epochs the worker reports. Messages wait until the page says it is ready.
 */
export class TrainChartPanel implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  /** Steps and epochs posted so far (tests and the status read them). */
  readonly posted = { steps: 0, epochs: 0, done: false };
  private ready = false;
  private readonly queue: TrainHostToWebview[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(extensionUri: vscode.Uri, readonly model: vscode.Uri, title: string, onAction: (action: TrainAction) => void) {
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    this.panel = vscode.window.createWebviewPanel('edgewise.trainChart', title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [dist],
    });
    const asset = (name: string) => this.panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, name)).toString();
    this.panel.webview.html = renderTrainChartHtml({
      scriptUri: asset('train-chart.js'), styleUri: asset('train-chart.css'), cspSource: this.panel.webview.cspSource,
      nonce: randomBytes(16).toString('base64'), title,
    });
    this.disposables.push(this.panel.webview.onDidReceiveMessage((m: TrainWebviewToHost) => {
      if (m.type === 'ready') {
        this.ready = true;
        for (const q of this.queue.splice(0)) void this.panel.webview.postMessage(q);
      } else if (m.type === 'action') onAction(m.action);
    }));
  }

  post(m: TrainHostToWebview): void {
    if (m.type === 'progress') {
      this.posted.steps += m.steps.length;
      this.posted.epochs += m.epochs.length;
    } else if (m.type === 'done') this.posted.done = true;
    if (this.ready) void this.panel.webview.postMessage(m);
    else this.queue.push(m);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

/** Open training charts by model file, so a new run of the same model replaces its chart. */
export class TrainCharts implements vscode.Disposable {
  private readonly charts = new Map<string, TrainChartPanel>();

  constructor(private readonly extensionUri: vscode.Uri) {}

  open(model: vscode.Uri, kind: string, onAction: (action: TrainAction) => void): TrainChartPanel {
    const key = model.toString();
    this.charts.get(key)?.dispose();
    const chart = new TrainChartPanel(this.extensionUri, model, `${kind}: ${path.basename(model.fsPath)}`, onAction);
    this.charts.set(key, chart);
    chart.panel.onDidDispose(() => { if (this.charts.get(key) === chart) this.charts.delete(key); });
    return chart;
  }

  get(model: vscode.Uri): TrainChartPanel | undefined {
    return this.charts.get(model.toString());
  }

  dispose(): void {
    for (const c of this.charts.values()) c.dispose();
    this.charts.clear();
  }
}
