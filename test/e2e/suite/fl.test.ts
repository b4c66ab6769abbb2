import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FlSimulateResult } from '../../../src/worker/protocol';
import { closeAllEditors, edgewise, hasUiBridge, screenshot, untilInWebview, workspaceFile } from './helpers';

describe('federated training from VS Code', function () {
  this.timeout(240000);
  afterEach(closeAllEditors);

  it('simulates a federation in the worker with a live chart of every round, then offers the final model', async () => {
    const api = await edgewise();
    const model = workspaceFile('fmnist_cnn.onnx');
    const before = fs.readFileSync(model.fsPath);
    const data = workspaceFile('fmnist_test1k_u8.npy').fsPath;
    const labels = workspaceFile('fmnist_test1k_labels.npy').fsPath;
    const options = {
      data, labels, valData: data, valLabels: labels, clients: 4, clientsPerRound: 2, rounds: 3, partition: 'dirichlet:0.5', lr: 0.01,
      privacy: { clip: 1, noiseMultiplier: 0.001, delta: 1e-5 },
    };
    const result = await vscode.commands.executeCommand<FlSimulateResult>('edgewise.simulateFederated', model, options);
    assert.ok(result, 'the job ran');
    try {
      assert.equal(path.dirname(result.outDir), path.dirname(model.fsPath), 'the rounds are written beside the model');
      assert.match(path.basename(result.outDir), /^fmnist_cnn\.fl(-\d+)?$/);
      assert.equal(result.finalModel, path.join(result.outDir, 'final.onnx'));
      assert.ok(fs.existsSync(result.finalModel));
      assert.deepEqual(fs.readFileSync(model.fsPath), before, 'the input is untouched');
      assert.deepEqual(result.rounds.map((r) => r.round), [1, 2, 3]);
      assert.ok(result.rounds.every((r) => r.valTop1! > 0.5 && r.epsilon! > 0), JSON.stringify(result.rounds.map((r) => [r.valTop1, r.epsilon])));
      const chart = api.federated.get(model);
      assert.ok(chart, 'a chart panel is open');
      assert.deepEqual(chart.posted, { rounds: 3, done: true }, 'every round reached the chart');
      if (hasUiBridge()) {
        // The page drew the charts (uPlot canvases), filled a row per round and shows where the model went.
        const drawn = await untilInWebview<{ canvases: number; rows: number; text: string }>('#fl-root', `(root) => {
          const rows = root.querySelectorAll('#rounds tbody tr').length;
          const canvases = root.querySelectorAll('.chart canvas').length;
          const text = root.querySelector('#result-text').textContent;
          return canvases >= 3 && rows === 3 && !root.querySelector('#result').hidden && !root.querySelector('#privacy').hidden && /final\\.onnx/.test(text) ? { canvases, rows, text } : null;
        }`, 60_000);
        assert.match(drawn.text, /Validation top-1 .* after 3 rounds/);
        await screenshot('fl-chart');
        await untilInWebview('#fl-root', `(root) => { root.querySelector('#result').scrollIntoView(); return true; }`);
        await screenshot('fl-chart-result');
      }
    } finally {
      // Keep the workspace as the other steps expect it (the Explorer fits one screen).
      fs.rmSync(result.outDir, { recursive: true, force: true });
    }
  });

  it('a bad request shows its reason on the chart and writes no federation', async () => {
    const api = await edgewise();
    const model = workspaceFile('fmnist_cnn.onnx');
    const outDir = workspaceFile('never.fl').fsPath;
    const options = { data: workspaceFile('fmnist_test1k_u8.npy').fsPath, labels: model.fsPath, clients: 4, clientsPerRound: 2, rounds: 1, partition: 'iid', outDir };
    const result = await vscode.commands.executeCommand<FlSimulateResult | undefined>('edgewise.simulateFederated', model, options);
    assert.equal(result, undefined);
    assert.ok(!fs.existsSync(outDir));
    assert.ok(api.federated.get(model), 'the chart stays open with the error');
    if (hasUiBridge()) {
      await untilInWebview('#fl-root', `(root) => { const s = root.querySelector('#status'); return s.classList.contains('failed') && /fmnist_cnn\\.onnx/.test(s.textContent) ? s.textContent : null; }`);
    }
  });
});
