import { strict as assert } from 'node:assert';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { tensorErrors } from '../../../src/core/analysis/tensor-error';
import { Scorer } from '../../../src/core/analysis/scorer';
import { sensitivity } from '../../../src/core/analysis/sensitivity';
import { mixedPrecision } from '../../../src/core/analysis/mixed-precision';
import { WeightFakeQuantizer } from '../../helpers/weight-fake-quant';
import { FMNIST_MODEL, fmnistBatches } from '../../helpers/fmnist';
import { latencyGains } from '../../../src/core/analysis/latency-gain';

describe('analysis on the Fashion-MNIST MobileNet (real ORT runs)', function () {
  this.timeout(60000);
  const model = loadModel(FMNIST_MODEL);
  // 4-bit weights make the per-layer differences large enough to see on 200 samples.
  const quantizer = new WeightFakeQuantizer(model, 4);
  const held = fmnistBatches('test1k', 1000, 250);
  const tune = fmnistBatches('tune500', 200, 100);

  it('the fixture scores its recorded float accuracy on the held-out set', async () => {
    const score = await new Scorer(model, held).score(model);
    assert.equal(score.metric, 'top1');
    assert.ok(score.value > 86 && score.value < 92, `held-out top-1 ${score.value}`);
    assert.equal(score.outputSqnrDb, Infinity);
  });

  it('per-tensor error: identical models are exact; quantized weights give finite, consistent figures', async () => {
    const same = await quantizer.build(new Set());
    const exact = await tensorErrors(model, same.model, same.tensorMap, tune.batches.slice(0, 1));
    assert.equal(exact.length, quantizer.layers.length);
    for (const e of exact) assert.equal(e.sqnrDb, Infinity);
    const q = await quantizer.build(new Set(quantizer.layers));
    const errors = await tensorErrors(model, q.model, q.tensorMap, tune.batches.slice(0, 1));
    for (const e of errors) {
      assert.ok(Number.isFinite(e.sqnrDb) && e.sqnrDb > 0, `${e.layer}: ${e.sqnrDb}`);
      assert.ok(Math.abs(e.sqnrDb + 20 * Math.log10(e.relativeError)) < 1e-6);
      assert.ok(e.cosine > 0.5 && e.cosine <= 1 + 1e-9);
    }
    // Error accumulates: every layer of the deeper half is noisier than the first layer.
    for (const e of errors.slice(errors.length >> 1, -1)) assert.ok(e.sqnrDb < errors[0].sqnrDb, `${e.layer} ${e.sqnrDb} dB`);
    // The sums computed inside ORT (one combined graph, in float64) agree with the tensors fetched
    // to JS and summed in float64 (the two sessions differ only in float32 kernels: 1e-9); float32
    // sums drifted by 5e-5 in cosine and 1e-4 dB here, and put cosines over 1.
    const fetched = await tensorErrors(model, q.model, q.tensorMap, tune.batches.slice(0, 1), { inGraph: false });
    errors.forEach((e, i) => {
      assert.equal(e.layer, fetched[i].layer);
      assert.ok(Math.abs(e.sqnrDb - fetched[i].sqnrDb) < 1e-5, `${e.layer}: ${e.sqnrDb} vs ${fetched[i].sqnrDb}`);
      assert.ok(Math.abs(e.cosine - fetched[i].cosine) < 1e-7, `${e.layer}: ${e.cosine} vs ${fetched[i].cosine}`);
      assert.ok(Math.abs(e.maxAbsError - fetched[i].maxAbsError) < 1e-5);
    });
  });

  it('sensitivity ranks layers by the harm they do alone, and mixed precision meets its budget', async () => {
    // Top-1 barely moves at 4-bit weights on 200 samples: budget the output cosine instead.
    const scorer = new Scorer(model, tune, 'cosine');
    const float = await scorer.score(model);
    const report = await sensitivity(quantizer, scorer, float, { skipOnlyFloat: true });
    assert.equal(report.layers.length, quantizer.layers.length);
    const first = report.layers[0], last = report.layers[report.layers.length - 1];
    assert.ok(first.onlyQuantized.outputSqnrDb < last.onlyQuantized.outputSqnrDb);
    for (const l of report.layers) assert.equal(l.drop, float.value - l.onlyQuantized.value);
    // Quantizing everything is noisier at the output than quantizing any one layer.
    assert.ok(report.allQuantized.outputSqnrDb < first.onlyQuantized.outputSqnrDb);

    const slow = quantizer.layers[3];
    const result = await mixedPrecision(quantizer, scorer, float, report.layers, {
      budget: { minValue: 0.998 },
      latency: latencyGains({ [slow]: 10 }, { [slow]: 15 }),
    });
    assert.ok(result.withinBudget);
    assert.ok(result.score.value >= 0.998);
    assert.ok(report.allQuantized.value < 0.998, 'the budget needs some layers in float');
    assert.ok(result.decisions.some((d) => d.reason === 'harmful'));
    const rescored = await scorer.score(result.quantized.model);
    assert.equal(rescored.value, result.score.value);
    const slowDecision = result.decisions.find((d) => d.layer === slow)!;
    assert.equal(slowDecision.precision, 'float');
    assert.equal(slowDecision.reason, 'int8-slower');
    assert.ok(result.int8Layers.length > 0, 'some layers stay quantized');
    assert.equal(result.decisions.length, quantizer.layers.length);

    // With a latency measurement the fastest candidate within budget wins. A stand-in clock:
    // every layer in INT8 (a rounded weight) saves 1 ms.
    const original = new Set(model.graph.proto.initializer);
    const clock = async (m: typeof model) => ({ median: 100 - m.graph.proto.initializer.filter((t) => !original.has(t)).length, spread: 0 });
    const timed = await mixedPrecision(quantizer, scorer, float, report.layers, {
      budget: { minValue: 0.998 },
      latency: latencyGains({ [slow]: 10 }, { [slow]: 15 }),
      latencyOf: clock,
    });
    assert.deepEqual(timed.candidates?.map((c) => c.name), ['latency-aware', 'accuracy-only', 'float']);
    assert.ok(timed.withinBudget);
    const fastest = timed.candidates!.filter((c) => c.withinBudget).sort((a, b) => a.latencyMs - b.latencyMs)[0];
    assert.equal(timed.chosen, fastest.name);
    assert.equal(timed.candidates![2].latencyMs, 100);
    assert.equal((await clock(timed.quantized.model)).median, fastest.latencyMs);

    // A candidate wins over an earlier one only beyond the run-to-run noise: with runs that vary by
    // 50 ms, a few ms apart is noise and the first candidate within budget stays.
    const noisy = await mixedPrecision(quantizer, scorer, float, report.layers, {
      budget: { minValue: 0.998 }, latency: latencyGains({ [slow]: 10 }, { [slow]: 15 }),
      latencyOf: async (m) => ({ ...(await clock(m)), spread: 50 }),
    });
    assert.equal(noisy.chosen, noisy.candidates!.find((c) => c.withinBudget)!.name);
  });
});
