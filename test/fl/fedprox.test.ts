import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/core/formats/onnx/io';
import { TrainingSession } from '../../src/core/runtime/training-session';
import { readNpy } from '../../src/core/runtime/npy';
import { proximal } from '../../src/fl/client/local-train';
import { FIXTURES } from '../helpers/onnx-models';

describe('FedProx proximal term', () => {
  it('adds mu (w - w_global) to the gradient of every step', async () => {
    const model = loadModel(path.join(FIXTURES, 'fmnist_cnn.onnx'));
    const x = readNpy(path.join(FIXTURES, 'fmnist_train1k_u8.npy'));
    const y = readNpy(path.join(FIXTURES, 'fmnist_train1k_labels.npy'));
    const batch = { inputs: { [model.graph.realInputs()[0].name]: new ort.Tensor('float32', Float32Array.from((x.data as Uint8Array).subarray(0, 8 * 784), (v) => v / 255), [8, 1, 28, 28]) }, labels: Int32Array.from(y.data as BigInt64Array, Number).subarray(0, 8) };
    const s = await TrainingSession.create(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' } });
    try {
      const mu = 0.5;
      const lr = 0.1;
      const anchor = s.parameters.map((p, k) => Float32Array.from(p.values, (v, i) => v + 0.01 * Math.sin(i + k)));
      const w0 = s.parameters.map((p) => Float32Array.from(p.values));
      await s.computeGradients(batch);
      const g = s.gradients.map((t) => Float32Array.from(t));
      await s.step(batch, lr, proximal(mu, anchor));
      let worst = 0;
      s.parameters.forEach((p, k) => p.values.forEach((v, i) => {
        const want = w0[k][i] - lr * (g[k][i] + mu * (w0[k][i] - anchor[k][i]));
        worst = Math.max(worst, Math.abs(v - want));
      }));
      assert.ok(worst < 1e-6, `max |w - expected| = ${worst}`);
    } finally {
      await s.release();
    }
  });
});
