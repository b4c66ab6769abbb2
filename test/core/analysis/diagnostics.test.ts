import { strict as assert } from 'node:assert';
import { diagnose } from '../../../src/core/analysis/diagnostics';
import { ErrorSums } from '../../../src/core/analysis/metrics';
import type { TensorError } from '../../../src/core/analysis/tensor-error';
import { latencyGains } from '../../../src/core/analysis/latency-gain';

const err = (layer: string, sqnrDb: number): TensorError =>
  ({ tensor: `${layer}_out`, quantTensor: `${layer}_q`, layer, opType: 'Conv', sqnrDb, cosine: 0.99, relativeError: 10 ** (-sqnrDb / 20), maxAbsError: 0.1 });

describe('analysis/diagnostics', () => {
  it('applies each rule at its threshold, errors first', () => {
    const findings = diagnose({
      tensorErrors: [err('a', 15), err('a', 30), err('b', 25)],
      layerShares: [{ nodeId: 'a', share: 0.35 }, { nodeId: 'b', share: 0.1 }],
      latencyGains: latencyGains({ c: 100, d: 100 }, { c: 140, d: 40 }),
      fp16Clamps: [{ nodeId: 'e', tensor: 'w', count: 3 }, { nodeId: 'f', tensor: 'v', count: 0 }],
      budgetBreaks: [{ budget: 'latency', message: 'p95 latency 12 ms is over the budget of 10 ms', measured: 12 }],
    });
    assert.deepEqual(findings.map((f) => [f.severity, f.code, f.nodeId]), [
      ['error', 'budget-latency', undefined],
      ['warning', 'low-sqnr', 'a'],
      ['warning', 'int8-slower', 'c'],
      ['warning', 'fp16-clamped', 'e'],
      ['info', 'hot-layer', 'a'],
    ]);
    assert.match(findings[1].message, /15 dB is under 20 dB/);
  });

  it('takes thresholds from the caller', () => {
    const findings = diagnose({ tensorErrors: [err('b', 25)], layerShares: [{ nodeId: 'b', share: 0.1 }] }, { minSqnrDb: 30, hotLayerShare: 0.05 });
    assert.deepEqual(findings.map((f) => f.code), ['low-sqnr', 'hot-layer']);
  });
});

describe('analysis/metrics', () => {
  it('SQNR, cosine and relative error of a known perturbation', () => {
    const s = new ErrorSums();
    s.add([1, 2, 3, 4], [1, 2, 3, 4.5]);
    assert.ok(Math.abs(s.sqnrDb - 10 * Math.log10(30 / 0.25)) < 1e-12);
    assert.ok(Math.abs(s.relativeError - Math.sqrt(0.25 / 30)) < 1e-12);
    assert.ok(Math.abs(s.cosine - 32 / Math.sqrt(30 * 34.25)) < 1e-12);
    assert.equal(s.maxAbsError, 0.5);
  });
});
