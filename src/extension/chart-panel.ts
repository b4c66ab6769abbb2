import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** What a chart page's HTML needs: its bundle and style as the webview sees them, the CSP source and a fresh nonce. */
export interface ChartPageAssets {
  scriptUri: string;
  styleUri: string;
  cspSource: string;
  nonce: string;
  title: string;
}

export interface ChartPanelOptions<W> {
  viewType: string;
  title: string;
  /** The page's bundle in dist/: `<bundle>.js` and `<bundle>.css`. */
  bundle: string;
  render: (assets: ChartPageAssets) => string;
  /** Messages of the page other than `ready`. */
  onMessage: (m: W) => void;
}

/**
 * A live chart webview (training, federated simulation): strict CSP with a nonce, scripts and
 * styles from dist/ only. Messages wait until the page says it is ready.
 */
export class ChartPanel<H, W extends { type: string }> implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  private ready = false;
  private readonly queue: H[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(extensionUri: vscode.Uri, o: ChartPanelOptions<W>) {
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    this.panel = vscode.window.createWebviewPanel(o.viewType, o.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [dist],
    });
    const asset = (name: string) => this.panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, name)).toString();
    this.panel.webview.html = o.render({
      scriptUri: asset(`${o.bundle}.js`), styleUri: asset(`${o.bundle}.css`), cspSource: this.panel.webview.cspSource,
      nonce: randomBytes(16).toString('base64'), title: o.title,
    });
    this.disposables.push(this.panel.webview.onDidReceiveMessage((m: W) => {
      if (m.type === 'ready') {
        this.ready = true;
        for (const q of this.queue.splice(0)) void this.panel.webview.postMessage(q);
      } else o.onMessage(m);
    }));
  }

  post(m: H): void {
    if (this.ready) void this.panel.webview.postMessage(m);
    else this.queue.push(m);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

/** Open charts by model file, so a new run on the same model replaces its chart. */
export class ChartsByModel<C extends { readonly panel: vscode.WebviewPanel; dispose(): void }, A> implements vscode.Disposable {
  private readonly charts = new Map<string, C>();

  constructor(private readonly make: (model: vscode.Uri, title: string, onAction: (action: A) => void) => C) {}

  open(model: vscode.Uri, kind: string, onAction: (action: A) => void): C {
    const key = model.toString();
    this.charts.get(key)?.dispose();
    const chart = this.make(model, `${kind}: ${path.basename(model.fsPath)}`, onAction);
    this.charts.set(key, chart);
    chart.panel.onDidDispose(() => { if (this.charts.get(key) === chart) this.charts.delete(key); });
    return chart;
  }

  get(model: vscode.Uri): C | undefined {
    return this.charts.get(model.toString());
  }

  dispose(): void {
    for (const c of this.charts.values()) c.dispose();
    this.charts.clear();
  }
}
