import { isFolderModel, unavailableCommands } from './model-commands';
import * as vscode from 'vscode';
import type { ViewGraph } from '../core/graph/types';
import type { HostToWebview, MeasuredPeakRss, Overlay, WebviewToHost } from '../../webview/messages';
import { ForgetModelNotification, type EditedVersion } from '../worker/protocol';
import { saveExport } from './export';
import { goToSource, type SourceOutcome } from './go-to-source';
import { GraphSession, type TextMetricsStore } from './graph-session';
import type { ModelDocument } from './model-document';
import { describeOpen, type OpenTiming } from './open-timing';
import type { WorkerClient } from './worker-client';

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
  private readonly readyWaiters: ((loaded: boolean) => void)[] = [];
  private readonly drawnWaiters: ((t: OpenTiming) => void)[] = [];
  private readonly session: GraphSession;
  private loaded = false;
  private closed = false;
  private reloadTimer?: NodeJS.Timeout;
  state: GraphPanelState = { kind: 'loading' };
  /** The version of the edited model shown (0: the file as opened; undefined: the file, not a version of the session). */
  version: number | undefined = 0;
  /** The node selected in the webview, or null. */
  selection: string | null = null;
  private readonly selected = new vscode.EventEmitter<string | null>();
  /** Fires when the user selects a node (or nothing) in the view, or `reveal` selected one. */
  readonly onDidSelect = this.selected.event;
  private readonly sourceOutcomes = new vscode.EventEmitter<SourceOutcome | undefined>();
  /** Fires when a "Go to source" from the view was handled (undefined: it failed). */
  readonly onDidGoToSource = this.sourceOutcomes.event;

  /** `openAt`: when the open was asked for (epoch ms), for the open's timing. */
  constructor(
    readonly uri: vscode.Uri,
    readonly webviewPanel: vscode.WebviewPanel,
    private readonly worker: WorkerClient,
    private readonly log: vscode.LogOutputChannel,
    openAt?: number,
    /** The document this editor shows (edits, undo, redo come through it). */
    readonly document?: ModelDocument,
    /** The model's peak RSS as last measured, for the inspector. */
    peakRss?: () => Promise<MeasuredPeakRss | undefined>,
    textMetrics?: TextMetricsStore,
  ) {
    this.session = new GraphSession(uri.fsPath, worker, (m) => void webviewPanel.webview.postMessage(m), {
      openAt,
      unavailable: unavailableCommands(uri.fsPath),
      onDrawn: (t) => {
        log.info(describeOpen(t));
        if (t.view?.settledAt) for (const r of this.drawnWaiters.splice(0)) r(t);
      },
      editable: document?.editable,
      editSession: () => (document?.edits.hasSession ? document.edits.session : undefined),
      peakRss,
      textMetrics,
    });
    if (document) this.disposables.push(document.onDidChangeVersion((v) => this.showVersion(v)));
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

  /** The graph on screen: the file's, or the edited version's (unpacked once, when asked: the edit commands). */
  get graph(): ViewGraph | undefined {
    return this.session.graph;
  }

  /**
   * True once the model (or its error) has been posted, at once if it has; false if the editor is
   * closed, or closes before: a command waiting on an editor the user closes ends instead of waiting forever.
   */
  whenLoaded(): Promise<boolean> {
    return this.loaded || this.closed ? Promise.resolve(!this.closed) : new Promise((r) => this.readyWaiters.push(r));
  }

  /** The host's own work of making this editor (its document, this panel, its page's HTML), for the open's timing. */
  countHostWork(ms: number): void {
    this.session.countHostWork(ms);
  }

  /** The open's timing so far: the host's and worker's parts, the view's once it has drawn. */
  get timing(): OpenTiming {
    return this.session.timing;
  }

  /** Resolves with the open's timing once the view has drawn the graph and settled. */
  whenDrawn(): Promise<OpenTiming> {
    return this.session.timing.view?.settledAt ? Promise.resolve(this.session.timing) : new Promise((r) => this.drawnWaiters.push(r));
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

  /** Selects a node and brings it into view, once the graph is there; `preserveFocus` keeps the keyboard where it is. */
  async reveal(nodeId: string, preserveFocus = false): Promise<void> {
    this.webviewPanel.reveal(undefined, preserveFocus);
    if (await this.whenLoaded()) this.post({ type: 'reveal', nodeId });
  }

  private post(message: HostToWebview): void {
    this.session.send(message);
  }

  private async onMessage(m: WebviewToHost): Promise<void> {
    if (this.session.handle(m, () => void this.load())) return;
    switch (m.type) {
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
      case 'openSource': {
        const outcome = await goToSource(this.uri, m.file, m.line).catch((e: unknown) => {
          void vscode.window.showErrorMessage(`Edgewise: could not open ${m.file}: ${message(e)}`);
          return undefined;
        });
        if (outcome) this.log.info(`go to source ${m.file}:${m.line}: ${outcome.kind}${outcome.kind === 'opened' && outcome.file !== m.file ? ` (${outcome.file})` : ''}`);
        this.sourceOutcomes.fire(outcome);
        return;
      }
      case 'selection':
        this.selection = m.nodeId;
        this.selected.fire(m.nodeId);
        return;
      case 'log':
        this.log[m.level](`[graph ${this.uri.fsPath}] ${m.message}`);
        return;
    }
  }

  private async load(): Promise<void> {
    const file = this.uri.fsPath;
    const outcome = this.uri.scheme !== 'file'
      ? this.fail(`${this.uri.toString()} is not a file on this machine; Edgewise opens local model files`)
      : await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Edgewise: opening ${file.split(/[\\/]/).pop()}` },
        () => this.session.load(),
      );
    if (outcome.kind === 'superseded') return;
    if (outcome.kind === 'model') {
      this.state = outcome;
      this.version = this.document?.edits.fileVersion;
      for (const overlay of this.overlays.values()) this.post({ type: 'overlay', overlay });
    } else {
      this.log.error(`opening ${file}: ${outcome.message}`);
      this.state = outcome;
      this.version = undefined; // no version on the page for a delta to apply to
    }
    this.loaded = true;
    for (const r of this.readyWaiters.splice(0)) r(true);
  }

  private fail(message: string): { kind: 'error'; message: string } {
    this.post({ type: 'error', file: this.uri.fsPath, message });
    return { kind: 'error', message };
  }

  /** Shows a version of the edited model, or the file again (undefined: reverted to it). */
  private showVersion(v: EditedVersion | undefined): void {
    if (!v) {
      this.worker.notify(ForgetModelNotification.type, { file: this.uri.fsPath });
      void this.load();
      return;
    }
    if (!v.summary) return;
    if (v.delta && this.loaded && this.version === v.delta.from) this.session.showDelta(v.delta, v.summary);
    else if (v.graph) this.session.showVersion(v.graph, v.summary);
    else {
      // This editor shows another version than the one the delta is from (it opened after the edits): the whole graph.
      void this.document?.edits.goTo(v.version).then((whole) => this.document?.edits.current === whole.version && this.showVersion(whole),
        (e) => this.log.error(`showing version ${v.version} of ${this.uri.fsPath}: ${message(e)}`));
      return;
    }
    this.state = { kind: 'model', nodes: v.nodes ?? 0 };
    this.version = v.version;
  }

  /** The file changed: load it again once writes have settled (not while the editor shows an edited version). */
  private reload(): void {
    if (this.document?.edits.hasSession) return;
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.worker.notify(ForgetModelNotification.type, { file: this.uri.fsPath });
      if (this.loaded) void this.load();
    }, 300);
  }

  dispose(): void {
    this.closed = true;
    for (const r of this.readyWaiters.splice(0)) r(false);
    clearTimeout(this.reloadTimer);
    this.session.dispose();
    this.selected.dispose();
    this.sourceOutcomes.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
