import * as vscode from 'vscode';
import type { GraphPanels } from './graph-panels';
import { canDo, extensionsFor } from './model-commands';
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
      if (target) await panels.open(target);
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

async function pickModel(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { 'ML models': extensionsFor('view').map((e) => e.slice(1)) },
    title: 'Open a model graph',
  });
  return picked?.[0];
}
