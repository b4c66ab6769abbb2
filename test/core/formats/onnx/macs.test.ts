import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { modelMacs } from '../../../../src/core/formats/onnx/macs';
import { onnxViewGraph } from '../../../../src/core/formats/onnx/view';
import { summarizeOnnx } from '../../../../src/core/formats/onnx/summary';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { buildModel } from '../../../helpers/onnx-models';
import { pythonOnnxMissing, runPythonJson } from '../../../python/onnx_python';

const VIT = path.resolve(__dirname, '../../../fixtures/fmnist_vit.onnx');

/** The ViT fixture's MACs per sample from its architecture (test/fixtures/make_fmnist_vit.py). */
function vitMacs({ tokens = 16, patch = 49, d = 48, heads = 4, ff = 96, layers = 2, classes = 10 } = {}): number {
  const perLayer = tokens * d * 3 * d + 2 * heads * tokens * tokens * (d / heads) + tokens * d * d + 2 * tokens * d * ff;
  return tokens * patch * d + layers * perLayer + d * classes;
}

describe('onnx/macs: MACs of a PyTorch-exported transformer with a dynamic batch', () => {
  it('works through the export\'s shape arithmetic with the batch taken as 1, and says so', () => {
    const m = modelMacs(loadModel(VIT));
    assert.equal(m.unknownNodes, 0);
    assert.equal(m.total, vitMacs());
    assert.equal(m.total, 677_088);
    assert.match(m.note!, /per sample: the inputs' symbolic dims \(N\) counted as 1, and the shapes worked out with them set to 1/);
    assert.equal(Object.keys(m.byNode).length, 14, 'every MatMul and Gemm');
    const s = summarizeOnnx(loadModel(VIT));
    assert.equal(s.macs, 677_088);
    assert.equal(s.macsNote, m.note);
  });

  it('per node: in the view graph, and equal to python3-onnx\'s where onnx works the shapes out', function () {
    const model = loadModel(VIT);
    const view = onnxViewGraph(model);
    const withMacs = view.nodes.filter((n) => n.macs !== undefined);
    assert.deepEqual(withMacs.map((n) => n.opType).sort(), [...Array(11).fill('MatMul'), ...Array(3).fill('Gemm')].sort());
    assert.equal(withMacs.reduce((s, n) => s + n.macs!, 0), 677_088);
    const missing = pythonOnnxMissing();
    if (missing) { console.log(`      skipped the python3-onnx comparison: ${missing}`); this.skip(); }
    const theirs = runPythonJson<Record<string, number>>('node_macs.py', [VIT]);
    assert.ok(Object.keys(theirs).length >= 10, `onnx inferred ${Object.keys(theirs).length} nodes`);
    for (const [name, macs] of Object.entries(theirs)) assert.equal(view.nodes.find((n) => n.name === name)?.macs, macs, name);
  });

  it('folds Shape -> Gather -> Mul -> Concat -> Reshape, Range and the Expand idiom (Where(Equal(shape, -1), 1, shape))', () => {
    const i64 = (name: string, vals: number[], dims = [vals.length]) => makeTensor(name, 'int64', dims, BigInt64Array.from(vals.map(BigInt)));
    const model = buildModel([
      makeNode('Shape', ['x'], ['s']),
      makeNode('Gather', ['s', 'zero'], ['n'], { axis: 0 }),
      makeNode('Mul', ['n', 'four'], ['n4']),
      makeNode('Unsqueeze', ['n4', 'ax0'], ['n4u']),
      makeNode('Concat', ['n4u', 'eight'], ['shape'], { axis: 0 }),
      makeNode('Reshape', ['x', 'shape'], ['r']),
      makeNode('MatMul', ['r', 'w'], ['y']),
      // Expand of a [1, 8] bias to [N*4, 8] the way PyTorch writes it.
      makeNode('ConstantOfShape', ['two'], ['ones'], { value: i64('one', [1]) }),
      makeNode('Mul', ['ones', 'minus1'], ['neg']),
      makeNode('Equal', ['shape', 'neg'], ['isneg']),
      makeNode('Where', ['isneg', 'ones', 'shape'], ['target']),
      makeNode('Expand', ['b', 'target'], ['bb']),
      makeNode('MatMul', ['bb', 'w2'], ['z']),
      makeNode('Range', ['zero_s', 'ten', 'one_s'], ['pos']),
    ], [makeValueInfo('x', 'float32', ['N', 4, 8])], [makeValueInfo('y', 'float32', undefined), makeValueInfo('z', 'float32', undefined), makeValueInfo('pos', 'int64', undefined)], [
      i64('zero', [0], []), i64('four', [4], []), i64('ax0', [0]), i64('eight', [8]), i64('two', [2]), i64('minus1', [-1]),
      i64('zero_s', [0], []), i64('ten', [10], []), i64('one_s', [1], []),
      makeTensor('w', 'float32', [8, 3], new Float32Array(24)), makeTensor('b', 'float32', [1, 8], new Float32Array(8)), makeTensor('w2', 'float32', [8, 5], new Float32Array(40)),
    ]);
    const m = modelMacs(model);
    assert.equal(m.unknownNodes, 0, JSON.stringify(m));
    // [4, 8] x [8, 3] and [4, 8] x [8, 5] per sample.
    assert.equal(m.total, 4 * 8 * 3 + 4 * 8 * 5);
  });
});

describe('onnx/macs: node names are only names', () => {
  it("counts nodes named 'toString', '__proto__' and 'constructor' like any other, and gives none to a node without MACs", () => {
    const w = makeTensor('w', 'float32', [4, 4], new Float32Array(16).fill(0.5));
    const model = buildModel([
      makeNode('MatMul', ['x', 'w'], ['a'], {}, 'toString'),
      makeNode('MatMul', ['a', 'w'], ['b'], {}, '__proto__'),
      makeNode('Relu', ['b'], ['c'], {}, 'constructor'),
      makeNode('MatMul', ['c', 'w'], ['y'], {}, 'hasOwnProperty'),
    ], [makeValueInfo('x', 'float32', [2, 4])], [makeValueInfo('y', 'float32', [2, 4])], [w]);
    const m = modelMacs(model);
    assert.deepEqual({ ...m.byNode }, { toString: 32, ['__proto__']: 32, hasOwnProperty: 32 });
    assert.equal(m.total, 96);
    const byName = new Map(onnxViewGraph(model).nodes.map((n) => [n.name, n.macs]));
    assert.deepEqual([...byName], [['toString', 32], ['__proto__', 32], ['constructor', undefined], ['hasOwnProperty', 32]]);
  });

  it('keys nodes with a repeated or empty name by their made-up ids, and the view gives each node the MACs of its id', () => {
    const w = makeTensor('w', 'float32', [4, 4], new Float32Array(16).fill(0.5));
    const model = buildModel([
      makeNode('MatMul', ['x', 'w'], ['a'], {}, 'mm'),
      makeNode('Relu', ['a'], ['b'], {}, ''),
      makeNode('MatMul', ['b', 'w'], ['c'], {}, 'mm'),
      makeNode('MatMul', ['c', 'w'], ['y'], {}, ''),
    ], [makeValueInfo('x', 'float32', [3, 4])], [makeValueInfo('y', 'float32', [3, 4])], [w]);
    const m = modelMacs(model);
    assert.deepEqual({ ...m.byNode }, { 'mm#0': 48, 'mm#2': 48, 'MatMul#3': 48 });
    const view = onnxViewGraph(model);
    assert.deepEqual(view.nodes.map((n) => [n.id, n.macs]), [['mm#0', 48], ['Relu#1', undefined], ['mm#2', 48], ['MatMul#3', 48]]);
  });
});
