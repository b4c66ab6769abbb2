import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { GRAD_RULES } from '../../../../src/core/passes/train/grads';
import { buildTrainingGraph } from '../../../../src/core/passes/train/training-graph';
import { TrainingSession } from '../../../../src/core/runtime/training-session';
import { buildModel, FIXTURES } from '../../../helpers/onnx-models';
import { gradCheck, randomValues } from './gradcheck';

const w = (name: string, dims: number[]) => makeTensor(name, 'float32', dims, Float32Array.from(randomValues(dims.reduce((a, b) => a * b, 1))));

describe('train: training graph', () => {
  it('the gradient check rejects a wrong gradient (it can fail)', async () => {
    const rules = GRAD_RULES as Record<string, (typeof GRAD_RULES)[string]>;
    const real = rules.Sigmoid;
    rules.Sigmoid = { inputs: [0], grad: (c) => [c.dY[0]] };
    try {
      await assert.rejects(gradCheck({ nodes: [makeNode('Sigmoid', ['x'], ['y'])], inputs: [{ name: 'x', dims: [4] }], outputs: ['y'], wrt: ['x'] }), /relative error/);
    } finally {
      rules.Sigmoid = real;
    }
  });

  it('names the node and op without a gradient between a trainable weight and the loss, before anything runs', () => {
    const model = buildModel(
      [makeNode('MatMul', ['x', 'w1'], ['h']), makeNode('Sin', ['h'], ['s'], {}, 'the_sine'), makeNode('MatMul', ['s', 'w2'], ['logits'])],
      [makeValueInfo('x', 'float32', ['N', 3])], [makeValueInfo('logits', 'float32', ['N', 4])], [w('w1', [3, 5]), w('w2', [5, 4])],
    );
    assert.throws(() => buildTrainingGraph(model, { loss: { kind: 'cross-entropy' } }), /node 'the_sine' \(Sin\) has no gradient.*'w1'/);
    // Freezing the weights before it makes the graph trainable (only w2 trains).
    const g = buildTrainingGraph(model, { loss: { kind: 'cross-entropy' }, freeze: (n) => n === 'w1' });
    assert.deepEqual(g.parameters.map((p) => p.name), ['w2']);
  });

  it('needs class logits [N, C] unless the loss is mse', () => {
    const model = buildModel([makeNode('MatMul', ['x', 'w'], ['y'])], [makeValueInfo('x', 'float32', ['N', 3, 2])], [makeValueInfo('y', 'float32', ['N', 3, 4])], [w('w', [2, 4])]);
    assert.throws(() => buildTrainingGraph(model, { loss: { kind: 'cross-entropy' } }), /no float output of shape \[N, C\].*--loss mse/);
    assert.equal(buildTrainingGraph(model, { loss: { kind: 'mse' } }).output, 'y');
  });

  it('trains weights, not BatchNorm statistics, shapes or scalar constants, and lists what stays fixed', () => {
    const model = loadModel(path.join(FIXTURES, 'fmnist_mobilenet.onnx'));
    const g = buildTrainingGraph(model, { loss: { kind: 'cross-entropy' } });
    assert.equal(g.parameters.length, model.graph.proto.initializer.filter((t) => t.dims.length > 0 && t.dims.reduce((a, b) => a * Number(b), 1) > 1).length);
    for (const p of g.parameters) assert.ok(!p.name.includes('running'), p.name);
    assert.ok(g.model.graph.proto.node.every((n) => !n.domain), 'standard ONNX ops only');
  });

  it('runs Dropout in training mode with --dropout on: reproducible per seed, different from off', async () => {
    const model = buildModel(
      [makeNode('MatMul', ['x', 'w'], ['h']), makeNode('Dropout', ['h'], ['d']), makeNode('Gemm', ['d', 'w2'], ['logits'])],
      [makeValueInfo('x', 'float32', ['N', 6])], [makeValueInfo('logits', 'float32', ['N', 3])], [w('w', [6, 16]), w('w2', [16, 3])], 13,
    );
    const batch = { inputs: { x: new ort.Tensor('float32', Float32Array.from(randomValues(48)), [8, 6]) }, labels: Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]) };
    const losses = async (dropout: 'on' | 'off', seed: number) => {
      const s = await TrainingSession.create(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' }, dropout, seed });
      const out = [];
      for (let k = 0; k < 3; k++) out.push((await s.step(batch, 0.1)).loss);
      await s.release();
      return out;
    };
    const on = await losses('on', 1);
    assert.deepEqual(await losses('on', 1), on, 'the same seed repeats the same masks');
    assert.notDeepEqual(await losses('off', 1), on);
  });
});
