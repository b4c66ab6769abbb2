import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { GRAPH_VIEW_TYPE } from '../../../src/extension/graph-panels';
import { NodeDetailsRequest, ViewGraphRequest, type BenchmarkResponse } from '../../../src/worker/protocol';
import { closeAllEditors, edgewise, openGraph, workspaceFile } from './helpers';

/** The nine TFLite Micro models and their operator counts (test/core/formats/tflite/fixtures.test.ts). */
const MODELS: [string, number][] = [
  ['hello_world_float.tflite', 3],
  ['hello_world_int8.tflite', 3],
  ['micro_speech_quantized.tflite', 4],
  ['keyword_scrambled.tflite', 15],
  ['trained_lstm.tflite', 4],
  ['trained_lstm_int8.tflite', 4],
  ['person_detect.tflite', 31],
  ['dtln_noise_suppression.tflite', 4],
  ['mobilenet_v2_quantized_1x3x224x224.tflite', 84],
];

describe('TFLite models in VS Code', () => {
  afterEach(closeAllEditors);

  it('opens *.tflite with the graph editor', async () => {
    await edgewise();
    await vscode.commands.executeCommand('vscode.open', workspaceFile('person_detect.tflite'));
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(input instanceof vscode.TabInputCustom, 'the .tflite tab is a custom editor');
    assert.equal(input.viewType, GRAPH_VIEW_TYPE);
  });

  for (const [name, operators] of MODELS) {
    it(`shows ${name} (${operators} operators)`, async function () {
      // The 4 MB MobileNetV2 comes from the shared fixtures beside the clone (make-workspace.ts).
      if (!fs.existsSync(workspaceFile(name).fsPath)) this.skip();
      const panel = await openGraph(name);
      assert.equal(panel.state.kind, 'model', panel.state.kind === 'error' ? panel.state.message : '');
      assert.ok(panel.state.kind === 'model' && panel.state.nodes === operators, JSON.stringify(panel.state));
    });
  }

  it('gives a per-channel quantized weight its scales and dequantized statistics through the worker', async () => {
    const api = await edgewise();
    const file = workspaceFile('person_detect.tflite').fsPath;
    const graph = await api.worker.request(ViewGraphRequest.type, { file });
    const conv = graph.nodes.find((n) => n.opType === 'DEPTHWISE_CONV_2D')!;
    const details = await api.worker.request(NodeDetailsRequest.type, { file, nodeId: conv.id, graphPath: [] });
    const filter = details.weights.find((w) => w.shape?.length === 4)!;
    assert.equal(filter.quant?.scale.length, 8);
    assert.equal(filter.quant?.axis, 3);
    assert.ok(filter.stats && filter.stats.min < 0 && filter.stats.max > 0);
  });

  it('benchmarks a .tflite from its graph on the TFLite interpreter', async function () {
    this.timeout(120_000);
    const config = vscode.workspace.getConfiguration('edgewise');
    await config.update('benchmark.runs', 10, vscode.ConfigurationTarget.Global);
    try {
      const panel = await openGraph('person_detect.tflite');
      const response = await vscode.commands.executeCommand<BenchmarkResponse>('edgewise.benchmarkModel', panel.uri);
      assert.ok(response, 'the benchmark returned results');
      assert.equal(response.results[0].latency.samplesMs.length, 10);
      assert.deepEqual(response.results[0].executionProviders, ['tflite-wasm']);
      assert.deepEqual(response.results[0].inputs.map((i) => i.dtype), ['int8']);
    } finally {
      await config.update('benchmark.runs', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('shows a damaged .tflite as a clear error in the editor', async () => {
    const panel = await openGraph('corrupt.tflite');
    assert.equal(panel.state.kind, 'error');
    assert.ok(panel.state.kind === 'error');
    // The reader's own words (core/formats/tflite/flatbuffer.ts): the file was cut at 0x700 = 1,792 bytes.
    assert.match(panel.state.message, /operator_codes offset at 52 points to 3132, outside the file \(1792 bytes\)/);
  });
});
