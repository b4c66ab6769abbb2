import * as vscode from 'vscode';
import type { AnalyzeResult } from '../worker/protocol';

/** The latest analysis of each model file, shared by the diagnostics, text view and overlays. */
export class AnalysisStore implements vscode.Disposable {
  private readonly results = new Map<string, AnalyzeResult>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(model: vscode.Uri, result: AnalyzeResult): void {
    this.results.set(model.toString(), result);
    this.changed.fire(model);
  }

  get(model: vscode.Uri): AnalyzeResult | undefined {
    return this.results.get(model.toString());
  }

  dispose(): void {
    this.changed.dispose();
  }
}
