import * as assert from 'node:assert/strict';
import { latencyStats, median, medianInterval, percentile } from '../../../src/core/runtime/stats';

describe('runtime/stats', () => {
  it('interpolates percentiles between ranks as NumPy does', () => {
    // numpy.percentile([1, 2, 3, 4], [50, 90, 99]) -> 2.5, 3.7, 3.97
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.ok(Math.abs(percentile([1, 2, 3, 4], 90) - 3.7) < 1e-12);
    assert.ok(Math.abs(percentile([1, 2, 3, 4], 99) - 3.97) < 1e-12);
    assert.equal(median([5, 1, 3]), 3);
  });

  it('summarises samples with population std and throughput from the mean', () => {
    const s = latencyStats([4, 2, 2, 4]);
    assert.equal(s.minMs, 2);
    assert.equal(s.maxMs, 4);
    assert.equal(s.meanMs, 3);
    assert.equal(s.stdMs, 1);
    assert.equal(s.p50Ms, 3);
    assert.ok(Math.abs(s.throughputPerSec - 1000 / 3) < 1e-9);
    assert.deepEqual(s.samplesMs, [4, 2, 2, 4], 'samples stay in run order');
  });
  it('gives the median a distribution-free 95% interval from order statistics', () => {
    // n = 16: x(4)..x(13) (coverage 1 - 2 * 697/65536 = 97.9%, the textbook pair), whatever the order.
    const v = [16, 3, 9, 1, 12, 5, 14, 7, 2, 11, 6, 15, 8, 4, 13, 10];
    assert.deepEqual(medianInterval(v), { low: 4, high: 13 });
    // n = 6 is the smallest sample with a 95% interval (1/64 below x(1)); n = 5 has none.
    assert.deepEqual(medianInterval([6, 5, 4, 3, 2, 1]), { low: 1, high: 6 });
    assert.equal(medianInterval([1, 2, 3, 4, 5]), undefined);
    // A lower level narrows it: n = 16 at 80% is x(5)..x(12) (P(B <= 4) = 0.038 <= 0.1 < P(B <= 5) = 0.105).
    assert.deepEqual(medianInterval(v, 0.8), { low: 5, high: 12 });
  });
});
