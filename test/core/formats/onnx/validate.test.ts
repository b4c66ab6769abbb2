import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { makeNode, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { graphProblems } from '../../../../src/core/formats/onnx/validate';
import { buildModel } from '../../../helpers/onnx-models';

const x = makeValueInfo('x', 'float32', [1, 4]);
const y = makeValueInfo('y', 'float32', [1, 4]);

describe('graphProblems (formats/onnx/validate)', () => {
  it('finds nothing wrong with real models', () => {
    for (const f of ['fmnist_cnn.onnx', 'fmnist_vit.onnx', 'fmnist_mobilenet.int8.onnx']) {
      assert.deepEqual(graphProblems(loadModel(path.resolve('test/fixtures', f))), [], f);
    }
  });

  it('names reads of undefined values, values defined twice, missing outputs and cycles', () => {
    assert.deepEqual(graphProblems(buildModel([makeNode('Relu', ['z'], ['y'], {}, 'r')], [x], [y])), ["graph 'test': node 'r' (Relu) reads 'z', which nothing defines"]);
    assert.deepEqual(graphProblems(buildModel([makeNode('Relu', ['x'], ['x'], {}, 'r'), makeNode('Relu', ['x'], ['y'])], [x], [y])),
      ["graph 'test': 'x' (output of node 'r' (Relu)) is defined more than once"]);
    assert.deepEqual(graphProblems(buildModel([makeNode('Relu', ['x'], ['t'])], [x], [y])), ["graph 'test': output 'y' is not produced by any node"]);
    const cycle = graphProblems(buildModel([makeNode('Add', ['x', 'b'], ['a']), makeNode('Relu', ['a'], ['b']), makeNode('Relu', ['a'], ['y'])], [x], [y]));
    assert.deepEqual(cycle, ["graph 'test' has a cycle"]);
    assert.deepEqual(graphProblems(buildModel([makeNode('Foo', ['x'], ['y'], {}, 'f', 'com.example')], [x], [y])), ["node Foo uses domain 'com.example', which the model imports no opset for"]);
    assert.deepEqual(graphProblems(buildModel([makeNode('Relu', ['x'], ['y'])], [x], [])), ['the graph has no outputs']);
  });
});
