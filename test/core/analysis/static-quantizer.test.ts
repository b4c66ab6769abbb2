import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { loadModel } from '../../../src/core/onnx/io';
import { modelInputs, npyDataset } from '../../../src/core/runtime/data';
import { StaticLayerQuantizer } from '../../../src/core/analysis/static-quantizer';
import { tensorErrors } from '../../../src/core/analysis/tensor-error';
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
});
