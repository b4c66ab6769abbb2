import * as assert from 'node:assert/strict';
import { HISTOGRAM_BINS, weightStats } from '../../../src/core/graph/weight-stats';

describe('weightStats', () => {
  it('computes min, max, mean, std, sparsity and a full histogram', () => {
    const s = weightStats(new Float32Array([0, 0, 1, 2, 3, -1, NaN, 0]));
    assert.equal(s.min, -1);
    assert.equal(s.max, 3);
    assert.ok(Math.abs(s.mean - 5 / 7) < 1e-12);
    const m = 5 / 7;
    const v = [0, 0, 1, 2, 3, -1, 0].reduce((a, x) => a + (x - m) ** 2, 0) / 7;
    assert.ok(Math.abs(s.std - Math.sqrt(v)) < 1e-12);
    assert.equal(s.sparsity, 3 / 8);
    assert.equal(s.histogram.counts.length, HISTOGRAM_BINS);
    assert.equal(s.histogram.counts.reduce((a, b) => a + b, 0), 7);
    assert.equal(s.histogram.counts[HISTOGRAM_BINS - 1], 1, 'the max lands in the last bin');
  });

  it('handles constant and empty tensors', () => {
    const c = weightStats(new Float32Array(10).fill(2));
    assert.deepEqual([c.min, c.max, c.std, c.sparsity, c.histogram.counts[0]], [2, 2, 0, 0, 10]);
    const e = weightStats(new Float32Array(0));
    assert.equal(e.histogram.counts.reduce((a, b) => a + b, 0), 0);
  });
});
