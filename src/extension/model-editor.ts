import * as vscode from 'vscode';
import { GraphPanel } from './graph-panel';
import { GRAPH_VIEW_TYPE, type GraphPanels } from './graph-panels';
import { graphWebviewHtml } from './webview-content';
import type { WorkerClient } from './worker-client';

/** The read-only custom editor for *.onnx and *.tflite: a graph webview fed by the worker. */
export class ModelEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly worker: WorkerClient,
    private readonly panels: GraphPanels,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  static register(provider: ModelEditorProvider): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(GRAPH_VIEW_TYPE, provider, {
      // Laying out a big graph again each time the tab is shown would cost seconds.
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: true,
    });
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    // The earliest the extension hears of an open: start the worker (and its layout thread) now.
    this.worker.start();
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, webviewPanel: vscode.WebviewPanel): void {
    const webview = webviewPanel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] };
    const openAt = this.panels.takeOpenRequest(document.uri) ?? performance.timeOrigin + performance.now();
    const panel = new GraphPanel(document.uri, webviewPanel, this.worker, this.log, openAt);
    this.panels.add(panel);
    webview.html = graphWebviewHtml(webview, this.extensionUri, document.uri.path.split('/').pop() ?? 'model');
  }
}
