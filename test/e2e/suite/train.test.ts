import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { TrainResult } from '../../../src/worker/protocol';
import { closeAllEditors, edgewise, hasUiBridge, screenshot, untilInWebview, workspaceFile } from './helpers';

describe('training from VS Code', function () {
  this.timeout(240000);
  afterEach(closeAllEditors);

  it('fine-tunes in the worker with a live chart of every step and epoch, then offers the result', async () => {
    const api = await edgewise();
    const model = workspaceFile('fmnist_cnn.onnx');
    const before = fs.readFileSync(model.fsPath);
    const options = {
      data: workspaceFile('fmnist_test1k_u8.npy').fsPath, labels: workspaceFile('fmnist_test1k_labels.npy').fsPath,
      valData: workspaceFile('fmnist_test1k_u8.npy').fsPath, valLabels: workspaceFile('fmnist_test1k_labels.npy').fsPath,
      epochs: 2, batchSize: 100,
    };
    const result = await vscode.commands.executeCommand<TrainResult>('edgewise.finetuneModel', model, options);
    assert.ok(result, 'the job ran');
    assert.equal(result.output, workspaceFile('fmnist_cnn.finetuned.onnx').fsPath);
    assert.ok(fs.existsSync(result.output));
    assert.deepEqual(fs.readFileSync(model.fsPath), before, 'the input is untouched');
    assert.equal(result.epochs.length, 2);
    const chart = api.training.get(model);
    assert.ok(chart, 'a chart panel is open');
    assert.deepEqual(chart.posted, { steps: 20, epochs: 2, done: true }, 'every step and epoch reached the chart');
    if (hasUiBridge()) {
      // The page drew both charts (uPlot canvases), filled the epoch table and shows the comparison.
      const drawn = await untilInWebview<{ canvases: number; rows: number; changes: number }>('#train-root', `(root) => {
        const rows = root.querySelectorAll('#epochs tbody tr').length;
        const canvases = root.querySelectorAll('.chart canvas').length;
        const changes = root.querySelectorAll('#changes tbody tr').length;
        return canvases >= 2 && rows === 2 && !root.querySelector('#result').hidden && changes > 0 ? { canvases, rows, changes } : null;
      }`, 60_000);
      assert.ok(drawn.canvases >= 2 && drawn.rows === 2, JSON.stringify(drawn));
      await screenshot('train-chart');

      // The chart's "Compare with Original" (the notification offers the same action): Compare Models diffs the original
      // and the result side by side.
      await untilInWebview('#train-root', `(root) => { const b = root.querySelector('#compare'); if (!b || root.querySelector('#result').hidden) return null; b.click(); return true; }`);
      for (const end = Date.now() + 60_000; api.compare.current()?.diff.b.file !== result.output; await new Promise((r) => setTimeout(r, 200))) {
        if (Date.now() > end) throw new Error('no comparison of the result with the original opened');
      }
      const { diff, a, b } = api.compare.current()!;
      assert.equal(diff.a.file, model.fsPath, 'the original is A');
      // Fine-tuning changes weights, never the graph: both Convs and both Gemms retrained, nothing added or removed.
      assert.deepEqual(diff.entries.filter((e) => e.status === 'changed').map((e) => e.opA), ['Conv', 'Conv', 'Gemm', 'Gemm']);
      assert.deepEqual([diff.counts.added, diff.counts.removed, diff.counts.rewritten], [0, 0, 0]);
      assert.ok(diff.entries.every((e) => e.status !== 'changed' || e.weights?.some((w) => (w.relL2 ?? 0) > 0)), 'each changed node names the weight that moved');
      await Promise.all([a.whenLoaded(), b.whenLoaded()]);
      await screenshot('train-compare-with-original');
    }
  });

  it('a bad request shows its reason on the chart and writes nothing', async () => {
    const api = await edgewise();
    const model = workspaceFile('fmnist_cnn.onnx');
    const options = { data: workspaceFile('fmnist_test1k_u8.npy').fsPath, labels: model.fsPath, out: workspaceFile('never.onnx').fsPath };
    const result = await vscode.commands.executeCommand<TrainResult | undefined>('edgewise.finetuneModel', model, options);
    assert.equal(result, undefined);
    assert.ok(!fs.existsSync(workspaceFile('never.onnx').fsPath));
    assert.ok(api.training.get(model), 'the chart stays open with the error');
    if (hasUiBridge()) {
      await untilInWebview('#train-root', `(root) => { const s = root.querySelector('#status'); return s.classList.contains('failed') && /fmnist_cnn\\.onnx/.test(s.textContent) ? s.textContent : null; }`);
    }
  });
});
