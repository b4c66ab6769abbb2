import * as assert from 'node:assert/strict';
import { clamp, cosineFromSums, nonNegative, shareOf } from '../../../src/core/base/bounded';
import { ErrorSums } from '../../../src/core/analysis/metrics';
import { OutputAgreement } from '../../../src/core/analysis/accuracy';

describe('ratios bounded by definition stay inside their bounds (src/core/base/bounded.ts)', () => {
  it('a cosine from sums rounded in float32 (Σr·q a hair over √(Σr²Σq²)) is 1, not 1.00008', () => {
    assert.equal(cosineFromSums(1.00008, 1, 1), 1);
    assert.equal(cosineFromSums(-1.00008, 1, 1), -1);
    assert.equal(cosineFromSums(0, 0, 0), 1);
    assert.equal(cosineFromSums(0, 0, 4), 0);
    // Without the product under the root: Σ of 1e200-sized squares would overflow to Infinity.
    assert.equal(cosineFromSums(1e300, 1e300, 1e300), 1);
  });

  it('the per-layer sums (ErrorSums) report a clamped cosine whatever the comparison graph returned', () => {
    const sums = new ErrorSums();
    const f = Math.fround;
    // Sums as a float32 reduction returns them for a tensor equal to itself.
    sums.addSums(f(1234567.8), 0, f(1234567.8) * (1 + 8e-5), f(1234567.8), 0);
    assert.equal(sums.cosine, 1);
  });

  it('the output comparison (compare, quantize --eval) clamps the same way', () => {
    const a = new OutputAgreement('y');
    const v = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e3);
    a.update(v, v, 10);
    const r = a.result();
    assert.ok(r.cosine <= 1 && r.cosine > 0.999999, String(r.cosine));
    assert.equal(r.top1Agreement, 1);
  });

  it('shares are in [0, 1], divergences not below 0', () => {
    assert.equal(shareOf(103, 100), 1);
    assert.equal(shareOf(-1, 100), 0);
    assert.equal(shareOf(5, 0), 0);
    assert.equal(nonNegative(-1e-17), 0);
    assert.ok(Number.isNaN(clamp(NaN, 0, 1)));
  });
});
