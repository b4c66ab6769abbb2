import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { BenchmarkResponse } from '../../../src/worker/protocol';
import { closeAllEditors, edgewise, openGraph, workspaceFile } from './helpers';

describe('benchmark in VS Code', function () {
  this.timeout(120000);
  const config = () => vscode.workspace.getConfiguration('edgewise');

  afterEach(async () => {
    await config().update('benchmark.target', undefined, vscode.ConfigurationTarget.Global);
    await config().update('benchmark.targets', undefined, vscode.ConfigurationTarget.Global);
    await config().update('benchmark.runs', undefined, vscode.ConfigurationTarget.Global);
    await closeAllEditors();
  });

  it('benchmarks the open graph\'s model and keeps the results, with a latency per graph node', async () => {
    const api = await edgewise();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('edgewise.benchmarkModel'));
    await config().update('benchmark.runs', 10, vscode.ConfigurationTarget.Global);
    const panel = await openGraph('fmnist_cnn.onnx');
    assert.equal(panel.state.kind, 'model');
    const response = await vscode.commands.executeCommand<BenchmarkResponse>('edgewise.benchmarkModel', panel.uri);
    assert.ok(response, 'the benchmark returned results');
    assert.equal(response.results[0].latency.samplesMs.length, 10);
    assert.equal(api.benchmark.last.get(panel.uri.toString()), response);
    const nodes = panel.state.kind === 'model' ? panel.state.nodes : 0;
    assert.equal(Object.keys(response.latencyByNode ?? {}).length, nodes, 'every node of the graph has a latency');
    assert.ok(api.benchmark.results.get(panel.uri), 'the results panel is open');
    assert.deepEqual(vscode.languages.getDiagnostics(panel.uri), [], 'local-cpu has no budgets');
  });

  it('puts broken budgets in the Problems panel and clears them when the model fits', async () => {
    const uri = workspaceFile('fmnist_cnn.onnx');
    await config().update('benchmark.runs', 5, vscode.ConfigurationTarget.Global);
    await config().update('benchmark.targets', [{ name: 'tiny-board', latencyBudgetMs: 0.0001, latencyMetric: 'p50', ramBudgetBytes: 1024 }], vscode.ConfigurationTarget.Global);
    await config().update('benchmark.target', 'tiny-board', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('edgewise.benchmarkModel', uri);
    const diags = vscode.languages.getDiagnostics(uri);
    assert.deepEqual(diags.map((d) => d.code).sort(), ['budget-latency', 'budget-ram']);
    assert.ok(diags.every((d) => d.severity === vscode.DiagnosticSeverity.Error && /tiny-board budget/.test(d.message)));
    await config().update('benchmark.target', 'local-cpu', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('edgewise.benchmarkModel', uri);
    assert.deepEqual(vscode.languages.getDiagnostics(uri), []);
  });
});
