import * as assert from 'node:assert/strict';
import { fromRing, maskUpdate, newKeyPair, pairSeed, ringAdd, toRing } from '../../src/fl/secagg';
import { randomFloats } from '../helpers/onnx-models';

describe('secure aggregation masks', () => {
  const ids = ['alice', 'bob', 'carol', 'dave'];
  const keys = ids.map(() => newKeyPair());
  const cohort = ids.map((id, k) => ({ id, publicKey: keys[k].publicKey }));
  const updates = ids.map((_, k) => [randomFloats(1000, k).map((x) => x - 0.5), randomFloats(7, 10 + k).map((x) => 3 * (x - 0.5))]);
  const weights = [30, 1, 250, 12];

  it('agree on one seed per pair from X25519 + HKDF (both sides, per round)', () => {
    const ab = pairSeed(keys[0].privateKey, keys[1].publicKey, 3, ['alice', 'bob']);
    assert.ok(ab.equals(pairSeed(keys[1].privateKey, keys[0].publicKey, 3, ['bob', 'alice'])));
    assert.ok(!ab.equals(pairSeed(keys[0].privateKey, keys[1].publicKey, 4, ['alice', 'bob'])), 'a new round, a new seed');
    assert.ok(!ab.equals(pairSeed(keys[0].privateKey, keys[2].publicKey, 3, ['alice', 'carol'])));
  });

  it('cancel in the sum: the masked sum equals the unmasked fixed-point sum bit for bit (mod 2^64)', () => {
    const masked = ids.map((id, k) => maskUpdate(updates[k], weights[k], id, keys[k], cohort, 3));
    const plain = ids.map((_, k) => updates[k].map((t) => toRing(t, weights[k])));
    for (let t = 0; t < 2; t++) {
      const m = new Uint32Array(masked[0][t].length);
      const p = new Uint32Array(m.length);
      ids.forEach((_, k) => { ringAdd(m, masked[k][t], 1); ringAdd(p, plain[k][t], 1); });
      assert.deepEqual(m, p);
      // And the decoded sum is the float64 weighted sum to within the fixed-point step.
      const sum = fromRing(m);
      sum.forEach((v, i) => {
        const exact = ids.reduce((s, _, k) => s + weights[k] * updates[k][t][i], 0);
        assert.ok(Math.abs(v - exact) <= ids.length * 2 ** -32, `${v} vs ${exact}`);
      });
    }
  });

  it('hide each update: one masked upload decodes to values unrelated to the update', () => {
    const m = fromRing(maskUpdate(updates[0], weights[0], 'alice', keys[0], cohort, 3)[0]);
    const x = updates[0][0];
    let dot = 0, mm = 0, xx = 0;
    m.forEach((v, i) => { dot += v * x[i]; mm += v * v; xx += x[i] * x[i]; });
    assert.ok(Math.abs(dot / Math.sqrt(mm * xx)) < 0.1, `correlation ${dot / Math.sqrt(mm * xx)}`);
    assert.ok(Math.sqrt(mm / m.length) > 1e6, 'masked values span the ring, not the update');
  });

  it('encodes negative and positive fixed-point values exactly', () => {
    const v = [-1, 1, -0.5, 12345.678, -(2 ** 19), 2 ** -30, 0];
    const back = fromRing(toRing(v, 1));
    back.forEach((b, i) => assert.equal(b, Math.round(v[i] * 2 ** 32) / 2 ** 32));
    assert.throws(() => toRing([NaN], 1), /outside the fixed-point range/);
  });
});
