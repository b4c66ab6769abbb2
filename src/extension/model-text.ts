/**
 * "Edgewise: Open Model as Text": a read-only document with the model in ONNX's textual syntax
 * (printed by the worker), with the analysis findings on node lines, hovers and CodeLens.
 */
import * as vscode from 'vscode';
import type { ModelText } from '../core/formats/onnx/text';
import { annotateText, hoverMarkdown, type TextAnnotations } from '../core/analysis/annotations';
import { ModelTextRequest } from '../worker/protocol';
import type { AnalysisStore } from './analysis-store';
import type { WorkerClient } from './worker-client';

export const TEXT_SCHEME = 'edgewise-text';

/** edgewise-text:/abs/model.onnx.onnxtxt — the model path plus a suffix so the tab says what it is. */
export function textUri(model: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: TEXT_SCHEME, path: `${model.path}.onnxtxt` });
}

export function modelOfText(uri: vscode.Uri): vscode.Uri {
  return vscode.Uri.file(uri.path.replace(/\.onnxtxt$/, ''));
}

export class ModelTextProvider implements vscode.TextDocumentContentProvider, vscode.HoverProvider, vscode.CodeLensProvider, vscode.Disposable {
  private readonly texts = new Map<string, ModelText>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('edgewise-text');
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly worker: WorkerClient, private readonly store: AnalysisStore) {
    this.subs.push(store.onDidChange((model) => this.refreshAnnotations(model)));
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const model = modelOfText(uri);
    const text = await this.worker.request(ModelTextRequest.type, { file: model.fsPath }, { token });
    this.texts.set(model.toString(), text);
    setTimeout(() => this.refreshAnnotations(model), 0);
    return text.text;
  }

  /** The printed text of a model, once its document was opened. */
  textOf(model: vscode.Uri): ModelText | undefined {
    return this.texts.get(model.toString());
  }

  private annotations(model: vscode.Uri): TextAnnotations | undefined {
    const text = this.texts.get(model.toString());
    const analysis = this.store.get(model);
    if (!text) return undefined;
    return annotateText(text, analysis?.findings ?? [], analysis?.facts ?? {});
  }

  private refreshAnnotations(model: vscode.Uri): void {
    const a = this.annotations(model);
    if (!a) return;
    const uri = textUri(model);
    this.diagnostics.set(uri, a.diagnostics.map((d) => {
      const diag = new vscode.Diagnostic(new vscode.Range(d.line, 0, d.line, 1000), d.message, SEVERITY[d.severity]);
      diag.source = 'edgewise';
      diag.code = d.code;
      if (d.nodeId) (diag as NodeDiagnostic).nodeId = d.nodeId;
      return diag;
    }));
    this.lensesChanged.fire();
  }

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const model = modelOfText(doc.uri);
    const text = this.texts.get(model.toString());
    const nodeId = text?.lineNodes[pos.line];
    if (!nodeId) return undefined;
    const facts = this.store.get(model)?.facts[nodeId];
    const md = new vscode.MarkdownString(hoverMarkdown(nodeId, facts ?? {}));
    return new vscode.Hover(md, doc.lineAt(pos.line).range);
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const model = modelOfText(doc.uri);
    const a = this.annotations(model);
    return (a?.lenses ?? []).map((l) => new vscode.CodeLens(new vscode.Range(l.line, 0, l.line, 0), {
      title: l.title, command: 'edgewise.revealNode', arguments: [model, l.nodeId],
    }));
  }

  /** Diagnostics currently on a model's text view (for tests). */
  diagnosticsOf(model: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.diagnostics.get(textUri(model)) ?? [];
  }

  dispose(): void {
    this.changed.dispose();
    this.lensesChanged.dispose();
    this.diagnostics.dispose();
    for (const s of this.subs) s.dispose();
  }
}

/** A diagnostic that knows which graph node it is about (for quick fixes). */
export type NodeDiagnostic = vscode.Diagnostic & { nodeId?: string };

export const SEVERITY: Record<'error' | 'warning' | 'info', vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, info: vscode.DiagnosticSeverity.Information,
};
