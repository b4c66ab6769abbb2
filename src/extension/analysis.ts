/**
 * Per-layer analysis in the editor: the command that runs it (in the worker), the findings in the
 * Problems panel on the model file (their code links open the graph at the node), the graph
 * overlays, the text view, and the "Keep this layer in float" quick fix that writes the recipe.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { overrideEdits } from '../core/recipe/edit';
import { recipeFormat } from '../core/recipe/tree';
import { AnalyzeRequest, type AnalyzeParams, type AnalyzeResult } from '../worker/protocol';
import { AnalysisStore } from './analysis-store';
import { readConfig } from './config';
import type { CommandDeps } from './commands';
import { requireAction, resolveModel } from './commands';
import { ModelTextProvider, TEXT_SCHEME, modelOfText, textUri } from './model-text';
import { findingDiagnostics } from './findings';
import { withWorkerProgress } from './progress';
import { requireTrust } from './trust';
import { recipeNextTo } from './recipe';

/** What the analyze command takes besides the model: the request's parameters (latency defaults to the setting). */
export type AnalyzeOptions = Omit<AnalyzeParams, 'file' | 'progressToken'>;

export interface AnalysisApi {
  store: AnalysisStore;
  text: ModelTextProvider;
  diagnostics: vscode.DiagnosticCollection;
}

export function registerAnalysis({ panels, worker }: CommandDeps): { api: AnalysisApi; disposables: vscode.Disposable[] } {
  const store = new AnalysisStore();
  const text = new ModelTextProvider(worker, store);
  const diagnostics = vscode.languages.createDiagnosticCollection('edgewise');
  const sel: vscode.DocumentSelector = { scheme: TEXT_SCHEME };

  const showOnGraphs = (model: vscode.Uri, result: AnalyzeResult) => {
    for (const o of result.overlays) panels.pushOverlay(model, o);
  };

  const disposables: vscode.Disposable[] = [
    store, text, diagnostics,
    vscode.workspace.registerTextDocumentContentProvider(TEXT_SCHEME, text),
    vscode.languages.registerHoverProvider(sel, text),
    vscode.languages.registerCodeLensProvider(sel, text),
    vscode.languages.registerCodeActionsProvider(sel, new KeepInFloat(text), { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    store.onDidChange((model) => {
      const result = store.get(model)!;
      diagnostics.set(model, findingDiagnostics(model, result.findings));
      showOnGraphs(model, result);
    }),
    // A graph opened after the analysis gets its overlays too.
    panels.onDidOpen((panel) => {
      const result = store.get(panel.uri);
      if (result) for (const o of result.overlays) panel.showOverlay(o);
    }),
    vscode.commands.registerCommand('edgewise.analyzeModel', async (arg?: vscode.Uri, options?: AnalyzeOptions) => {
      const model = await resolveModel(arg);
      if (!model || !requireAction(model, 'analyze') || !(await requireTrust('Per-layer analysis'))) return undefined;
      const opts = options ?? (await askAnalyzeOptions(model));
      if (!opts) return undefined;
      const { analysis: cfg } = readConfig();
      const params = { file: model.fsPath, ...opts, latency: opts.latency ?? cfg.latency, latencyRuns: opts.latencyRuns ?? cfg.latencyRuns };
      const result = await withWorkerProgress('per-layer analysis', (o) => worker.request(AnalyzeRequest.type, params, o));
      if (result) store.set(model, result);
      return result;
    }),
    vscode.commands.registerCommand('edgewise.revealNode', async (model: vscode.Uri | string, nodeId: string) => {
      const uri = typeof model === 'string' ? vscode.Uri.parse(model) : model;
      await panels.reveal(uri, nodeId);
    }),
    vscode.commands.registerCommand('edgewise.openModelAsText', async (arg?: vscode.Uri) => {
      const model = await resolveModel(arg);
      if (!model || !requireAction(model, 'text')) return undefined;
      const doc = await vscode.workspace.openTextDocument(textUri(model));
      return vscode.window.showTextDocument(doc, { preview: false });
    }),
    vscode.commands.registerCommand('edgewise.keepLayerInFloat', keepLayerInFloat),
  ];
  return { api: { store, text, diagnostics }, disposables };
}

async function askAnalyzeOptions(model: vscode.Uri): Promise<AnalyzeOptions | undefined> {
  const folder = vscode.Uri.joinPath(model, '..');
  const pick = async (title: string, ext: string[], optional = false) => {
    const r = await vscode.window.showOpenDialog({ defaultUri: folder, canSelectMany: false, title, filters: { [ext.join('/')]: ext }, openLabel: optional ? 'Use (Esc: none)' : 'Use' });
    return r?.[0]?.fsPath;
  };
  const quantized = await pick(`Quantized model made from ${path.basename(model.fsPath)}`, ['onnx']);
  if (!quantized) return undefined;
  const data = await pick('Input samples (.npy, one per row)', ['npy']);
  if (!data) return undefined;
  const labels = await pick('Class labels (.npy), optional', ['npy'], true);
  return { quantized, data, labels };
}

/** Writes `overrides[nodeId] = {precision: "float"}` into the model's recipe (edgewise.json/.yaml/.yml, creating edgewise.json if none). */
export async function keepLayerInFloat(model: vscode.Uri | string, nodeId: string): Promise<boolean> {
  const uri = typeof model === 'string' ? vscode.Uri.parse(model) : model;
  const recipe = await recipeNextTo(uri);
  const edit = new vscode.WorkspaceEdit();
  let text: string;
  try {
    text = (await vscode.workspace.openTextDocument(recipe)).getText();
  } catch {
    text = `${JSON.stringify({ model: path.basename(uri.fsPath), passes: [{ pass: 'quantize' }] }, null, 2)}\n`;
    edit.createFile(recipe, { ignoreIfExists: true, contents: new TextEncoder().encode(text) });
    if (!(await vscode.workspace.applyEdit(edit))) return false;
    return keepLayerInFloat(uri, nodeId);
  }
  const doc = await vscode.workspace.openTextDocument(recipe);
  for (const e of overrideEdits(text, nodeId, 'float', recipeFormat(recipe.path))) {
    edit.replace(recipe, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.content);
  }
  const ok = await vscode.workspace.applyEdit(edit);
  if (ok) await doc.save();
  return ok;
}

/** On a layer's diagnostic in the text view (the diagnostic's line says which node it is). */
class KeepInFloat implements vscode.CodeActionProvider {
  constructor(private readonly text: ModelTextProvider) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const model = modelOfText(doc.uri);
    const lineNodes = this.text.textOf(model)?.lineNodes ?? {};
    const seen = new Set<string>();
    const out: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      const nodeId = lineNodes[d.range.start.line];
      if (!nodeId || seen.has(nodeId) || d.source !== 'edgewise') continue;
      seen.add(nodeId);
      const action = new vscode.CodeAction('Keep this layer in float', vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      action.command = { title: 'Keep this layer in float', command: 'edgewise.keepLayerInFloat', arguments: [model, nodeId] };
      out.push(action);
    }
    return out;
  }
}
