import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel, saveModel } from '../../../src/core/formats/onnx/io';
import { modelInputs } from '../../../src/core/runtime/data';
import { readNpy } from '../../../src/core/runtime/npy';
import { arrayDataset, trainEpochs } from '../../../src/core/runtime/train-loop';
import { TrainingSession } from '../../../src/core/runtime/training-session';
import { toFloat32 } from '../../../src/core/tensor/views';
import { FIXTURES } from '../../helpers/fmnist';

// The library API a federated client uses (issue 18): typed-array samples in, N epochs, weights out and in.
describe('runtime/train-loop: training a model on typed arrays', function () {
  this.timeout(120000);
  const model = loadModel(path.join(FIXTURES, 'fmnist_cnn.onnx'));
  const input = modelInputs(model)[0].name;
  const count = 256;
  const pixels = readNpy(path.join(FIXTURES, 'fmnist_train1k_u8.npy')).data as Uint8Array;
  const x = Float32Array.from(pixels.subarray(0, count * 784), (v) => v / 255);
  const labels = Int32Array.from((readNpy(path.join(FIXTURES, 'fmnist_train1k_labels.npy')).data as BigInt64Array).subarray(0, count), Number);

  async function clientRound(base: ReadonlyMap<string, Float32Array>) {
    const session = await TrainingSession.create(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd', momentum: 0.9 }, threads: 1 });
    try {
      session.setWeights(base);
      const reports = await trainEpochs({ session, data: arrayDataset(model, count, { [input]: x }), labels, epochs: 2, batchSize: 64, seed: 7, schedule: { lr: 0.01 } });
      return { reports, delta: session.weightDelta(base), weights: new Map([...session.weights()].map(([k, v]) => [k, v.slice()])), exported: session.exportModel() };
    } finally {
      await session.release();
    }
  }

  it('trains N epochs from given weights, returns the delta, and two runs with one seed agree bit for bit', async () => {
    const initial = await TrainingSession.create(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' } });
    // A "global" model different from the file's weights, as a server would send it.
    const base = new Map([...initial.weights()].map(([k, v]) => [k, Float32Array.from(v, (w, i) => w * (1 + 0.01 * Math.sin(i)))]));
    await initial.release();
    const a = await clientRound(base);
    const b = await clientRound(base);
    assert.deepEqual(a.reports.map((r) => r.epoch), [1, 2]);
    assert.equal(a.reports[0].steps, 4);
    for (const r of a.reports) assert.ok(Number.isFinite(r.loss) && r.trainTop1! > 0.5 && r.imagesPerSecond > 0, JSON.stringify(r));
    let moved = 0;
    for (const [name, d] of a.delta) {
      const w = a.weights.get(name)!;
      const w0 = base.get(name)!;
      for (let i = 0; i < d.length; i++) assert.equal(d[i], Math.fround(w[i] - w0[i]));
      if (d.some((v) => v !== 0)) moved++;
      assert.deepEqual(b.delta.get(name), d, `${name}: a second run with the same seed differs`);
    }
    assert.equal(moved, a.delta.size, 'every trainable tensor moved');
  });

  it('exports the trained weights into the same graph, and a saved model reloads with them', async () => {
    const initial = await TrainingSession.create(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' } });
    const base = new Map([...initial.weights()].map(([k, v]) => [k, v.slice()]));
    await initial.release();
    const { weights, exported } = await clientRound(base);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-train-loop-'));
    try {
      const file = path.join(dir, 'client.onnx');
      saveModel(exported, file);
      const back = loadModel(file);
      assert.equal(back.graph.proto.node.length, model.graph.proto.node.length);
      for (const [name, w] of weights) {
        const t = back.graph.initializers().get(name)!;
        assert.deepEqual(toFloat32(t.dataType, back.tensorData(t)), w, name);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adjustGradients changes every step\'s gradients before the update (zeroed: plain SGD leaves the weights)', async () => {
    const session = await TrainingSession.create(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd', momentum: 0 }, threads: 1 });
    try {
      const before = new Map([...session.weights()].map(([k, v]) => [k, v.slice()]));
      let calls = 0;
      await trainEpochs({
        session, data: arrayDataset(model, count, { [input]: x }), labels, epochs: 1, batchSize: 64, schedule: { lr: 0.1 },
        adjustGradients: (grads, weights) => { calls++; assert.equal(weights.length, grads.length); for (const g of grads) g.fill(0); },
      });
      assert.equal(calls, 4);
      for (const [name, w] of session.weights()) assert.deepEqual(w, before.get(name), name);
    } finally {
      await session.release();
    }
  });

  it('rejects samples that do not fit the input, naming it', () => {
    assert.throws(() => arrayDataset(model, count, { [input]: x.subarray(1) }), new RegExp(`'${input}': 200703 values are not 256 samples of \\[1, 28, 28\\]`));
    assert.throws(() => arrayDataset(model, count, {}), new RegExp(`no samples for the input '${input}'`));
  });
});
