import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { GRAPH_VIEW_TYPE } from '../../../src/extension/graph-panels';
import { unavailableReason } from '../../../src/extension/model-commands';
import { NodeDetailsRequest, ViewGraphRequest } from '../../../src/worker/protocol';
import { closeAllEditors, edgewise, openGraph, screenshot, untilInGraphWebview, workspaceFile } from './helpers';

/** The Core ML fixtures and their view nodes (layers plus preprocessing / classifier nodes; ops without consts). */
const MODELS: [string, number][] = [
  ['coreml/MNIST.mlmodel', 12],
  ['coreml/TinyDrawingEmbedding.mlmodel', 12],
  ['coreml/Image2Image.mlmodel', 2],
  ['coreml/keras2coreml_Dense_ImageNet_small.mlmodel', 2],
  ['coreml/onehot_simple.mlmodel', 17],
  ['coreml/NamesDT.mlmodel', 3],
  ['coreml/DTLN_AEC_128_Part1.mlpackage', 47],
  ['coreml/add_model.mlmodelc', 1],
];

describe('Core ML models in VS Code', function () {
  before(function () {
    // The fixtures come from the shared folder beside the clone (make-workspace.ts).
    if (!fs.existsSync(workspaceFile('coreml/MNIST.mlmodel').fsPath)) this.skip();
  });
  afterEach(closeAllEditors);

  it('opens *.mlmodel with the graph editor', async () => {
    await edgewise();
    await vscode.commands.executeCommand('vscode.open', workspaceFile('coreml/MNIST.mlmodel'));
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(input instanceof vscode.TabInputCustom, 'the .mlmodel tab is a custom editor');
    assert.equal(input.viewType, GRAPH_VIEW_TYPE);
  });

  for (const [name, nodes] of MODELS) {
    it(`shows ${name} (${nodes} nodes)`, async () => {
      const panel = await openGraph(name);
      assert.equal(panel.state.kind, 'model', panel.state.kind === 'error' ? panel.state.message : '');
      assert.ok(panel.state.kind === 'model' && panel.state.nodes === nodes, JSON.stringify(panel.state));
    });
  }

  it('opens a package from its Manifest.json (the Explorer entry on the file) as the package', async () => {
    const api = await edgewise();
    await vscode.commands.executeCommand('edgewise.openModelGraph', workspaceFile('coreml/DTLN_AEC_128_Part1.mlpackage/Manifest.json'));
    const panel = api.panels.forFile(workspaceFile('coreml/DTLN_AEC_128_Part1.mlpackage'))[0];
    assert.ok(panel, 'a graph panel for the package folder');
    await panel.whenLoaded();
    assert.ok(panel.state.kind === 'model' && panel.state.nodes === 47, JSON.stringify(panel.state));
    // Rendered: the while_loop nodes are drawn, and Benchmark is disabled with the reason as its tooltip.
    const drawn = await untilInGraphWebview<number>('() => { const app = globalThis.edgewise; const n = app?.scene?.items?.length ?? 0; return n > 0 ? n : undefined; }');
    assert.ok(drawn > 0);
    const title = await untilInGraphWebview<string>("() => document.querySelector('vscode-toolbar-button[icon=dashboard][disabled]')?.getAttribute('title') ?? undefined");
    assert.match(title, /Benchmark is not available for Core ML models: running a Core ML model needs Apple's Core ML framework/);
    await screenshot('coreml-package');
  });

  it('reads an ML Program weight from the package weight file through the worker', async () => {
    const api = await edgewise();
    const file = workspaceFile('coreml/DTLN_AEC_128_Part1.mlpackage').fsPath;
    const graph = await api.worker.request(ViewGraphRequest.type, { file });
    const node = graph.nodes.find((n) => n.weights.some((w) => w.bytes > 1000))!;
    const details = await api.worker.request(NodeDetailsRequest.type, { file, nodeId: node.id, graphPath: [] });
    const w = details.weights.find((x) => x.bytes > 1000)!;
    assert.equal(w.stats?.histogram.counts.reduce((a, b) => a + b, 0), w.elements);
  });

  it('refuses Benchmark and the passes on Core ML with the reason', () => {
    const file = workspaceFile('coreml/MNIST.mlmodel').fsPath;
    for (const need of ['bench', 'quantize', 'prune', 'analyze'] as const) assert.match(unavailableReason(file, need) ?? '', /Core ML models: running a Core ML model needs Apple's Core ML framework, which exists only on macOS and iOS/);
  });

  it('shows a package without Manifest.json and a cut .mlmodel as clear errors', async () => {
    const noManifest = await openGraph('coreml/NoManifest.mlpackage');
    assert.ok(noManifest.state.kind === 'error' && /has no Manifest\.json/.test(noManifest.state.message), JSON.stringify(noManifest.state));
    const cut = await openGraph('coreml/truncated.mlmodel');
    assert.ok(cut.state.kind === 'error' && /truncated/.test(cut.state.message), JSON.stringify(cut.state));
  });
});
