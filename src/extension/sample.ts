/**
 * "Edgewise: Open the Sample Model" (the walkthrough's first step): copies the bundled sample
 * (dist/sample: the Fashion-MNIST CNN, calibration images, labels) into `edgewise-sample/` of the
 * workspace (else the extension's storage), never over a file already there, and opens its graph.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const SAMPLE_FILES = ['fmnist_cnn.onnx', 'fmnist_train1k_u8.npy', 'fmnist_train1k_labels.npy'];

export function registerSample(context: vscode.ExtensionContext): vscode.Disposable {
  return vscode.commands.registerCommand('edgewise.openSample', async (): Promise<vscode.Uri> => {
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath ?? context.globalStorageUri.fsPath;
    const dir = path.join(folder, 'edgewise-sample');
    fs.mkdirSync(dir, { recursive: true });
    const from = vscode.Uri.joinPath(context.extensionUri, 'dist', 'sample').fsPath;
    for (const f of SAMPLE_FILES) {
      const to = path.join(dir, f);
      if (!fs.existsSync(to)) fs.copyFileSync(path.join(from, f), to, fs.constants.COPYFILE_EXCL);
    }
    const model = vscode.Uri.file(path.join(dir, SAMPLE_FILES[0]));
    await vscode.commands.executeCommand('edgewise.openModelGraph', model);
    return model;
  });
}
