import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CoreMLReader } from '../../../../src/core/formats/coreml/reader';
import { openModel } from '../../../../src/core/formats/open';
import type { ViewGraph } from '../../../../src/core/graph/types';
import { DTLN, DTLN_SPEC, fixture, reference } from './helpers';

const SPEC_FIXTURES = [
  'ph1ps__MNIST-CoreML/MNIST.mlmodel',
  'apple__coremltools/TinyDrawingEmbedding.mlmodel',
  'hollance__coreml-survival-guide/Image2Image.mlmodel',
  'onnx__onnxmltools/keras2coreml_Dense_ImageNet_small.mlmodel',
  'onnx__onnxmltools/onehot_simple.mlmodel',
  'cocoa-ai__NamesCoreMLDemo/NamesDT.mlmodel',
];

function countNodes(g: ViewGraph): number {
  return g.nodes.reduce((a, n) => a + 1 + n.subgraphs.reduce((b, s) => b + countNodes(s.graph), 0), 0);
}

describe('coreml: every fixture opens with the counts an independent protobuf decode finds', () => {
  for (const rel of SPEC_FIXTURES) {
    it(path.basename(rel), () => {
      const reader = openModel(fixture(rel));
      assert.ok(reader instanceof CoreMLReader);
      const s = reader.summary();
      const ref = reference(fixture(rel));
      assert.equal(s.format, 'coreml');
      assert.equal(s.coreml?.specificationVersion, ref.specificationVersion);
      assert.equal(s.coreml?.modelType, ref.modelType);
      assert.equal(s.nodes, ref.nodes);
      assert.equal(s.nodesWithSubgraphs, ref.nodesWithSubgraphs);
      assert.deepEqual(s.ops, ref.ops);
      assert.equal(s.initializers.count, ref.weightCount);
      assert.equal(s.initializers.bytes, ref.weightBytes);
      assert.deepEqual(s.bytesByDtype, ref.bytesByDtype);
      assert.equal(s.parameters, ref.parameters);
      assert.deepEqual(s.inputs.map((i) => i.name), ref.inputs);
      assert.deepEqual(s.outputs.map((o) => o.name), ref.outputs);
      const g = reader.viewGraph();
      assert.ok(g.nodes.length > 0);
      for (const n of g.nodes) for (const i of n.inputs) assert.ok(i, `node ${n.id} has an empty input name`);
    });
  }

  it('MNIST: spec 1 classifier; minimum OS, classes, image input, MACs worked out by hand', () => {
    const s = openModel(fixture('ph1ps__MNIST-CoreML/MNIST.mlmodel')).summary();
    assert.match(s.coreml!.minimumOS, /^iOS 11, macOS 10\.13/);
    assert.equal(s.coreml!.classLabels?.count, 10);
    assert.deepEqual(s.inputs[0], { name: 'image', dtype: 'image Grayscale', shape: [28, 28], detail: 'Image to analyze' });
    // conv 26x26x32 * 1*3*3 + conv 24x24x32 * 32*3*3 + dense 4608*128 + dense 128*10.
    assert.equal(s.macs, 26 * 26 * 32 * 9 + 24 * 24 * 32 * 32 * 9 + 4608 * 128 + 128 * 10);
  });

  it('MNIST: layers wired by blob names, weights with shapes and statistics, a classifier node to the outputs', () => {
    const reader = openModel(fixture('ph1ps__MNIST-CoreML/MNIST.mlmodel'));
    const g = reader.viewGraph();
    const conv = g.nodes.find((n) => n.id === 'convolution2d_1')!;
    assert.equal(conv.opType, 'convolution');
    // The image scaler (x/255) is a node of its own between the input and the first layer.
    const scaler = g.nodes.find((n) => n.opType === 'imageScaler')!;
    assert.deepEqual([scaler.inputs, conv.inputs.slice(0, 1)], [['image'], scaler.outputs]);
    assert.equal(scaler.attributes.find((a) => a.name === 'channelScale')?.value, '1', 'as protoc --decode shows');
    assert.deepEqual(conv.weights.map((w) => [w.name, w.dtype, w.shape]), [['convolution2d_1/weights', 'float32', [32, 1, 3, 3]], ['convolution2d_1/bias', 'float32', [32]]]);
    const relu = g.nodes.find((n) => n.inputs[0] === conv.outputs[0])!;
    assert.equal(relu.opType, 'ReLU');
    const classifier = g.nodes.find((n) => n.opType === 'classLabels')!;
    assert.deepEqual(classifier.outputs, ['classLabel', 'prediction']);
    const d = reader.nodeDetails('convolution2d_1');
    assert.equal(d.weights[0].stats?.histogram.counts.reduce((a, b) => a + b, 0), 32 * 9);
    assert.ok(d.weights[0].stats!.min < 0 && d.weights[0].stats!.max > 0);
  });

  it('pipelines: the sub-models in order, each its own group', () => {
    const g = openModel(fixture('onnx__onnxmltools/onehot_simple.mlmodel')).viewGraph();
    assert.equal(g.nodes.length, 17);
    assert.deepEqual(g.nodes.slice(0, 3).map((n) => [n.opType, n.scope]), [
      ['arrayFeatureExtractor', ['0 arrayFeatureExtractor']], ['oneHotEncoder', ['1 oneHotEncoder']], ['arrayFeatureExtractor', ['2 arrayFeatureExtractor']],
    ]);
    assert.equal(new Set(g.nodes.map((n) => n.id)).size, 17, 'ids unique across stages');
    const ohe = g.nodes[1];
    assert.equal(ohe.attributes.find((a) => a.name === 'categories')?.value, '9');
    // Wired by feature names: the extractor's output feeds the encoder.
    assert.equal(ohe.inputs[0], g.nodes[0].outputs[0]);
  });

  it('tree ensembles: one node with trees, nodes, leaves and classes; nested pipelines nest groups', () => {
    const g = openModel(fixture('cocoa-ai__NamesCoreMLDemo/NamesDT.mlmodel')).viewGraph();
    const tree = g.nodes.find((n) => n.opType === 'treeEnsembleClassifier')!;
    const attr = (k: string) => tree.attributes.find((a) => a.name === k)?.value;
    const ref = reference(fixture('cocoa-ai__NamesCoreMLDemo/NamesDT.mlmodel'));
    assert.ok(Number(attr('nodes')) > 10000);
    assert.equal(attr('classes'), '2');
    assert.equal(attr('labels'), 'F, M');
    assert.ok(Number(attr('trees')) >= 1 && Number(attr('leaves')) > 0 && Number(attr('max depth')) > 1);
    assert.equal(ref.ops.treeEnsembleClassifier, 1);
    assert.deepEqual(g.nodes.find((n) => n.opType === 'dictVectorizer')?.scope, ['0 pipeline', '0 dictVectorizer']);
  });

  it('ML Program package: opened through Manifest.json (folder or the manifest itself), counts match the reference', () => {
    for (const p of [DTLN, path.join(DTLN, 'Manifest.json')]) {
      const s = openModel(p).summary();
      const ref = reference(DTLN_SPEC);
      assert.equal(s.file, DTLN);
      assert.equal(s.nodes, ref.nodes);
      assert.equal(s.nodesWithSubgraphs, 184);
      assert.equal(s.nodesWithSubgraphs, ref.nodesWithSubgraphs);
      assert.deepEqual(s.ops, ref.ops);
      assert.deepEqual(s.bytesByDtype, ref.bytesByDtype);
      assert.equal(s.parameters, ref.parameters);
      assert.equal(s.coreml?.opset, 'CoreML6');
      assert.match(s.coreml!.minimumOS, /^iOS 16, macOS 13/);
      assert.deepEqual(s.inputs[0].shape, ['1..2', 1, 257], 'flexible shape as ranges');
    }
  });

  it('ML Program: while_loop bodies are subgraphs, consts are weights read from weight.bin', () => {
    const reader = openModel(DTLN) as CoreMLReader;
    const g = reader.viewGraph();
    const loops = g.nodes.filter((n) => n.opType === 'while_loop');
    assert.equal(loops.length, 2);
    assert.deepEqual(loops[0].subgraphs.map((s) => s.attribute), ['cond', 'body']);
    assert.ok(loops[0].subgraphs[1].graph.nodes.some((n) => n.opType === 'matmul'));
    assert.ok(!g.nodes.some((n) => n.opType === 'const'), 'consts fold into their consumers');
    assert.equal(countNodes(g), 184 - 101, 'every op but the consts is drawn');
    const withBlob = g.nodes.find((n) => n.weights.some((w) => w.bytes > 1000))!;
    const d = reader.nodeDetails(withBlob.id);
    const w = d.weights.find((x) => x.bytes > 1000)!;
    assert.equal(w.stats?.histogram.counts.reduce((a, b) => a + b, 0), w.elements);
    // The body's matmul weight, through the graph path.
    const body = loops[0].subgraphs[1].graph;
    const mm = body.nodes.find((n) => n.opType === 'matmul' && n.weights.length > 0)!;
    const dd = reader.nodeDetails(mm.id, [loops[0].id, 'body']);
    assert.ok(dd.weights[0].stats && dd.weights[0].stats.std > 0);
  });

  it('compiled folder: model.mil and metadata.json read, the compiled binary named as not a source model', () => {
    const reader = openModel(fixture('apple__coremltools/add_model.mlmodelc'));
    const s = reader.summary();
    assert.equal(s.coreml?.container, 'mlmodelc');
    assert.equal(s.coreml?.specificationVersion, 7);
    assert.deepEqual({ ...s.ops }, { mul: 1 });
    assert.deepEqual(s.inputs.map((i) => [i.name, i.dtype, i.shape]), [['x', 'float16', [1, 10]], ['y', 'float16', [1, 10]]]);
    assert.match(s.metadata.compiled, /not a source model/);
    assert.match(s.metadata['not decoded'], /coremldata\.bin/);
    const g = reader.viewGraph();
    assert.deepEqual(g.nodes.map((n) => [n.opType, n.inputs, n.outputs]), [['mul', ['x', 'y'], ['var_3']]]);
  });
});
