/**
 * "Go to source" from a node's stack trace (the graph view posts the frame; the page reads no
 * files): opens the file at the line when it is in the workspace. A path the model names outside
 * the workspace opens only if the user says so; a path that is not on this machine (the model
 * was exported elsewhere) is looked for in the workspace by its trailing path components.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** What became of a request: for the log and tests. */
export type SourceOutcome =
  | { kind: 'opened'; file: string; line: number }
  | { kind: 'declined'; file: string }
  | { kind: 'missing'; file: string };

export async function goToSource(model: vscode.Uri, file: string, line: number): Promise<SourceOutcome> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const candidates = path.isAbsolute(file) || path.win32.isAbsolute(file) ? [file] : [...folders, path.dirname(model.fsPath)].map((d) => path.resolve(d, file));
  const found = candidates.find(isFile);
  // By real path: a link in the workspace to a file outside it is outside.
  if (found && folders.some((f) => inside(realPath(f), realPath(found)))) return open(found, line);
  if (found) {
    const pick = await vscode.window.showWarningMessage(`Edgewise: the node's source ${found} is outside the workspace (the path comes from the model file). Open it?`, 'Open');
    return pick === 'Open' ? open(found, line) : { kind: 'declined', file: found };
  }
  const elsewhere = await findBySuffix(file);
  if (elsewhere) {
    void vscode.window.showInformationMessage(`Edgewise: the trace names ${file}, which is not on this machine; opened ${vscode.workspace.asRelativePath(elsewhere)}, the workspace file with the same path ending.`);
    return open(elsewhere, line);
  }
  void vscode.window.showWarningMessage(`Edgewise: the node's source ${file} (line ${line}) is not on this machine or in the workspace; the model was exported elsewhere.`);
  return { kind: 'missing', file };
}

async function open(file: string, line: number): Promise<SourceOutcome> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const at = new vscode.Position(Math.max(0, Math.min(line - 1, doc.lineCount - 1)), 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(at, at), viewColumn: vscode.ViewColumn.Beside, preview: true });
  return { kind: 'opened', file, line };
}

/** The workspace file sharing the longest ending with `file` ('proj/net/model.py'), at least its name; ties: none. */
async function findBySuffix(file: string): Promise<string | undefined> {
  const parts = file.split(/[\\/]/).filter(Boolean);
  const name = parts[parts.length - 1];
  if (!name || /[*?{}[\]]/.test(name)) return undefined;
  const hits = await vscode.workspace.findFiles(`**/${name}`, '**/node_modules/**', 50);
  const score = (u: vscode.Uri): number => {
    const mine = u.fsPath.split(/[\\/]/);
    let k = 0;
    while (k < parts.length && k < mine.length && parts[parts.length - 1 - k] === mine[mine.length - 1 - k]) k++;
    return k;
  };
  const ranked = hits.map((u) => ({ u, s: score(u) })).sort((a, b) => b.s - a.s);
  if (!ranked.length || (ranked[1] && ranked[1].s === ranked[0].s)) return undefined;
  return ranked[0].u.fsPath;
}

function isFile(p: string): boolean {
  try { return fs.statSync(p).isFile(); } catch { return false; }
}

function realPath(p: string): string {
  try { return fs.realpathSync(p); } catch { return p; }
}

function inside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
