import * as assert from 'node:assert/strict';
import { latencyStats, median, percentile } from '../../../src/core/runtime/stats';

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
});
