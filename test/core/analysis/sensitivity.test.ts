import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { modelInputs, npyDataset } from '../../../src/core/runtime/data';
import { StaticLayerQuantizer } from '../../../src/core/analysis/static-quantizer';
import { Scorer, type Score } from '../../../src/core/analysis/scorer';
import { defaultHarmKey, harmOrder, sensitivity, type LayerSensitivity } from '../../../src/core/analysis/sensitivity';
import { FIXTURES, FMNIST_MODEL, fmnistBatches } from '../../helpers/fmnist';

const score = (value: number, outputSqnrDb: number, outputKl: number): Score => ({ metric: 'top1', value, outputSqnrDb, outputCosine: 1, outputKl });
const layer = (name: string, drop: number, sqnr: number, kl: number, recovery = 0): LayerSensitivity =>
  ({ layer: name, onlyQuantized: score(90 - drop, sqnr, kl), onlyFloat: score(0, 0, 0), drop, recovery });

describe('analysis/sensitivity', function () {
  this.timeout(60000);

  it('orders by the chosen key, ties by metric drop, output SQNR, then recovery; KL is the default for class metrics', () => {
    const ls = [layer('a', 0.2, 30, 0.01), layer('b', 0.2, 20, 0.01), layer('c', 0, 40, 0.05), layer('d', 0.2, 20, 0.01, 1)];
    assert.deepEqual(harmOrder(ls, 'kl').map((l) => l.layer), ['c', 'd', 'b', 'a']);
    assert.deepEqual(harmOrder(ls, 'sqnr').map((l) => l.layer), ['d', 'b', 'a', 'c']);
    assert.deepEqual(harmOrder(ls, 'metric').map((l) => l.layer), ['d', 'b', 'a', 'c']);
    assert.equal(defaultHarmKey('top1'), 'kl');
    assert.equal(defaultHarmKey('agreement'), 'kl');
    assert.equal(defaultHarmKey('cosine'), 'sqnr');
  });

  it('ranks first the layers whose INT8 alone really costs the most held-out accuracy (per-tensor INT8 on the fixture)', async () => {
    const model = loadModel(FMNIST_MODEL);
    const calib = npyDataset(modelInputs(model), path.join(FIXTURES, 'fmnist_tune500_u8.npy'), { scale: 1 / 255, batch: 100 });
    const quantizer = await StaticLayerQuantizer.create(model, calib, { perChannel: false });
    const tuneScorer = new Scorer(model, fmnistBatches('tune500', 200));
    const floatTune = await tuneScorer.score(model);
    assert.equal(floatTune.outputKl, 0);
    assert.ok(floatTune.loss! > 0.1 && floatTune.loss! < 1, `float loss ${floatTune.loss}`);
    const report = await sensitivity(quantizer, tuneScorer, floatTune, { skipOnlyFloat: true });
    assert.ok(report.layers.every((l) => l.onlyQuantized.outputKl >= 0));

    // Brute force on the held-out images the analysis did not see: top-1 drop of each layer alone.
    const heldScorer = new Scorer(model, fmnistBatches('test1k', 1000, 250));
    const floatHeld = await heldScorer.score(model);
    const drops = new Map<string, number>();
    for (const l of quantizer.layers) drops.set(l, floatHeld.value - (await heldScorer.score((await quantizer.build(new Set([l]))).model)).value);
    const truth = [...drops].sort((a, b) => b[1] - a[1]);
    // The fixture's depthwise layers with dead channels cost whole points; the rest a few images at most.
    const real = truth.filter(([, d]) => d >= 1).map(([l]) => l);
    assert.ok(real.length >= 3 && real.every((l) => l.endsWith('body.3/Conv')), `real drops: ${JSON.stringify(truth.slice(0, 6))}`);
    assert.ok(truth.slice(real.length).every(([, d]) => d < 1));
    assert.deepEqual(report.layers.slice(0, real.length).map((l) => l.layer), real);
  });
});
