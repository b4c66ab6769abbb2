import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { QuantizeJobResult } from '../../../src/core/jobs/quantize';
import { closeAllEditors, edgewise, workspaceFile } from './helpers';

describe('quantizing from VS Code', function () {
  this.timeout(120000);
  afterEach(closeAllEditors);

  it('FP16: writes the output next to the model and puts clamped weights in the Problems panel', async () => {
    await edgewise();
    const model = workspaceFile('big_weights.onnx');
    const before = fs.readFileSync(model.fsPath);
    const result = await vscode.commands.executeCommand<QuantizeJobResult>('edgewise.quantizeModel', model, { mode: 'fp16', skipLatency: true });
    assert.ok(result, 'the job ran');
    const out = workspaceFile('big_weights.fp16.onnx');
    assert.equal(result.output, out.fsPath);
    assert.ok(fs.existsSync(out.fsPath));
    assert.deepEqual(fs.readFileSync(model.fsPath), before, 'the input is untouched');
    const diags = vscode.languages.getDiagnostics(out).filter((d) => d.source === 'edgewise');
    assert.equal(diags.length, 1);
    const [d] = diags;
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(typeof d.code === 'object' && d.code.value === 'fp16-clamped' && d.code.target.scheme === 'command');
    assert.match(d.message, /^scale_up: 2 value\(s\) of 'big' were outside the float16 range/);
  });
});
