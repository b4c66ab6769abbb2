import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { OnnxReader } from '../../../../src/core/formats/onnx/reader';
import { parseStackTrace, parseStringList, torchModule, torchModuleScope } from '../../../../src/core/formats/onnx/torch-metadata';
import { buildHierarchy } from '../../../../src/core/graph/hierarchy';
import { memoryProfile } from '../../../../src/core/graph/memory';
import { runNodeDetailsJob } from '../../../../src/core/jobs/inspect';
import { writeTemp } from '../../../helpers/onnx-models';
import { ENCODER_LINE, HEAD_LINE, torchExportedModel } from '../../../fixtures/torch-exported';

const SOURCE = '/home/ana/project/model.py';

describe('PyTorch exporter node metadata', () => {
  it('reads Python list reprs, the module path relative to its parent, and the module class', () => {
    assert.deepEqual(parseStringList("['', 'encoder', \"it's\"]"), ['', 'encoder', "it's"]);
    assert.equal(parseStringList('encoder'), null);
    assert.deepEqual(torchModuleScope("['', 'encoder', 'encoder.layers.0', 'encoder.layers.0.attn', 'linear_3']"), ['encoder', 'layers.0', 'attn']);
    // A module that is not its parent's attribute path (an FX name scope) stays whole.
    assert.deepEqual(torchModuleScope("['', 'blocks.2', 'mlp', 'gelu']"), ['blocks.2', 'mlp']);
    assert.deepEqual(torchModuleScope("['softmax']"), [], 'no nn_module_stack: the FX node alone');
    assert.deepEqual(torchModule("['', 'head', 'linear_2']", "['__main__.Net', 'torch.nn.modules.linear.Linear', 'aten.linear.default']"),
      { path: 'head', className: 'torch.nn.modules.linear.Linear' });
    assert.equal(torchModule("['', 'softmax']", "['__main__.Net', 'aten.softmax.int']"), undefined, 'the root module is no module to name');
  });

  it('parses a traceback into frames, marking the installed packages', () => {
    const frames = parseStackTrace([
      'File "C:\\Users\\ana\\train_model.py", line 96, in forward',
      '    return self.network(x)',
      '  File "C:\\Python312\\site-packages\\torch\\nn\\modules\\container.py", line 250, in forward',
      '    input = module(input)',
      '  File "<eval_with_key>.3", line 7, in forward',
    ].join('\n'));
    assert.deepEqual(frames, [
      { file: 'C:\\Users\\ana\\train_model.py', line: 96, function: 'forward', code: 'return self.network(x)' },
      { file: 'C:\\Python312\\site-packages\\torch\\nn\\modules\\container.py', line: 250, function: 'forward', code: 'input = module(input)', library: true },
      { file: '<eval_with_key>.3', line: 7, function: 'forward', library: true },
    ]);
    assert.deepEqual(parseStackTrace(''), []);
  });

  it('groups an export by module: the nodes lowered from one Linear together, inside its Sequential', () => {
    const view = new OnnxReader(torchExportedModel(SOURCE)).viewGraph();
    const scopes = Object.fromEntries(view.nodes.map((n) => [n.name, n.scope.join('/')]));
    assert.deepEqual(scopes, {
      node_MatMul_0: 'encoder/0', node_linear: 'encoder/0', node_relu: 'encoder/1',
      node_MatMul_2: 'encoder/2', node_linear_1: 'encoder/2', node_MatMul_4: 'head', node_linear_2: 'head', node_softmax: '',
    });
    const h = buildHierarchy(view);
    assert.deepEqual([...h.groups.keys()].sort(), ['', 'encoder', 'encoder/0', 'encoder/2', 'head']);
    assert.deepEqual(h.groups.get('encoder')!.groups, ['encoder/0', 'encoder/2']);
    assert.equal(h.groups.get('encoder/0')!.label, '0');
    assert.equal(h.groups.get('encoder')!.size, 5, 'the ReLU (a one-node module) joins the Sequential');
    assert.equal(h.groups.get('encoder/0')!.repeat, undefined, 'not copies: 8x16 and 16x16 weights');
  });

  it('is a valid model, its metadata read back from the file as written', () => {
    const file = writeTemp(torchExportedModel(SOURCE));
    // The installed onnx (1.12) checks up to IR 8 and predates node metadata_props (IR 10): it checks the graph.
    execFileSync('/usr/bin/python3', ['-c', `
import onnx
m = onnx.load(${JSON.stringify(file)})
m.ir_version = 8
onnx.checker.check_model(m, full_check=True)`]);
    const n = loadModel(file).graph.nodes[1];
    const p = Object.fromEntries(n.metadataProps.map((e) => [e.key, e.value]));
    assert.deepEqual(Object.keys(p).sort(), ['namespace', 'pkg.torch.onnx.class_hierarchy', 'pkg.torch.onnx.fx_node', 'pkg.torch.onnx.name_scopes', 'pkg.torch.onnx.stack_trace']);
    assert.equal(p['pkg.torch.onnx.name_scopes'], "['', 'encoder', 'encoder.0', 'linear']");
    assert.equal(p['pkg.torch.onnx.class_hierarchy'], "['__main__.Net', 'torch.nn.modules.container.Sequential', 'torch.nn.modules.linear.Linear', 'aten.linear.default']");
    assert.match(p['pkg.torch.onnx.stack_trace'], /^ {2}File "\/home\/ana\/project\/model.py", line 12, in forward\n {4}h = self.encoder\(x\)\n {2}File "/);
  });

  it('gives each node its source frames and module in its details, and its share of activation memory', async () => {
    const reader = new OnnxReader(torchExportedModel(SOURCE));
    const d = await runNodeDetailsJob('model.onnx', 'node_linear_2', [], () => reader);
    assert.deepEqual(d.module, { path: 'head', className: 'torch.nn.modules.linear.Linear' });
    assert.deepEqual(d.source?.map((f) => [f.file, f.line, !!f.library]), [[SOURCE, HEAD_LINE, false], ['/usr/lib/python3/dist-packages/torch/nn/modules/linear.py', 125, true]]);
    const relu = await runNodeDetailsJob('model.onnx', 'node_relu', [], () => reader);
    assert.equal(relu.source?.[0].line, ENCODER_LINE);
    assert.equal(relu.source?.[0].code, 'h = self.encoder(x)');
    // Memory: the node's entry of the whole profile, the peak and the tensors making it.
    const p = memoryProfile(reader.viewGraph());
    const i = p.nodes.findIndex((n) => n.id === 'node_relu');
    assert.deepEqual(relu.memory && { out: relu.memory.outputBytes, live: relu.memory.liveBytes, index: relu.memory.index, of: relu.memory.nodes },
      { out: 16 * 4, live: p.nodes[i].liveBytes, index: i, of: 8 });
    assert.equal(relu.memory!.outputBytes, 64, 'batch x 16 float32, the symbolic batch counted as 1');
    assert.deepEqual(relu.memory!.symbolicDims, ['batch']);
    assert.equal(relu.memory!.peakBytes, p.peakBytes);
    assert.equal(relu.memory!.peakTensors.reduce((s, t) => s + t.bytes, 0), p.peakBytes);
    assert.equal(relu.memory!.peakNode, p.peakNode);
  });

  it('leaves nodes without the metadata without source or module', async () => {
    const model = torchExportedModel(SOURCE);
    for (const n of model.graph.nodes) n.metadataProps.length = 0;
    const d = await runNodeDetailsJob('m.onnx', 'node_relu', [], () => new OnnxReader(model));
    assert.equal(d.source, undefined);
    assert.equal(d.module, undefined);
    assert.ok(d.memory);
  });
});
