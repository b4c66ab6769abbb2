import * as vscode from 'vscode';
import type { GraphPanels } from './graph-panels';
import { modelRoot } from '../core/formats/open';
import { canDo, extensionsFor, unavailableReason, type ModelCommandNeed } from './model-commands';
import type { WorkerClient } from './worker-client';

export interface CommandDeps {
  panels: GraphPanels;
  worker: WorkerClient;
  log: vscode.LogOutputChannel;
}

/** Registers the commands of package.json `contributes.commands`. */
export function registerCommands({ panels, worker, log }: CommandDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('edgewise.openModelGraph', async (uri?: vscode.Uri) => {
      const target = await resolveModel(uri);
      // A file inside a folder model (an .mlpackage's Manifest.json) opens the folder.
      if (target) await panels.open(target.scheme === 'file' ? vscode.Uri.file(modelRoot(target.fsPath)) : target);
    }),
    vscode.commands.registerCommand('edgewise.restartWorker', () => {
      worker.stop();
      log.info('worker stopped by the user; it starts again on the next request');
    }),
    vscode.commands.registerCommand('edgewise.showLog', () => log.show()),
  ];
}

function isModel(uri: vscode.Uri): boolean {
  return canDo(uri.path, 'view');
}

/** The model in the active editor: a graph tab, or a model file open as text/binary. */
export function activeModel(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) {
    if (isModel(input.uri)) return input.uri;
  }
  const doc = vscode.window.activeTextEditor?.document.uri;
  return doc && isModel(doc) ? doc : undefined;
}

/**
 * The model a command acts on: the Explorer's or graph toolbar's URI argument, else the active
 * model editor, else one the user picks. Undefined when the user cancels the picker.
 */
export async function resolveModel(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  return activeModel() ?? (await pickModel());
}

/**
 * False (after saying why) when the model's format cannot do `need`, e.g. benchmarking a Core ML
 * model: the reason is shown, not hidden.
 */
export function requireAction(uri: vscode.Uri, need: ModelCommandNeed): boolean {
  const reason = unavailableReason(uri.fsPath, need);
  if (reason) void vscode.window.showErrorMessage(`Edgewise: ${reason}`);
  return reason === undefined;
}

/** The workspace's models (folder models by their folder) to pick from, or any file or folder. */
async function pickModel(): Promise<vscode.Uri | undefined> {
  const exts = extensionsFor('view').map((e) => e.slice(1));
  const found = [
    ...(await vscode.workspace.findFiles(`**/*.{${exts.join(',')}}`, '**/node_modules/**', 500)),
    // Folder models, found by the JSON files they hold (Manifest.json, metadata.json).
    ...(await vscode.workspace.findFiles(`**/*.{${exts.join(',')}}/*.json`, '**/node_modules/**', 500)),
  ];
  const models = [...new Set(found.map((u) => modelRoot(u.fsPath)))].filter((f) => canDo(f, 'view')).sort();
  const browse = 'Browse...';
  const choice = models.length === 0 ? browse : (await vscode.window.showQuickPick([...models.map((f) => vscode.workspace.asRelativePath(f)), browse], { title: 'Open a model graph' }));
  if (choice === undefined) return undefined;
  if (choice !== browse) return vscode.Uri.file(models[models.map((f) => vscode.workspace.asRelativePath(f)).indexOf(choice)]);
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    // Folder models (.mlpackage, .mlmodelc) are folders; their Manifest.json works too.
    canSelectFolders: true,
    filters: { 'ML models': [...exts, 'json'] },
    title: 'Open a model graph',
  });
  return picked?.[0];
}
