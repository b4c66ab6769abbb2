import * as vscode from 'vscode';
import type { ModelEdit } from '../core/passes/edit/types';
import type { EditedVersion } from '../worker/protocol';
import { GraphPanel } from './graph-panel';
import type { TextMetricsStore } from './graph-session';
import { GRAPH_VIEW_TYPE, type GraphPanels } from './graph-panels';
import { ModelDocument } from './model-document';
import { graphWebviewHtml } from './webview-content';
import type { WorkerClient } from './worker-client';

/**
 * The graph editor for *.onnx, *.tflite and *.mlmodel: a graph webview fed by the worker. ONNX
 * models are editable: each edit is one step of VS Code's undo stack, the tab shows it dirty,
 * Save writes the opened file (atomically, in the worker) only when the user saves, Save As
 * writes only the new file, Revert goes back to the file, and hot exit keeps a backup.
 */
export class ModelEditorProvider implements vscode.CustomEditorProvider<ModelDocument> {
  private readonly changes = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<ModelDocument>>();
  readonly onDidChangeCustomDocument = this.changes.event;
  private readonly documents = new Set<ModelDocument>();
  /** Documents whose save the user asked for (saveExplicitly), as opposed to VS Code's auto save. */
  private readonly explicit = new WeakSet<ModelDocument>();
  /** The host's time opening each document, counted in its first editor's open. */
  private readonly openWork = new WeakMap<ModelDocument, number>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly worker: WorkerClient,
    private readonly panels: GraphPanels,
    private readonly log: vscode.LogOutputChannel,
    /** Where the graph pages' label widths are kept (the extension's global state). */
    private readonly textMetrics?: TextMetricsStore,
  ) {}

  static register(provider: ModelEditorProvider): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(GRAPH_VIEW_TYPE, provider, {
      // Laying out a big graph again each time the tab is shown would cost seconds.
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: true,
    });
  }

  openCustomDocument(uri: vscode.Uri, context: vscode.CustomDocumentOpenContext): ModelDocument {
    const t0 = performance.now();
    // The earliest the extension hears of an open: start the worker (and its layout thread) now.
    this.worker.start();
    const backup = context.backupId ? vscode.Uri.parse(context.backupId) : undefined;
    const doc = new ModelDocument(uri, this.worker, backup?.scheme === 'file' ? backup.fsPath : undefined);
    this.documents.add(doc);
    this.openWork.set(doc, performance.now() - t0);
    return doc;
  }

  resolveCustomEditor(document: ModelDocument, webviewPanel: vscode.WebviewPanel): void {
    const t0 = performance.now();
    const webview = webviewPanel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] };
    const openAt = this.panels.takeOpenRequest(document.uri) ?? performance.timeOrigin + performance.now();
    const panel = new GraphPanel(document.uri, webviewPanel, this.worker, this.log, openAt, document, () => this.panels.peakRss(document.uri), this.textMetrics);
    this.panels.add(panel);
    webview.html = graphWebviewHtml(webview, this.extensionUri, document.uri.path.split('/').pop() ?? 'model');
    // A restored backup: the editor shows the backed-up version once the file's graph is there.
    if (document.backup && !document.edits.hasSession) {
      void panel.whenLoaded().then(async (loaded) => { if (loaded) document.show(await document.edits.goTo(document.edits.current)); })
        .catch((e) => void vscode.window.showErrorMessage(`Edgewise: could not restore the unsaved edits of ${document.uri.fsPath}: ${message(e)}`));
    }
    panel.countHostWork(performance.now() - t0 + (this.openWork.get(document) ?? 0));
    this.openWork.delete(document);
  }

  /** The open document of a model, if its graph editor is open. */
  document(uri: vscode.Uri): ModelDocument | undefined {
    for (const d of this.documents) if (d.disposed) this.documents.delete(d);
    return [...this.documents].find((d) => d.uri.toString() === uri.toString());
  }

  /** Applies an edit to an open model: shown in its editors and pushed on VS Code's undo stack. */
  async edit(document: ModelDocument, edit: ModelEdit): Promise<EditedVersion> {
    if (!document.editable) throw new Error(`${document.uri.fsPath}: editing works on ONNX models (.onnx) on this machine`);
    // Editors showing the version edited get the delta; another shown version is fetched whole (graph-panel.ts).
    const { before, after } = await document.edits.apply(edit, true);
    document.show(after);
    this.changes.fire({
      document,
      label: after.description,
      undo: async () => document.show(await document.edits.goTo(before, true)),
      redo: async () => document.show(await document.edits.goTo(after.version, true)),
    });
    return after;
  }

  /**
   * Saves the active model editor as the user asked (Ctrl+S in the graph editor, "Edgewise: Save
   * Model"): the one save that writes the opened file while VS Code's auto save is on.
   */
  async saveExplicitly(document: ModelDocument): Promise<void> {
    this.explicit.add(document);
    try {
      await vscode.commands.executeCommand('workbench.action.files.save');
    } finally {
      this.explicit.delete(document);
    }
  }

  async saveCustomDocument(document: ModelDocument): Promise<void> {
    // VS Code's auto save (on by default in the browser build) would write the model after every
    // edit; a model file is written only when the user saves it.
    const auto = vscode.workspace.getConfiguration('files', document.uri).get<string>('autoSave', 'off');
    if (auto !== 'off' && !this.explicit.has(document)) {
      throw new Error(`Edgewise does not auto-save model files (files.autoSave is '${auto}'): press Ctrl+S in the graph editor or run "Edgewise: Save Model" to write ${document.uri.fsPath}, or use Save As`);
    }
    await document.edits.save();
  }

  async saveCustomDocumentAs(document: ModelDocument, destination: vscode.Uri): Promise<void> {
    if (destination.scheme !== 'file') throw new Error(`${destination.toString()}: Edgewise saves models to files on this machine`);
    if (destination.fsPath === document.uri.fsPath) return document.edits.save();
    // The save dialog asked before replacing an existing file; the opened file is not written.
    const saved = await document.edits.saveAs(destination.fsPath, true);
    this.log.info(`saved ${document.uri.fsPath} as ${saved.file} (${saved.bytes} bytes)`);
  }

  async revertCustomDocument(document: ModelDocument): Promise<void> {
    this.log.info(`reverting ${document.uri.fsPath} to the file`);
    document.show(await document.edits.revert());
  }

  async backupCustomDocument(document: ModelDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    const dest = context.destination;
    if (dest.scheme !== 'file') {
      throw new Error(`Edgewise cannot back up unsaved model edits to ${dest.toString()} (not a local file): save ${document.uri.fsPath} or Save As`);
    }
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(dest, '..'));
    await document.edits.saveAs(dest.fsPath, true);
    return { id: dest.toString(), delete: () => void vscode.workspace.fs.delete(dest).then(undefined, () => undefined) };
  }

  dispose(): void {
    this.changes.dispose();
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
