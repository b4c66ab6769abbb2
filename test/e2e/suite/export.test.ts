import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ExportJobResult } from '../../../src/core/jobs/export';
import { closeAllEditors, edgewise, workspaceFile } from './helpers';

describe('exporting to TFLite from VS Code', function () {
  this.timeout(180000);
  afterEach(closeAllEditors);

  it('Export Model... (int8) runs in the worker, checks the file in TFLite, opens it in the graph view with its microcontroller fit', async () => {
    const api = await edgewise();
    const model = workspaceFile('fmnist_cnn.onnx');
    const out = workspaceFile('fmnist_cnn.int8.tflite');
    fs.rmSync(out.fsPath, { force: true });
    const before = fs.readFileSync(model.fsPath);
    const result = await vscode.commands.executeCommand<ExportJobResult>('edgewise.exportModel', model, {
      quantize: 'int8', dims: { N: 1 }, calib: workspaceFile('fmnist_test1k_u8.npy').fsPath,
      labels: workspaceFile('fmnist_test1k_labels.npy').fsPath, out: out.fsPath, force: true,
    });
    assert.ok(result, 'the job ran');
    assert.equal(result.output, out.fsPath);
    assert.deepEqual(fs.readFileSync(model.fsPath), before, 'the input is untouched');
    assert.equal(result.verification?.passed, true, JSON.stringify(result.verification?.checks));
    assert.equal(result.delegate.allOpsInt8, true);

    const panel = api.panels.forFile(out)[0];
    assert.ok(panel, 'the .tflite opened in the graph view');
    await panel.whenLoaded();
    assert.ok(panel.state.kind === 'model' && panel.state.nodes === Object.values(result.ops).reduce((a, b) => a + b, 0), JSON.stringify(panel.state));

    // The Problems panel gets the microcontroller fit of the opened .tflite (from the worker).
    let diags: vscode.Diagnostic[] = [];
    for (let i = 0; i < 100 && diags.length === 0; i++) {
      diags = vscode.languages.getDiagnostics(out).filter((d) => typeof d.code === 'object' && d.code.value === 'mcu-fit');
      if (diags.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(diags.length, 1, 'one microcontroller-fit finding');
    assert.match(diags[0].message, /TFLite Micro: flash [\d.]+ KiB, tensor arena ~[\d.]+ KiB .* largest live set/);
  });

  it('the command is offered for .onnx models in the Explorer, the graph title bar and the palette', () => {
    const pkg = vscode.extensions.getExtension('edgewise.edgewise')!.packageJSON as {
      contributes: { commands: { command: string; title: string }[]; menus: Record<string, { command: string; when?: string }[]> };
    };
    assert.ok(pkg.contributes.commands.some((c) => c.command === 'edgewise.exportModel' && c.title === 'Export Model...'));
    for (const menu of ['explorer/context', 'editor/title', 'editor/title/context']) {
      const item = pkg.contributes.menus[menu].find((m) => m.command === 'edgewise.exportModel');
      assert.ok(item && /resourceExtname == \.onnx/.test(item.when ?? ''), menu);
    }
    assert.ok(!(pkg.contributes.menus.commandPalette ?? []).some((m) => m.command === 'edgewise.exportModel'), 'not hidden from the palette');
  });
});
