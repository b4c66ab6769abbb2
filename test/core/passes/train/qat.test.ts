import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { makeNode, makeTensor } from '../../../../src/core/formats/onnx/build';
import { encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { vjpModel } from '../../../../src/core/passes/train/gradient-graph';
import { fusedOps } from '../../../../src/core/runtime/fused-ops';
import { TrainingSession } from '../../../../src/core/runtime/training-session';
import { buildModel } from '../../../helpers/onnx-models';
import { makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { FIXTURES, fmnistBatches } from '../../../helpers/fmnist';

const INT8_MODEL = path.join(FIXTURES, 'fmnist_mobilenet.int8.onnx');

async function top1(model: Parameters<typeof encodeModelProto>[0] | string, batches: ReturnType<typeof fmnistBatches>): Promise<number> {
  const session = typeof model === 'string'
    ? await ort.InferenceSession.create(model, { logSeverityLevel: 3 })
    : await ort.InferenceSession.create(encodeModelProto(model), { logSeverityLevel: 3 });
  let correct = 0;
  let seen = 0;
  for (const feeds of batches.batches) {
    const out = (await session.run(feeds)).output.data as Float32Array;
    const n = out.length / 10;
    for (let i = 0; i < n; i++) {
      const row = out.subarray(i * 10, i * 10 + 10);
      if (row.indexOf(Math.max(...row)) === batches.labels[seen + i]) correct++;
    }
    seen += n;
  }
  await session.release();
  return correct / seen;
}

describe('train: quantization-aware training (straight-through estimator)', function () {
  this.timeout(120000);

  it('passes the gradient of a Q/DQ pair inside the quantization range and stops it outside', async () => {
    const model = buildModel(
      [makeNode('QuantizeLinear', ['x', 's', 'zp'], ['q']), makeNode('DequantizeLinear', ['q', 's', 'zp'], ['y'])],
      [makeValueInfo('x', 'float32', [6])], [makeValueInfo('y', 'float32', [6])],
      [makeTensor('s', 'float32', [], Float32Array.of(0.1)), makeTensor('zp', 'uint8', [], Uint8Array.of(10))],
    );
    // uint8 with zero point 10 and scale 0.1 represents [-1.0, 24.5].
    const vjp = vjpModel(model, ['x']);
    const session = await ort.InferenceSession.create(encodeModelProto(vjp.model.proto));
    const x = Float32Array.of(-1.5, -1.0, -0.3, 3, 24.5, 30);
    const seed = Float32Array.of(1, 2, 3, 4, 5, 6);
    const r = await session.run({ x: new ort.Tensor('float32', x, [6]), [vjp.seeds.get('y')!]: new ort.Tensor('float32', seed, [6]) });
    assert.deepEqual(Array.from(r[vjp.grads.get('x')!].data as Float32Array), [0, 2, 3, 4, 5, 0]);
  });

  it('trains a static INT8 model\'s weights through fake quantizers and writes an INT8 model ORT fuses as before', async () => {
    const model = loadModel(INT8_MODEL);
    const session = await TrainingSession.create(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adam' }, qat: true });
    // Untrained, the round trip float -> integer gives back every weight exactly.
    const same = session.exportModel();
    for (const t of model.graph.proto.initializer) {
      const u = same.graph.initializers().get(t.name)!;
      assert.deepEqual(Buffer.from(same.rawBytes(u)), Buffer.from(model.rawBytes(t)), t.name);
    }
    const train = fmnistBatches('tune500', 500, 50);
    const test = fmnistBatches('test1k', 1000, 250);
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let b = 0; b < train.batches.length; b++) {
        await session.step({ inputs: train.batches[b], labels: train.labels.subarray(b * 50, b * 50 + 50) }, 1e-3);
      }
    }
    const trained = session.exportModel();
    await session.release();
    const before = await top1(INT8_MODEL, test);
    const after = await top1(trained.proto, test);
    assert.ok(after > before + 0.1, `QAT on 500 images: top-1 ${before} -> ${after}`);
    assert.deepEqual(trained.graph.nodes.map((n) => n.opType), model.graph.nodes.map((n) => n.opType), 'the same QDQ graph');
    assert.deepEqual((await fusedOps(trained)).quantized, (await fusedOps(INT8_MODEL)).quantized, 'ORT fuses the same quantized kernels');
  });

  it('refuses --qat on a float model', async () => {
    await assert.rejects(TrainingSession.create(loadModel(path.join(FIXTURES, 'fmnist_cnn.onnx')), { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' }, qat: true }), /needs a QDQ model/);
  });
});
