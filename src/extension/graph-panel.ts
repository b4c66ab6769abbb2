import { isFolderModel, unavailableCommands } from './model-commands';
import * as vscode from 'vscode';
import type { HostToWebview, Overlay, WebviewToHost } from '../../webview/messages';
import { ForgetModelNotification, ModelSummaryRequest, NodeDetailsRequest, ViewGraphRequest } from '../worker/protocol';
import { saveExport } from './export';
import { RequestCancelledError, type WorkerClient } from './worker-client';

/**
 * One open graph editor: loads the model's view graph and summary from the worker when the
 * webview is ready (and again when the file changes), answers the webview's requests, and keeps
 * the overlays pushed onto it so a reload shows them again.
 */
/** What the panel last showed: for commands that act on the open graph, and for tests. */
export type GraphPanelState =
  | { kind: 'loading' }
  | { kind: 'model'; nodes: number }
  | { kind: 'error'; message: string };

export class GraphPanel implements vscode.Disposable {
  private readonly overlays = new Map<string, Overlay>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly cancel = new vscode.CancellationTokenSource();
  private readonly readyWaiters: (() => void)[] = [];
  private loaded = false;
  /** Loads started; only the latest one may post (a file saved twice loads twice). */
  private loads = 0;
  private reloadTimer?: NodeJS.Timeout;
  state: GraphPanelState = { kind: 'loading' };
  /** The node selected in the webview, or null. */
  selection: string | null = null;

  constructor(
    readonly uri: vscode.Uri,
    readonly webviewPanel: vscode.WebviewPanel,
    private readonly worker: WorkerClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(webviewPanel.webview.onDidReceiveMessage((m: WebviewToHost) => this.onMessage(m)));
    if (uri.scheme === 'file') {
      // A folder model (.mlpackage) changes through the files inside it.
      const pattern = isFolderModel(uri.fsPath) ? new vscode.RelativePattern(uri, '**/*') : new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), uri.path.split('/').pop()!);
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      this.disposables.push(watcher, watcher.onDidChange(() => this.reload()), watcher.onDidCreate(() => this.reload()));
    }
  }

  /** True once the model (or its error) has been posted to the webview. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Resolves when the model has been posted (at once if it already has). */
  whenLoaded(): Promise<void> {
    return this.loaded ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }

  /** Ids of the overlays this graph shows (or will show once loaded). */
  overlayIds(): string[] {
    return [...this.overlays.keys()];
  }

  showOverlay(overlay: Overlay): void {
    this.overlays.set(overlay.id, overlay);
    if (this.loaded) this.post({ type: 'overlay', overlay });
  }

  removeOverlay(id: string): void {
    if (this.overlays.delete(id) && this.loaded) this.post({ type: 'removeOverlay', id });
  }

  /** Selects a node and brings it into view, once the graph is there. */
  async reveal(nodeId: string): Promise<void> {
    this.webviewPanel.reveal();
    await this.whenLoaded();
    this.post({ type: 'reveal', nodeId });
  }

  private post(message: HostToWebview): void {
    void this.webviewPanel.webview.postMessage(message);
  }

  private async onMessage(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.load();
      case 'nodeDetails':
        return this.nodeDetails(m.requestId, m.nodeId, m.graphPath);
      case 'export':
        try {
          await saveExport(this.uri, m.format, m.data);
        } catch (e) {
          void vscode.window.showErrorMessage(`Edgewise: could not export the graph: ${message(e)}`);
        }
        return;
      case 'command':
        // Only Edgewise's own commands: the page must not reach the rest of VS Code.
        if (!m.command.startsWith('edgewise.')) {
          this.log.warn(`the graph view asked for '${m.command}', which is not an Edgewise command`);
          return;
        }
        await vscode.commands.executeCommand(m.command, this.uri, m.nodeId);
        return;
      case 'selection':
        this.selection = m.nodeId;
        return;
      case 'log':
        this.log[m.level](`[graph ${this.uri.fsPath}] ${m.message}`);
        return;
    }
  }

  private async load(): Promise<void> {
    const file = this.uri.fsPath;
    const seq = ++this.loads;
    try {
      if (this.uri.scheme !== 'file') throw new Error(`${this.uri.toString()} is not a file on this machine; Edgewise opens local model files`);
      const token = this.cancel.token;
      const [graph, summary] = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Edgewise: opening ${file.split(/[\\/]/).pop()}` },
        () => Promise.all([
          this.worker.request(ViewGraphRequest.type, { file }, { token }),
          this.worker.request(ModelSummaryRequest.type, { file }, { token }),
        ]),
      );
      if (seq !== this.loads) return;
      this.post({ type: 'model', file, graph, summary, unavailable: unavailableCommands(file) });
      this.state = { kind: 'model', nodes: graph.nodes.length };
      for (const overlay of this.overlays.values()) this.post({ type: 'overlay', overlay });
    } catch (e) {
      if (e instanceof RequestCancelledError || seq !== this.loads) return;
      this.log.error(`opening ${file}: ${message(e)}`);
      // The webview prefixes the file itself; core errors already start with it.
      const text = message(e).startsWith(`${file}: `) ? message(e).slice(file.length + 2) : message(e);
      this.post({ type: 'error', file, message: text });
      this.state = { kind: 'error', message: text };
    }
    this.loaded = true;
    for (const r of this.readyWaiters.splice(0)) r();
  }

  /** The file changed: load it again once writes have settled. */
  private reload(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.worker.notify(ForgetModelNotification.type, { file: this.uri.fsPath });
      if (this.loaded) void this.load();
    }, 300);
  }

  private async nodeDetails(requestId: number, nodeId: string, graphPath: string[]): Promise<void> {
    try {
      const details = await this.worker.request(NodeDetailsRequest.type, { file: this.uri.fsPath, nodeId, graphPath }, { token: this.cancel.token });
      this.post({ type: 'nodeDetails', requestId, details });
    } catch (e) {
      if (!(e instanceof RequestCancelledError)) this.post({ type: 'nodeDetailsError', requestId, message: message(e) });
    }
  }

  dispose(): void {
    clearTimeout(this.reloadTimer);
    this.cancel.cancel();
    this.cancel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
