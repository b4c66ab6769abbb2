import * as vscode from 'vscode';
import type { EditedVersion } from '../worker/protocol';
import { ModelEdits } from './model-edits';
import type { WorkerClient } from './worker-client';

/**
 * One model open in the graph editor (shared by its editors). An ONNX model is editable: its
 * versions live in the worker's edit session (model-edits.ts); the graphs shown follow the
 * version made current by an edit, undo, redo or revert.
 */
export class ModelDocument implements vscode.CustomDocument {
  readonly edits: ModelEdits;
  /** VS Code closed the document (its last editor closed). */
  disposed = false;
  private readonly shown = new vscode.EventEmitter<EditedVersion | undefined>();
  /** Fires with the version the editors must show; undefined: the file as it is on disk. */
  readonly onDidChangeVersion = this.shown.event;

  /** `backup`: a hot-exit backup to restore (file path), see ModelEditorProvider.backupCustomDocument. */
  constructor(readonly uri: vscode.Uri, worker: WorkerClient, readonly backup?: string) {
    this.edits = new ModelEdits(uri.fsPath, worker, backup);
  }

  /** Only ONNX models on this machine are edited (the edit passes work on ONNX). */
  get editable(): boolean {
    return this.uri.scheme === 'file' && /\.onnx$/i.test(this.uri.path);
  }

  show(version: EditedVersion | undefined): void {
    if (version?.summary) version.summary.file = this.uri.fsPath; // a restored backup's session read another file
    this.shown.fire(version);
  }

  dispose(): void {
    this.disposed = true;
    this.edits.close();
    this.shown.dispose();
  }
}
