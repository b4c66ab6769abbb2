import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel, saveModel } from '../../../src/core/formats/onnx/io';
import { makeNode, makeValueInfo } from '../../../src/core/formats/onnx/build';
import { encodeNpy } from '../../../src/core/runtime/npy';
import { loadDataset, modelInputs, npyDataset } from '../../../src/core/runtime/data';
import { StaticLayerQuantizer } from '../../../src/core/analysis/static-quantizer';
import { analyzePair } from '../../../src/core/analysis/pair';
import { evalSetOf, Scorer } from '../../../src/core/analysis/scorer';
import { tensorErrors } from '../../../src/core/analysis/tensor-error';
import { inferTensorMap } from '../../../src/core/analysis/tensor-match';
import { CancelledError } from '../../../src/core/base/cancel';
import { buildModel, tempDir } from '../../helpers/onnx-models';
import { FIXTURES, FMNIST_MODEL, fmnistBatches } from '../../helpers/fmnist';

describe('analysis/pair (what `edgewise analyze` runs)', function () {
  this.timeout(60000);

  it('scores both models from the outputs fetched with the tensors, as separate runs would', async () => {
    const model = loadModel(FMNIST_MODEL);
    const calib = npyDataset(modelInputs(model), path.join(FIXTURES, 'fmnist_tune500_u8.npy'), { scale: 1 / 255 });
    // Per-channel: the fixture's per-tensor INT8 loses most of its accuracy (dead depthwise channels).
    const quantizer = await StaticLayerQuantizer.create(model, calib, { perChannel: true });
    const file = path.join(tempDir(), 'fmnist.static.onnx');
    saveModel((await quantizer.build(new Set(quantizer.layers))).model, file);
    const quant = loadModel(file);
    const data = fmnistBatches('test1k', 300, 100);
    const scorer = new Scorer(model, data);
    const [float, q] = [await scorer.score(model), await scorer.score(quant)];
    for (const inGraph of [true, false]) {
      const steps: string[] = [];
      const r = await analyzePair(model, quant, data, { inGraph, progress: (m) => steps.push(m) });
      assert.ok(!steps.includes('scoring both models'), 'no second pass over the data');
      assert.ok(r.layers.length >= quantizer.layers.length, `${r.layers.length} tensors`);
      assert.equal(r.float.value, float.value);
      assert.equal(r.quantized.value, q.value);
      assert.ok(Math.abs(r.quantized.outputCosine - q.outputCosine) < 1e-6);
      assert.ok(r.float.value - r.quantized.value < 2, `top-1 ${r.float.value} -> ${r.quantized.value}`);
    }
  });

  it('feeds a model with a fixed batch size whole batches only', async () => {
    const dir = tempDir();
    const npy = path.join(dir, 'x.npy');
    fs.writeFileSync(npy, encodeNpy({ dtype: 'float32', shape: [5, 4], data: Float32Array.from({ length: 20 }, (_, i) => i) }));
    const model = (batch: number) => buildModel([makeNode('Relu', ['x'], ['y'])], [makeValueInfo('x', 'float32', [batch, 4])], [makeValueInfo('y', 'float32', [batch, 4])]);
    const feeds = async (m: ReturnType<typeof model>) => evalSetOf(await loadDataset(m, npy));
    const one = await feeds(model(1));
    assert.equal(one.samples, 5);
    assert.deepEqual(one.batches.map((b) => b.x.dims), Array(5).fill([1, 4]));
    const two = await feeds(model(2));
    assert.equal(two.samples, 4);
    assert.deepEqual(two.batches.map((b) => [...(b.x.data as Float32Array)]), [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15]]);
    await assert.rejects(feeds(model(8)), /5 samples do not fill one batch of 8/);
  });

  it('stops between runs when cancelled, on both comparison paths, and reports progress', async () => {
    const model = loadModel(FMNIST_MODEL);
    const quant = loadModel(path.join(FIXTURES, 'fmnist_mobilenet.int8.onnx'));
    const data = fmnistBatches('test1k', 500, 50);
    for (const inGraph of [true, false]) {
      const controller = new AbortController();
      const seen: number[] = [];
      await assert.rejects(tensorErrors(model, quant, inferTensorMap(model, quant), data.batches, {
        inGraph, signal: controller.signal,
        onProgress: (done, total) => { seen.push(done); assert.equal(total, 10); if (done === 3) controller.abort(); },
      }), CancelledError);
      assert.deepEqual(seen, [1, 2, 3], `inGraph ${inGraph}`);
    }
  });
});
