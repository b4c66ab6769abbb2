import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EdgewiseApi } from '../../../src/extension/extension';
import type { GraphPanel } from '../../../src/extension/graph-panel';

export async function edgewise(): Promise<EdgewiseApi> {
  const ext = vscode.extensions.getExtension<EdgewiseApi>('edgewise.edgewise');
  if (!ext) throw new Error('the Edgewise extension is not loaded');
  return ext.activate();
}

/** A file of the test workspace (test/e2e/make-workspace.ts wrote it). */
export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the E2E suite needs the test workspace open');
  return vscode.Uri.file(path.join(folder.uri.fsPath, name));
}

/** Opens a model's graph with the command a user runs and waits until its data was posted. */
export async function openGraph(name: string): Promise<GraphPanel> {
  const api = await edgewise();
  const uri = workspaceFile(name);
  await vscode.commands.executeCommand('edgewise.openModelGraph', uri);
  const panel = api.panels.forFile(uri)[0];
  if (!panel) throw new Error(`no graph panel for ${name}`);
  await panel.whenLoaded();
  return panel;
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
