import { strict as assert } from 'node:assert';
import { OutputAgreement, TopKAccuracy } from '../../../src/core/analysis/accuracy';

describe('accuracy and output agreement', () => {
  it('top-1 / top-5 against labels', () => {
    const acc = new TopKAccuracy(Int32Array.of(2, 0, 5));
    // 3 samples x 6 classes: sample 0 argmax 2 (hit); sample 1 label 0 ranked 2nd; sample 2 label 5 ranked last.
    acc.update(Float32Array.of(
      0, 1, 9, 2, 3, 4,
      5, 6, 0, 0, 0, 0,
      6, 5, 4, 3, 2, 1,
    ), 0, 3);
    const r = acc.result();
    assert.equal(r.top1, 1 / 3);
    assert.equal(r.top5, 2 / 3);
    assert.equal(r.samples, 3);
  });

  it('cosine, max abs error, SQNR and argmax agreement, hand-computed', () => {
    const c = new OutputAgreement('y');
    c.update(Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 2, 3, 3), 2);
    const r = c.result();
    assert.equal(r.maxAbsError, 1);
    assert.equal(r.top1Agreement, 0.5); // row [1,2] vs [1,2] agrees; [3,4] vs [3,3] does not
    assert.ok(Math.abs(r.sqnrDb! - 10 * Math.log10(30 / 1)) < 1e-9);
    assert.ok(Math.abs(r.cosine - 26 / Math.sqrt(30 * 23)) < 1e-12); // dot 26, |ref|^2 30, |test|^2 23
    const same = new OutputAgreement('y');
    same.update(Float32Array.of(1, 2), Float32Array.of(1, 2), 2);
    assert.equal(same.result().sqnrDb, null);
    assert.equal(same.result().cosine, 1);
  });
});
