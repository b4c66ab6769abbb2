import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { modelInputs, npyDataset } from '../../../src/core/runtime/data';
import { StaticLayerQuantizer } from '../../../src/core/analysis/static-quantizer';
import { tensorErrors } from '../../../src/core/analysis/tensor-error';
import { createFetcher, type TensorFetch } from '../../../src/core/analysis/packed-fetch';
import { FIXTURES, fmnistBatches } from '../../helpers/fmnist';

describe('analysis/static-quantizer (the static QDQ pass as a LayerQuantizer)', function () {
  this.timeout(60000);

  it('builds any subset of layers from one calibration, with the pass\'s tensor mapping', async () => {
    const model = loadModel(path.join(FIXTURES, 'fmnist_mobilenet.onnx'));
    const data = npyDataset(modelInputs(model), path.join(FIXTURES, 'fmnist_tune500_u8.npy'), { scale: 1 / 255 });
    const q = await StaticLayerQuantizer.create(model, data, { perChannel: false });
    assert.ok(q.layers.length > 20, `${q.layers.length} layers`);
    assert.equal((await q.build(new Set())).model, model);
    const layer = '/features/features.3/body/body.0/Conv';
    const one = await q.build(new Set([layer]));
    const qNodes = one.model.graph.nodes.filter((n) => n.opType === 'QuantizeLinear').length;
    assert.ok(qNodes >= 1 && qNodes <= 2, `${qNodes} QuantizeLinear: its input and its output`);
    const errors = await tensorErrors(model, one.model, one.tensorMap, fmnistBatches('tune500', 100).batches);
    const conv = model.graph.nodes.find((n) => n.name === layer)!;
    const inputProducer = model.graph.producer(conv.input[0])!.name;
    assert.ok(errors.some((e) => e.layer === layer || e.layer === inputProducer));
    assert.ok(errors.every((e) => [layer, inputProducer].includes(e.layer) || model.graph.consumersOf(conv.output[0]).some((c) => c.name === e.layer)));
    assert.ok(errors.every((e) => e.sqnrDb > 20 && e.sqnrDb < 60));
  });

  it('reads 8-bit codes of a fully quantized model packed into one output, the same as separate outputs', async () => {
    const model = loadModel(path.join(FIXTURES, 'fmnist_mobilenet.onnx'));
    const data = npyDataset(modelInputs(model), path.join(FIXTURES, 'fmnist_tune500_u8.npy'), { scale: 1 / 255, batch: 50 });
    const quantizer = await StaticLayerQuantizer.create(model, data, { perChannel: false });
    const q = await quantizer.build(new Set(quantizer.layers));
    const dqs = q.model.graph.nodes.filter((n) => n.opType === 'DequantizeLinear' && q.model.graph.producer(n.input[0])?.opType === 'QuantizeLinear');
    const wanted: TensorFetch[] = [
      ...dqs.map((n) => ({ name: n.input[0], type: 'uint8' as const })),
      ...Object.values(q.tensorMap).slice(0, 5).map((name) => ({ name, type: 'float32' as const })),
    ];
    const feeds = fmnistBatches('tune500', 50, 50).batches[0];
    const packed = await createFetcher(q.model, wanted);
    const plain = await createFetcher(q.model, wanted, { pack: false });
    try {
      assert.ok(packed.packed && !plain.packed);
      const [a, b] = [await packed.run(feeds), await plain.run(feeds)];
      assert.equal(a.length, wanted.length);
      a.forEach((x, i) => {
        assert.equal(x.constructor, b[i].constructor, wanted[i].name);
        assert.deepEqual(x, b[i], wanted[i].name);
      });
    } finally {
      await Promise.all([packed.release(), plain.release()]);
    }
    // Per-tensor error from the codes (JS) agrees with the sums ORT computes in one combined graph.
    const batches = fmnistBatches('tune500', 100).batches;
    const fetched = await tensorErrors(model, q.model, q.tensorMap, batches, { inGraph: false });
    const inGraph = await tensorErrors(model, q.model, q.tensorMap, batches, { inGraph: true });
    assert.equal(fetched.length, inGraph.length);
    fetched.forEach((e, i) => {
      assert.equal(e.tensor, inGraph[i].tensor);
      assert.ok(Number.isFinite(e.sqnrDb) && Math.abs(e.sqnrDb - inGraph[i].sqnrDb) < 0.5, `${e.layer}: ${e.sqnrDb} vs ${inGraph[i].sqnrDb}`);
    });
  });
});
