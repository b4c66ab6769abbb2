import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { EditedVersion } from '../../../src/worker/protocol';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { closeAllEditors, edgewise, fillQuickInput, hasUiBridge, openGraph, screenshot, untilInGraphWebview, workspaceFile } from './helpers';

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

const until = async (what: string, ok: () => boolean, timeoutMs = 30_000) => {
  for (const end = Date.now() + timeoutMs; !ok(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
};

const activeTab = () => vscode.window.tabGroups.activeTabGroup.activeTab;

describe('editing a model in the graph editor (undo, redo, Save As)', function () {
  this.timeout(360_000);
  const name = 'edit_cnn.onnx';
  const copyName = 'edit_cnn.saved.onnx';
  afterEach(closeAllEditors);

  it('edits through the worker, undoes and redoes with VS Code, and Save As leaves the opened file byte-identical', async () => {
    const api = await edgewise();
    const file = workspaceFile(name).fsPath, copy = workspaceFile(copyName).fsPath;
    fs.copyFileSync(workspaceFile('fmnist_cnn.onnx').fsPath, file);
    fs.rmSync(copy, { force: true });
    const original = sha256(file);
    const panel = await openGraph(name);
    assert.equal(panel.state.kind === 'model' && panel.state.nodes, 10);

    const edit = async (e: object) => vscode.commands.executeCommand<EditedVersion>('edgewise.editModel', panel.uri, undefined, e);
    const bypassed = await edit({ kind: 'bypass', node: '/8/Relu' });
    assert.equal(bypassed.description, "bypassed Relu '/8/Relu'");
    await edit({ kind: 'rename', from: '/9/Gemm', to: 'classifier', target: 'node' });
    const hasClassifier = () => !!panel.graph?.nodes.some((n) => n.id === 'classifier');
    assert.ok(hasClassifier() && panel.graph!.nodes.length === 9);
    await until('the tab to show unsaved edits', () => activeTab()?.isDirty === true);
    assert.equal(sha256(file), original, 'editing writes nothing');
    await new Promise((r) => setTimeout(r, 2000)); // past VS Code's auto save delay (on in the browser build)
    assert.equal(sha256(file), original, 'auto save does not write the model');
    await assert.rejects(edit({ kind: 'bypass', node: '/0/Conv' }), /cannot bypass Conv/);

    // VS Code's own Undo and Redo walk the versions.
    await vscode.commands.executeCommand('undo');
    await until('undo of the rename', () => !hasClassifier() && panel.graph!.nodes.length === 9);
    await vscode.commands.executeCommand('undo');
    await until('undo of the bypass', () => panel.graph!.nodes.length === 10);
    await until('the tab to be clean again', () => activeTab()?.isDirty === false);
    await vscode.commands.executeCommand('redo');
    await vscode.commands.executeCommand('redo');
    await until('both edits redone', () => hasClassifier() && panel.graph!.nodes.length === 9);
    await until('the tab to be dirty again', () => activeTab()?.isDirty === true);
    if (hasUiBridge()) {
      // The view drew each version (edits, undos, redos) keeping its place.
      const versions = await untilInGraphWebview<{ shown: number; ms: number }>('() => globalThis.edgewise?.versions.shown >= 6 && globalThis.edgewise.versions');
      console.log(`      the view drew ${versions.shown} versions; the last in ${versions.ms.toFixed(0)} ms`);
      await api.panels.reveal(panel.uri, 'classifier'); // the inspector offers the node's edits
      await untilInGraphWebview('() => !!document.querySelector(".inspector .edit-node")');
      await screenshot('model-edited');
    } else {
      return; // Save As answers VS Code's save dialog, which only the Playwright runner can
    }

    // Save As: the new file holds the edits; the opened file is left as it was, byte for byte.
    const saving = vscode.commands.executeCommand('workbench.action.files.saveAs');
    await fillQuickInput(copy);
    await saving;
    await until(`${copy} to be written`, () => fs.existsSync(copy));
    assert.deepEqual(loadModel(copy).graph.nodes.map((n) => n.name).slice(-2), ['/7/Gemm', 'classifier']);
    assert.equal(sha256(file), original, 'Save As must not write the opened file');
    await until('the saved copy to open in the editor', () => api.panels.all().some((p) => p.uri.fsPath === copy));
    await new Promise((r) => setTimeout(r, 1500)); // anything writing late would show now
    assert.equal(sha256(file), original, 'the opened file is still byte-identical');

    // Save writes the file the editor has open (now the copy), only when asked; Revert goes back to it.
    const copyPanel = api.panels.all().find((p) => p.uri.fsPath === copy)!;
    await copyPanel.whenLoaded();
    await vscode.commands.executeCommand('edgewise.editModel', copyPanel.uri, undefined, { kind: 'rename', from: 'classifier', to: 'head', target: 'node' });
    const savedCopy = sha256(copy);
    await until('the copy to show the rename', () => !!copyPanel.graph?.nodes.some((n) => n.id === 'head'));
    copyPanel.webviewPanel.reveal();
    await until(`the copy's tab to be active and dirty (active: ${activeTab()?.label})`, () => activeTab()?.label === copyName && activeTab()?.isDirty === true);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await until('the revert', () => !!copyPanel.graph?.nodes.some((n) => n.id === 'classifier'));
    await vscode.commands.executeCommand('edgewise.editModel', copyPanel.uri, undefined, { kind: 'rename', from: 'classifier', to: 'head', target: 'node' });
    // In the browser build VS Code auto-saves after a second by default: the model is written only by the user's save.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(sha256(copy), savedCopy, 'auto save does not write a model');
    await vscode.commands.executeCommand('edgewise.saveModel'); // Ctrl+S in the graph editor
    await until('the save', () => sha256(copy) !== savedCopy);
    assert.ok(loadModel(copy).graph.nodes.some((n) => n.name === 'head'));
    assert.equal(sha256(file), original);
    await until('the saved tab to be clean', () => activeTab()?.isDirty === false);
  });
});
