/**
 * Recipe files (edgewise.json, edgewise.yaml) edited like a language: validation by the worker as
 * diagnostics (schema, unknown node names, unreachable budgets) and completion of the model's node names.
 */
import * as vscode from 'vscode';
import { nodeNameSlot, nodeNameText } from '../core/recipe/edit';
import { recipeFormat } from '../core/recipe/tree';
import { ValidateRecipeRequest, type RecipeCheck } from '../worker/protocol';
import type { WorkerClient } from './worker-client';

export const RECIPE_FILES = ['edgewise.json', 'edgewise.yaml', 'edgewise.yml'];

export const RECIPE_SELECTOR: vscode.DocumentSelector = RECIPE_FILES.map((name) => ({ scheme: 'file', pattern: `**/${name}` }));

/** The recipe next to a model: the first of edgewise.json/.yaml/.yml that exists, else a new edgewise.json. */
export async function recipeNextTo(model: vscode.Uri): Promise<vscode.Uri> {
  for (const name of RECIPE_FILES) {
    const uri = vscode.Uri.joinPath(model, '..', name);
    try {
      await vscode.workspace.fs.stat(uri);
      return uri;
    } catch {
      // not there; try the next name
    }
  }
  return vscode.Uri.joinPath(model, '..', RECIPE_FILES[0]);
}

export class RecipeLanguage implements vscode.CompletionItemProvider, vscode.Disposable {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('edgewise-recipe');
  private readonly checks = new Map<string, RecipeCheck>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subs: vscode.Disposable[] = [];
  private readonly validated = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after a recipe's diagnostics were updated (tests wait on it). */
  readonly onDidValidate = this.validated.event;

  constructor(private readonly worker: WorkerClient) {
    this.subs.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, 300)),
      vscode.workspace.onDidCloseTextDocument((d) => this.diagnostics.delete(d.uri)),
      vscode.languages.registerCompletionItemProvider(RECIPE_SELECTOR, this, '"', "'", '/'),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private isRecipe(doc: vscode.TextDocument): boolean {
    return vscode.languages.match(RECIPE_SELECTOR, doc) > 0;
  }

  private schedule(doc: vscode.TextDocument, delayMs: number): void {
    if (!this.isRecipe(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => void this.validate(doc), delayMs));
  }

  async validate(doc: vscode.TextDocument): Promise<RecipeCheck> {
    const check = await this.worker.request(ValidateRecipeRequest.type, { file: doc.uri.fsPath, text: doc.getText() });
    this.checks.set(doc.uri.toString(), check);
    this.diagnostics.set(doc.uri, check.problems.map((p) => {
      const range = new vscode.Range(doc.positionAt(p.offset), doc.positionAt(p.offset + p.length));
      const d = new vscode.Diagnostic(range, p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = 'edgewise';
      d.code = p.code;
      return d;
    }));
    this.validated.fire(doc.uri);
    return check;
  }

  async provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.CompletionItem[]> {
    const slot = nodeNameSlot(doc.getText(), doc.offsetAt(pos), recipeFormat(doc.uri.path));
    if (!slot) return [];
    const check = this.checks.get(doc.uri.toString()) ?? (await this.validate(doc));
    const range = new vscode.Range(doc.positionAt(slot.offset), doc.positionAt(slot.offset + slot.length));
    return check.nodeNames.map((name) => {
      const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Reference);
      item.range = range;
      item.insertText = nodeNameText(slot, name);
      item.filterText = name;
      item.detail = slot.kind === 'override-key' ? 'node: per-node precision override' : 'node';
      return item;
    });
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subs) s.dispose();
    this.diagnostics.dispose();
    this.validated.dispose();
  }
}
